import { MembershipAnnouncer } from '../services/membership-announcer';
import { PendingDeliveries } from '../services/pending-deliveries';
import { PresenceAnnouncer } from '../services/presence-announcer';
import { SessionStarter } from '../services/session-starter';
import { UnfinishedSessionEnds } from '../services/unfinished-session-ends';
import type {
  Clock,
  Delivery,
  Logger,
  LoginThrottle,
  PasswordHasher,
  Presence,
  Repositories,
  SecretTokens,
  UnitOfWork,
} from '../ports';
import { AcknowledgeMessages, ListUndeliveredMessages } from './acknowledged-delivery.use-case';
import { ResumeSession } from './resume-session.use-case';
import {
  DEFAULT_SESSION_TOKEN_POLICY,
  IssueSessionToken,
  ManageSessionTokens,
  type SessionTokenPolicy,
} from './session-tokens.use-case';
import { AnswerFriendRequest } from './answer-friend-request.use-case';
import { CreateGroup } from './create-group.use-case';
import { EndSession } from './end-session.use-case';
import { FindUser } from './find-user.use-case';
import { GetFriendList } from './get-friend-list.use-case';
import { GetFriendRequests } from './get-friend-requests.use-case';
import { GetOfflineGroupMessages, GetOfflineMessages } from './get-offline-messages.use-case';
import { GetGroupMembers, GetGroups } from './group-listings.use-case';
import { GetConversations, GetHistory, MarkRead } from './history.use-case';
import { LeaveGroup } from './leave-group.use-case';
import { LogIn } from './log-in.use-case';
import { AddToGroup, RemoveFromGroup } from './manage-group-members.use-case';
import {
  AnnouncePresence,
  ClearStaleSessions,
  EnforceBans,
  RecordDelivery,
  SetAccountStatus,
} from './moderate-accounts.use-case';
import { RegisterUser } from './register-user.use-case';
import { BlockUser, GetBlocked, ReportUser, SetPrivacy, UnblockUser } from './safety.use-case';
import { SendDirectMessage } from './send-direct-message.use-case';
import { SendFriendRequest } from './send-friend-request.use-case';
import { SendGroupMessage } from './send-group-message.use-case';
import { Unfriend } from './unfriend.use-case';

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
  readonly recordDelivery: RecordDelivery;
  readonly announcePresence: AnnouncePresence;
  readonly getFriendRequests: GetFriendRequests;
  readonly getGroups: GetGroups;
  readonly getGroupMembers: GetGroupMembers;
  readonly getOfflineGroupMessages: GetOfflineGroupMessages;
  readonly findUser: FindUser;
  readonly issueSessionToken: IssueSessionToken;
  readonly resumeSession: ResumeSession;
  readonly manageSessionTokens: ManageSessionTokens;
  readonly acknowledgeMessages: AcknowledgeMessages;
  readonly listUndeliveredMessages: ListUndeliveredMessages;
  readonly getHistory: GetHistory;
  readonly markRead: MarkRead;
  readonly getConversations: GetConversations;
  readonly blockUser: BlockUser;
  readonly unblockUser: UnblockUser;
  readonly getBlocked: GetBlocked;
  readonly setPrivacy: SetPrivacy;
  readonly reportUser: ReportUser;
}

/** The ports every use-case is built from. */
export interface UseCaseDependencies {
  readonly repositories: Repositories;
  readonly unitOfWork: UnitOfWork;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly delivery: Delivery;
  readonly presence: Presence;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  /** This server process's name in the sessions it stores. */
  readonly nodeId: string;
  /** Session tokens: how they are made and checked. */
  readonly secrets: SecretTokens;
  /** How long session tokens live and how many a user may hold (default: 30 days, 20). */
  readonly sessionTokenPolicy?: SessionTokenPolicy;
}

/** Builds every use-case over the given ports: the one place that knows each constructor. */
export function createUseCases(deps: UseCaseDependencies): ChatUseCases {
  const { repositories, unitOfWork, clock, logger, delivery, presence, hasher, throttle, nodeId, secrets } = deps;
  const announcer = new PresenceAnnouncer(repositories.friendships, presence, delivery, logger);
  const memberships = new MembershipAnnouncer(repositories.groups, delivery, logger);
  const announcePresence = new AnnouncePresence(repositories, announcer);
  const pending = new PendingDeliveries();
  const unfinished = new UnfinishedSessionEnds();
  const sessions = new SessionStarter(repositories, unitOfWork, presence, announcer, clock, nodeId, unfinished);
  return {
    registerUser: new RegisterUser(repositories, unitOfWork, hasher, clock),
    logIn: new LogIn(repositories, hasher, throttle, sessions, clock),
    endSession: new EndSession(unitOfWork, presence, announcer, clock, unfinished, logger),
    sendDirectMessage: new SendDirectMessage(repositories, delivery, clock, logger, pending),
    sendGroupMessage: new SendGroupMessage(repositories, delivery, clock, logger, pending),
    getOfflineMessages: new GetOfflineMessages(repositories, unitOfWork, pending),
    sendFriendRequest: new SendFriendRequest(repositories, unitOfWork, delivery, clock, logger),
    answerFriendRequest: new AnswerFriendRequest(unitOfWork, delivery, clock, logger),
    unfriend: new Unfriend(unitOfWork, clock),
    getFriendList: new GetFriendList(repositories, presence),
    createGroup: new CreateGroup(unitOfWork, clock),
    addToGroup: new AddToGroup(unitOfWork, memberships, clock),
    removeFromGroup: new RemoveFromGroup(unitOfWork, memberships, clock),
    leaveGroup: new LeaveGroup(unitOfWork, memberships, clock),
    setAccountStatus: new SetAccountStatus(repositories, unitOfWork, clock),
    enforceBans: new EnforceBans(repositories, presence, delivery),
    clearStaleSessions: new ClearStaleSessions(unitOfWork, presence, announcePresence, clock, nodeId),
    recordDelivery: new RecordDelivery(repositories, pending),
    announcePresence,
    getFriendRequests: new GetFriendRequests(repositories),
    getGroups: new GetGroups(repositories),
    getGroupMembers: new GetGroupMembers(repositories, presence),
    getOfflineGroupMessages: new GetOfflineGroupMessages(repositories, unitOfWork, pending),
    findUser: new FindUser(repositories),
    issueSessionToken: new IssueSessionToken(
      repositories,
      secrets,
      clock,
      deps.sessionTokenPolicy ?? DEFAULT_SESSION_TOKEN_POLICY,
    ),
    resumeSession: new ResumeSession(repositories, secrets, throttle, sessions, clock),
    manageSessionTokens: new ManageSessionTokens(repositories, clock),
    acknowledgeMessages: new AcknowledgeMessages(repositories),
    listUndeliveredMessages: new ListUndeliveredMessages(repositories),
    getHistory: new GetHistory(repositories),
    markRead: new MarkRead(repositories, delivery, clock, logger),
    getConversations: new GetConversations(repositories),
    blockUser: new BlockUser(repositories, unitOfWork, clock),
    unblockUser: new UnblockUser(unitOfWork, clock),
    getBlocked: new GetBlocked(repositories),
    setPrivacy: new SetPrivacy(unitOfWork, clock),
    reportUser: new ReportUser(repositories, unitOfWork, clock),
  };
}
