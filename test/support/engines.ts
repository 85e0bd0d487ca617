import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryStorage } from '../../src/adapters/persistence/in-memory/in-memory-storage';
import { TypeOrmStorage } from '../../src/adapters/persistence/typeorm/typeorm-storage';
import type { Storage } from '../../src/application/ports';
import { freshMysqlStorage, freshWorkerDatabase, mysqlTestUrl } from './mysql';

/** The storage engines a test can run on. */
export type TestEngine = 'in-memory' | 'sqlite' | 'mysql';

export const ENGINE_VARIABLE = 'CHAT_TEST_ENGINE';

/**
 * The engine of this test file's Jest project: jest.config.js runs the
 * end-to-end protocol suite once per engine, each project setting the global
 * CHAT_TEST_ENGINE. Elsewhere the CHAT_TEST_ENGINE variable may choose; SQLite
 * when nothing says otherwise.
 */
export function projectEngine(): TestEngine {
  const fromProject: unknown = Reflect.get(globalThis, ENGINE_VARIABLE);
  const engine = typeof fromProject === 'string' ? fromProject : (process.env[ENGINE_VARIABLE] ?? 'sqlite');
  if (engine !== 'in-memory' && engine !== 'sqlite' && engine !== 'mysql') {
    throw new Error(`${ENGINE_VARIABLE} must be in-memory, sqlite or mysql (got "${engine}")`);
  }
  return engine;
}

/** Every engine this run can test: in-memory and SQLite always, MySQL when a test database is configured. */
export function availableEngines(): TestEngine[] {
  return mysqlTestUrl() === null ? ['in-memory', 'sqlite'] : ['in-memory', 'sqlite', 'mysql'];
}

/** What a server or core is opened on for an engine, and how to clean up after it. */
export interface EngineDatabase {
  /** A `storage` option for createCore/startServer. */
  readonly storage: 'in-memory' | string;
  dispose(): void;
}

/** A fresh, empty database of the engine: a new SQLite file, or this worker's MySQL database emptied. */
export async function freshDatabase(engine: TestEngine): Promise<EngineDatabase> {
  if (engine === 'in-memory') return { storage: 'in-memory', dispose: () => undefined };
  if (engine === 'mysql') return { storage: await freshWorkerDatabase(), dispose: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-'));
  return { storage: join(dir, 'chat.sqlite'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh, empty Storage of the engine; closing it also removes a SQLite file. */
export async function freshStorage(engine: TestEngine): Promise<Storage> {
  if (engine === 'in-memory') return new InMemoryStorage();
  if (engine === 'mysql') return freshMysqlStorage();
  const database = await freshDatabase('sqlite');
  const storage = await TypeOrmStorage.open({ database: database.storage });
  return {
    repositories: storage.repositories,
    unitOfWork: storage.unitOfWork,
    ping: () => storage.ping(),
    async close() {
      await storage.close();
      database.dispose();
    },
  };
}
