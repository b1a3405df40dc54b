/**
 * The real server in its own process, as in production, and a learner driving it over plain
 * HTTP: for the commit benchmark and for tests that kill the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { projectRoot } from '../../server/lib/paths';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export interface ServerProcess {
  child: ChildProcess;
  /** Resolves when the process has ended: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
}

/**
 * Starts a TypeScript entry point with `node --import tsx`, and resolves once it prints
 * "listening". Not with the `tsx` CLI: that runs the script in a grandchild process, so a
 * SIGKILL to the child we hold would leave the real server running.
 */
export function startServer(
  script: string,
  env: NodeJS.ProcessEnv,
  opts: { nodeArgs?: string[]; echoStderr?: boolean } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', script], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: ServerProcess = { child, exited, output: () => out };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening/i.test(d.toString())) resolve(proc);
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      if (opts.echoStderr) process.stderr.write(d);
    });
    void exited.then(({ code, signal }) => reject(new Error(`${script} ended (${code ?? signal}) before listening:\n${out}`)));
  });
}

export interface Response {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function request(
  port: number,
  method: string,
  url: string,
  body: string | null,
  headers: Record<string, string>,
  agent?: http.Agent,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, agent, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A signed-in browser: its session cookie and CSRF token. */
export interface Browser {
  cookie: string;
  csrf: string;
}

const cookiesOf = (res: Response) => (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

function must<T>(value: T | undefined | null, what: string, res: Response): T {
  if (value === undefined || value === null) throw new Error(`${what}: unexpected answer ${res.status} ${res.body.slice(0, 300)}`);
  return value;
}

export async function signInOverHttp(port: number, identifier: string, password: string, agent?: http.Agent): Promise<Browser> {
  const loginPage = await request(port, 'GET', '/login', null, {}, agent);
  const loginCsrf = must(/name="_csrf" value="([^"]+)"/.exec(loginPage.body)?.[1], 'login form', loginPage);
  const form = new URLSearchParams({ _csrf: loginCsrf, identifier, password }).toString();
  const login = await request(
    port,
    'POST',
    '/login',
    form,
    {
      cookie: cookiesOf(loginPage),
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(form)),
    },
    agent,
  );
  // The session is regenerated at login: a new cookie, and a new token issued with it.
  const cookie = cookiesOf(login);
  if (!cookie) throw new Error(`sign-in of ${identifier} failed: ${login.status}`);
  const home = await request(port, 'GET', '/courses', null, { cookie }, agent);
  const token = /name="csrf-token" content="([^"]+)"|name="_csrf" value="([^"]+)"/.exec(home.body);
  return { cookie, csrf: must(token?.[1] ?? token?.[2], 'CSRF token after sign-in', home) };
}

/** Starts (or resumes) the course as its page's button does; returns the attempt and its first SCO. */
export async function startAttemptOverHttp(
  port: number,
  b: Browser,
  courseId: number,
  agent?: http.Agent,
): Promise<{ attemptId: number; scoId: number }> {
  const started = await request(
    port,
    'POST',
    `/courses/${courseId}/start`,
    `_csrf=${encodeURIComponent(b.csrf)}`,
    { cookie: b.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    agent,
  );
  const attemptId = Number(must(/\/learn\/attempts\/(\d+)/.exec(started.headers.location ?? '')?.[1], 'start attempt', started));
  const player = await request(port, 'GET', `/learn/attempts/${attemptId}`, null, { cookie: b.cookie }, agent);
  const scoId = Number(must(/data-sco-id="(\d+)"/.exec(player.body)?.[1], 'player page', player));
  return { attemptId, scoId };
}

/**
 * Opens a session on the SCO as the player does: the commit target on the content origin (its
 * port, and the launch token's commit path; no cookie, no CSRF token), and the CMI the player
 * hands the launch page (what the learner resumes from).
 */
export async function launchOverHttp(
  port: number,
  b: Browser,
  attemptId: number,
  scoId: number,
  agent?: http.Agent,
): Promise<{ port: number; path: string; headers: Record<string, string>; commitKey: string; cmi: Record<string, unknown> }> {
  const headers = { cookie: b.cookie, 'x-csrf-token': b.csrf, accept: 'application/json' };
  const launch = await request(port, 'POST', `/api/attempts/${attemptId}/scos/${scoId}/launch`, null, headers, agent);
  if (launch.status !== 200) throw new Error(`launch failed: ${launch.status} ${launch.body.slice(0, 300)}`);
  const { launchUrl, commitKey, cmi } = JSON.parse(launch.body) as { launchUrl: string; commitKey: string; cmi: Record<string, unknown> };
  const url = new URL(launchUrl);
  return { port: Number(url.port), path: `${url.pathname}commit`, headers: { accept: 'application/json' }, commitKey, cmi };
}

/** scorm-again's commit: a JSON body (the CMI and its sequence number) to the commit URL (on the target's own port, if it names one). */
export function commitOverHttp(
  port: number,
  target: { port?: number; path: string; headers: Record<string, string>; commitKey?: string },
  body: string,
  agent?: http.Agent,
): Promise<Response> {
  // The launch page's commit key goes in the body (a JSON object), as its first field.
  if (target.commitKey !== undefined) body = `{"commitKey":${JSON.stringify(target.commitKey)},${body.slice(1)}`;
  return request(
    target.port ?? port,
    'POST',
    target.path,
    body,
    { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...target.headers },
    agent,
  );
}
