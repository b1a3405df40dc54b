/**
 * A real SMTP server for the mail tests (smtp-server), and what arrived at it, parsed by
 * mailparser as a mail client would. It can be stopped and started again on the same port, to
 * play an SMTP server that is down for a while.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Database } from '../../server/db/client';
import { hospital } from '../../server/db/schema';
import { createLogger } from '../../server/lib/log';

export interface Arrived {
  /** The SMTP envelope. */
  envelope: { from: string; to: string[] };
  raw: string;
  mail: ParsedMail;
}

export interface TestSmtp {
  port: number;
  url: string;
  arrived: Arrived[];
  /** Closes the listening socket: connections are refused until `start`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const arrived: Arrived[] = [];
  let port = 0;
  let server: SMTPServer | undefined;

  const listen = async () => {
    const s = new SMTPServer({
      authOptional: true,
      // Plain SMTP on localhost: no STARTTLS (no certificate to trust in a test).
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((mail) => {
              arrived.push({
                envelope: {
                  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  to: session.envelope.rcptTo.map((r) => r.address),
                },
                raw,
                mail,
              });
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.server.address() as AddressInfo).port;
    server = s;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    arrived,
    stop,
    start: listen,
    close: stop,
  };
}

export const TEST_HOSPITAL = 'みなと中央病院';
export const MAIL_FROM = 'kenshu@minato-hp.example.jp';

/** The hospital profile, whose name mail is sent under. */
export async function makeHospital(db: Database, name = TEST_HOSPITAL) {
  await db.insert(hospital).values({ id: 1, name, licensedBeds: 300 }).onConflictDoUpdate({ target: hospital.id, set: { name } });
}

/** A logger whose lines the test reads. */
export function capturedLog() {
  const lines: (Record<string, unknown> & { level: number; msg: string })[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { log, lines };
}
