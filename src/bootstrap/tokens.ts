/** Inversify service ids. Classes of the adapters serve as their own ids. */
export const TOKENS = {
  Storage: Symbol.for('chat.Storage'),
  Repositories: Symbol.for('chat.Repositories'),
  UnitOfWork: Symbol.for('chat.UnitOfWork'),
  Clock: Symbol.for('chat.Clock'),
  Logger: Symbol.for('chat.Logger'),
  PasswordHasher: Symbol.for('chat.PasswordHasher'),
  LoginThrottle: Symbol.for('chat.LoginThrottle'),
  Presence: Symbol.for('chat.Presence'),
  Delivery: Symbol.for('chat.Delivery'),
  NodeId: Symbol.for('chat.NodeId'),
  SecretTokens: Symbol.for('chat.SecretTokens'),
  SessionTokenPolicy: Symbol.for('chat.SessionTokenPolicy'),
  UseCases: Symbol.for('chat.UseCases'),
} as const;
