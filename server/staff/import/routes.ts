import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import multer from 'multer';
import type { AppContext } from '../../context';
import { allow } from '../../auth/policies';
import { flash } from '../../lib/http';
import { idParam, input, validate } from '../../lib/validate';
import { ROSTER_COLUMNS, ROSTER_COLUMN_DOCS, rosterTemplateCsv } from './columns';
import { presentPreview } from './presenter';
import { ImportUploadSchema, PreviewQuerySchema } from './schema';
import { applyImport, discardImport, loadPreview, previewImport } from './service';

export function rosterImportRouter(ctx: AppContext): Router {
  const router = Router();
  const { db, clock, config } = ctx;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.importMaxBytes, files: 1, fields: 10 } }).single(
    'file',
  );
  const importLimiter = rateLimit({ windowMs: 60_000, limit: 20, standardHeaders: 'draft-8', legacyHeaders: false });

  function renderForm(req: Request, res: Response, status: number, message?: string) {
    res.status(status).render('staff/import', {
      title: req.t('import.title'),
      message,
      columns: ROSTER_COLUMNS.map((c) => ({
        header: c.headers.join(' / '),
        required: c.required,
        description: ROSTER_COLUMN_DOCS.find((d) => d.key === c.key)?.[req.locale === 'en' ? 'en' : 'ja'] ?? '',
      })),
    });
  }

  // multer reads the multipart body (the file and the options beside it). A file over the limit is
  // answered on the upload page itself, with the limit, rather than on the generic error page.
  const receiveFile: RequestHandler = (req, res, next) => {
    upload(req, res, (err: unknown) => {
      if ((err as { code?: string } | undefined)?.code === 'LIMIT_FILE_SIZE') {
        return renderForm(req, res, 413, req.t('import.tooLarge', { mb: Math.round(config.importMaxBytes / 1048576) }));
      }
      next(err);
    });
  };

  router.get('/staff/import', allow('roster:write'), (req, res) => renderForm(req, res, 200));

  router.get('/staff/import/template.csv', allow('roster:write'), (_req, res) => {
    res
      .attachment('mamoru-roster-template.csv')
      .type('text/csv; charset=utf-8')
      .send('\uFEFF' + rosterTemplateCsv());
  });

  router.post('/staff/import', allow('roster:write'), importLimiter, receiveFile, validate(ImportUploadSchema), async (req, res) => {
    if (!req.file || req.file.size === 0) return renderForm(req, res, 400, req.t('import.noFile'));
    // multer decodes the multipart filename as latin1; browsers send UTF-8.
    const filename = Buffer.from(req.file.originalname, 'latin1').toString('utf8');
    const id = await previewImport(db, req.user!, { bytes: req.file.buffer, filename }, input(res, ImportUploadSchema));
    res.redirect(303, `/staff/import/${id}`);
  });

  router.get('/staff/import/:id', allow('roster:write'), validate(PreviewQuerySchema, { source: 'query' }), async (req, res) => {
    const preview = await loadPreview(db, idParam(req.params), clock());
    res.render('staff/import-preview', {
      title: req.t('import.preview.title'),
      p: presentPreview(preview, req.t, input(res, PreviewQuerySchema).show),
    });
  });

  router.post('/staff/import/:id/apply', allow('roster:write'), async (req, res) => {
    const summary = await applyImport(db, req.user!, idParam(req.params), clock());
    flash(req, 'success', req.t('import.applied', summary));
    res.redirect(303, '/staff');
  });

  router.post('/staff/import/:id/discard', allow('roster:write'), async (req, res) => {
    await discardImport(db, req.user!, idParam(req.params), clock());
    flash(req, 'info', req.t('import.discarded'));
    res.redirect(303, '/staff/import');
  });

  return router;
}
