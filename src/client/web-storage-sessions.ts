import type { ReliableOptions, SavedSession } from './reliable-mode';

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) that keeping a session needs. */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The key a browser keeps its session under unless told otherwise. */
export const DEFAULT_SESSION_KEY = 'chat.session';

/** A stored session as written by `saveToken`, or null for anything else (a newer format, a hand edit). */
function parseSession(text: string): SavedSession | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: nothing this code wrote.
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const username: unknown = Reflect.get(value, 'username');
  const token: unknown = Reflect.get(value, 'token');
  const expiresAt: unknown = Reflect.get(value, 'expiresAt');
  if (typeof username !== 'string' || typeof token !== 'string' || token === '' || typeof expiresAt !== 'number') return null;
  return { username, token, expiresAt };
}

/**
 * Reliable mode's token store over Web Storage: in a browser,
 * `reliable: { ...webStorageSessions(localStorage) }` keeps the session token across
 * reloads, so a page resumes (`resumeSaved()`) instead of asking for the password.
 * An expired or unreadable entry reads as none. The token logs in without the
 * password: whatever script runs on the page's origin can read it.
 */
export function webStorageSessions(
  storage: WebStorage,
  key: string = DEFAULT_SESSION_KEY,
  now: () => number = Date.now,
): Pick<ReliableOptions, 'loadToken' | 'saveToken'> {
  return {
    async loadToken() {
      const text = storage.getItem(key);
      if (text === null) return null;
      const session = parseSession(text);
      if (session === null || session.expiresAt <= now()) {
        storage.removeItem(key);
        return null;
      }
      return session;
    },
    async saveToken(session) {
      if (session === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(session));
    },
  };
}
