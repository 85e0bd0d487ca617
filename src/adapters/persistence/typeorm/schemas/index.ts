export * from './account.schema';
export * from './activity-log.schema';
export * from './columns';
export * from './direct-conversation.schema';
export * from './friend-request.schema';
export * from './friendship.schema';
export * from './group.schema';
export * from './message.schema';
export * from './session.schema';
export * from './session-token.schema';
export * from './safety.schema';

export { ALL_SCHEMAS } from './all-schemas';
export { MYSQL_SCHEMAS } from './mysql-schemas';
