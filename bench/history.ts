/**
 * The history workload (PROTOCOL.md §9): one user with a long history over many
 * conversations, seeded straight into the database (not through the protocol), then
 * GET_HISTORY pages and the inbox (GET_CONVERSATIONS) asked one at a time over a real
 * connection, each round trip timed. On SQLite it also prints the query plans of the
 * statements a page and the inbox run.
 */
import Database from 'better-sqlite3';
import { createConnection, type Connection } from 'mysql2/promise';
import { SqliteStatements, type SqliteValue } from '../src/adapters/persistence/typeorm/sqlite-statements';
import { TypeOrmStorage } from '../src/adapters/persistence/typeorm/typeorm-storage';
import { messageKey } from '../src/domain';
import { Histogram, nowUs, type LatencySummary } from './histogram';
import type { Target } from './ipc';
import { Wire, WireConnection } from './wire-connection';

export interface HistorySizes {
  /** Conversations of the user: direct peers and groups together. */
  readonly conversations: number;
  readonly messagesPerConversation: number;
  /** Every how many conversations one is a group (the rest are direct). */
  readonly groupEvery: number;
  /** Timed requests of each kind. */
  readonly requests: number;
  /** Messages per GET_HISTORY page. */
  readonly pageSize: number;
}

export const FULL_HISTORY: HistorySizes = { conversations: 1000, messagesPerConversation: 1000, groupEvery: 10, requests: 1000, pageSize: 50 };
export const QUICK_HISTORY: HistorySizes = { conversations: 200, messagesPerConversation: 200, groupEvery: 10, requests: 300, pageSize: 50 };

/** Members of each group besides the user. */
const GROUP_PEERS = 4;
/** Messages at the end of each conversation that the user has not read (0 to this). */
const MAX_UNREAD = 20;
const T0 = 1_764_000_000_000;

interface SeededConversation {
  readonly kind: 'direct' | 'group';
  /** The peer's user id, or the group's id. */
  readonly peerId: number;
  /** Store ids of the conversation's messages, oldest first. */
  readonly ids: number[];
}

export interface HistoryCorpus {
  readonly userId: number;
  readonly messages: number;
  readonly conversations: readonly SeededConversation[];
  readonly seedSeconds: number;
}

export interface HistoryResult {
  readonly engine: string;
  readonly messages: number;
  readonly conversations: number;
  readonly seedSeconds: number;
  /** The newest page of a conversation. */
  readonly newestPage: LatencySummary;
  /** A page further back (before a message picked at random). */
  readonly olderPage: LatencySummary;
  /** The first page of the inbox. */
  readonly inbox: LatencySummary;
  /** The next page of the inbox (after a conversation's last message). */
  readonly inboxNext: LatencySummary;
  /** Conversations in the inbox's first page, and the unread count it showed in total. */
  readonly inboxRows: number;
  readonly inboxUnread: number;
}

/** Rows to a table, in batches: each engine's fastest way in. */
interface Sink {
  insert(table: string, columns: readonly string[], rows: readonly (readonly SqliteValue[])[]): Promise<void>;
  run(sql: string, values?: readonly SqliteValue[]): Promise<void>;
  done(): Promise<void>;
}

