import { describeError } from '../application';
import { databaseEngine, type DatabaseOptions } from '../adapters/persistence/typeorm/data-source';
import { redactDatabaseUrl } from '../adapters/persistence/typeorm/database-url';
import {
  migrateDatabase,
  migrationStates,
  revertLastMigration,
} from '../adapters/persistence/typeorm/migration-runner';
import type { CliOutput } from './admin-cli';
import { ConfigError, loadConfig, type ServerConfig } from './config';

const USAGE = `usage: npm run migrate [-- <command>]

commands:
  run      apply the migrations the database does not have yet (the default)
  show     list every migration and whether the database has it
  revert   undo the last applied migration

The database is the one CHAT_DB names: a SQLite file path (default
./data/chat.sqlite) or mysql://user:password@host:port/database for MySQL or
MariaDB, each with its own migrations. The server also applies pending
migrations when it starts.`;

/** Runs one migration command on CHAT_DB; returns the process exit code. */
export async function runMigrate(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  const [command = 'run', ...rest] = args;
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return 0;
  }
  if (!['run', 'show', 'revert'].includes(command) || rest.length > 0) {
    io.err(`unknown command "${[command, ...rest].join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(env);
  const options = databaseOptions(config);
  const where = `${databaseEngine(config.database) === 'mysql' ? 'MySQL' : 'SQLite'} database ${redactDatabaseUrl(config.database)}`;
  if (command === 'show') {
    for (const state of await migrationStates(options)) io.out(`${state.applied ? '[X]' : '[ ]'} ${state.name}`);
    return 0;
  }
  if (command === 'revert') {
    const reverted = await revertLastMigration(options);
    io.out(reverted === null ? `nothing to revert in the ${where}` : `reverted ${reverted} in the ${where}`);
    return 0;
  }
  const applied = await migrateDatabase(options);
  io.out(applied.length === 0 ? `the ${where} is up to date` : `applied ${applied.join(', ')} to the ${where}`);
  return 0;
}

function databaseOptions(config: ServerConfig): DatabaseOptions {
  return {
    database: config.database,
    synchronous: config.sqliteSynchronous,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  };
}

if (require.main === module) {
  runMigrate(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`migrate: ${error instanceof ConfigError ? error.message : describeError(error)}\n`);
      process.exit(1);
    },
  );
}
