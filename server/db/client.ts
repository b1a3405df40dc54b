import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createLogger, type Logger } from '../lib/log';
import { migrationsDir } from '../lib/paths';
import * as schema from './schema';

export type Schema = typeof schema;
/** A database or a transaction on it: repositories take either. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  driver: 'pglite' | 'postgres';
  /** Applies the migrations not yet applied (from another folder only in tests of a migration). */
  migrate(migrationsFolder?: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseTarget = { databaseUrl: string; poolSize?: number } | { dataDir: string } | { pglite: PGlite };

const BYTEA_OID = 17;

/**
 * Options for every PGlite the app opens. PGlite's own bytea handling converts byte by byte
 * through JavaScript arrays: about 2 s and hundreds of megabytes of garbage for each 4 MB part
 * of a course zip. Buffer's native hex does the same conversion (same '\x' text format) some
 * twenty times faster.
 */
export const PGLITE_OPTIONS = {
  serializers: { [BYTEA_OID]: (v: Uint8Array) => `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}` },
  parsers: { [BYTEA_OID]: (text: string) => Buffer.from(text.slice(2), 'hex') },
};

/**
 * A statement the hot path runs thousands of times a minute: on PostgreSQL it is prepared once
 * per connection (named), so the server skips parsing and planning it each time.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

type Runner = (statement: PreparedStatement, values: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
// Keyed by the drizzle handle repositories receive; a transaction handle is not in it.
const runners = new WeakMap<Database, Runner>();

/** Runs a prepared statement on the database behind a handle (not inside a transaction). */
export async function runPrepared(db: Database, statement: PreparedStatement, values: unknown[]): Promise<Record<string, unknown>[]> {
  const run = runners.get(db);
  if (!run) throw new Error(`runPrepared: ${statement.name} needs the database handle, not a transaction`);
  return (await run(statement, values)).rows;
}

// Serialises migrations when several instances start against one PostgreSQL server.
const MIGRATION_LOCK_KEY = 727_001;

// For callers that pass no logger (tests, benchmarks): warnings still reach the output.
let fallbackLog: Logger | undefined;

export async function openDatabase(target: DatabaseTarget, opts: { log?: Logger } = {}): Promise<DatabaseHandle> {
  if ('databaseUrl' in target) {
    const log = opts.log ?? (fallbackLog ??= createLogger('warn'));
    return openPostgres(target.databaseUrl, target.poolSize ?? 10, log.child({ component: 'db' }));
  }
  let client: PGlite;
  if ('pglite' in target) {
    client = target.pglite;
  } else {
    const dir = path.join(target.dataDir, 'pglite');
    fs.mkdirSync(dir, { recursive: true });
    client = new PGlite(dir, PGLITE_OPTIONS);
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  runners.set(db, (statement, values) => client.query<Record<string, unknown>>(statement.text, values));
  return {
    db,
    driver: 'pglite',
    migrate: async (migrationsFolder = migrationsDir) => {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
    },
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(connectionString: string, max: number, log: Logger): Promise<DatabaseHandle> {
  // A fixed-size pool: connections, once opened, stay open (min = max). pg-pool's default closes
  // a connection idle for 10 s, so at a steady moderate load the connections beyond the few in
  // use came and went every few seconds; each new one is a new PostgreSQL backend that loads its
  // catalog caches and prepares the commit statement again, and the commits that waited on it
  // took 100-175 ms instead of 2 (npm run bench:commit, BENCH_TRACE).
  const pool = new pg.Pool({ connectionString, max, min: max, connectionTimeoutMillis: 5000 });
  // An idle client losing its server (restart, failover) must not crash the process;
  // the pool drops it and the next checkout reconnects.
  pool.on('error', (err) => {
    log.warn({ err }, 'idle database connection lost; the pool reconnects on next use');
  });
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  runners.set(db, (statement, values) => pool.query<Record<string, unknown>>({ name: statement.name, text: statement.text, values }));
  return {
    db,
    driver: 'postgres',
    migrate: async (migrationsFolder = migrationsDir) => {
      const conn = await pool.connect();
      try {
        await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePg(drizzlePg(conn), { migrationsFolder });
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        conn.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await pool.end();
    },
  };
}
