import { InMemoryStorage } from '../../src/adapters/persistence/in-memory/in-memory-storage';
import { describeConversationContract } from './conversation-contract';
import { describeRepositoryContract } from './repository-contract';
import { describeSafetyContract } from './safety-contract';

describeRepositoryContract('in memory', () => Promise.resolve(new InMemoryStorage()));
describeConversationContract('in memory', () => Promise.resolve(new InMemoryStorage()));
describeSafetyContract('in memory', () => Promise.resolve(new InMemoryStorage()));
