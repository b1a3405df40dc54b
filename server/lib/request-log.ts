import crypto from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from './log';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

// Ids are a random per-process prefix and a counter (12 hex digits): unique across instances and
// restarts in practice, and no random bytes drawn per request — every SCORM commit is a request.
const PREFIX = crypto.randomBytes(3).toString('hex');
let counter = crypto.randomBytes(3).readUIntBE(0, 3);
const nextRequestId = () => {
  counter = (counter + 1) & 0xffffff;
  return PREFIX + counter.toString(16).padStart(6, '0');
};

/**
 * Gives every request an id (a proxy's `X-Request-Id` when it is a plain token, else a new one)
 * and `req.log`, a child logger that puts it on every line; echoes the id to the client so a
 * person reporting an error can quote it; logs each finished request at debug (4xx/5xx at info).
 * `req.log` is a getter on the app's request prototype that makes the child on first use: most
 * requests (every SCORM commit is one) never log, and a child per request was measurable there.
 * `redact` keeps secrets that travel in paths (the content origin's launch tokens) out of the log.
 */
export function requestLogging(app: Express, log: Logger, opts: { redact?: (path: string) => string } = {}) {
  const redact = opts.redact ?? ((p: string) => p);
  const children = new WeakMap<Request, Logger>();
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request) {
      let child = children.get(this);
      if (!child) {
        child = log.child({ reqId: this.id });
        children.set(this, child);
      }
      return child;
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : nextRequestId();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    res.on('finish', () => {
      if (res.statusCode < 400 && !log.isLevelEnabled('debug')) return;
      const line = {
        method: req.method,
        url: redact(req.originalUrl.split('?')[0]!),
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      if (res.statusCode >= 400) req.log.info(line, 'request');
      else req.log.debug(line, 'request');
    });
    next();
  };
}
