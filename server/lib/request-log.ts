import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './log';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (a proxy's `X-Request-Id` when it is a plain token, else a new one)
 * and a child logger that puts it on every line, echoes it to the client so a person reporting
 * an error can quote it, and logs each finished request at debug (4xx/5xx at info).
 */
export function requestLogging(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomBytes(6).toString('hex');
    req.id = id;
    req.log = log.child({ reqId: id });
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, url: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 400) req.log.info(line, 'request');
      else req.log.debug(line, 'request');
    });
    next();
  };
}
