export * from './ports';
export * from './use-cases';
export { PresenceAnnouncer } from './services/presence-announcer';
export { MembershipAnnouncer } from './services/membership-announcer';
export { describeError } from './services/describe-error';
export { SessionStarter, type StartedSession } from './services/session-starter';