function sqliteSink(file: string): Sink {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  db.exec('BEGIN IMMEDIATE');
  const prepared = new Map<string, Database.Statement>();
  return {
    async insert(table, columns, rows) {
      const sql = `INSERT INTO "${table}" (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
      for (const row of rows) statement.run(...row);
    },
    async run(sql, values = []) {
      db.prepare(sql).run(...values);
    },
    async done() {
      db.exec('COMMIT');
      db.close();
    },
  };
}

async function mysqlSink(url: string): Promise<Sink> {
  const connection: Connection = await createConnection({ uri: url, multipleStatements: false });
  await connection.query('SET autocommit = 0');
  return {
    async insert(table, columns, rows) {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        await connection.query(`INSERT INTO \`${table}\` (${columns.join(', ')}) VALUES ?`, [chunk]);
      }
    },
    async run(sql, values = []) {
      await connection.query(sql.replace(/"/g, "`"), [...values]);
    },
    async done() {
      await connection.query('COMMIT');
      await connection.end();
    },
  };
}

/** A small deterministic generator: the same corpus on every run and engine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeds the database the server runs on (migrated, with the user registered through
 * the protocol): the peers, the groups, every message, and the read state and
 * inbox rows those messages imply, as the server would have left them.
 */
export async function seedHistory(database: string, userId: number, sizes: HistorySizes): Promise<HistoryCorpus> {
  const started = nowUs();
  const sink = database.startsWith('mysql://') ? await mysqlSink(database) : sqliteSink(database);
  const next = random(42);
  const groups = Math.floor(sizes.conversations / sizes.groupEvery);
  const directs = sizes.conversations - groups;
  const peerId = (i: number): number => userId + 1 + i;

  const accounts: SqliteValue[][] = [];
  for (let i = 0; i < directs; i++) {
    const name = `hpeer${i}`;
    accounts.push([peerId(i), name, name, 'x', 'active', T0 - 1000]);
  }
  await sink.insert('accounts', ['id', 'username', 'username_key', 'password_hash', 'status', 'created_at'], accounts);

  const conversations: SeededConversation[] = [];
  for (let i = 0; i < directs; i++) conversations.push({ kind: 'direct', peerId: peerId(i), ids: [] });
  const groupRows: SqliteValue[][] = [];
  const memberRows: SqliteValue[][] = [];
  const membersOf = new Map<number, number[]>();
  for (let g = 1; g <= groups; g++) {
    groupRows.push([g, `history group ${g}`, userId, T0 - 500]);
    const members = [userId];
    for (let k = 0; k < GROUP_PEERS; k++) members.push(peerId((g * GROUP_PEERS + k) % directs));
    membersOf.set(g, members);
    for (const member of members) memberRows.push([g, member, member === userId ? 'admin' : 'member', T0 - 500]);
    conversations.push({ kind: 'group', peerId: g, ids: [] });
  }
  await sink.insert('groups', ['id', 'name', 'created_by', 'created_at'], groupRows);
  await sink.insert('group_members', ['group_id', 'user_id', 'role', 'joined_at'], memberRows);

  // Round after round, every conversation gets one message, in a new order each round.
  const direct: SqliteValue[][] = [];
  const group: SqliteValue[][] = [];
  const fromUser = new Map<SeededConversation, boolean[]>();
  const lastAt = new Map<SeededConversation, number>();
  let directId = 0;
  let groupId = 0;
  let at = T0;
  const order = conversations.map((_, i) => i);
  const flush = async (force: boolean): Promise<void> => {
    if (force || direct.length >= 20_000) {
      await sink.insert('messages', ['id', 'sender_id', 'receiver_id', 'content', 'created_at', 'delivered'], direct.splice(0));
    }
    if (force || group.length >= 20_000) {
      await sink.insert('group_messages', ['id', 'group_id', 'sender_id', 'content', 'created_at'], group.splice(0));
    }
  };
  for (let round = 0; round < sizes.messagesPerConversation; round++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const c = conversations[index]!;
      at += 1;
      lastAt.set(c, at);
      const content = `message ${round} of a long history, about as long as a chat line usually is`;
      if (c.kind === 'direct') {
        const mine = next() < 0.5;
        const id = ++directId;
        c.ids.push(id);
        (fromUser.get(c) ?? fromUser.set(c, []).get(c)!).push(mine);
        direct.push([id, mine ? userId : c.peerId, mine ? c.peerId : userId, content, at, 1]);
      } else {
        const members = membersOf.get(c.peerId)!;
        const sender = members[Math.floor(next() * members.length)]!;
        const id = ++groupId;
        c.ids.push(id);
        group.push([id, c.peerId, sender, content, at]);
      }
    }
    await flush(false);
  }
  await flush(true);

  // Read state: each side has read all but the last few messages sent to it.
  const pairs: SqliteValue[][] = [];
  for (const c of conversations) {
    const ids = c.ids;
    const last = ids[ids.length - 1]!;
    const lastTime = lastAt.get(c)!;
    if (c.kind === 'direct') {
      const mine = fromUser.get(c)!;
      const readUpTo = (toUser: boolean): { upTo: number; unread: number } => {
        const cut = ids.length - Math.floor(next() * (MAX_UNREAD + 1));
        let upTo = 0;
        let unread = 0;
        for (let i = 0; i < ids.length; i++) {
          if (mine[i] === toUser) continue; // sent by this side: not theirs to read
          if (i < cut) upTo = ids[i]!;
          else unread++;
        }
        return { upTo, unread };
      };
      const user = readUpTo(true);
      const peer = readUpTo(false);
      // The user's id is below every peer's: the user is the pair's lower side.
      pairs.push([userId, c.peerId, last, lastTime, user.upTo, peer.upTo, user.unread, peer.unread]);
    } else {
      const cut = ids.length - Math.floor(next() * (MAX_UNREAD + 1));
      await sink.run('UPDATE "groups" SET last_message_id = ?, last_message_at = ? WHERE id = ?', [last, lastTime, c.peerId]);
      await sink.run('UPDATE "group_members" SET last_read_message_id = ? WHERE group_id = ? AND user_id = ?', [
        ids[cut - 1] ?? 0,
        c.peerId,
        userId,
      ]);
    }
  }
  await sink.insert(
    'direct_conversations',
    ['user_lo', 'user_hi', 'last_message_id', 'last_at', 'lo_read_up_to', 'hi_read_up_to', 'lo_unread', 'hi_unread'],
    pairs,
  );
  await sink.done();
  return { userId, messages: directId + groupId, conversations, seedSeconds: (nowUs() - started) / 1e6 };
}

/** Asks for pages and the inbox one at a time over one logged-in connection, timing each round trip. */
export async function measureHistory(
  target: Target,
  username: string,
  password: string,
  corpus: HistoryCorpus,
  sizes: HistorySizes,
  engine: string,
): Promise<HistoryResult> {
  const connection = await WireConnection.connect(target, 60_000);
  try {
    await connection.request(Wire.LOGIN, `${username}|${password}`);
    const next = random(7);
    const pick = (): SeededConversation => corpus.conversations[Math.floor(next() * corpus.conversations.length)]!;
    const kind = (c: SeededConversation): string => (c.kind === 'direct' ? 'd' : 'g');
    const timed = async (histogram: Histogram, command: number, payload: string): Promise<string> => {
      const start = nowUs();
      const reply = await connection.request(command, payload);
      histogram.record(nowUs() - start);
      return reply;
    };
    const newest = new Histogram();
    const older = new Histogram();
    const inbox = new Histogram();
    const inboxNext = new Histogram();
    const warm = new Histogram();
    for (let i = 0; i < 100; i++) {
      const c = pick();
      await timed(warm, Wire.GET_HISTORY, `${kind(c)}|${c.peerId}|0|${sizes.pageSize}`);
    }
    for (let i = 0; i < sizes.requests; i++) {
      const c = pick();
      const page = await timed(newest, Wire.GET_HISTORY, `${kind(c)}|${c.peerId}|0|${sizes.pageSize}`);
      if (!page.startsWith(`${Math.min(sizes.pageSize, c.ids.length)}|`)) throw new Error(`a page of history came back short: ${page.slice(0, 40)}`);
      const before = c.ids[Math.floor(next() * c.ids.length)]!;
      await timed(older, Wire.GET_HISTORY, `${kind(c)}|${c.peerId}|${messageKey(c.kind, before)}|${sizes.pageSize}`);
    }
    let rows = 0;
    let unread = 0;
    for (let i = 0; i < sizes.requests; i++) {
      const first = (await timed(inbox, Wire.GET_CONVERSATIONS, '')).split('|');
      rows = Number(first[0]);
      unread = 0;
      for (let r = 0; r < rows; r++) unread += Number(first[1 + r * 6 + 5]);
      const lastId = first[1 + (rows - 1) * 6 + 3]!;
      await timed(inboxNext, Wire.GET_CONVERSATIONS, lastId);
    }
    return {
      engine,
      messages: corpus.messages,
      conversations: corpus.conversations.length,
      seedSeconds: corpus.seedSeconds,
      newestPage: newest.summary(),
      olderPage: older.summary(),
      inbox: inbox.summary(),
      inboxNext: inboxNext.summary(),
      inboxRows: rows,
      inboxUnread: unread,
    };
  } finally {
    connection.destroy();
  }
}

/**
 * SQLite's plan of every statement a history page (direct and group) and the inbox
 * run, as the repository issues them: what the README shows as proof of index use.
 */
export async function sqlitePlans(file: string, corpus: HistoryCorpus, pageSize: number): Promise<Record<string, string[]>> {
  const storage = await TypeOrmStorage.open({ database: file });
  const issued: { sql: string; parameters: readonly SqliteValue[] }[] = [];
  const originals = (['all', 'get', 'run', 'allRows'] as const).map((method) => {
    const original = SqliteStatements.prototype[method];
    (SqliteStatements.prototype as unknown as Record<string, unknown>)[method] = function (
      this: SqliteStatements,
      sql: string,
      parameters: readonly SqliteValue[] = [],
    ) {
      issued.push({ sql, parameters });
      return Reflect.apply(original, this, [sql, parameters]);
    };
    return [method, original] as const;
  });
  const plans: Record<string, string[]> = {};
  const record = async (label: string, work: () => Promise<unknown>): Promise<void> => {
    issued.length = 0;
    await work();
    const db = new Database(file, { readonly: true });
    try {
      plans[label] = issued
        .filter(({ sql }) => /^\s*(SELECT|WITH)/i.test(sql))
        .flatMap(({ sql, parameters }) => [
          `-- ${sql.replace(/\s+/g, ' ').trim().slice(0, 110)}…`,
          ...(db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((r) => `   ${r.detail}`),
        ]);
    } finally {
      db.close();
    }
  };
  try {
    const direct = corpus.conversations.find((c) => c.kind === 'direct')!;
    const group = corpus.conversations.find((c) => c.kind === 'group');
    const { conversations } = storage.repositories;
    await record('direct page', () => conversations.directHistory(corpus.userId, direct.peerId, Number.MAX_SAFE_INTEGER, pageSize));
    if (group) await record('group page', () => conversations.groupHistory(corpus.userId, group.peerId, Number.MAX_SAFE_INTEGER, pageSize));
    await record('inbox', () => conversations.listConversations(corpus.userId, 100, null));
  } finally {
    for (const [method, original] of originals) (SqliteStatements.prototype as unknown as Record<string, unknown>)[method] = original;
    await storage.close();
  }
  return plans;
}

/** A database for the MySQL run: its own, made beside the given one and dropped afterwards. */
export async function scratchMysqlDatabase(url: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const parsed = new URL(url);
  const base = parsed.pathname.replace(/^\//, '');
  const database = `${base}_${name}`;
  const admin = await createConnection({ uri: url });
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  parsed.pathname = `/${database}`;
  return {
    url: parsed.toString(),
    async drop() {
      const c = await createConnection({ uri: url });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * One engine's run: the server restarted on a fresh database (`serveOn` migrates it),
 * the user registered over the protocol, the rest seeded, then measured.
 */
export async function historyWorkload(
  engine: string,
  database: string,
  serveOn: (database: string) => Promise<Target>,
  username: string,
  password: string,
  sizes: HistorySizes,
  say: (line: string) => void,
): Promise<{ result: HistoryResult; corpus: HistoryCorpus }> {
  const target = await serveOn(database);
  const connection = await WireConnection.connect(target, 60_000);
  let userId: number;
  try {
    userId = Number((await connection.request(Wire.REGISTER, `${username}|${password}`)).split('|')[1]);
  } finally {
    connection.destroy();
  }
  const total = sizes.conversations * sizes.messagesPerConversation;
  say(`[history ${engine}] seeding ${total.toLocaleString('en-US')} messages over ${sizes.conversations} conversations`);
  const corpus = await seedHistory(database, userId, sizes);
  say(`[history ${engine}] seeded in ${corpus.seedSeconds.toFixed(1)} s; ${sizes.requests} of each request, one at a time`);
  const result = await measureHistory(target, username, password, corpus, sizes, engine);
  return { result, corpus };
}
