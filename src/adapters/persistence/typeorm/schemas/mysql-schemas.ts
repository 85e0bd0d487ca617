import { EntitySchema, type EntitySchemaIndexOptions, type ObjectLiteral } from 'typeorm';
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
 * The entity schemas as the MySQL migrations build them. TypeORM finds an entity
 * schema's metadata by its name, so the repositories keep using the shared schema
 * objects on either engine; only the DataSource registers these copies.
 */
export const MYSQL_SCHEMAS: readonly EntitySchema<ObjectLiteral>[] = ALL_SCHEMAS.map((schema: EntitySchema<ObjectLiteral>) => {
  const indices = MYSQL_INDICES[schema.options.name];
  return indices ? new EntitySchema<ObjectLiteral>({ ...schema.options, indices: [...indices] }) : schema;
});
