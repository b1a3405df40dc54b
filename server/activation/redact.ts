/**
 * Paths that carry a secret: a slip's activation code (/a/<code>), a password link's token
 * (/password/<token>) and the setup link's (/setup/<token>). The request log must show that such a
 * request happened, never the secret (a live code or link in a log file is a way into an account).
 * For the app's requestLogging({ redact }) in app.ts.
 */
const SECRET_PATH = /^\/(a|password|setup)\/[^/]+/i;

export function redactSecretPath(path: string): string {
  return path.replace(SECRET_PATH, (_m, prefix: string) => `/${prefix}/[redacted]`);
}
