import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import { describeConversationContract } from './conversation-contract';
import { describeRepositoryContract } from './repository-contract';
import { describeSafetyContract } from './safety-contract';

let directory: string;
let opened = 0;

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-contract-'));
});

afterAll(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

// A file per test, not :memory:, so WAL and the synchronous pragma are in play.
describeRepositoryContract('TypeORM on SQLite', () =>
  TypeOrmStorage.open({ database: path.join(directory, `contract-${++opened}.sqlite`) }),
);
describeConversationContract('TypeORM on SQLite', () =>
  TypeOrmStorage.open({ database: path.join(directory, `contract-${++opened}.sqlite`) }),
);
describeSafetyContract('TypeORM on SQLite', () =>
  TypeOrmStorage.open({ database: path.join(directory, `contract-${++opened}.sqlite`) }),
);
