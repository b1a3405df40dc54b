import path from 'node:path';
import { Router, type Response } from 'express';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { notFound } from '../../lib/errors';
import { idParam } from '../../lib/validate';
import { ContentCache } from './cache';
import { readableFolder } from './service';

/**
 * Course content is served from this origin because the SCORM API lookup (window.parent.API)
 * only works same-origin. Content gets its own CSP: packages need inline scripts, but they
 * still may not load anything from outside the hospital's server.
 */
const CONTENT_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

function setContentHeaders(res: Response) {
  res.setHeader('Content-Security-Policy', CONTENT_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export function contentRouter(ctx: AppContext): Router {
  const router = Router();
  const cache = new ContentCache(ctx.db, path.join(ctx.config.dataDir, 'content-cache'));

  router.get('/content/:versionId/{*rest}', allow('courses:take'), async (req, res, next) => {
    const versionId = idParam(req.params, 'versionId');
    const segments = (req.params as unknown as { rest?: string[] }).rest ?? [];
    // Segments arrive decoded: an encoded slash (`..%2f`) makes a segment that holds a path.
    if (segments.length === 0 || segments.some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0')))
      throw notFound();
    const dir = await readableFolder(ctx.db, cache, req.user!, versionId);
    setContentHeaders(res);
    // Versions never change, so browsers may keep their files for a year.
    res.sendFile(segments.join('/'), { root: dir, dotfiles: 'deny', maxAge: '365d', immutable: true, index: false }, (err) => {
      if (!err) return;
      // A refused path (403 for a dotfile or a climb, 400 for a malformed one) answers like a missing file.
      const status = (err as { status?: number }).status ?? 0;
      const code = (err as { code?: string }).code;
      if ((status >= 400 && status < 500) || code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return next(notFound());
      next(err);
    });
  });

  return router;
}
