import { InMemoryStorage } from '../../src/adapters/persistence/in-memory/in-memory-storage';
import { describeRepositoryContract } from './repository-contract';

describeRepositoryContract('in memory', () => Promise.resolve(new InMemoryStorage()));
