import crypto from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, PGLITE_OPTIONS, type DatabaseHandle } from '../../server/db/client';
import { withDatabaseName } from './global-setup';

interface TestState {
  kind: 'pglite' | 'postgres';
  snapshot?: string;
  template?: string;
}

function state(): TestState {
  const file = process.env.MAMORU_TEST_STATE;
  if (!file) throw new Error('MAMORU_TEST_STATE is unset: run these tests through jest (globalSetup).');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestState;
}

export const usingPostgres = () => state().kind === 'postgres';

function viaHost(url: string, via?: { host: string; port: number }): string {
  if (!via) return url;
  const u = new URL(url);
  u.hostname = via.host;
  u.port = String(via.port);
  return u.toString();
}

/**
 * A fresh, migrated database of the kind this run uses, for one test file: a copy of the
 * PGlite snapshot, or a PostgreSQL database cloned from the template (dropped on close).
 * With `via` (PostgreSQL only), the app's connections go to that host:port instead — a proxy
 * in front of the server — while creating and dropping the database still go direct.
 */
export async function openTestDatabase(opts: { via?: { host: string; port: number } } = {}): Promise<DatabaseHandle & { url?: string }> {
  const s = state();
  if (s.kind === 'pglite') {
    if (opts.via) throw new Error('openTestDatabase({ via }) needs PostgreSQL');
    const bytes = fs.readFileSync(s.snapshot!);
    const client = new PGlite({ loadDataDir: new Blob([bytes]), ...PGLITE_OPTIONS });
    return openDatabase({ pglite: client });
  }
  return openFreshPostgres(s.template, opts.via);
}

/**
 * A fresh database of the kind this run uses with no migration applied (for tests of a
 * migration): an empty in-memory PGlite, or an empty PostgreSQL database (dropped on close).
 */
export async function openEmptyDatabase(): Promise<DatabaseHandle> {
  return state().kind === 'pglite' ? openDatabase({ pglite: new PGlite(PGLITE_OPTIONS) }) : openFreshPostgres(undefined);
}

async function openFreshPostgres(
  template: string | undefined,
  via?: { host: string; port: number },
): Promise<DatabaseHandle & { url: string }> {
  const name = `mamoru_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  await admin.end();
  const url = viaHost(withDatabaseName(process.env.DATABASE_URL!, name), via);
  const handle = await openDatabase({ databaseUrl: url, poolSize: 5 });
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      const dropper = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
