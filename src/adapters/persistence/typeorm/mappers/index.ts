export * from './account.mapper';
export * from './activity-log.mapper';
export * from './friend-request.mapper';
export * from './friendship.mapper';
export * from './group.mapper';
export * from './message.mapper';
export * from './session.mapper';
export * from './session-token.mapper';
