/**
 * A version's zip in the database, in parts (table course_version_parts): written inside the
 * import transaction, read back one part at a time for the officer's download and the content
 * cache. Memory stays at about one part whatever the package's size (the upload cap is 500 MB
 * by default, and a single bytea that large cannot travel through node-postgres or PGlite).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Database } from '../../db/client';
import { notFound } from '../../lib/errors';
import type { ZipSource } from '../package';
import * as repo from './repository';

/** A few megabytes: small next to memory, few rows per package. Migration 0003 split existing zips the same way. */
export const PART_BYTES = 4 * 1024 * 1024;

/** The source in pieces of `partBytes` (the last one shorter), read from the file one piece at a time. */
async function* piecesOf(source: ZipSource, partBytes: number): AsyncGenerator<Buffer> {
  if (typeof source !== 'string') {
    for (let at = 0; at < source.length; at += partBytes) yield source.subarray(at, at + partBytes);
    return;
  }
  const handle = await fsp.open(source, 'r');
  try {
    for (;;) {
      const piece = Buffer.allocUnsafe(partBytes);
      let filled = 0;
      while (filled < partBytes) {
        const { bytesRead } = await handle.read(piece, filled, partBytes - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled > 0) yield piece.subarray(0, filled);
      if (filled < partBytes) return;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Stores the zip as the parts of `versionId`. The bytes stored must hash to `sha256`, the
 * hash of the package that was analysed: what was checked is exactly what is kept.
 */
export async function storeZipParts(
  db: Database,
  versionId: number,
  source: ZipSource,
  sha256: string,
  partBytes = PART_BYTES,
): Promise<void> {
  const hash = createHash('sha256');
  let partNo = 0;
  for await (const piece of piecesOf(source, partBytes)) {
    hash.update(piece);
    await repo.insertVersionPart(db, versionId, partNo++, piece);
  }
  if (hash.digest('hex') !== sha256) throw new Error(`the package changed while it was being stored (version ${versionId})`);
}

/** A version's zip, part by part. Throws (mid-stream, if need be) when the parts do not add up to its size. */
export async function* versionZipStream(db: Database, versionId: number): AsyncGenerator<Buffer> {
  const version = await repo.findVersion(db, versionId);
  if (!version) throw notFound();
  let seen = 0;
  for (let partNo = 0; ; partNo++) {
    const part = await repo.versionPart(db, versionId, partNo);
    if (!part) break;
    seen += part.length;
    yield part;
  }
  if (seen !== version.sizeBytes) throw new Error(`course version ${versionId}: ${seen} of its ${version.sizeBytes} bytes are stored`);
}

/** Writes a version's zip to `file`, checked against its sha256 (a damaged zip is never extracted and served). */
export async function saveVersionZip(db: Database, versionId: number, file: string, sha256: string): Promise<void> {
  const hash = createHash('sha256');
  await pipeline(
    versionZipStream(db, versionId),
    async function* (parts: AsyncIterable<Buffer>) {
      for await (const part of parts) {
        hash.update(part);
        yield part;
      }
    },
    fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }),
  );
  if (hash.digest('hex') !== sha256) throw new Error(`course version ${versionId}: the stored zip does not match its sha256`);
}

/**
 * Sends a version's zip as the response body, part by part: a package of hundreds of megabytes
 * is never whole in memory. A failure before the first byte goes to the error handler; one
 * mid-way cuts the download off, so the client never sees a zip that looks complete.
 */
export async function sendVersionZip(res: Response, db: Database, versionId: number): Promise<void> {
  try {
    await pipeline(Readable.from(versionZipStream(db, versionId)), res);
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy();
  }
}
