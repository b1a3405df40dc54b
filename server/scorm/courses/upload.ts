/**
 * Receiving an uploaded package. multer writes it to disk, never to memory (the cap is 500 MB
 * by default), in a folder of its own under DATA_DIR/uploads; the folder is removed once the
 * request is done with it, whatever happened: imported, refused, failed or cut off mid-way.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';

export type Received = { ok: true; file: Express.Multer.File } | { ok: false; reason: 'tooLarge' | 'noFile' };

/** Only a crash mid-upload leaves a folder behind; no upload is still running after a day. */
const STALE_MS = 24 * 3600 * 1000;

export const uploadsRoot = (dataDir: string) => path.join(dataDir, 'uploads');

/**
 * Receives the form's `package` file into a new folder under `root`, hands it to `use`, then
 * removes the folder. Answer the request after this returns, so no client ever sees an answer
 * while the file is still on disk.
 */
export async function withUploadedPackage<T>(
  req: Request,
  res: Response,
  opts: { root: string; maxBytes: number },
  use: (received: Received) => Promise<T>,
): Promise<T> {
  await fsp.mkdir(opts.root, { recursive: true });
  const dir = await fsp.mkdtemp(path.join(opts.root, 'upload-'));
  try {
    return await use(await receive(req, res, dir, opts.maxBytes));
  } finally {
    // A write multer abandoned may still be closing its file: retry rather than leave the folder.
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function receive(req: Request, res: Response, dir: string, maxBytes: number): Promise<Received> {
  const upload = multer({ storage: multer.diskStorage({ destination: dir }), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('package');
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
