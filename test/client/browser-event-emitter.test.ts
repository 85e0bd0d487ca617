import { EventEmitter } from '../../src/client/event-emitter.browser';

describe('the browser EventEmitter', () => {
  it('calls listeners in order with the arguments, and counts them', () => {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    emitter.on('x', (a: string, b: number) => calls.push(`first ${a} ${b}`));
    emitter.on('x', (a: string) => calls.push(`second ${a}`));
    expect(emitter.emit('x', 'hi', 2)).toBe(true);
    expect(emitter.emit('y')).toBe(false);
    expect(calls).toEqual(['first hi 2', 'second hi']);
    expect(emitter.listenerCount('x')).toBe(2);
    expect(emitter.listenerCount('y')).toBe(0);
  });

  it('runs a once listener once, and off removes a listener', () => {
    const emitter = new EventEmitter();
    let onceCalls = 0;
    let calls = 0;
    const listener = (): void => {
      calls += 1;
    };
    emitter.once('x', () => (onceCalls += 1));
    emitter.on('x', listener);
    emitter.emit('x');
    emitter.emit('x');
    emitter.off('x', listener);
    emitter.emit('x');
    expect([onceCalls, calls]).toEqual([1, 2]);
    expect(emitter.eventNames()).toEqual([]);
  });

  it('does not let a listener added or removed during an emit change that emit', () => {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    const second = (): void => {
      calls.push('second');
    };
    emitter.on('x', () => {
      calls.push('first');
      emitter.off('x', second);
      emitter.on('x', () => calls.push('added'));
    });
    emitter.on('x', second);
    emitter.emit('x');
    expect(calls).toEqual(['first', 'second']);
  });

  it('passes the emitter as this, and removeAllListeners clears', () => {
    const emitter = new EventEmitter();
    let self: unknown;
    emitter.on('x', function (this: unknown) {
      self = this;
    });
    emitter.emit('x');
    expect(self).toBe(emitter);
    emitter.removeAllListeners();
    expect(emitter.listenerCount('x')).toBe(0);
  });
});
