import type { Viewer } from './auth/policies';
import type { Translate } from './lib/i18n';
import type { Logger } from './lib/log';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Viewer {}
    interface Request {
      t: Translate;
      locale: 'ja' | 'en';
      /** Set by requestLogging: the request id, and a logger that puts it on every line. */
      id: string;
      log: Logger;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: { kind: 'success' | 'error' | 'info'; message: string }[];
    returnTo?: string;
  }
}

export {};
