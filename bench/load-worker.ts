/**
 * A load process of the benchmark, forked by bench/workers.ts. It drives its slice of the
 * connections with the SDK's ChatClient and answers the orchestrator's requests
 * (bench/ipc.ts) with counts and histograms, never with raw samples.
 *
 * Latency: the sender writes `t=<µs>` (CLOCK_MONOTONIC, see nowUs) at the start of
 * each message's content just before sending it; the receiver subtracts it from its
 * own nowUs() when the push arrives. Both ends read the same system-wide clock, so
 * the sender and the receiver may be different processes.
 */
import { ChatClient, type ChatClientOptions } from '../src/client';
import { escapeField, splitFields } from '../src/adapters/protocol/fields';
import { Histogram, nowUs } from './histogram';
import {
  emptyCounters,
  type Collected,
  type Counters,
  type OfflineFetch,
  type PhaseTiming,
  type ProbeResult,
  type Target,
  type WorkerMessage,
  type WorkerReply,
  type WorkerRequest,
} from './ipc';
import { encodeFrame } from '../src/adapters/protocol/frame-encoder';
import { Wire, WireConnection } from './wire-connection';
import { connectWebSocket } from './websocket-connection';

interface Sender {
  /** Sends one message of about `size` bytes whose content starts `t=<µs> n=<sequence> `. */
  readonly send: (size: number) => Promise<void>;
}

let target: Target = { host: '127.0.0.1', port: 0 };
/** Where the dm receivers connect: `target` unless set apart. */
let receiverTarget: Target | null = null;
let password = 'bench-password';
let requestTimeoutMs = 120_000;

let counters: Counters = emptyCounters();
const latency = new Histogram();
const ackLatency = new Histogram();
/** The measured window; pushes and acks inside it count towards the rates. */
let windowStartUs = Infinity;
let windowEndUs = -Infinity;

/** Every connection this worker opened for the current workload. */
let clients: ChatClient[] = [];
let senders: Sender[] = [];
/** Idle workload: connections opened and waiting for their LOGIN. */
let idle: { name: string; login: () => Promise<unknown> }[] = [];
/** Fanout: connections already logged in, by name (the admin's, from fanout.group). */
const loggedIn = new Map<string, ChatClient>();
let sequence = 0;
/** Every WireConnection this worker opened for the current workload. */
let wires: WireConnection[] = [];
/** Resume: users logged in once, with their token and source address; `connection` until dropped. */
let prepared: { name: string; token: string; localAddress: string; connection: WireConnection | null }[] = [];
/** Login storm: connections waiting for their LOGIN. */
let stormConnections: WireConnection[] = [];
let probe: { stop: () => Promise<ProbeResult> } | null = null;

function noteError(error: unknown): void {
  counters.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function clientOptions(): ChatClientOptions {
  return { host: target.host, port: target.port, requestTimeoutMs, connectTimeoutMs: 30_000 };
}

function track(client: ChatClient): ChatClient {
  clients.push(client);
  client.on('close', (error) => {
    if (error !== undefined) {
      counters.unexpectedCloses++;
      noteError(error);
    }
  });
  return client;
}

async function open(): Promise<ChatClient> {
  return track(await ChatClient.connect(clientOptions()));
}

function trackWire(connection: WireConnection): WireConnection {
  wires.push(connection);
  connection.onClose = (error) => {
    if (error !== undefined) {
      counters.unexpectedCloses++;
      noteError(error);
    }
  };
  return connection;
}

async function openWire(localAddress?: string, to: Target = target): Promise<WireConnection> {
  return trackWire(await WireConnection.connect(to, requestTimeoutMs, localAddress));
}

async function openWebSocket(localAddress?: string): Promise<WireConnection> {
  return trackWire(await connectWebSocket(target, requestTimeoutMs, localAddress));
}

const credentials = (name: string, secret: string): string => `${escapeField(name)}|${escapeField(secret)}`;

/**
 * dm-blocks set-up: the sender asks, the receiver accepts; then, on a connection of
 * its own, the receiver takes messages from friends only and blocks every one of
 * `blocked`, the blocks pipelined.
 */
async function befriendAndShield(sender: ChatClient, receiver: ChatClient, receiverName: string, blocked: readonly number[]): Promise<void> {
  const asked = new Promise<number>((resolve) => receiver.once('friendRequest', (request) => resolve(request.requestId)));
  await sender.sendFriendRequest(receiverName);
  await receiver.acceptFriendRequest(await asked);
  const settings = await openWire();
  await settings.request(Wire.LOGIN, credentials(receiverName, password));
  await settings.request(Wire.SET_PRIVACY, 'friends');
  await Promise.all(blocked.map((id) => settings.request(Wire.BLOCK_USER, String(id))));
  settings.destroy();
}

/** The second field of a `200|…` reply (a user id, a token, a count). */
const secondField = (payload: string): string => splitFields(payload)[1] ?? '';

/**
 * dm-acks receiver: counts each 2013 MESSAGE (content is its 4th field) and acknowledges
 * the ids in batches of `batch`, or `delayMs` after the first id of a batch.
 */
function acknowledging(connection: WireConnection, batch: number, delayMs: number): void {
  let ids: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const payload = ids.join('|');
    ids = [];
    connection.request(Wire.ACK, payload).then(
      (reply) => void (counters.confirmed += Number(secondField(reply))),
      noteError,
    );
  };
  connection.onPush = (type, payload) => {
    if (type !== Wire.MESSAGE) return;
    const fields = splitFields(payload);
    onPush(fields[3] ?? '');
    ids.push(fields[0]!);
    if (ids.length >= batch) flush();
    else timer ??= setTimeout(flush, delayMs);
  };
}

