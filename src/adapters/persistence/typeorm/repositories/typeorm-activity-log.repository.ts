import type { ActivityEntry, ActivityLog } from '../../../../application/ports';
import type { Executor } from '../executor';
import { ActivityLogMapper } from '../mappers';
import { insertRow } from '../query-helpers';
import { ActivityLogSchema } from '../schemas';

export class TypeOrmActivityLog implements ActivityLog {
  constructor(private readonly db: Executor) {}

  async record(entry: ActivityEntry): Promise<void> {
    await this.db.run((manager) => insertRow(manager, ActivityLogSchema, ActivityLogMapper.toPersistence(entry)));
  }
}
