import { storedActivityDetail, type ActivityEntry } from '../../../../application/ports';
import type { ActivityLogRecord } from '../schemas';

export const ActivityLogMapper = {
  toPersistence(entry: ActivityEntry): Omit<ActivityLogRecord, 'id'> {
    return {
      userId: entry.userId,
      action: entry.action,
      detail: storedActivityDetail(entry.detail),
      createdAt: entry.at,
    };
  },
};
