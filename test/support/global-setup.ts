import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../../server/db/client';

/**
 * Migrates once per run: a PGlite data-dir snapshot each test file loads (about 1 s instead of
 * an initdb per file), or a PostgreSQL template database each file clones.
 */
export default async function globalSetup(): Promise<void> {
  const stateFile = path.join(os.tmpdir(), `mamoru-test-${process.pid}.json`);
  process.env.MAMORU_TEST_STATE = stateFile;
  if (process.env.DATABASE_URL) {
    const template = `mamoru_tmpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    const database = await openDatabase({ databaseUrl: withDatabaseName(process.env.DATABASE_URL, template), poolSize: 1 });
    await database.migrate();
    await database.close();
    fs.writeFileSync(stateFile, JSON.stringify({ kind: 'postgres', template }));
    return;
  }
  const client = new PGlite();
  const database = await openDatabase({ pglite: client });
  await database.migrate();
  const dump = await client.dumpDataDir('none');
  const snapshot = path.join(os.tmpdir(), `mamoru-test-${process.pid}.tar`);
  fs.writeFileSync(snapshot, Buffer.from(await dump.arrayBuffer()));
  await client.close();
  fs.writeFileSync(stateFile, JSON.stringify({ kind: 'pglite', snapshot }));
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
