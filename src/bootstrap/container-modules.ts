import { ContainerModule } from 'inversify';
import {
  createUseCases,
  type ChatUseCases,
  type Clock,
  type Delivery,
  type Logger,
  type LoginThrottle,
  type PasswordHasher,
  type Presence,
  type Repositories,
  type SecretTokens,
  type SessionTokenPolicy,
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
  readonly secrets: SecretTokens;
  readonly sessionTokenPolicy: SessionTokenPolicy;
}

/** Clock, logger, password hashing, login throttling and session tokens. */
export function systemModule(parts: SystemParts): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Clock>(TOKENS.Clock).toConstantValue(parts.clock);
    bind<Logger>(TOKENS.Logger).toConstantValue(parts.logger);
    bind<PasswordHasher>(TOKENS.PasswordHasher).toConstantValue(parts.hasher);
    bind<LoginThrottle>(TOKENS.LoginThrottle).toConstantValue(parts.throttle);
    bind<string>(TOKENS.NodeId).toConstantValue(parts.nodeId);
    bind<SecretTokens>(TOKENS.SecretTokens).toConstantValue(parts.secrets);
    bind<SessionTokenPolicy>(TOKENS.SessionTokenPolicy).toConstantValue(parts.sessionTokenPolicy);
  });
}

/** Presence and delivery inside one process: the registry the transport registers its connections in. */
export function localDeliveryModule(local: LocalConnectionRegistry): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(LocalConnectionRegistry).toConstantValue(local);
    bind<Presence>(TOKENS.Presence).toService(LocalConnectionRegistry);
    bind<Delivery>(TOKENS.Delivery).toService(LocalConnectionRegistry);
  });
}

/**
 * Presence and delivery across a cluster: the node's own connections in the local
 * registry (the transport registers them there), everything else through Redis.
 */
export function clusterDeliveryModule(local: LocalConnectionRegistry, cluster: Presence & Delivery): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(LocalConnectionRegistry).toConstantValue(local);
    bind<Presence>(TOKENS.Presence).toConstantValue(cluster);
    bind<Delivery>(TOKENS.Delivery).toConstantValue(cluster);
  });
}

/** Every use-case, built from the ports the other modules bind. */
export const useCaseModule = new ContainerModule(({ bind }) => {
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
        nodeId: string,
        secrets: SecretTokens,
        sessionTokenPolicy: SessionTokenPolicy,
      ) =>
        createUseCases({
          repositories,
          unitOfWork,
          clock,
          logger,
          delivery,
          presence,
          hasher,
          throttle,
          nodeId,
          secrets,
          sessionTokenPolicy,
        }),
      [
        TOKENS.Repositories,
        TOKENS.UnitOfWork,
        TOKENS.Clock,
        TOKENS.Logger,
        TOKENS.Delivery,
        TOKENS.Presence,
        TOKENS.PasswordHasher,
        TOKENS.LoginThrottle,
        TOKENS.NodeId,
        TOKENS.SecretTokens,
        TOKENS.SessionTokenPolicy,
      ],
    )
    .inSingletonScope();
});
