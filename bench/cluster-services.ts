/**
 * What the cluster workload needs besides the chat server: a MySQL/MariaDB database
 * and a Redis. Given as URLs (--mysql-url, --redis-url) they are used as they are;
 * otherwise the benchmark starts private ones of its own, like .ci/run does: a
 * MariaDB through .ci/mariadb.sh and a redis-server, each in a temporary folder on
 * a free loopback port, stopped at the end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

export interface Service {
  readonly url: string;
  /** What it is, for the transcript (never a password). */
  readonly description: string;
  stop(): Promise<void>;
}

/** The first executable of these names on PATH (or in /usr/sbin), or null. */
export function findBinary(...names: string[]): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const name of names) {
    for (const dir of dirs) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      probe.close(() => resolvePort(address.port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveAnswer(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A redis-server of the benchmark's own, without persistence. */
export async function startRedis(folder: string): Promise<Service> {
  const binary = findBinary('redis-server');
  if (binary === null) throw new Error('no redis-server on PATH (Debian: apt-get install redis-server), and no --redis-url');
  const port = await freePort();
  const dir = join(folder, 'redis');
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 15_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    description: `private redis-server on 127.0.0.1:${port} (no persistence)`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A MariaDB of the benchmark's own (.ci/mariadb.sh), with a database and a user for the chat. */
export async function startMariadb(folder: string): Promise<Service> {
  if (findBinary('mariadbd', 'mysqld') === null) {
    throw new Error('no mariadbd on PATH (Debian: apt-get install mariadb-server), and no --mysql-url');
  }
  const script = resolve(__dirname, '..', '..', '.ci', 'mariadb.sh');
  const port = await freePort();
  const env = { ...process.env, CHAT_MARIADB_DIR: join(folder, 'mariadb'), CHAT_MARIADB_PORT: String(port) };
  const run = (command: string, input?: string): void => {
    execFileSync('bash', [script, command], { env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  };
  run('init');
  const password = randomBytes(12).toString('hex');
  run(
    'sql',
    `CREATE DATABASE chat_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'chat'@'127.0.0.1' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON \`chat\\_bench%\`.* TO 'chat'@'127.0.0.1';`,
  );
  return {
    url: `mysql://chat:${password}@127.0.0.1:${port}/chat_bench`,
    description: `private MariaDB on 127.0.0.1:${port} (.ci/mariadb.sh: its log is flushed once a second, not at every commit)`,
    async stop() {
      run('stop');
    },
  };
}
