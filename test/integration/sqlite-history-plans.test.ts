import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStatements, type SqliteValue } from '../../src/adapters/persistence/typeorm/sqlite-statements';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Account, Group } from '../../src/domain';

const T0 = 1_764_892_800_000;
const NEWEST = Number.MAX_SAFE_INTEGER;

interface Issued {
  readonly sql: string;
  readonly parameters: readonly SqliteValue[];
}

/**
 * History, read marks and the inbox (PROTOCOL.md §9) read index ranges, never whole
 * tables: SQLite's plan for every statement the conversation repository issues, as
 * the server runs it (no ANALYZE, which the server never runs).
 */
describe('SQLite plans of the history, read and inbox statements', () => {
  let dir: string;
  let file: string;
  let storage: TypeOrmStorage;
  let issued: Issued[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-plans-'));
    file = join(dir, 'chat.sqlite');
    storage = await TypeOrmStorage.open({ database: file });
    issued = [];
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Records every prepared statement run from now on, with its bound values. */
  function recordStatements(): void {
    for (const method of ['all', 'get', 'run'] as const) {
      const original = SqliteStatements.prototype[method];
      jest.spyOn(SqliteStatements.prototype, method).mockImplementation(function (
        this: SqliteStatements,
        sql: string,
        parameters: readonly SqliteValue[] = [],
      ) {
        issued.push({ sql, parameters });
        return Reflect.apply(original, this, [sql, parameters]);
      } as never);
    }
  }

  /** SQLite's plan of a statement, one line per step, on a connection of its own. */
  function planOf({ sql, parameters }: Issued): string[] {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>;
      return rows.map((row) => row.detail);
    } finally {
      db.close();
    }
  }

  /** The steps that read a whole table or index: a SCAN of anything but a subquery the statement builds itself. */
  function fullScans(plan: string[]): string[] {
    const subqueries = new Set(plan.map((step) => /^(?:CO-ROUTINE|MATERIALIZE) (\w+)/.exec(step)?.[1]).filter(Boolean));
    return plan.filter((step) => {
      const scanned = /^SCAN (\w+)/.exec(step)?.[1];
      return scanned !== undefined && !subqueries.has(scanned);
    });
  }

  it('searches indexes for direct and group history, read marks and every page of the inbox', async () => {
    const repos = storage.repositories;
    const users: Account[] = [];
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      const account = await repos.accounts.create({ username: name, passwordHash: 'h', createdAt: T0 });
      if (account === 'username-taken') throw new Error('test setup');
      users.push(account);
    }
    const [alice, bob, carol, dave] = users as [Account, Account, Account, Account];
    let time = T0;
    const groups: Group[] = [];
    for (const name of ['one', 'two']) {
      const group = await repos.groups.create(name, alice.id, ++time);
      for (const member of [bob, carol]) {
        await repos.groups.addMember({ groupId: group.id, userId: member.id, role: 'member', joinedAt: ++time });
      }
      groups.push(group);
    }
    for (let i = 0; i < 30; i++) {
      const [from, to] = i % 3 === 0 ? [bob, alice] : i % 3 === 1 ? [alice, bob] : [carol, dave];
      await repos.messages.saveDirect({ senderId: from.id, receiverId: to.id, content: `d${i}`, sentAt: ++time });
      const group = groups[i % 2]!;
      await repos.messages.saveGroup({ groupId: group.id, senderId: from.id, content: `g${i}`, sentAt: ++time }, [carol.id]);
    }

    recordStatements();
    const history = await repos.conversations.directHistory(alice.id, bob.id, NEWEST, 5);
    await repos.conversations.directHistory(alice.id, bob.id, history[4]!.id - 1, 5);
    const groupPage = await repos.conversations.groupHistory(bob.id, groups[0]!.id, NEWEST, 5);
    await repos.conversations.groupHistory(bob.id, groups[0]!.id, groupPage![4]!.id - 1, 5);
    // A page per conversation, as a client pages: cursors of both kinds.
    let page = await repos.conversations.listConversations(bob.id, 1, null);
    const kinds = new Set<string>();
    while (page.length > 0) {
      const last = page[0]!;
      kinds.add(last.kind);
      page = await repos.conversations.listConversations(bob.id, 1, { kind: last.kind, id: last.lastMessageId });
    }
    expect(kinds).toEqual(new Set(['direct', 'group']));
    await repos.conversations.markDirectRead(bob.id, alice.id, history[2]!.id);
    await repos.conversations.markGroupRead(carol.id, groups[1]!.id, NEWEST);

    // Transaction control (BEGIN, SAVEPOINT, ...) has no plan.
    const queries = issued.filter((statement) => /^\s*(SELECT|INSERT|UPDATE|DELETE)\b/i.test(statement.sql));
    const statements = new Map(queries.map((statement) => [statement.sql, statement]));
    // Two history pages, the member's row, the inbox and its two cursors, four statements per mark.
    expect(statements.size).toBe(13);
    for (const statement of statements.values()) {
      const plan = planOf(statement);
      expect({ sql: statement.sql, plan }).toMatchObject({ plan: expect.arrayContaining([expect.stringMatching(/^SEARCH /)]) });
      expect({ sql: statement.sql, fullScans: fullScans(plan) }).toEqual({ sql: statement.sql, fullScans: [] });
    }
  });
});
