#!/usr/bin/env node
import { existsSync } from 'node:fs';
import {
  ACTIVITY_READ_LIMITS,
  GetStats,
  ListReports,
  ListUsers,
  REPORT_READ_LIMITS,
  ManageSessionTokens,
  ReadActivityLog,
  SetAccountStatus,
  describeError,
  type AccountSummary,
  type ActivityRecord,
  type ChatStats,
  type ReportRecord,
  type SessionTokenSummary,
} from '../application';
import type { DomainError, Result, Timestamp } from '../domain';
import { DatabaseUnavailableError } from '../adapters/persistence/typeorm/connect';
import { isMysqlUrl, parseMysqlUrl, redactDatabaseUrl } from '../adapters/persistence/typeorm/database-url';
import { TypeOrmStorage } from '../adapters/persistence/typeorm/typeorm-storage';
import { SystemClock } from '../adapters/system/system-clock';
import { ConfigError, loadConfig, type ServerConfig } from './config';

const USAGE = `usage: npm run admin -- <command> [options]      (or: chat-admin <command> [options])

commands:
  users            every account: id, name, status, online or offline, created
  ban USERNAME     ban an account: its logins are refused and a running server
                   closes its open connections within 5 seconds
  unban USERNAME   lift a ban
  tokens USERNAME  the user's live session tokens (RESUME, PROTOCOL.md §8): when
                   each was created and when it expires; never the token itself
  revoke-tokens USERNAME
                   revoke every session token of the user: each device must log
                   in with the password again (open connections stay logged in)
  logs [--user NAME] [--since TIME] [--limit N]
                   the activity log, newest first: only NAME's entries, only
                   those at or after TIME, at most N of them (1 to ${ACTIVITY_READ_LIMITS.max},
                   default ${ACTIVITY_READ_LIMITS.default}). TIME is ISO 8601, UTC unless it says
                   otherwise: 2025-11-27, 2025-11-27T14:00Z, 2025-11-27T15:00+01:00
  reports [--user NAME] [--since TIME] [--limit N]
                   abuse reports (REPORT_USER, PROTOCOL.md §10), newest first:
                   time, reporter, reported user and reason (control characters
                   shown escaped). --user NAME keeps the reports about NAME (the
                   reported user, not the reporter); --since and --limit as for
                   logs (default ${REPORT_READ_LIMITS.default}, at most ${REPORT_READ_LIMITS.max})
  stats            accounts, users online now, messages stored and waiting,
                   abuse reports stored
  help             this text

options:
  --json           print one JSON document instead of a table (every command)

Times are shown in ISO 8601, UTC. Exit codes: 0 done, 1 not found or failed
(e.g. the database cannot be opened), 2 bad usage.

The database is the one CHAT_DB names (default ./data/chat.sqlite; a
mysql://user:password@host:port/database URL for MySQL or MariaDB).`;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

type AdminCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'users'; readonly json: boolean }
  | { readonly kind: 'stats'; readonly json: boolean }
  | {
      readonly kind: 'ban' | 'unban' | 'tokens' | 'revoke-tokens';
      readonly json: boolean;
      readonly username: string;
    }
  | {
      readonly kind: 'logs' | 'reports';
      readonly json: boolean;
      readonly username: string | undefined;
      readonly since: Timestamp | undefined;
      readonly limit: number;
    };

/** The options each command takes, and whether the option takes a value. */
const OPTIONS: Readonly<Record<Exclude<AdminCommand['kind'], 'help'>, Readonly<Record<string, boolean>>>> = {
  users: { '--json': false },
  stats: { '--json': false },
  ban: { '--json': false },
  unban: { '--json': false },
  tokens: { '--json': false },
  'revoke-tokens': { '--json': false },
  logs: { '--json': false, '--user': true, '--since': true, '--limit': true },
  reports: { '--json': false, '--user': true, '--since': true, '--limit': true },
};

/** Bad arguments: exit code 2, with the usage. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that could not be done: exit code 1, with this message only. */
class AdminFailure extends Error {
  override readonly name = 'AdminFailure';
}

/** Runs one operator command; returns the process exit code (0 done, 1 not found or failed, 2 bad usage). */
export async function runAdmin(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  if (args.length === 0) {
    io.err(USAGE);
    return 2;
  }
  let command: AdminCommand;
  try {
    command = parseAdminArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`admin: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  let config: ServerConfig | null = null;
  try {
    config = loadConfig(env);
    const storage = await openStorage(config);
    try {
      return await execute(command, storage, io);
    } finally {
      await storage.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`admin: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const message =
      error instanceof AdminFailure || error instanceof ConfigError ? error.message : describeError(error);
    io.err(`admin: ${config === null ? message : withoutPassword(message, config.database)}`);
    return 1;
  }
}

