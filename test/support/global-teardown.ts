import fs from 'node:fs';
import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env.MAMORU_TEST_STATE;
  if (!stateFile || !fs.existsSync(stateFile)) return;
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { kind: string; template?: string; snapshot?: string };
  if (state.kind === 'postgres' && state.template && process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${state.template}`);
    await admin.end();
  }
  if (state.snapshot) fs.rmSync(state.snapshot, { force: true });
  fs.rmSync(stateFile, { force: true });
}
