import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/client';
import { notFound } from '../../lib/errors';
import { findVersion, saveVersionZip } from '../courses/service';
import { extractAll } from '../package';

/**
 * Each app instance extracts a course version's zip (kept in the database) into its own cache
 * on first use. Versions are immutable, so a folder named by the zip's sha256 never goes stale.
 */
export class ContentCache {
  private readonly pending = new Map<number, Promise<string>>();
  private readonly ready = new Map<number, string>();

  constructor(
    private readonly db: Database,
    private readonly root: string,
  ) {}

  async folderFor(versionId: number): Promise<string> {
    const known = this.ready.get(versionId);
    if (known) return known;
    let job = this.pending.get(versionId);
    if (!job) {
      job = this.extract(versionId).finally(() => this.pending.delete(versionId));
      this.pending.set(versionId, job);
    }
    const dir = await job;
    this.ready.set(versionId, dir);
    return dir;
  }

  private async extract(versionId: number): Promise<string> {
    const version = await findVersion(this.db, versionId);
    if (!version) throw notFound();
    const dir = path.join(this.root, version.sha256);
    if (fs.existsSync(path.join(dir, '.complete'))) return dir;
    // Extract beside the final folder and rename, so a crash never leaves a half folder in use.
    // The zip comes out of the database part by part into a file beside it, never whole in memory.
    const tmp = `${dir}.tmp-${crypto.randomBytes(4).toString('hex')}`;
    const zipFile = `${tmp}.zip`;
    await fs.promises.mkdir(tmp, { recursive: true });
    try {
      await saveVersionZip(this.db, versionId, zipFile, version.sha256);
      await extractAll(zipFile, tmp);
      await fs.promises.writeFile(path.join(tmp, '.complete'), new Date().toISOString());
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rename(tmp, dir);
    } catch (err) {
      await fs.promises.rm(tmp, { recursive: true, force: true });
      if (fs.existsSync(path.join(dir, '.complete'))) return dir; // another instance won the race
      throw err;
    } finally {
      await fs.promises.rm(zipFile, { force: true });
    }
    return dir;
  }
}