type DatabaseCommand = Exclude<AdminCommand, { kind: 'help' }>;

async function execute(command: DatabaseCommand, storage: TypeOrmStorage, io: CliOutput): Promise<number> {
  const { repositories } = storage;
  const print = (json: unknown, text: () => string): void =>
    io.out(command.json ? JSON.stringify(json, null, 2) : text());
  switch (command.kind) {
    case 'users': {
      const users = await new ListUsers(repositories).execute();
      print(users.map(userToJson), () => usersTable(users));
      return 0;
    }
    case 'stats': {
      const stats = await new GetStats(repositories).execute();
      print(stats, () => statsTable(stats));
      return 0;
    }
    case 'logs': {
      const entries = listed(
        await new ReadActivityLog(repositories).execute({
          username: command.username,
          since: command.since,
          limit: command.limit,
        }),
        command.username,
      );
      print(entries.map(activityToJson), () => activityTable(entries));
      return 0;
    }
    case 'reports': {
      const reports = listed(
        await new ListReports(repositories).execute({
          username: command.username,
          since: command.since,
          limit: command.limit,
        }),
        command.username,
      );
      print(reports.map(reportToJson), () => reportsTable(reports));
      return 0;
    }
    case 'ban':
    case 'unban': {
      const status = command.kind === 'ban' ? 'banned' : 'active';
      const setStatus = new SetAccountStatus(repositories, storage.unitOfWork, new SystemClock());
      const result = await setStatus.execute({ username: command.username, status });
      if (!result.ok) throw new AdminFailure(`no user named "${command.username}"`);
      const { user, changed } = result.value;
      print({ user, status, changed }, () => statusChange(status, user, changed));
      return 0;
    }
    case 'tokens': {
      const result = await new ManageSessionTokens(repositories, new SystemClock()).list({ username: command.username });
      if (!result.ok) throw new AdminFailure(`no user named "${command.username}"`);
      const { user, tokens } = result.value;
      print({ user, count: tokens.length, tokens: tokens.map(tokenToJson) }, () => tokensTable(user, tokens));
      return 0;
    }
    case 'revoke-tokens': {
      const result = await new ManageSessionTokens(repositories, new SystemClock()).revokeAll({
        username: command.username,
      });
      if (!result.ok) throw new AdminFailure(`no user named "${command.username}"`);
      const { user, revoked } = result.value;
      print({ user, revoked }, () => `revoked ${revoked} session token${revoked === 1 ? '' : 's'} of ${printable(user.username)} (id ${user.id})`);
      return 0;
    }
  }
}

/** Reads the arguments strictly: a wrong command, option or value is a UsageError. */
function parseAdminArgs(args: readonly string[]): AdminCommand {
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (args[0] === 'help' || options.includes('--help') || options.includes('-h')) return { kind: 'help' };
  const [name = '', ...rest] = args;
  if (!isCommandName(name)) throw new UsageError(`unknown command "${name}"`);
  const allowed = OPTIONS[name];
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const option = equals === -1 ? arg : arg.slice(0, equals);
    const takesValue = allowed[option];
    if (takesValue === undefined) throw new UsageError(`unknown option "${option}" for ${name}`);
    if (values.has(option)) throw new UsageError(`${option} is given twice`);
    let value = '';
    if (takesValue) {
      const next = equals === -1 ? rest[++i] : arg.slice(equals + 1);
      if (next === undefined || next === '') throw new UsageError(`${option} needs a value`);
      value = next;
    } else if (equals !== -1) {
      throw new UsageError(`${option} takes no value`);
    }
    values.set(option, value);
  }
  const json = values.has('--json');
  if (name === 'ban' || name === 'unban' || name === 'tokens' || name === 'revoke-tokens') {
    if (positional.length !== 1) throw new UsageError(`${name} takes exactly one USERNAME`);
    return { kind: name, json, username: positional[0]! };
  }
  if (positional.length > 0) throw new UsageError(`${name} takes no argument "${positional[0]}"`);
  if (name !== 'logs' && name !== 'reports') return { kind: name, json };
  const since = values.get('--since');
  const limit = values.get('--limit');
  const limits = name === 'logs' ? ACTIVITY_READ_LIMITS : REPORT_READ_LIMITS;
  return {
    kind: name,
    json,
    username: values.get('--user'),
    since: since === undefined ? undefined : sinceTime(since),
    limit: limit === undefined ? limits.default : limitValue(limit, limits.max),
  };
}

