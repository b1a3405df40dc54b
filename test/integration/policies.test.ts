import request from 'supertest';
import { POLICIES, policyOf, type Policy } from '../../server/auth/policies';
import { createTestContext, signIn, type TestContext } from '../support/app';
import { makeStaff } from '../support/factories';

// Each file opens its own database; on a busy 2-core machine that can outlast jest's 5 s default.
jest.setTimeout(30_000);

interface RouteInfo {
  method: string;
  path: string;
  policies: Policy[];
}

interface WalkLayer {
  handle?: { stack?: WalkLayer[] };
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: unknown }[] };
  rawPath?: unknown;
  slash?: boolean;
}

/**
 * Every route of the app with the policies its handlers carry. Nested routers are followed;
 * a router mounted under a path prefixes its routes with that path.
 */
function walk(stack: WalkLayer[], prefix = ''): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const policies = layer.route.stack.map((s) => policyOf(s.handle)).filter((p): p is Policy => p !== undefined);
      for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m])) {
        for (const p of paths) out.push({ method: method.toUpperCase(), path: `${prefix}${p}`, policies });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      const mount = !layer.slash && typeof layer.rawPath === 'string' ? layer.rawPath.replace(/\/$/, '') : '';
      out.push(...walk(layer.handle.stack, `${prefix}${mount}`));
    }
  }
  return out;
}

let ctx: TestContext;
let routes: RouteInfo[];
beforeAll(async () => {
  ctx = await createTestContext();
  const router = (ctx.app as unknown as { router: { stack: WalkLayer[] } }).router;
  routes = walk(router.stack);
});
afterAll(() => ctx.close());

describe('the router table', () => {
  it('finds the routes of every feature (the walk itself works)', () => {
    expect(routes.length).toBeGreaterThan(20);
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const known of ['GET /login', 'POST /staff', 'GET /staff/:id', 'GET /admin/hospital', 'GET /admin/audit', 'POST /admin/departments/:id', 'GET /staff/import/:id']) {
      expect(names).toContain(known);
    }
  });

  it('gives every route a policy', () => {
    const offending = routes.filter((r) => r.policies.length === 0).map((r) => `${r.method} ${r.path}`);
    if (offending.length) throw new Error(`routes without allow(policy):\n  ${offending.join('\n  ')}`);
    expect(offending).toEqual([]);
  });
});

/** GET pages that need a role; `:token` pages are reached by link, not by role. */
function rolePages(): RouteInfo[] {
  return routes.filter(
    (r) => r.method === 'GET' && !r.path.includes(':token') && r.policies.length > 0 && r.policies.every((p) => POLICIES[p] !== null && POLICIES[p].length > 0),
  );
}

describe('pages a role may not use', () => {
  let someoneId: number;
  beforeAll(async () => {
    someoneId = (await makeStaff(ctx.db)).id;
  });
  // `:id` -> a real id; optional `{...}` groups dropped; a bare `*rest` wildcard -> one segment.
  const concrete = (path: string) =>
    path
      .replace(/\{[^}]*\}/g, '')
      .replace(/:(\w+)/g, () => String(someoneId))
      .replace(/\*\w+/g, 'x');

  it('covers the role pages', () => {
    expect(rolePages().length).toBeGreaterThanOrEqual(8);
  });

  it('answer 403 to a plain staff member', async () => {
    const person = await makeStaff(ctx.db);
    const { agent } = await signIn(ctx.app, person.employeeNo, person.password);
    const wrong: string[] = [];
    for (const r of rolePages()) {
      const res = await agent.get(concrete(r.path));
      if (res.status !== 403) wrong.push(`${r.path} -> ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('send an anonymous visitor to /login, or answer 401 JSON to an API caller', async () => {
    const wrong: string[] = [];
    for (const r of rolePages()) {
      const page = await request(ctx.app).get(concrete(r.path));
      if (page.status !== 303 || page.headers.location !== '/login') wrong.push(`${r.path} (html) -> ${page.status} ${page.headers.location ?? ''}`);
      const api = await request(ctx.app).get(concrete(r.path)).set('Accept', 'application/json');
      if (api.status !== 401 || (api.body as { error?: { code?: string } }).error?.code !== 'unauthenticated') {
        wrong.push(`${r.path} (json) -> ${api.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
