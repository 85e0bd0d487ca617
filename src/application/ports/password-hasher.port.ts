export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Constant-time check of a password against a stored hash. With `null` (no such
   * account) it spends about as long and answers false, so timing tells nothing.
   */
  verify(password: string, storedHash: string | null): Promise<boolean>;
}