function isCommandName(name: string): name is keyof typeof OPTIONS {
  return Object.hasOwn(OPTIONS, name);
}

function limitValue(text: string, max: number): number {
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max} (got "${text}")`);
  }
  return limit;
}

function sinceTime(text: string): Timestamp {
  const time = parseIsoTime(text);
  if (time === null) {
    throw new UsageError(
      `--since must be an ISO 8601 date or time such as 2025-11-27 or 2025-11-27T14:00:00Z (got "${text}")`,
    );
  }
  return time;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?)?$/i;

/**
 * Epoch milliseconds of an ISO 8601 date (`2025-11-27`, midnight UTC) or date and time
 * (`2025-11-27T14:05`, `…T14:05:09.123Z`, `…T15:05:09+01:00`; UTC when no offset is
 * given); null for anything else, including dates that do not exist (`2025-02-30`).
 */
export function parseIsoTime(text: string): Timestamp | null {
  const match = ISO_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, offsetH = '0', offsetM = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number, number, number, number, number, number,
  ];
  if (hour > 23 || minute > 59 || second > 59 || Number(offsetH) > 23 || Number(offsetM) > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  date.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM));
  return date.getTime() - offsetMinutes * 60_000;
}

async function openStorage(config: ServerConfig): Promise<TypeOrmStorage> {
  const { database } = config;
  // Opening a SQLite path that does not exist would create an empty database there.
  if (!isMysqlUrl(database) && database !== ':memory:' && !existsSync(database)) {
    throw new AdminFailure(
      `no database at ${database} (CHAT_DB): point CHAT_DB at the server's database; ` +
        'the server creates it when it first starts',
    );
  }
  try {
    return await TypeOrmStorage.open({
      database,
      synchronous: config.sqliteSynchronous,
      poolSize: Math.min(config.dbPoolSize, 2),
      connectTimeoutMs: config.dbConnectTimeoutMs,
      queryTimeoutMs: config.dbQueryTimeoutMs,
    });
  } catch (error) {
    // DatabaseUnavailableError names the database without its password already.
    if (error instanceof DatabaseUnavailableError) throw new AdminFailure(error.message);
    throw new AdminFailure(`cannot open the database ${redactDatabaseUrl(database)}: ${describeError(error)}`);
  }
}

/** Belt and braces: a message about a MySQL database never carries its password. */
function withoutPassword(message: string, database: string): string {
  if (!isMysqlUrl(database)) return message;
  let password = '';
  try {
    password = parseMysqlUrl(database).password;
  } catch {
    // An unreadable URL was refused by loadConfig, with a message that does not repeat it.
    return message;
  }
  return password === '' ? message : message.split(password).join('***');
}

// ---- output -------------------------------------------------------------------------

function isoTime(at: Timestamp): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString();
}

