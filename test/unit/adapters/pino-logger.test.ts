import { Writable } from 'node:stream';
import { describeError } from '../../../src/application';
import { JsonLogger, PinoLogger, parseLogLevel, type LogLevel } from '../../../src/adapters/system/pino-logger';
import * as publicSurface from '../../../src';

class MemoryStream extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  text(): string {
    return this.chunks.join('');
  }
  lines(): Array<Record<string, unknown>> {
    const text = this.text();
    if (text === '') return [];
    expect(text.endsWith('\n')).toBe(true);
    return text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

function makeSut(level?: LogLevel): { sut: PinoLogger; stream: MemoryStream } {
  const stream = new MemoryStream();
  return { sut: new PinoLogger({ level, stream }), stream };
}

function logAll(sut: PinoLogger): void {
  sut.debug('d');
  sut.info('i');
  sut.warn('w');
  sut.error('e');
}

describe('PinoLogger', () => {
  it('writes one JSON line per call with time, level, msg and fields, and nothing else', () => {
    const { sut, stream } = makeSut('debug');
    sut.info('user logged in', { userId: 'u1', attempt: 2, ok: true, none: null });

    const [line] = stream.lines();
    expect(stream.text().split('\n')).toHaveLength(2);
    expect(line).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'user logged in',
      userId: 'u1',
      attempt: 2,
      ok: true,
      none: null,
    });
    expect(new Date(String(line!.time)).toISOString()).toBe(line!.time);
  });

  it('leaves out a field whose value is undefined', () => {
    const { sut, stream } = makeSut();
    sut.info('closed', { connection: 'c1', throttled: undefined });

    expect(stream.lines()[0]).toEqual({ time: expect.any(String), level: 'info', msg: 'closed', connection: 'c1' });
  });

  it('keeps a message with newlines on one line', () => {
    const { sut, stream } = makeSut();
    sut.warn('two\nlines', { detail: 'a\r\nb' });

    expect(stream.text().split('\n')).toHaveLength(2);
    expect(stream.lines()[0]).toMatchObject({ msg: 'two\nlines', detail: 'a\r\nb' });
  });

  it('does not let fields overwrite the envelope', () => {
    const { sut, stream } = makeSut();
    sut.info('real', { msg: 'fake', level: 'error', time: 'yesterday' });

    const raw = stream.text();
    // One of each key: a second "msg" would win in some JSON readers and lose in others.
    expect(raw.match(/"msg":/g)).toHaveLength(1);
    expect(raw.match(/"level":/g)).toHaveLength(1);
    expect(raw.match(/"time":/g)).toHaveLength(1);
    expect(stream.lines()[0]).toMatchObject({
      level: 'info',
      msg: 'real',
      field_msg: 'fake',
      field_level: 'error',
      field_time: 'yesterday',
    });
  });

  it('writes an error summary field', () => {
    const { sut, stream } = makeSut();
    const failure = Object.assign(new Error('SELECT * FROM accounts'), { code: 'ER_LOCK_DEADLOCK' });
    sut.error('request failed', { error: describeError(failure), command: 'LOGIN' });

    const [line] = stream.lines();
    expect(line).toMatchObject({ level: 'error', msg: 'request failed', command: 'LOGIN' });
    expect(line!.error).toBe(describeError(failure));
    expect(String(line!.error)).not.toBe('');
  });

  it.each(['password', 'token', 'sessionToken', 'content', 'text', 'payload', 'authorization'])(
    'never writes the value of a %s field',
    (key) => {
      const { sut, stream } = makeSut('debug');
      sut.debug('careless', { [key]: 'hunter2-secret', userId: 'u1' });
      sut.error('careless', { [key]: 'hunter2-secret' });

      expect(stream.text()).not.toContain('hunter2-secret');
      expect(stream.lines()).toHaveLength(2);
      expect(stream.lines()[0]).toMatchObject({ [key]: '[redacted]', userId: 'u1', msg: 'careless' });
    },
  );

  it('never writes a secret one level down either (an embedder passing an object)', () => {
    const { sut, stream } = makeSut();
    // LogFields are flat; plain JavaScript callers are not held to that.
    const fields = { request: { password: 'hunter2-secret', content: 'hello bob', user: 'alice' } } as unknown as Record<string, string>;
    sut.info('nested', fields);

    expect(stream.text()).not.toContain('hunter2-secret');
    expect(stream.text()).not.toContain('hello bob');
    expect(stream.lines()[0]).toMatchObject({ request: { password: '[redacted]', content: '[redacted]', user: 'alice' } });
  });

  it('keeps the close reason of a connection: it is the server\'s word, not user content', () => {
    const { sut, stream } = makeSut();
    sut.info('connection closed', { connection: 'c1', reason: 'login timeout' });

    expect(stream.lines()[0]).toMatchObject({ reason: 'login timeout' });
  });

  it.each<[LogLevel, string[]]>([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ])('at level %s writes %j', (level, expected) => {
    const { sut, stream } = makeSut(level);
    logAll(sut);
    expect(stream.lines().map((line) => line.level)).toEqual(expected);
    expect(stream.lines().map((line) => line.msg)).toEqual(expected.map((word) => word[0]));
  });

  it('defaults to info', () => {
    const { sut, stream } = makeSut();
    logAll(sut);
    expect(stream.lines().map((line) => line.msg)).toEqual(['i', 'w', 'e']);
  });

  it('is still exported as JsonLogger, its former name', () => {
    expect(JsonLogger).toBe(PinoLogger);
    expect(publicSurface.JsonLogger).toBe(PinoLogger);
    expect(publicSurface.PinoLogger).toBe(PinoLogger);
    const stream = new MemoryStream();
    new publicSurface.JsonLogger({ stream }).info('old name', { password: 'hunter2-secret' });
    expect(stream.lines()).toEqual([{ time: expect.any(String), level: 'info', msg: 'old name', password: '[redacted]' }]);
  });
});

describe('parseLogLevel', () => {
  it('returns info when unset', () => {
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('  ')).toBe('info');
  });

  it.each<LogLevel>(['debug', 'info', 'warn', 'error', 'silent'])('accepts %s', (level) => {
    expect(parseLogLevel(level)).toBe(level);
  });

  it('ignores case and surrounding spaces', () => {
    expect(parseLogLevel(' WARN ')).toBe('warn');
  });

  it('throws a clear error for an unknown word', () => {
    expect(() => parseLogLevel('verbose')).toThrow('Unknown log level "verbose"; expected one of: debug, info, warn, error, silent');
    expect(() => parseLogLevel('warning')).toThrow(/Unknown log level/);
    // pino knows these; the server does not offer them.
    expect(() => parseLogLevel('trace')).toThrow(/Unknown log level/);
    expect(() => parseLogLevel('fatal')).toThrow(/Unknown log level/);
  });
});
