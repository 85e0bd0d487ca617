import type { Timestamp } from '../../domain';

export interface Clock {
  now(): Timestamp;
}
