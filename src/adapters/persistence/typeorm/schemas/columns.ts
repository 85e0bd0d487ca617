import type { EntitySchemaColumnOptions } from 'typeorm';

/** A bigint column as read back: better-sqlite3 gives a number, mysql2 a decimal string. */
export type StoredBigInt = number | string;

export const generatedId = (): EntitySchemaColumnOptions => ({
  type: 'integer',
  primary: true,
  generated: 'increment',
});

export const integer = (name: string, extra: Partial<EntitySchemaColumnOptions> = {}): EntitySchemaColumnOptions => ({
  name,
  type: 'integer',
  ...extra,
});

/** Epoch milliseconds need more than 32 bits. */
export const millis = (name: string, extra: Partial<EntitySchemaColumnOptions> = {}): EntitySchemaColumnOptions => ({
  name,
  type: 'bigint',
  ...extra,
});

export const varchar = (
  name: string,
  length: number,
  extra: Partial<EntitySchemaColumnOptions> = {},
): EntitySchemaColumnOptions => ({ name, type: 'varchar', length, ...extra });
