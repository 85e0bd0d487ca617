import {
  EntitySchema,
  type EntitySchemaColumnOptions,
  type EntitySchemaIndexOptions,
  type ObjectLiteral,
} from 'typeorm';
import { ALL_SCHEMAS } from './all-schemas';

/**
 * Indexes that MySQL keeps differently. It has no partial indexes, so the
 * undelivered-message indexes lead with (recipient, delivered) instead of
 * leaving delivered rows out.
 */
const MYSQL_INDICES: Readonly<Record<string, readonly EntitySchemaIndexOptions[]>> = {
  DirectMessage: [
    { name: 'IDX_messages_undelivered', columns: ['receiverId', 'delivered', 'id'] },
    { name: 'IDX_messages_sender_receiver', columns: ['senderId', 'receiverId', 'id'] },
  ],
  GroupMessageDelivery: [
    { name: 'IDX_group_message_deliveries_undelivered', columns: ['userId', 'delivered', 'messageId'] },
  ],
};

/**
 * Integer columns that hold counts, not ids: they stay INT. Every other integer
 * column holds an id and is BIGINT on MySQL (the protocol allows ids up to 2^53 − 1),
 * as the bigint-ids migration makes it; SQLite's INTEGER is 64-bit already.
 */
const COUNT_COLUMNS: ReadonlySet<string> = new Set(['lo_unread', 'hi_unread']);

function withBigintIds(
  columns: Record<string, EntitySchemaColumnOptions | undefined>,
): Record<string, EntitySchemaColumnOptions> {
  const result: Record<string, EntitySchemaColumnOptions> = {};
  for (const [property, column] of Object.entries(columns)) {
    if (column === undefined) continue;
    const isId = column.type === 'integer' && !COUNT_COLUMNS.has(column.name ?? property);
    result[property] = isId ? { ...column, type: 'bigint' } : column;
  }
  return result;
}

/**
 * The entity schemas as the MySQL migrations build them. TypeORM finds an entity
 * schema's metadata by its name, so the repositories keep using the shared schema
 * objects on either engine; only the DataSource registers these copies.
 */
export const MYSQL_SCHEMAS: readonly EntitySchema<ObjectLiteral>[] = ALL_SCHEMAS.map((schema: EntitySchema<ObjectLiteral>) => {
  const indices = MYSQL_INDICES[schema.options.name];
  return new EntitySchema<ObjectLiteral>({
    ...schema.options,
    columns: withBigintIds(schema.options.columns),
    ...(indices ? { indices: [...indices] } : {}),
  });
});
