import { AccountSchema } from './account.schema';
import { ActivityLogSchema } from './activity-log.schema';
import { DirectConversationSchema } from './direct-conversation.schema';
import { FriendRequestSchema } from './friend-request.schema';
import { FriendshipSchema } from './friendship.schema';
import { GroupMemberSchema, GroupSchema } from './group.schema';
import { DirectMessageSchema, GroupMessageDeliverySchema, GroupMessageSchema } from './message.schema';
import { SessionSchema } from './session.schema';
import { SessionTokenSchema } from './session-token.schema';
import { BlockSchema, ReportSchema } from './safety.schema';

/** Every table the adapter maps, listed (not globbed) so ts-jest and compiled output both find them. */
export const ALL_SCHEMAS = [
  AccountSchema,
  FriendRequestSchema,
  FriendshipSchema,
  GroupSchema,
  GroupMemberSchema,
  DirectMessageSchema,
  DirectConversationSchema,
  GroupMessageSchema,
  GroupMessageDeliverySchema,
  SessionSchema,
  SessionTokenSchema,
  ActivityLogSchema,
  BlockSchema,
  ReportSchema,
] as const;
