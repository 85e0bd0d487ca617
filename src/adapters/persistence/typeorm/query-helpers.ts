import type { EntityManager, EntitySchema, ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';

/**
 * Inserts one row and returns its generated id, in one statement. The entity
 * updater is off: it would re-select every column that has a default.
 */
export async function insertReturningId<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<number> {
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
  const id: unknown = generated?.['id'];
  if (typeof id !== 'number') throw new Error(`The database returned no id for the new ${schema.options.name} row`);
  return id;
}

/** Inserts one row whose generated id nobody needs. */
export async function insertRow<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<void> {
  await manager.createQueryBuilder().insert().into(schema).values(values).updateEntity(false).execute();
}

/** Inserts many rows in multi-row statements of at most `chunkSize` rows (bound parameters are limited). */
export async function insertInChunks<T extends ObjectLiteral>(
  manager: EntityManager,
  schema: EntitySchema<T>,
  rows: readonly QueryDeepPartialEntity<T>[],
  chunkSize = 500,
): Promise<void> {
  for (const chunk of chunksOf(rows, chunkSize)) {
    await manager.createQueryBuilder().insert().into(schema).values(chunk).updateEntity(false).execute();
  }
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
