/**
 * Receiving an uploaded package. multer writes it to disk, never to memory (the cap is 500 MB
 * by default), in a folder of its own under DATA_DIR/uploads; the folder is removed once the
 * request is done with it, whatever happened: imported, refused, failed or cut off mid-way.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { z } from 'zod';
import type { FieldErrors } from '../../lib/errors';
import { parseWith } from '../../lib/validate';

/** What arrived: the file and the form's other fields (typed by the route's schema), or why not. */
export type Received<T> =
  | { ok: true; file: Express.Multer.File; input: T }
  | { ok: false; reason: 'tooLarge' | 'noFile' }
  | { ok: false; reason: 'badForm'; errors: FieldErrors };

/** Only a crash mid-upload leaves a folder behind; no upload is still running after a day. */
const STALE_MS = 24 * 3600 * 1000;

export const uploadsRoot = (dataDir: string) => path.join(dataDir, 'uploads');

/**
 * Receives the form's `package` file into a new folder under `root`, checks the form's other
 * fields with `schema`, hands both to `use`, then removes the folder. Answer the request after
 * this returns, so no client ever sees an answer while the file is still on disk.
 *
 * This is `validate(Schema)` for a multipart form: its fields exist only once multer has read
 * the body, so they are parsed here, with the same parser, rather than by a middleware before.
 */
export async function withUploadedPackage<S extends z.ZodType, T>(
  req: Request,
  res: Response,
  opts: { root: string; maxBytes: number; schema: S },
  use: (received: Received<z.infer<S>>) => Promise<T>,
): Promise<T> {
  await fsp.mkdir(opts.root, { recursive: true });
  const dir = await fsp.mkdtemp(path.join(opts.root, 'upload-'));
  try {
    const received = await receive(req, res, dir, opts.maxBytes);
    if (!received.ok) return await use(received);
    // A form value that is not understood refuses the upload: guessing a default could add the version to another course or make it current unasked.
    const form = parseWith(opts.schema, req.body ?? {});
    return await use(form.ok ? { ok: true, file: received.file, input: form.data } : { ok: false, reason: 'badForm', errors: form.errors });
  } finally {
    // A write multer abandoned may still be closing its file: retry rather than leave the folder.
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function receive(
  req: Request,
  res: Response,
  dir: string,
  maxBytes: number,
): Promise<{ ok: true; file: Express.Multer.File } | { ok: false; reason: 'tooLarge' | 'noFile' }> {
  const upload = multer({ storage: multer.diskStorage({ destination: dir }), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single(
    'package',
  );
  return new Promise((resolve, reject) => {
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') return resolve({ ok: false, reason: 'tooLarge' });
      // Any other refusal of the form itself (a file under another field name, two files) is the client's.
      if (err instanceof multer.MulterError) return resolve({ ok: false, reason: 'noFile' });
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      if (!req.file || req.file.size === 0) return resolve({ ok: false, reason: 'noFile' });
      resolve({ ok: true, file: req.file });
    });
  });
}

/** Removes upload folders left by a crash (older than a day); never fails the caller. */
export async function sweepStaleUploads(root: string, now = Date.now()): Promise<void> {
  const names = await fsp.readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const dir = path.join(root, name);
    const stat = await fsp.stat(dir).catch(() => null);
    if (stat && now - stat.mtimeMs > STALE_MS) await fsp.rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