function openFrom(localAddress: string): Promise<ChatClient> {
  return ChatClient.connect({ ...clientOptions(), localAddress }).then(track);
}

/** Runs fn over items with at most `limit` calls pending at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

function sleepUntil(us: number): Promise<void> {
  const ms = (us - nowUs()) / 1000;
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

// Message content: "t=<send time µs> n=<sequence> xxx…", padded to the requested size.
let padding = '';
function content(size: number): string {
  const head = `t=${Math.round(nowUs())} n=${sequence++} `;
  if (padding.length < size) padding = 'x'.repeat(size);
  return head.length >= size ? head : head + padding.slice(0, size - head.length);
}

function sentAtUs(text: string): number {
  const end = text.indexOf(' ');
  return text.startsWith('t=') && end > 2 ? Number(text.slice(2, end)) : NaN;
}

function sequenceOf(text: string): number {
  const start = text.indexOf(' n=');
  return start < 0 ? NaN : Number(text.slice(start + 3, text.indexOf(' ', start + 3)));
}

function onPush(text: string): void {
  const now = nowUs();
  const sent = sentAtUs(text);
  if (Number.isFinite(sent)) latency.record(now - sent);
  counters.received++;
  if (now >= windowStartUs && now < windowEndUs) counters.receivedInWindow++;
}

const nothing = (): void => undefined;

/** Registers and logs in a dm pair on its two connections; the receiver's user id. */
async function enrolPair(sender: WireConnection, receiver: WireConnection, senderName: string, receiverName: string): Promise<string> {
  const [, to] = await Promise.all([
    sender.request(Wire.REGISTER, credentials(senderName, password)),
    receiver.request(Wire.REGISTER, credentials(receiverName, password)).then(secondField),
  ]);
  await Promise.all([
    sender.request(Wire.LOGIN, credentials(senderName, password)),
    receiver.request(Wire.LOGIN, credentials(receiverName, password)),
  ]);
  return to;
}

const TIME_DIGITS = 16;
const SEQUENCE_DIGITS = 10;

/**
 * SEND_MESSAGE frames to one receiver without building a string per message: a template
 * frame `<to>|t=<16 digits> n=<10 digits> xxx…` is copied and its digits overwritten
 * (zero-padded, which the receivers' parsers read as the same numbers).
 */
class MessageFrames {
  private template: Buffer = Buffer.alloc(0);
  private size = -1;
  private timeAt = 0;
  private sequenceAt = 0;

  constructor(private readonly to: string) {}