/** To the second: tables are for reading; --json keeps the milliseconds. */
function shortTime(at: Timestamp): string {
  return isoTime(at).replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Stored text may hold anything a client sent (a failed login's name, say): control
 * characters and direction overrides are shown escaped, so they cannot move the
 * cursor, recolour the terminal or break the table.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code === 0x0a ? '\\n' : code === 0x09 ? '\\t' : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

type Align = 'left' | 'right';

/** Columns padded to their widest cell (in code points); the last column is not padded. */
function table(rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const width = (text: string): number => [...text].length;
  const widths = align.map((_, column) => Math.max(0, ...rows.map((row) => width(row[column] ?? ''))));
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const pad = ' '.repeat(widths[column]! - width(cell));
          if (align[column] === 'right') return pad + cell;
          return column === row.length - 1 ? cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function userToJson(user: AccountSummary): object {
  const { id, username, status, online } = user;
  return { id, username, status, online, createdAt: isoTime(user.createdAt) };
}

function usersTable(users: readonly AccountSummary[]): string {
  if (users.length === 0) return 'no accounts';
  return table(
    [
      ['ID', 'USERNAME', 'STATUS', 'ONLINE', 'CREATED'],
      ...users.map((u) => [
        String(u.id),
        printable(u.username),
        u.status,
        u.online ? 'online' : 'offline',
        shortTime(u.createdAt),
      ]),
    ],
    ['right', 'left', 'left', 'left', 'left'],
  );
}

function activityToJson(record: ActivityRecord): object {
  return {
    id: record.id,
    at: isoTime(record.at),
    userId: record.userId,
    username: record.username,
    action: record.action,
    detail: record.detail,
  };
}

function activityTable(records: readonly ActivityRecord[]): string {
  if (records.length === 0) return 'no activity';
  const who = (r: ActivityRecord): string =>
    r.username !== null ? printable(r.username) : r.userId !== null ? `#${r.userId}` : '-';
  return table(
    [
      ['ID', 'TIME', 'USER', 'ACTION', 'DETAIL'],
      ...records.map((r) => [
        String(r.id),
        shortTime(r.at),
        who(r),
        printable(r.action),
        r.detail === null ? '-' : printable(r.detail),
      ]),
    ],
    ['right', 'left', 'left', 'left', 'left'],
  );
}

function reportToJson(report: ReportRecord): object {
  return {
    id: report.id,
    at: isoTime(report.at),
    reporter: { id: report.reporterId, username: report.reporterUsername },
    reported: { id: report.reportedId, username: report.reportedUsername },
    reason: report.reason,
  };
}

/** The reason last: it is free text of any length, so no column follows it. */
function reportsTable(reports: readonly ReportRecord[]): string {
  if (reports.length === 0) return 'no reports';
  return table(
    [
      ['ID', 'TIME', 'REPORTER', 'REPORTED', 'REASON'],
      ...reports.map((r) => [
        String(r.id),
        shortTime(r.at),
        printable(r.reporterUsername),
        printable(r.reportedUsername),
        printable(r.reason),
      ]),
    ],
    ['right', 'left', 'left', 'left', 'left'],
  );
}

function tokenToJson(token: SessionTokenSummary): object {
  return { createdAt: isoTime(token.createdAt), expiresAt: isoTime(token.expiresAt) };
}

function tokensTable(user: { id: number; username: string }, tokens: readonly SessionTokenSummary[]): string {
  const who = `${printable(user.username)} (id ${user.id})`;
  if (tokens.length === 0) return `${who} has no live session tokens`;
  return [
    `${who} has ${tokens.length} live session token${tokens.length === 1 ? '' : 's'}:`,
    table(
      [['CREATED', 'EXPIRES'], ...tokens.map((t) => [shortTime(t.createdAt), shortTime(t.expiresAt)])],
      ['left', 'left'],
    ),
  ].join('\n');
}

/** A filtered listing's rows (logs, reports), or what the operator is told about the filter. */
function listed<T>(result: Result<T, DomainError>, username: string | undefined): T {
  if (result.ok) return result.value;
  if (result.error.code === 'USER_NOT_FOUND') throw new AdminFailure(`no user named "${username}"`);
  throw new UsageError(result.error.code === 'INVALID_INPUT' ? result.error.reason : result.error.code);
}

function statsTable(stats: ChatStats): string {
  const { directMessagesStored: direct, groupMessagesStored: group } = stats;
  const { pendingOfflineDirect: pendingDirect, pendingOfflineGroup: pendingGroup } = stats;
  const { unreadDirect, unreadGroup } = stats;
  return table(
    [
      ['accounts', String(stats.accounts), `(${stats.bannedAccounts} banned)`],
      ['online now', String(stats.onlineUsers), ''],
      ['messages stored', String(direct + group), `(${direct} direct, ${group} group)`],
      ['pending offline', String(pendingDirect + pendingGroup), `(${pendingDirect} direct, ${pendingGroup} group deliveries)`],
      ['unread', String(unreadDirect + unreadGroup), `(${unreadDirect} direct, ${unreadGroup} group, one per member)`],
      ['reports', String(stats.reports), ''],
    ],
    ['left', 'right', 'left'],
  );
}

function statusChange(status: 'banned' | 'active', user: { id: number; username: string }, changed: boolean): string {
  if (status === 'banned') {
    return changed
      ? `banned ${user.username} (id ${user.id}); a running server closes their connections within 5 seconds`
      : `${user.username} (id ${user.id}) was already banned`;
  }
  return changed ? `unbanned ${user.username} (id ${user.id})` : `${user.username} (id ${user.id}) was not banned`;
}

if (require.main === module) {
  runAdmin(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => exit(code),
    (error: unknown) => {
      process.stderr.write(`admin: ${describeError(error)}\n`);
      exit(1);
    },
  );
}

/** Lets stdout drain before the process ends; a handle a driver left open cannot keep it alive. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}
