import type { Clock } from '../../application/ports';
import type { Timestamp } from '../../domain';

export class SystemClock implements Clock {
  now(): Timestamp {
    return Date.now();
  }
}
