/**
 * Failed logins per remote address, as the connections see them: in one process
 * (InMemoryAddressFailureCounter) or shared by a cluster's nodes through Redis.
 */
export interface AddressFailureCounter {
  isBlocked(address: string | undefined): boolean | Promise<boolean>;
  recordFailure(address: string | undefined): void | Promise<void>;
}

/** The limits an address counter is built with. */
export interface AddressFailureLimits {
  readonly maxFailures: number;
  readonly windowMs: number;
}
