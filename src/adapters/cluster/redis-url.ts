/** Whether a value is a Redis URL the cluster can use (`redis://`, or `rediss://` for TLS). */
export function isRedisUrl(value: string): boolean {
  return /^rediss?:\/\/[^/]/i.test(value);
}
