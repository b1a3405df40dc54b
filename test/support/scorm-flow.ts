/**
 * Steps of the SCORM engine as a browser takes them, for integration tests: upload a package,
 * start an attempt, launch a SCO, commit CMI. Each step goes through the real routes.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { createApp, type MamoruApp } from '../../server/app';
import type { Viewer } from '../../server/auth/policies';
import { attempts, courseResults, courseVersions, scos, scoStates } from '../../server/db/schema';
import type { Clock } from '../../server/lib/dates';
import { importPackage, type ImportOptions } from '../../server/scorm/courses/service';
import { testConfig, type TestContext } from './app';
import { buildPackage, type PackageSpec } from './scorm-packages';

export type Agent = ReturnType<typeof request.agent>;
type Db = TestContext['db'];

/** The shared third-party fixtures, beside the project (absent in a bare clone). */
export const FIXTURES_DIR = path.resolve(__dirname, '../../../shared/fixtures/scorm');
export const GOLF_12 = path.join(FIXTURES_DIR, 'golf-runtime-basic-scorm12.zip');
export const GOLF_2004 = path.join(FIXTURES_DIR, 'golf-runtime-basic-scorm2004-3rd.zip');

/** Whether the shared fixtures are there (they are beside the project, not in it). */
export const fixturesPresent = [GOLF_12, GOLF_2004].every((file) => fs.existsSync(file));

/**
 * `it` for the tests of a file that need the shared fixtures: `it.skip` when they are absent,
 * said once for the file, so a bare clone reports them skipped rather than passed with no assertions.
 */
export function itWithFixtures(testFile: string) {
  if (fixturesPresent) return it;
  console.info(
    `${testFile}: the tests that need the shared SCORM fixtures are skipped — ${path.relative(process.cwd(), FIXTURES_DIR)} is absent.`,
  );
  return it.skip;
}

/** A shared fixture's bytes (only in tests declared with itWithFixtures). */
export const fixture = (file: string): Buffer => fs.readFileSync(file);

/**
 * Another app instance on the same database: its own rate limiters and content cache,
 * as a second server behind a load balancer would have.
 */
export function instanceOn(ctx: TestContext, env: Record<string, string> = {}, clock?: Clock): MamoruApp {
  return createApp({ config: testConfig({ ...env }), database: ctx.database, ...(clock ? { clock } : {}) });
}

export const asViewer = (row: { id: number; employeeNo: string; name: string; roles?: string[] }): Viewer => ({
  id: row.id,
  employeeNo: row.employeeNo,
  name: row.name,
  roles: (row.roles ?? ['staff']) as Viewer['roles'],
  locale: 'ja',
  managedDepartmentIds: [],
});

