import { Writable } from 'node:stream';
import { JsonLogger, parseLogLevel, type LogLevel } from '../../../src/adapters/system/json-logger';

class MemoryStream extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  lines(): Array<Record<string, unknown>> {
    const text = this.chunks.join('');
    if (text === '') return [];
    expect(text.endsWith('\n')).toBe(true);
    return text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

function makeSut(level?: LogLevel): { sut: JsonLogger; stream: MemoryStream } {
  const stream = new MemoryStream();
  return { sut: new JsonLogger({ level, stream }), stream };
}

function logAll(sut: JsonLogger): void {
  sut.debug('d');
  sut.info('i');
  sut.warn('w');
  sut.error('e');
}

describe('JsonLogger', () => {
  it('writes one JSON line per call with time, level, msg and fields', () => {
    const { sut, stream } = makeSut('debug');
    sut.info('user logged in', { userId: 'u1', attempt: 2, ok: true, none: null });

    const [line] = stream.lines();
    expect(stream.chunks).toHaveLength(1);
    expect(line).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'user logged in',
      userId: 'u1',
      attempt: 2,
      ok: true,
      none: null,
    });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
    expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'msg']);
  });

  it('keeps a message with newlines on one line', () => {
    const { sut, stream } = makeSut();
    sut.warn('two\nlines', { detail: 'a\r\nb' });

    expect(stream.chunks.join('').split('\n')).toHaveLength(2);
    expect(stream.lines()[0]).toMatchObject({ msg: 'two\nlines', detail: 'a\r\nb' });
  });

  it('does not let fields overwrite the envelope', () => {
    const { sut, stream } = makeSut();
    sut.info('real', { msg: 'fake', level: 'error' });

    expect(stream.lines()[0]).toMatchObject({ level: 'info', msg: 'real', field_msg: 'fake', field_level: 'error' });
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
  });

  it('defaults to info', () => {
    const { sut, stream } = makeSut();
    logAll(sut);
    expect(stream.lines().map((line) => line.msg)).toEqual(['i', 'w', 'e']);
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
  });
});
