import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { befriend } from '../../support/e2e-server';
import { freshWorkerDatabase } from '../../support/mysql';
import { describeOnCluster, requireRedisUrl, uniqueRedisPrefix } from '../../support/redis';
import { SERVER_MAIN, startServerProcess } from '../../support/server-process';
import {
  directMessage,
  killServerProcesses,
  logsOf,
  presence,
  requireBuild,
  statusSeenBy,
  stopGracefully,
  Users,
  waitForLogCount,
  within,
} from './cluster-fixture';

/**
 * CHAT_WORKERS=N: one process forks N workers (node:cluster) that share the port,
 * each a node of the cluster. And the settings cluster mode refuses.
 */
describeOnCluster()('cluster mode: CHAT_WORKERS=2 on one port', () => {
  const users = new Users();

  beforeAll(requireBuild);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
  });

  it(
    'runs two workers as two nodes on one port, and clients on either chat and see each other’s presence',
    async () => {
      const server = await startServerProcess({
        CHAT_DB: await freshWorkerDatabase(),
        CHAT_REDIS_URL: requireRedisUrl(),
        CHAT_REDIS_PREFIX: uniqueRedisPrefix(),
        CHAT_NODE_ID: 'w',
        CHAT_WORKERS: '2',
      });
      // Both workers listen on the same port and joined as nodes of their own.
      const listening = await waitForLogCount(server, 'chat server listening', 2, 30_000);
      expect(listening.map((line) => line['port'])).toEqual([server.port, server.port]);
      const joined = await waitForLogCount(server, 'joined the cluster', 2, 20_000);
      const nodeIds = joined.map((line) => String(line['nodeId']));
      expect(new Set(nodeIds).size).toBe(2);
      for (const id of nodeIds) expect(id).toMatch(/^w-\d+$/);

      // Connections are spread over the workers; whichever each lands on, they chat.
      const alice = await users.register(server.port, 'alice');
      const bob = await users.register(server.port, 'bob');
      await befriend(alice, bob);
      expect(await statusSeenBy(alice, bob)).toBe('online');

      const toBob = directMessage(bob, 'which worker are you on?');
      expect(await alice.client.call(1003, [bob.id, 'which worker are you on?'])).toEqual(['200', 'Message sent']);
      await within(5000, 'bob gets alice’s message', toBob);
      const toAlice = directMessage(alice, 'does not matter');
      expect(await bob.client.call(1003, [alice.id, 'does not matter'])).toEqual(['200', 'Message sent']);
      await within(5000, 'alice gets bob’s message', toAlice);
      expect(await bob.client.call(1014)).toEqual(['0']);
      expect(await alice.client.call(1014)).toEqual(['0']);

      // Presence, from new connections too (which may land on the other worker).
      const offline = presence(alice, bob, 'offline');
      await bob.client.destroy();
      await within(5000, 'alice gets bob offline', offline);
      expect(await statusSeenBy(alice, bob)).toBe('offline');
      const online = presence(alice, bob, 'online');
      const bobAgain = await users.login(server.port, 'bob');
      await within(5000, 'alice gets bob online', online);
      const late = directMessage(bobAgain, 'welcome back');
      expect(await alice.client.call(1003, [bob.id, 'welcome back'])).toEqual(['200', 'Message sent']);
      await within(5000, 'bob’s new connection gets alice’s message', late);

      expect(logsOf(server, 'node lost')).toEqual([]);
      await users.closeAll();
      // SIGTERM stops the whole server as without workers: cleanly, and no worker keeps the port.
      expect(await stopGracefully(server)).toEqual({ code: 0, signal: null });
      await expect(users.connect(server.port)).rejects.toThrow(/ECONNREFUSED/);
    },
    60_000,
  );
});

/** The built server started with these settings, expected to refuse: its exit code and output. */
function refusedStart(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  // The test's own CHAT_* settings never leak into the server it starts.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
  const result = spawnSync(process.execPath, [SERVER_MAIN], {
    env: { ...inherited, CHAT_HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_SCRYPT_N: '1024', CHAT_SCRYPT_P: '1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describeOnCluster()('cluster mode: settings it refuses', () => {
  let directory: string;

  beforeAll(requireBuild);
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chat-cluster-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('refuses CHAT_REDIS_URL with a SQLite CHAT_DB before listening', () => {
    const result = refusedStart({
      CHAT_DB: join(directory, 'chat.sqlite'),
      CHAT_REDIS_URL: requireRedisUrl(),
      CHAT_REDIS_PREFIX: uniqueRedisPrefix(),
    });
    expect(result.stderr).toContain('cluster mode needs MySQL');
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('chat server listening');
  });

  it('refuses CHAT_WORKERS=2 without CHAT_REDIS_URL before listening', () => {
    const result = refusedStart({ CHAT_DB: join(directory, 'chat.sqlite'), CHAT_WORKERS: '2' });
    expect(result.stderr).toContain('CHAT_WORKERS needs cluster mode');
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('chat server listening');
  });
});
