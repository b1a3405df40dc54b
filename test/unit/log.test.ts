import { Writable } from 'node:stream';
import { loadConfig } from '../../server/config';
import { lifecycleLogger, processLogger } from '../../server/lib/log';

/** A stand-in for process.stdout: a pipe (JSON lines) or a terminal (plain lines). */
function output(isTTY: boolean) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  stream.isTTY = isTTY;
  return { stream, lines };
}

function logEveryLevel(level: string, isTTY = false) {
  const { stream, lines } = output(isTTY);
  const log = processLogger(loadConfig({ LOG_LEVEL: level }).logLevel, stream);
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  return { lines, log, stream };
}

describe('the process logger', () => {
  it.each([
    ['debug', ['d', 'i', 'w', 'e']],
    ['info', ['i', 'w', 'e']],
    ['warn', ['w', 'e']],
    ['error', ['e']],
    ['silent', []],
  ])('honours LOG_LEVEL=%s', (level, expected) => {
    const { lines } = logEveryLevel(level);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expected);
  });

  it('writes JSON lines to a pipe and plain lines to a terminal', () => {
    const piped = output(false);
    processLogger('info', piped.stream).info({ reqId: 'abc', ms: 3 }, 'hello');
    expect(JSON.parse(piped.lines[0]!)).toMatchObject({ level: 30, reqId: 'abc', ms: 3, msg: 'hello', time: expect.any(String) });

    const tty = output(true);
    const log = processLogger('info', tty.stream);
    log.info({ reqId: 'abc', ms: 3 }, 'hello');
    log.error({ err: new Error('it broke') }, 'failed');
    expect(tty.lines[0]).toMatch(/^\d{2}:\d{2}:\d{2} INFO {2}hello reqId=abc ms=3$/);
    expect(tty.lines[1]).toMatch(/^\d{2}:\d{2}:\d{2} ERROR failed$/);
    expect(tty.lines[2]).toBe('Error: it broke');
  });

  it('keeps start and stop lines under a quieter level, and nothing under silent', () => {
    for (const [level, expected] of [
      ['warn', ['listening']],
      ['error', ['listening']],
      ['debug', ['listening']],
      ['silent', []],
    ] as const) {
      const { stream, lines } = output(false);
      lifecycleLogger(processLogger(level, stream)).info('listening');
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expected);
    }
  });
});
