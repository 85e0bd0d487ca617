import type { ActivityEntry } from '../../../../application/ports';
import type { ActivityLogRecord } from '../schemas';

/** The detail column's length in characters (code points, as MySQL counts them). */
const DETAIL_MAX = 255;

export const ActivityLogMapper = {
  toPersistence(entry: ActivityEntry): Omit<ActivityLogRecord, 'id'> {
    return {
      userId: entry.userId,
      action: entry.action,
      detail: entry.detail === null ? null : clip(entry.detail, DETAIL_MAX),
      createdAt: entry.at,
    };
  },
};

/** A log line is worth keeping even when its detail is too long for the column. */
function clip(text: string, maxCodePoints: number): string {
  if (text.length <= maxCodePoints) return text;
  return Array.from(text).slice(0, maxCodePoints).join('');
}
