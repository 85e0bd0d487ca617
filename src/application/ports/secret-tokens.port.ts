/** Makes and checks bearer secrets (session tokens) without ever storing them. */
export interface SecretTokens {
  /** A new opaque, URL-safe token of at least 256 random bits. */
  generate(): string;
  /** Whether `token` has the form `generate` gives (a token of any other form cannot be valid). */
  isWellFormed(token: string): boolean;
  /** The token's SHA-256 as lowercase hex: what is stored and looked up. */
  hash(token: string): string;
  /** Compares two hashes in constant time. */
  sameHash(a: string, b: string): boolean;
}