/** Posts a zip to the upload form the way the page's fetch does (token in the header). */
export function upload(agent: Agent, csrf: string | null, bytes: Buffer, fields: Record<string, string> = {}) {
  let req = agent.post('/admin/courses/upload');
  if (csrf) req = req.set('x-csrf-token', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('package', bytes, { filename: 'package.zip', contentType: 'application/zip' });
}

let unique = 0;
/** A package whose manifest identifier (and so course slug) is unique to this call. */
export async function uniquePackage(spec: PackageSpec, tag = 'pkg'): Promise<{ bytes: Buffer; identifier: string }> {
  const identifier = `test.${tag}.${Date.now().toString(36)}.${++unique}`;
  const manifest = spec.manifest!.replace(/(<manifest[^>]*\bidentifier=")[^"]*"/, `$1${identifier}"`);
  return { bytes: await buildPackage({ ...spec, manifest }), identifier };
}

/** Imports through the service (for tests about what happens after import). */
export async function importCourse(db: Db, spec: PackageSpec, opts: ImportOptions = {}) {
  const { bytes } = await uniquePackage(spec);
  const result = await importPackage(db, null, bytes, new Date(), opts);
  if (!result.ok) throw new Error(`import refused: ${JSON.stringify(result.problems)}`);
  const scoRows = await db.select().from(scos).where(eq(scos.courseVersionId, result.versionId)).orderBy(scos.position);
  return { ...result, bytes, scos: scoRows };
}

/** Starts (or resumes) the course through its page's button; the attempt id from the redirect. */
export async function start(agent: Agent, csrf: string, courseId: number, action: 'start' | 'retake' = 'start'): Promise<number> {
  const res = await agent.post(`/courses/${courseId}/${action}`).set('x-csrf-token', csrf);
  const m = /^\/learn\/attempts\/(\d+)$/.exec(res.headers.location ?? '');
  if (res.status !== 303 || !m) throw new Error(`start failed: ${res.status} ${res.text.slice(0, 300)}`);
  return Number(m[1]);
}

export interface LaunchAnswer {
  standard: '1.2' | '2004';
  sessionNo: number;
  review: boolean;
  cmi: Record<string, unknown>;
  /** The launch page on the content origin; its path holds the launch's token. */
  launchUrl: string;
  /** What the launch page sends with every commit (never in a URL). */
  commitKey: string;
}

/** A path on the content origin under a launch's token: its launch page (no file) or one of its package's files. */
export const contentPath = (launched: LaunchAnswer, file?: string) =>
  new URL(launched.launchUrl).pathname + (file === undefined ? '' : `f/${file}`);

/** The launch's token, as the content origin's URLs carry it. */
export const tokenOf = (launched: LaunchAnswer) => /\/l\/([^/]+)\//.exec(new URL(launched.launchUrl).pathname)![1]!;

// The tokens of the launches made through `launch`, by attempt/SCO/session: `commit` sends on them,
// as the launch page does.
const launchTokensBy = new Map<string, { token: string; commitKey: string }>();
const launchKey = (attemptId: number, scoId: number, session: number) => `${attemptId}/${scoId}/${session}`;

export async function launch(agent: Agent, csrf: string, attemptId: number, scoId: number): Promise<LaunchAnswer> {
  const res = await agent.post(`/api/attempts/${attemptId}/scos/${scoId}/launch`).set('x-csrf-token', csrf).send({});
  if (res.status !== 200) throw new Error(`launch failed: ${res.status} ${res.text.slice(0, 300)}`);
  const answer = res.body as LaunchAnswer;
  launchTokensBy.set(launchKey(attemptId, scoId, answer.sessionNo), { token: tokenOf(answer), commitKey: answer.commitKey });
  return answer;
}

/** The content origin of the app an agent talks to (supertest wraps the app in a server: it is its request listener). */
const contentOf = (agent: Agent) => request(((agent as unknown as { app: Server }).app.listeners('request')[0] as MamoruApp).content);

/**
 * The commit URL of the launch made (through `launch`) for this attempt, SCO and session; for one
 * never made, a well-formed token that opens nothing.
 */
export const commitPath = (attemptId: number, scoId: number, session: number) =>
  `/l/${launchTokensBy.get(launchKey(attemptId, scoId, session))?.token ?? 'A'.repeat(43)}/commit`;

/** The commit key of that launch (the launch page puts it in every commit body). */
export const commitKeyOf = (attemptId: number, scoId: number, session: number) =>
  launchTokensBy.get(launchKey(attemptId, scoId, session))?.commitKey ?? '';

/**
 * scorm-again's XHR commit from the launch page, on the launch's token (no cookie, no CSRF token:
 * `agent` only says which app). The session is the launch's: there is no other way to name one.
 */
export function commit(agent: Agent, attemptId: number, scoId: number, session: number, payload: object, seq: number) {
  return contentOf(agent)
    .post(commitPath(attemptId, scoId, session))
    .send({ ...payload, commitSequence: seq, commitKey: commitKeyOf(attemptId, scoId, session) });
}

/** The terminate commit by sendBeacon: text/plain, on the launch's token. */
export function beacon(agent: Agent, attemptId: number, scoId: number, session: number, payload: object, seq: number) {
  return contentOf(agent)
    .post(`${commitPath(attemptId, scoId, session)}?terminate=true`)
    .set('Content-Type', 'text/plain;charset=UTF-8')
    .send(JSON.stringify({ ...payload, commitSequence: seq, commitKey: commitKeyOf(attemptId, scoId, session) }));
}

/** For `.buffer(true).parse(binary)`: the raw response bytes as a Buffer in `res.body`. */
export function binary(res: unknown, done: (err: Error | null, body: Buffer) => void) {
  const stream = res as NodeJS.ReadableStream; // superagent hands node's response stream here
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

export async function stateOf(db: Db, attemptId: number, scoId: number) {
  const [row] = await db
    .select()
    .from(scoStates)
    .where(and(eq(scoStates.attemptId, attemptId), eq(scoStates.scoId, scoId)));
  return row;
}

export async function attemptRow(db: Db, attemptId: number) {
  const [row] = await db.select().from(attempts).where(eq(attempts.id, attemptId));
  return row!;
}

export async function resultOf(db: Db, staffId: number, courseId: number, fiscalYear: number) {
  const [row] = await db
    .select()
    .from(courseResults)
    .where(and(eq(courseResults.staffId, staffId), eq(courseResults.courseId, courseId), eq(courseResults.fiscalYear, fiscalYear)));
  return row;
}

export async function countVersions(db: Db): Promise<number> {
  return (await db.select({ id: courseVersions.id }).from(courseVersions)).length;
}
