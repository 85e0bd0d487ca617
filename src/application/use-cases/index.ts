export * from './register-user.use-case';
export * from './log-in.use-case';
export * from './end-session.use-case';
export * from './send-direct-message.use-case';
export * from './send-group-message.use-case';
export * from './get-offline-messages.use-case';
export * from './send-friend-request.use-case';
export * from './answer-friend-request.use-case';
export * from './unfriend.use-case';
export * from './get-friend-list.use-case';
export * from './create-group.use-case';
export * from './manage-group-members.use-case';
export * from './leave-group.use-case';
export * from './moderate-accounts.use-case';

import type { AnswerFriendRequest } from './answer-friend-request.use-case';
import type { CreateGroup } from './create-group.use-case';
import type { EndSession } from './end-session.use-case';
import type { GetFriendList } from './get-friend-list.use-case';
import type { GetOfflineMessages } from './get-offline-messages.use-case';
import type { LeaveGroup } from './leave-group.use-case';
import type { LogIn } from './log-in.use-case';
import type { AddToGroup, RemoveFromGroup } from './manage-group-members.use-case';
import type { ClearStaleSessions, EnforceBans, SetAccountStatus } from './moderate-accounts.use-case';
import type { RegisterUser } from './register-user.use-case';
import type { SendDirectMessage } from './send-direct-message.use-case';
import type { SendFriendRequest } from './send-friend-request.use-case';
import type { SendGroupMessage } from './send-group-message.use-case';
import type { Unfriend } from './unfriend.use-case';

/** Every use-case of the chat, ready to call: what a transport drives and what embedders get. */
export interface ChatUseCases {
  readonly registerUser: RegisterUser;
  readonly logIn: LogIn;
  readonly endSession: EndSession;
  readonly sendDirectMessage: SendDirectMessage;
  readonly sendGroupMessage: SendGroupMessage;
  readonly getOfflineMessages: GetOfflineMessages;
  readonly sendFriendRequest: SendFriendRequest;
  readonly answerFriendRequest: AnswerFriendRequest;
  readonly unfriend: Unfriend;
  readonly getFriendList: GetFriendList;
  readonly createGroup: CreateGroup;
  readonly addToGroup: AddToGroup;
  readonly removeFromGroup: RemoveFromGroup;
  readonly leaveGroup: LeaveGroup;
  readonly setAccountStatus: SetAccountStatus;
  readonly enforceBans: EnforceBans;
  readonly clearStaleSessions: ClearStaleSessions;
}
