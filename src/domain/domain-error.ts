/**
 * Expected business failures. Each carries a literal `code`; the transport maps
 * every code to a status code in one exhaustive switch.
 */
export const DomainErrors = {
  invalidInput: (reason: string) => ({ code: 'INVALID_INPUT', reason }) as const,
  usernameTaken: () => ({ code: 'USERNAME_TAKEN' }) as const,
  invalidCredentials: () => ({ code: 'INVALID_CREDENTIALS' }) as const,
  accountBanned: () => ({ code: 'ACCOUNT_BANNED' }) as const,
  alreadyLoggedIn: () => ({ code: 'ALREADY_LOGGED_IN' }) as const,
  tooManyAttempts: () => ({ code: 'TOO_MANY_ATTEMPTS' }) as const,
  userNotFound: () => ({ code: 'USER_NOT_FOUND' }) as const,
  groupNotFound: () => ({ code: 'GROUP_NOT_FOUND' }) as const,
  notAMember: () => ({ code: 'NOT_A_MEMBER' }) as const,
  notAdmin: () => ({ code: 'NOT_ADMIN' }) as const,
  alreadyMember: () => ({ code: 'ALREADY_MEMBER' }) as const,
  alreadyFriends: () => ({ code: 'ALREADY_FRIENDS' }) as const,
  requestPending: () => ({ code: 'REQUEST_PENDING' }) as const,
  requestNotFound: () => ({ code: 'REQUEST_NOT_FOUND' }) as const,
  notFriends: () => ({ code: 'NOT_FRIENDS' }) as const,
  /** A block (either way) or the receiver's privacy: the same error for both, so neither can be told apart. */
  cannotMessage: () => ({ code: 'CANNOT_MESSAGE' }) as const,
  notBlocked: () => ({ code: 'NOT_BLOCKED' }) as const,
  tooManyReports: () => ({ code: 'TOO_MANY_REPORTS' }) as const,
} as const;

export type DomainError = ReturnType<(typeof DomainErrors)[keyof typeof DomainErrors]>;
export type DomainErrorCode = DomainError['code'];
