import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    // A blank PORT= (an env file, a compose template) means the default, not port 0.
    PORT: z.preprocess(emptyToUndefined, port.default(3000)),
    HOST: z.string().min(1).default('0.0.0.0'),
    BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    // Course content is served from a second origin (see server/scorm/content/): by default the
    // page's own host name on CONTENT_PORT (PORT + 1); behind a reverse proxy, a second host name.
    CONTENT_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    CONTENT_PORT: z.preprocess(emptyToUndefined, port.optional()),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
        .optional(),
    ),
    SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
    SESSION_MAX_AGE_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
    TRUST_PROXY: z.preprocess(emptyToUndefined, z.string().optional()),
    LOGIN_RATE_LIMIT_PER_15MIN: z.coerce.number().int().positive().default(50),
    IMPORT_MAX_MB: z.coerce.number().positive().max(2048).default(20),
    PACKAGE_MAX_MB: z.coerce.number().positive().max(2048).default(500),
    // Mail (server/mail/): one URL says where and how, user and password URL-encoded in it.
    SMTP_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional()),
    MAIL_FROM: z.preprocess(emptyToUndefined, z.email().optional()),
    // The settings this replaced: refused rather than ignored, so nobody waits for mail that never goes.
    SMTP_HOST: z.preprocess(emptyToUndefined, z.string().optional()),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    // Commits one launch may send per 10 s (content saves every few seconds; a script hammering the API does not).
    COMMITS_PER_LAUNCH_PER_10S: z.coerce.number().int().positive().default(100),
    // How often the worker looks for due outbox jobs when it found none last time.
    WORKER_POLL_MS: z.coerce.number().int().min(50).max(3_600_000).default(1000),
  })
  .superRefine((c, ctx) => {
    // Refinements run even when a field failed its own check (zod reports all at once): parse defensively.
    const originOf = (url: string) => {
      try {
        return new URL(url).origin;
      } catch {
        return undefined;
      }
    };
    const appOrigin = originOf(c.BASE_URL ?? `http://localhost:${c.PORT}`);
    if (c.CONTENT_BASE_URL && appOrigin && originOf(c.CONTENT_BASE_URL) === appOrigin) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONTENT_BASE_URL'],
        message: 'must be another origin than BASE_URL (another host name or port): course content must not run on the app origin',
      });
    }
    if (c.CONTENT_BASE_URL && !/^https?:\/\/[^/]+\/?$/.test(c.CONTENT_BASE_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONTENT_BASE_URL'],
        message: 'must be an origin only (scheme, host name, port), with no path',
      });
    }
    if (c.BASE_URL?.startsWith('https://') && !c.CONTENT_BASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONTENT_BASE_URL'],
        message: 'is required with an https BASE_URL: serve course content under a second host name through the proxy (see README)',
      });
    }
    const portValid = Number.isInteger(c.PORT) && c.PORT >= 0 && c.PORT <= 65535;
    const contentPort = c.CONTENT_PORT ?? (c.PORT === 0 ? 0 : c.PORT + 1);
    if (portValid && contentPort !== 0 && contentPort === c.PORT) {
      ctx.addIssue({ code: 'custom', path: ['CONTENT_PORT'], message: 'must differ from PORT' });
    }
    if (portValid && contentPort > 65535) {
      ctx.addIssue({ code: 'custom', path: ['CONTENT_PORT'], message: 'PORT + 1 is not a port: set CONTENT_PORT' });
    }
    if (c.SMTP_URL && !c.MAIL_FROM) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required with SMTP_URL (the address mail is sent from)' });
    }
    if (c.SMTP_HOST) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_HOST'],
        message: 'is no longer read: set SMTP_URL (smtp://user:password@host:587 or smtps://…:465) and MAIL_FROM instead',
      });
    }
    if (c.NODE_ENV === 'production' && c.DATABASE_URL && !c.SESSION_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required with DATABASE_URL in production (all instances must share it)',
      });
    }
  });

type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  baseUrl: string;
  /** Whether BASE_URL was given (then it, not a request's Host header, names the app origin). */
  baseUrlConfigured: boolean;
  /** The content origin's base URL when configured; unset: the page's host name on `contentPort`. */
  contentBaseUrl: string | undefined;
  contentPort: number;
  secureCookies: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string;
  sessionMaxAgeMs: number;
  trustProxy: string | undefined;
  loginRateLimitPer15Min: number;
  importMaxBytes: number;
  packageMaxBytes: number;
  /**
   * Where mail goes: unset, mail waits in the outbox (nothing is lost; the mail page says so).
   * `url` carries the SMTP password: never log it (`describeSmtp` in server/mail/transport.ts).
   */
  smtp: { url: string | undefined; from: string | undefined };
  logLevel: RawConfig['LOG_LEVEL'];
  workerPollMs: number;
  commitsPerLaunchPer10s: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Validates the environment once at boot. Every problem is listed at once so an operator
 * fixes them in one go rather than one restart at a time.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const dataDir = path.resolve(c.DATA_DIR);
  const baseUrl = (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '');
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    baseUrl,
    baseUrlConfigured: Boolean(c.BASE_URL),
    contentBaseUrl: c.CONTENT_BASE_URL?.replace(/\/$/, ''),
    contentPort: c.CONTENT_PORT ?? (c.PORT === 0 ? 0 : c.PORT + 1),
    secureCookies: baseUrl.startsWith('https://'),
    dataDir,
    databaseUrl: c.DATABASE_URL,
    sessionSecret: c.SESSION_SECRET ?? '',
    sessionMaxAgeMs: c.SESSION_MAX_AGE_HOURS * 3600 * 1000,
    trustProxy: c.TRUST_PROXY,
    loginRateLimitPer15Min: c.LOGIN_RATE_LIMIT_PER_15MIN,
    importMaxBytes: Math.round(c.IMPORT_MAX_MB * 1024 * 1024),
    packageMaxBytes: Math.round(c.PACKAGE_MAX_MB * 1024 * 1024),
    smtp: { url: c.SMTP_URL, from: c.MAIL_FROM },
    logLevel: c.LOG_LEVEL,
    workerPollMs: c.WORKER_POLL_MS,
    commitsPerLaunchPer10s: c.COMMITS_PER_LAUNCH_PER_10S,
  };
}

/**
 * With no SESSION_SECRET, a secret is generated on first start and kept in DATA_DIR so
 * sessions survive restarts. Several instances behind a load balancer must set it.
 */
export function ensureSessionSecret(config: Config): Config {
  if (config.sessionSecret) return config;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'session-secret');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return { ...config, sessionSecret: fs.readFileSync(file, 'utf8').trim() };
}
