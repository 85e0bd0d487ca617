import { SetAccountStatus, describeError } from '../application';
import { TypeOrmStorage } from '../adapters/persistence/typeorm/typeorm-storage';
import { SystemClock } from '../adapters/system/system-clock';
import { ConfigError, loadConfig } from './config';

const USAGE = `usage: npm run admin -- <command>

commands:
  ban USERNAME     ban an account: its logins are refused and a running server
                   closes its open connections within 5 seconds
  unban USERNAME   lift a ban

The database is the one CHAT_DB names (default ./data/chat.sqlite; a
mysql://user:password@host:port/database URL for MySQL or MariaDB).`;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one operator command; returns the process exit code. */
export async function runAdmin(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  const [command, username, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if ((command !== 'ban' && command !== 'unban') || username === undefined || rest.length > 0) {
    io.err(command === 'ban' || command === 'unban' ? `${command} takes exactly one USERNAME\n\n${USAGE}` : `unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(env);
  const storage = await TypeOrmStorage.open({
    database: config.database,
    synchronous: config.sqliteSynchronous,
    poolSize: Math.min(config.dbPoolSize, 2),
    connectTimeoutMs: config.dbConnectTimeoutMs,
    queryTimeoutMs: config.dbQueryTimeoutMs,
  });
  try {
    const setStatus = new SetAccountStatus(storage.repositories, storage.unitOfWork, new SystemClock());
    const result = await setStatus.execute({ username, status: command === 'ban' ? 'banned' : 'active' });
    if (!result.ok) {
      io.err(`no user named "${username}"`);
      return 1;
    }
    const { user, changed } = result.value;
    if (command === 'ban') {
      io.out(
        changed
          ? `banned ${user.username} (id ${user.id}); a running server closes their connections within 5 seconds`
          : `${user.username} (id ${user.id}) was already banned`,
      );
    } else {
      io.out(changed ? `unbanned ${user.username} (id ${user.id})` : `${user.username} (id ${user.id}) was not banned`);
    }
    return 0;
  } finally {
    await storage.close();
  }
}

if (require.main === module) {
  runAdmin(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`admin: ${error instanceof ConfigError ? error.message : describeError(error)}\n`);
      process.exit(1);
    },
  );
}
