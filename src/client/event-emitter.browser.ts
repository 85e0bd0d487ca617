/**
 * What the web bundle uses in place of `node:events` (scripts/build-web.mjs maps it
 * here): the part of Node's EventEmitter that ChatClient and its users need — on / once /
 * off, emit, listenerCount — without Node. Listeners run in order, synchronously; a
 * listener added or removed during an emit does not change that emit. There is no
 * special 'error' event: ChatClient never emits one.
 */
type Listener = (...args: never[]) => void;

interface Entry {
  readonly listener: Listener;
  readonly once: boolean;
}

export class EventEmitter {
  private readonly entries = new Map<string | symbol, Entry[]>();

  on(event: string | symbol, listener: Listener): this {
    return this.add(event, { listener, once: false });
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string | symbol, listener: Listener): this {
    return this.add(event, { listener, once: true });
  }

  /** Removes the most recently added registration of `listener`, as Node does. */
  off(event: string | symbol, listener: Listener): this {
    const list = this.entries.get(event);
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.listener === listener) return this.remove(event, list[i]!);
    }
    return this;
  }

  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.entries.clear();
    else this.entries.delete(event);
    return this;
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.entries.get(event);
    if (list === undefined) return false;
    for (const entry of list) {
      if (entry.once) this.remove(event, entry);
      Reflect.apply(entry.listener, this, args);
    }
    return true;
  }

  listenerCount(event: string | symbol): number {
    return this.entries.get(event)?.length ?? 0;
  }

  listeners(event: string | symbol): Listener[] {
    return (this.entries.get(event) ?? []).map((entry) => entry.listener);
  }

  eventNames(): (string | symbol)[] {
    return [...this.entries.keys()];
  }

  private remove(event: string | symbol, entry: Entry): this {
    const rest = (this.entries.get(event) ?? []).filter((other) => other !== entry);
    if (rest.length === 0) this.entries.delete(event);
    else this.entries.set(event, rest);
    return this;
  }

  private add(event: string | symbol, entry: Entry): this {
    // Copy on write: an emit in progress keeps iterating the list it started with.
    this.entries.set(event, [...(this.entries.get(event) ?? []), entry]);
    return this;
  }
}
