import type { EntityManager, EntitySchema, ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';
import { sqliteConnectionOf, statementsOf, type SqliteValue } from './sqlite-statements';

/**
 * Inserts one row and returns its generated id, in one statement. The entity
 * updater is off: it would re-select every column that has a default.
 */
export async function insertReturningId<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<number> {
  const inserted = sqliteInsert(manager, schema, values);
  if (inserted !== null) return inserted;
  const result = await manager.createQueryBuilder().insert().into(schema).values(values).updateEntity(false).execute();
  return generatedId(manager, schema, result.raw);
}

/**
 * The id an INSERT generated, read from the driver's raw result: the driver
 * knows where it keeps it (better-sqlite3: lastInsertRowid, mysql2: insertId).
 */
export function generatedId<T extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<T>, raw: unknown): number {
  const { driver } = manager.dataSource;
  const generated = driver.createGeneratedMap(manager.dataSource.getMetadata(schema), raw, 0, 1);
  // TypeORM hands a generated BIGINT back as a decimal string; an id fits in 2^53 − 1.
  const value: unknown = generated?.['id'];
  const id = typeof value === 'string' ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error(`The database returned no id for the new ${schema.options.name} row`);
  return id;
}

/** Inserts one row whose generated id nobody needs. */
export async function insertRow<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<void> {
  if (sqliteInsert(manager, schema, values) !== null) return;
  await manager.createQueryBuilder().insert().into(schema).values(values).updateEntity(false).execute();
}

/**
 * SQLite: one row inserted through a prepared statement with bound values, its new
 * rowid returned; null on another engine. TypeORM's query builder writes numbers
 * into the SQL text, so each of its INSERTs is a new statement to prepare (and to
 * free later): slow, and what a login left behind grew the server's memory.
 */
function sqliteInsert<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>,
): number | null {
  const connection = sqliteConnectionOf(manager);
  if (!connection) return null;
  const properties = Object.keys(values).filter((key) => Reflect.get(values, key) !== undefined);
  const sql = insertSql(manager, schema, properties);
  const parameters = properties.map((key) => sqliteValue(Reflect.get(values, key)));
  return Number(statementsOf(connection).run(sql, parameters).lastInsertRowid);
}

const insertSqlCache = new WeakMap<EntitySchema, Map<string, string>>();

/** `INSERT INTO "table" ("a", "b") VALUES (?, ?)` for these properties of the schema, made once. */
function insertSql<T extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<T>, properties: string[]): string {
  let bySchema = insertSqlCache.get(schema);
  if (!bySchema) insertSqlCache.set(schema, (bySchema = new Map()));
  const key = properties.join(',');
  let sql = bySchema.get(key);
  if (sql === undefined) {
    const metadata = manager.connection.getMetadata(schema);
    const columns = properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${schema.options.name} has no column for ${property}`);
      return `"${column.databaseName}"`;
    });
    sql = `INSERT INTO "${metadata.tableName}" (${columns.join(', ')}) VALUES (${placeholders(columns.length)})`;
    bySchema.set(key, sql);
  }
  return sql;
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are stored as 0/1. */
function sqliteValue(value: unknown): SqliteValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'bigint' ||
    Buffer.isBuffer(value)
  ) {
    return value;
  }
  throw new TypeError(`Cannot store a ${typeof value} in SQLite`);
}

/** Splits a list into consecutive pieces of at most `size` items. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** `?, ?, ?` for a list of `count` bound values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/**
 * How many rows a raw UPDATE or DELETE matched, from mysql2's result header (which
 * `manager.query` hands back as is). mysql2 connects with FOUND_ROWS: rows matched,
 * not only rows changed; a statement whose WHERE excludes the rows it would leave
 * unchanged gets the same number either way.
 */
export function affectedRows(raw: unknown): number {
  const affected: unknown = typeof raw === 'object' && raw !== null ? Reflect.get(raw, 'affectedRows') : undefined;
  if (typeof affected !== 'number') throw new Error('The database did not say how many rows the statement matched');
  return affected;
}