  next(size: number): Buffer {
    if (size !== this.size) {
      this.size = size;
      const head = `t=${'0'.repeat(TIME_DIGITS)} n=${'0'.repeat(SEQUENCE_DIGITS)} `;
      const text = head.length >= size ? head : head + 'x'.repeat(size - head.length);
      this.template = encodeFrame(Wire.SEND_MESSAGE, `${this.to}|${text}`);
      this.timeAt = this.template.indexOf('|t=') + 3;
      this.sequenceAt = this.timeAt + TIME_DIGITS + 3;
    }
    const frame = Buffer.allocUnsafe(this.template.length);
    this.template.copy(frame);
    writeDigits(frame, this.timeAt, TIME_DIGITS, Math.round(nowUs()));
    writeDigits(frame, this.sequenceAt, SEQUENCE_DIGITS, sequence++);
    return frame;
  }
}

function writeDigits(into: Buffer, at: number, width: number, value: number): void {
  let v = value;
  for (let i = at + width - 1; i >= at; i--) {
    into[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}
const TIME_MARK = Buffer.from('|t=');

/**
 * onPush for a 2001 payload still in bytes (`sender_id|sender_username|content|timestamp`):
 * the send time is the digits after the first "|t=" (the names before it are escaped, so
 * they hold no bare "|").
 */
function onRawPush(payload: Buffer): void {
  const now = nowUs();
  const at = payload.indexOf(TIME_MARK);
  if (at >= 0) {
    let sent = 0;
    let i = at + TIME_MARK.length;
    for (let c = payload[i]; c !== undefined && c >= 48 && c <= 57; c = payload[++i]) sent = sent * 10 + (c - 48);
    if (i > at + TIME_MARK.length) latency.record(now - sent);
  }
  counters.received++;
  if (now >= windowStartUs && now < windowEndUs) counters.receivedInWindow++;
}

/** Paced senders waiting for their next turn, woken together by one timer. */
const pacedPumps = new Set<() => void>();
let pacingTimer: NodeJS.Timeout | null = null;

function wakePacedPumps(): void {
  for (const pump of [...pacedPumps]) pump();
  if (pacedPumps.size === 0 && pacingTimer !== null) {
    clearInterval(pacingTimer);
    pacingTimer = null;
  }
}

/**
 * One sender: keeps `window` requests in flight until endUs, then waits for the last acks.
 * With `rate` > 0 it also sends no faster than `rate` messages a second (paced from startUs,
 * checked every millisecond by one timer for all senders of the worker).
 */
function drive(sender: Sender, window: number, startUs: number, endUs: number, size: number, rate: number): Promise<void> {
  return new Promise((resolve) => {
    let inFlight = 0;
    let started = 0;
    /** How many sends the pace allows by now. */
    const allowed = (now: number): number =>
      rate > 0 ? Math.floor(((now - startUs) * rate) / 1e6) + 1 : Number.POSITIVE_INFINITY;
    const settle = (startedUs: number, ok: boolean, error?: unknown): void => {
      inFlight--;
      if (ok) {
        const now = nowUs();
        ackLatency.record(now - startedUs);
        counters.acked++;
        if (now >= windowStartUs && now < windowEndUs) counters.ackedInWindow++;
      } else {
        counters.failed++;
        noteError(error);
      }
      pump();
    };
    const pump = (): void => {
      let now = nowUs();
      while (inFlight < window && now < endUs && started < allowed(now)) {
        started++;
        inFlight++;
        counters.sent++;
        const startedUs = now;
        sender.send(size).then(
          () => settle(startedUs, true),
          (error: unknown) => settle(startedUs, false, error),
        );
        now = nowUs();
      }
      if (rate > 0 && now < endUs) {
        pacedPumps.add(pump);
        pacingTimer ??= setInterval(wakePacedPumps, 1);
      } else {
        pacedPumps.delete(pump);
      }
      if (inFlight === 0 && now >= endUs) resolve();
    };
    pump();
  });
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'init':
      target = request.target;
      password = request.password;
      requestTimeoutMs = request.requestTimeoutMs;
      return null;

    case 'setTarget':
      target = request.target;
      receiverTarget = request.receivers ?? null;
      return null;

    case 'dm.setup': {
      if (request.transport === 'websocket') {
        // dm-ws: both ends WebSockets, the receivers counting 2001 pushes (content is the 3rd field).
        await eachLimited(request.pairs, 16, async ([senderName, receiverName]) => {
          const [sender, receiver] = await Promise.all([openWebSocket(), openWebSocket()]);
          const to = await enrolPair(sender, receiver, senderName, receiverName);
          receiver.onPush = (type, payload) => {
            if (type === Wire.MESSAGE_RECEIVED) onPush(splitFields(payload)[2] ?? '');
          };
          senders.push({ send: (size) => sender.request(Wire.SEND_MESSAGE, `${to}|${escapeField(content(size))}`).then(nothing) });
          counters.done++;
        });
        return null;
      }
      if (request.acks) {
        await eachLimited(request.pairs, 16, async ([senderName, receiverName]) => {
          const [sender, receiver] = await Promise.all([open(), openWire()]);
          const [, to] = await Promise.all([
            sender.register(senderName, password),
            receiver.request(Wire.REGISTER, credentials(receiverName, password)).then((reply) => Number(secondField(reply))),
          ]);
          await Promise.all([sender.login(senderName, password), receiver.request(Wire.LOGIN, credentials(receiverName, password))]);
          acknowledging(receiver, request.ackBatch, request.ackDelayMs);
          await receiver.request(Wire.ENABLE_ACKS);
          senders.push({ send: (size) => sender.sendMessage(to, content(size)) });
          counters.done++;
        });
        return null;
      }
      if (!request.blocked) {
        // Plain dm (and baseline): both ends lean wire connections, so the load side costs
        // as little per message as it can: the sender's frames of one tick leave in one
        // write, the receiver reads the send time straight out of the frame (no string).
        await eachLimited(request.pairs, 16, async ([senderName, receiverName]) => {
          const [sender, receiver] = await Promise.all([openWire(), openWire(undefined, receiverTarget ?? target)]);
          const to = await enrolPair(sender, receiver, senderName, receiverName);
          receiver.onRawPush = (type, payload) => {
            if (type === Wire.MESSAGE_RECEIVED) onRawPush(payload);
          };
          const frames = new MessageFrames(to);
          senders.push({ send: (size) => sender.requestFrame(Wire.SEND_MESSAGE, frames.next(size), true).then(nothing) });
          counters.done++;
        });
        return null;
      }
      await eachLimited(request.pairs, 16, async ([senderName, receiverName]) => {
        const [sender, receiver] = await Promise.all([open(), open()]);
        const [, receiverUser] = await Promise.all([
          sender.register(senderName, password),
          receiver.register(receiverName, password),
        ]);
        await Promise.all([sender.login(senderName, password), receiver.login(receiverName, password)]);
        if (request.blocked) await befriendAndShield(sender, receiver, receiverName, request.blocked);
        receiver.on('message', (m) => onPush(m.content));
        const to = receiverUser.userId;
        senders.push({ send: (size) => sender.sendMessage(to, content(size)) });
        counters.done++;
      });
      return null;
    }

    case 'register': {
      const lanes = Math.max(1, Math.min(8, Math.ceil(request.names.length / 16)));
      const connections = await Promise.all(Array.from({ length: lanes }, open));
      const ids: number[] = new Array<number>(request.names.length);
      await eachLimited(request.names, request.concurrency, async (name, index) => {
        ids[index] = (await connections[index % lanes]!.register(name, password)).userId;
        counters.done++;
      });
      await Promise.all(connections.map((c) => c.close()));
      clients = clients.filter((c) => !connections.includes(c));
      return ids;
    }

    case 'fanout.group': {
      const admin = await open();
      await admin.login(request.admin, password);
      const group = await admin.createGroup(`bench ${request.admin}`);
      await eachLimited(request.memberIds, 64, async (id) => {
        await admin.addToGroup(group.groupId, id);
        counters.done++;
      });
      loggedIn.set(request.admin, admin);
      return group.groupId;
    }

    case 'fanout.login': {
      const sending = new Set(request.senders);
      await eachLimited(request.names, request.concurrency, async (name) => {
        let client = loggedIn.get(name);
        if (client === undefined) {
          client = await open();
          await client.login(name, password);
          loggedIn.set(name, client);
        }
        client.on('groupMessage', (m) => onPush(m.content));
        if (sending.has(name)) {
          const member = client;
          senders.push({ send: (size) => member.sendGroupMessage(request.groupId, content(size)) });
        }
        counters.done++;
      });
      return null;
    }

    case 'run': {
      windowStartUs = request.startUs;
      windowEndUs = request.endUs;
      await sleepUntil(request.startUs);
      const rate = request.rate / Math.max(1, senders.length);
      await Promise.all(
        senders.map((s) => drive(s, request.window, request.startUs, request.endUs, request.size, rate)),
      );
      return null;
    }

    case 'counters':
      return counters;

    case 'collect': {
      const collected: Collected = { counters, latency: latency.toData(), ack: ackLatency.toData() };
      counters = emptyCounters();
      latency.reset();
      ackLatency.reset();
      windowStartUs = Infinity;
      windowEndUs = -Infinity;
      return collected;
    }

    case 'idle.connect': {
      await eachLimited(request.names, request.concurrency, async (name, index) => {
        const from = request.localAddresses[index]!;
        if (request.transport === 'websocket') {
          const connection = await openWebSocket(from);
          idle.push({ name, login: () => connection.request(Wire.LOGIN, credentials(name, password)) });
        } else {
          const client = await openFrom(from);
          idle.push({ name, login: () => client.login(name, password) });
        }
        counters.done++;
      });
      return null;
    }

    case 'idle.login': {
      await sleepUntil(request.startUs);
      const startUs = nowUs();
      let count = 0;
      await eachLimited(idle, request.concurrency, async ({ login }) => {
        try {
          await login();
          count++;
          counters.done++;
        } catch (error) {
          counters.failed++;
          noteError(error);
        }
      });
      const timing: PhaseTiming = { startUs, endUs: nowUs(), count };
      return timing;
    }

    case 'offline.store': {
      const sender = await open();
      await sender.login(request.sender, password);
      const to = (await sender.findUser(request.receiver)).userId;
      let remaining = request.count;
      const startUs = nowUs();
      windowStartUs = startUs;
      windowEndUs = Infinity;
      // drive() stops at a time; here the stop is a count, so end "now" once it is reached.
      await new Promise<void>((resolve) => {
        let inFlight = 0;
        const pump = (): void => {
          while (inFlight < request.window && remaining > 0) {
            remaining--;
            inFlight++;
            counters.sent++;
            const sentUs = nowUs();
            sender.sendMessage(to, content(request.size)).then(
              () => {
                ackLatency.record(nowUs() - sentUs);
                counters.acked++;
                inFlight--;
                pump();
              },
              (error: unknown) => {
                counters.failed++;
                noteError(error);
                inFlight--;
                pump();
              },
            );
          }
          if (inFlight === 0 && remaining === 0) resolve();
        };
        pump();
      });
      const timing: PhaseTiming = { startUs, endUs: nowUs(), count: counters.acked };
      await sender.close();
      return timing;
    }

    case 'offline.fetch': {
      const receiver = await open();
      await receiver.login(request.receiver, password);
      const startUs = nowUs();
      let count = 0;
      let batches = 0;
      let largestBatch = 0;
      let inOrder = true;
      let last = -Infinity;
      for (;;) {
        const batch = await receiver.getOfflineMessages();
        batches++;
        if (batch.length === 0) break;
        largestBatch = Math.max(largestBatch, batch.length);
        for (const message of batch) {
          const n = sequenceOf(message.content);
          if (!(n > last)) inOrder = false;
          last = n;
          count++;
          counters.received++;
        }
      }
      const fetched: OfflineFetch = { startUs, endUs: nowUs(), count, batches, inOrder, largestBatch };
      return fetched;
    }

    case 'resume.prepare': {
      await eachLimited(request.names, request.concurrency, async (name, index) => {
        const localAddress = request.localAddresses[index]!;
        const connection = await openWire(localAddress);
        await connection.request(Wire.LOGIN, credentials(name, password));
        const token = secondField(await connection.request(Wire.SESSION_TOKEN));
        prepared.push({ name, token, localAddress, connection });
        counters.done++;
      });
      return null;
    }

    case 'resume.drop': {
      for (const user of prepared) {
        user.connection?.reset();
        user.connection = null;
      }
      wires = [];
      return prepared.length;
    }

    case 'resume.storm': {
      await sleepUntil(request.startUs);
      const startUs = nowUs();
      let count = 0;
      let lastUs = startUs;
      const one = async ({ name, token, localAddress }: (typeof prepared)[number]): Promise<void> => {
        const t0 = nowUs();
        try {
          const connection = await openWire(localAddress);
          const t1 = nowUs();
          await connection.request(Wire.RESUME, credentials(name, token));
          lastUs = nowUs();
          latency.record(lastUs - t0);
          ackLatency.record(lastUs - t1);
          count++;
          counters.done++;
        } catch (error) {
          counters.failed++;
          noteError(error);
        }
      };
      if (request.concurrency === 0) await Promise.all(prepared.map(one));
      else await eachLimited(prepared, request.concurrency, one);
      const timing: PhaseTiming = { startUs, endUs: lastUs, count };
      return timing;
    }

    case 'token': {
      const connection = await openWire();
      await connection.request(Wire.LOGIN, credentials(request.name, password));
      const token = secondField(await connection.request(Wire.SESSION_TOKEN));
      connection.destroy();
      return token;
    }

    case 'storm.open': {
      await eachLimited(Array.from({ length: request.count }), 64, async () => {
        stormConnections.push(await openWire());
      });
      return null;
    }

    case 'storm.login': {
      await sleepUntil(request.startUs);
      const startUs = nowUs();
      let count = 0;
      let lastUs = startUs;
      await Promise.all(
        stormConnections.map(async (connection, index) => {
          const t0 = nowUs();
          try {
            await connection.request(Wire.LOGIN, credentials(request.names[index % request.names.length]!, password));
            lastUs = nowUs();
            latency.record(lastUs - t0);
            count++;
            counters.done++;
          } catch (error) {
            counters.failed++;
            noteError(error);
          }
        }),
      );
      const timing: PhaseTiming = { startUs, endUs: lastUs, count };
      return timing;
    }

    case 'probe.start': {
      if (probe !== null) throw new Error('the probe is already running');
      probe = startProbe(request.pingMs, request.resumeMs, request.name, request.token);
      return null;
    }

    case 'probe.stop': {
      const running = probe;
      probe = null;
      if (running === null) throw new Error('no probe is running');
      return running.stop();
    }

    case 'closeAll': {
      const all = clients;
      clients = [];
      senders = [];
      idle = [];
      loggedIn.clear();
      for (const client of all) client.removeAllListeners('close');
      for (const client of all) client.destroy();
      const allWires = wires;
      wires = [];
      prepared = [];
      stormConnections = [];
      for (const connection of allWires) {
        connection.onClose = null;
        connection.destroy();
      }
      return all.length + allWires.length;
    }
  }
}

/**
 * PING on one connection every pingMs, whether or not the last one was answered (a stalled
 * server shows as one long wait per ping sent meanwhile), and every resumeMs a RESUME on a
 * fresh connection, timed from its connect.
 */
function startProbe(pingMs: number, resumeMs: number, name: string, token: string): { stop: () => Promise<ProbeResult> } {
  const ping = new Histogram();
  const resume = new Histogram();
  let failed = 0;
  let firstError: string | null = null;
  const fault = (error: unknown): void => {
    failed++;
    firstError ??= error instanceof Error ? error.message : String(error);
  };
  const inFlight = new Set<Promise<void>>();
  const hold = (work: Promise<void>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const pinger = WireConnection.connect(target, requestTimeoutMs);
  const pingTimer = setInterval(() => {
    const t0 = nowUs();
    hold(
      pinger
        .then((connection) => connection.request(Wire.PING))
        .then(() => ping.record(nowUs() - t0), fault),
    );
  }, pingMs);
  const resumeTimer = setInterval(() => {
    const t0 = nowUs();
    hold(
      WireConnection.connect(target, requestTimeoutMs).then(
        (connection) =>
          connection.request(Wire.RESUME, credentials(name, token)).then(
            () => {
              resume.record(nowUs() - t0);
              connection.reset();
            },
            (error: unknown) => {
              fault(error);
              connection.reset();
            },
          ),
        fault,
      ),
    );
  }, resumeMs);
  return {
    stop: async () => {
      clearInterval(pingTimer);
      clearInterval(resumeTimer);
      await Promise.all([...inFlight]);
      await pinger.then((connection) => connection.destroy(), fault);
      return { ping: ping.toData(), resume: resume.toData(), failed, firstError };
    },
  };
}

process.on('message', (message: WorkerMessage) => {
  handle(message.request).then(
    (value): void => reply({ id: message.id, ok: true, value }),
    (error: unknown): void =>
      reply({ id: message.id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
});

function reply(answer: WorkerReply): void {
  process.send?.(answer);
}

// The orchestrator went away (Ctrl-C, crash): nothing left to do.
process.on('disconnect', () => process.exit(0));
