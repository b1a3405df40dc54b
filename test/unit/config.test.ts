import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, ensureSessionSecret, loadConfig } from '../../server/config';

const SECRET = 'a-session-secret-that-is-long-enough-123';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has working defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      env: 'development',
      port: 3000,
      baseUrlConfigured: false,
      contentBaseUrl: undefined,
      contentPort: 3001,
      host: '0.0.0.0',
      baseUrl: 'http://localhost:3000',
      secureCookies: false,
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      sessionSecret: '',
      sessionMaxAgeMs: 12 * 3600 * 1000,
      trustProxy: undefined,
      loginRateLimitPer15Min: 50,
      importMaxBytes: 20 * 1024 * 1024,
      packageMaxBytes: 500 * 1024 * 1024,
      smtp: { url: undefined, from: undefined },
      logLevel: 'info',
      workerPollMs: 1000,
      commitsPerLaunchPer10s: 100,
    });
  });

  it('treats blank values as unset', () => {
    const c = loadConfig({ PORT: '', BASE_URL: '', DATABASE_URL: '', SESSION_SECRET: '', SMTP_URL: '', MAIL_FROM: '', TRUST_PROXY: '' });
    expect(c).toMatchObject({
      port: 3000,
      baseUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      sessionSecret: '',
      trustProxy: undefined,
    });
    expect(c.smtp).toEqual({ url: undefined, from: undefined });
  });

  it('reads the values it is given', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      BASE_URL: 'https://mamoru.hospital.example.jp/',
      CONTENT_BASE_URL: 'https://mamoru-content.hospital.example.jp',
      DATABASE_URL: 'postgresql://mamoru@db:5432/mamoru',
      SESSION_SECRET: SECRET,
      SESSION_MAX_AGE_HOURS: '8',
      DATA_DIR: '/var/lib/mamoru',
      IMPORT_MAX_MB: '5',
      SMTP_URL: 'smtp://mamoru:p%40ss@mail.hospital.example.jp:587',
      MAIL_FROM: 'mamoru@hospital.example.jp',
      LOG_LEVEL: 'warn',
    });
    expect(c).toMatchObject({
      env: 'production',
      port: 8080,
      baseUrl: 'https://mamoru.hospital.example.jp',
      baseUrlConfigured: true,
      contentBaseUrl: 'https://mamoru-content.hospital.example.jp',
      secureCookies: true,
      databaseUrl: 'postgresql://mamoru@db:5432/mamoru',
      sessionSecret: SECRET,
      sessionMaxAgeMs: 8 * 3600 * 1000,
      dataDir: '/var/lib/mamoru',
      importMaxBytes: 5 * 1024 * 1024,
      smtp: { url: 'smtp://mamoru:p%40ss@mail.hospital.example.jp:587', from: 'mamoru@hospital.example.jp' },
      logLevel: 'warn',
    });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root@localhost/mamoru',
      SESSION_SECRET: 'too-short',
      BASE_URL: 'ftp://files.example.jp',
    });
    expect(problems).toHaveLength(4);
    for (const name of ['PORT', 'DATABASE_URL', 'SESSION_SECRET', 'BASE_URL']) {
      expect(problems.filter((p) => p.startsWith(`${name}:`))).toHaveLength(1);
    }
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toContain('postgres://');
    expect(problems.find((p) => p.startsWith('SESSION_SECRET:'))).toContain('32');

    let message = '';
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://root@localhost/mamoru',
        SESSION_SECRET: 'too-short',
        BASE_URL: 'ftp://files.example.jp',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['PORT', 'DATABASE_URL', 'SESSION_SECRET', 'BASE_URL']) expect(message).toContain(`  - ${name}: `);
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ BASE_URL: 'not a url' }, 'BASE_URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
    [{ SMTP_URL: 'http://mail.hospital.example.jp', MAIL_FROM: 'mamoru@hospital.example.jp' }, 'SMTP_URL'],
    [{ SMTP_URL: 'mail.hospital.example.jp:25', MAIL_FROM: 'mamoru@hospital.example.jp' }, 'SMTP_URL'],
    // An SMTP server with no sender address would send mail nobody can answer or trust.
    [{ SMTP_URL: 'smtp://mail.hospital.example.jp' }, 'MAIL_FROM'],
    // The old separate settings are refused, not silently ignored.
    [{ SMTP_HOST: 'mail.hospital.example.jp' }, 'SMTP_HOST'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WORKER_POLL_MS: '0' }, 'WORKER_POLL_MS'],
    [{ WORKER_POLL_MS: 'often' }, 'WORKER_POLL_MS'],
    // Course content must run on another origin than the app.
    [{ BASE_URL: 'https://lms.hospital.example', CONTENT_BASE_URL: 'https://lms.hospital.example' }, 'CONTENT_BASE_URL'],
    [{ CONTENT_BASE_URL: 'https://content.hospital.example/courses' }, 'CONTENT_BASE_URL'],
    // Behind a TLS proxy the content port (plain HTTP) cannot be the content origin.
    [{ BASE_URL: 'https://lms.hospital.example' }, 'CONTENT_BASE_URL'],
    [{ CONTENT_BASE_URL: 'http://localhost:3000' }, 'CONTENT_BASE_URL'],
    [{ PORT: '8080', CONTENT_PORT: '8080' }, 'CONTENT_PORT'],
    [{ PORT: '65535' }, 'CONTENT_PORT'],
  ])('refuses %j', (env, name) => {
    expect(problemsOf(env).map((p) => p.split(':')[0])).toEqual([name]);
  });

  it('puts course content on PORT + 1 of the same host name by default, or where CONTENT_BASE_URL says', () => {
    expect(loadConfig({ PORT: '8080' })).toMatchObject({ port: 8080, contentPort: 8081, contentBaseUrl: undefined });
    expect(
      loadConfig({ BASE_URL: 'https://lms.hospital.example', CONTENT_BASE_URL: 'https://content.hospital.example/', CONTENT_PORT: '9000' }),
    ).toMatchObject({ contentPort: 9000, contentBaseUrl: 'https://content.hospital.example' });
  });

  it('reads SMTP over TLS (smtps://) as well as plain smtp://, and no mail settings at all', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://user:secret@mail.example.jp:465', MAIL_FROM: 'mamoru@example.jp' }).smtp).toEqual({
      url: 'smtps://user:secret@mail.example.jp:465',
      from: 'mamoru@example.jp',
    });
    // MAIL_FROM alone is fine: the address is known, mail waits until a server is set.
    expect(loadConfig({ MAIL_FROM: 'mamoru@example.jp' }).smtp).toEqual({ url: undefined, from: 'mamoru@example.jp' });
  });

  it('requires a shared session secret in production with PostgreSQL', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/mamoru' });
    expect(problems).toEqual([expect.stringMatching(/^SESSION_SECRET: .*production/)]);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/mamoru', SESSION_SECRET: SECRET })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'production' })).not.toThrow();
  });
});

describe('ensureSessionSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamoru-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a secret file in DATA_DIR once and reuses it', () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const config = loadConfig({ DATA_DIR: dataDir });
    const first = ensureSessionSecret(config);
    const file = path.join(dataDir, 'session-secret');
    expect(fs.existsSync(file)).toBe(true);
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.sessionSecret);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(config.sessionSecret).toBe(''); // the input is not mutated

    const second = ensureSessionSecret(loadConfig({ DATA_DIR: dataDir }));
    expect(second.sessionSecret).toBe(first.sessionSecret);
    expect(fs.readdirSync(dataDir)).toEqual(['session-secret']);

    const elsewhere = ensureSessionSecret(loadConfig({ DATA_DIR: path.join(dir, 'other') }));
    expect(elsewhere.sessionSecret).not.toBe(first.sessionSecret);
  });

  it('leaves a configured secret alone and writes nothing', () => {
    const config = loadConfig({ DATA_DIR: dir, SESSION_SECRET: SECRET });
    expect(ensureSessionSecret(config)).toEqual(config);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
