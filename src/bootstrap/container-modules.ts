import { ContainerModule } from 'inversify';
import {
  AddToGroup,
  AnswerFriendRequest,
  ClearStaleSessions,
  CreateGroup,
  EndSession,
  EnforceBans,
  GetFriendList,
  GetOfflineMessages,
  LeaveGroup,
  LogIn,
  PresenceAnnouncer,
  RegisterUser,
  RemoveFromGroup,
  SendDirectMessage,
  SendFriendRequest,
  SendGroupMessage,
  SetAccountStatus,
  Unfriend,
  type ChatUseCases,
  type Clock,
  type Delivery,
  type Logger,
  type LoginThrottle,
  type PasswordHasher,
  type Presence,
  type Repositories,
  type Storage,
  type UnitOfWork,
} from '../application';
import { LocalConnectionRegistry } from '../adapters/delivery/local-connection-registry';
import { TOKENS } from './tokens';

/** A storage engine already opened (in memory, SQLite, ...): its repositories and transactions. */
export function storageModule(storage: Storage): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Storage>(TOKENS.Storage).toConstantValue(storage);
    bind<Repositories>(TOKENS.Repositories).toConstantValue(storage.repositories);
    bind<UnitOfWork>(TOKENS.UnitOfWork).toConstantValue(storage.unitOfWork);
  });
}

export interface SystemParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly nodeId: string;
}

/** Clock, logger, password hashing and login throttling. */
export function systemModule(parts: SystemParts): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Clock>(TOKENS.Clock).toConstantValue(parts.clock);
    bind<Logger>(TOKENS.Logger).toConstantValue(parts.logger);
    bind<PasswordHasher>(TOKENS.PasswordHasher).toConstantValue(parts.hasher);
    bind<LoginThrottle>(TOKENS.LoginThrottle).toConstantValue(parts.throttle);
    bind<string>(TOKENS.NodeId).toConstantValue(parts.nodeId);
  });
}

/** Presence and delivery inside one process. */
export const localDeliveryModule = new ContainerModule(({ bind }) => {
  bind(LocalConnectionRegistry).toSelf().inSingletonScope();
  bind<Presence>(TOKENS.Presence).toService(LocalConnectionRegistry);
  bind<Delivery>(TOKENS.Delivery).toService(LocalConnectionRegistry);
});

/** Every use-case, built from the ports the other modules bind. */
export const useCaseModule = new ContainerModule(({ bind }) => {
  const { Repositories: R, UnitOfWork: U, Clock: C, Logger: L, Delivery: D, Presence: P } = TOKENS;
  bind(PresenceAnnouncer)
    .toResolvedValue(
      (repositories: Repositories, presence: Presence, delivery: Delivery, logger: Logger) =>
        new PresenceAnnouncer(repositories.friendships, presence, delivery, logger),
      [R, P, D, L],
    )
    .inSingletonScope();
  bind<ChatUseCases>(TOKENS.UseCases)
    .toResolvedValue(
      (
        repositories: Repositories,
        unitOfWork: UnitOfWork,
        clock: Clock,
        logger: Logger,
        delivery: Delivery,
        presence: Presence,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        announcer: PresenceAnnouncer,
        nodeId: string,
      ): ChatUseCases => ({
        registerUser: new RegisterUser(repositories, unitOfWork, hasher, clock),
        logIn: new LogIn(repositories, unitOfWork, hasher, throttle, presence, announcer, clock, nodeId),
        endSession: new EndSession(unitOfWork, presence, announcer, clock),
        sendDirectMessage: new SendDirectMessage(repositories, delivery, clock, logger),
        sendGroupMessage: new SendGroupMessage(repositories, delivery, clock, logger),
        getOfflineMessages: new GetOfflineMessages(unitOfWork),
        sendFriendRequest: new SendFriendRequest(repositories, unitOfWork, delivery, clock, logger),
        answerFriendRequest: new AnswerFriendRequest(unitOfWork, clock),
        unfriend: new Unfriend(unitOfWork, clock),
        getFriendList: new GetFriendList(repositories, presence),
        createGroup: new CreateGroup(unitOfWork, clock),
        addToGroup: new AddToGroup(unitOfWork, clock),
        removeFromGroup: new RemoveFromGroup(unitOfWork, clock),
        leaveGroup: new LeaveGroup(unitOfWork, clock),
        setAccountStatus: new SetAccountStatus(repositories, unitOfWork, clock),
        enforceBans: new EnforceBans(repositories, presence, delivery),
        clearStaleSessions: new ClearStaleSessions(unitOfWork, clock, nodeId),
      }),
      [R, U, C, L, D, P, TOKENS.PasswordHasher, TOKENS.LoginThrottle, PresenceAnnouncer, TOKENS.NodeId],
    )
    .inSingletonScope();
});
