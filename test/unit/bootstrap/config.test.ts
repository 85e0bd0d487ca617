import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHashConcurrency } from '../../../src/adapters/crypto/scrypt-password-hasher';
import { ConfigError, DEFAULT_CONFIG, loadConfig, readTlsCredentials } from '../../../src/bootstrap/config';

describe('configuration from CHAT_* variables', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      database: './data/chat.sqlite',
      idleTimeoutMs: 300_000,
      maxPayload: 65_536,
      logLevel: 'info',
      maxPayloadBeforeLogin: 4096,
      loginTimeoutMs: 60_000,
      rateBurst: 10_000,
      ratePerSecond: 50_000,
      maxConnections: 10_000,
      loginMaxFailuresPerAddress: 100,
      tlsCertFile: null,
      tlsKeyFile: null,
      dbPoolSize: 10,
      dbConnectTimeoutMs: 10_000,
      dbQueryTimeoutMs: 10_000,
      dbBatchConnections: 1,
      listenBacklog: 4096,
    });
    expect(DEFAULT_CONFIG.passwordCost.N).toBeGreaterThanOrEqual(2 ** 16);
    // Leaves a core to the event loop, and never less than one hash at a time.
    expect(DEFAULT_CONFIG.hashConcurrency).toBe(defaultHashConcurrency());
    expect(DEFAULT_CONFIG.hashConcurrency).toBeLessThan(Math.max(2, availableParallelism()));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      CHAT_HOST: '127.0.0.1',
      CHAT_PORT: '0',
      CHAT_DB: ':memory:',
      CHAT_IDLE_TIMEOUT_S: '5',
      CHAT_MAX_PAYLOAD: '1024',
      CHAT_LOG_LEVEL: 'warn',
      CHAT_SCRYPT_N: '1024',
      CHAT_SCRYPT_R: '4',
      CHAT_SCRYPT_P: '1',
      CHAT_LOGIN_MAX_FAILURES: '3',
      CHAT_LOGIN_WINDOW_S: '60',
      CHAT_BAN_CHECK_MS: '500',
      CHAT_SQLITE_SYNCHRONOUS: 'normal',
      CHAT_SQLITE_WRITE_THREAD: 'OFF',
      CHAT_NODE_ID: 'node-b',
      CHAT_MAX_PAYLOAD_BEFORE_LOGIN: '1024',
      CHAT_LOGIN_TIMEOUT_S: '1',
      CHAT_RATE_BURST: '50',
      CHAT_RATE_PER_S: '10',
      CHAT_MAX_CONNECTIONS: '2',
      CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '7',
      CHAT_TLS_CERT: '/etc/chat/cert.pem',
      CHAT_TLS_KEY: '/etc/chat/key.pem',
      CHAT_DB_POOL_SIZE: '3',
      CHAT_DB_CONNECT_TIMEOUT_MS: '2500',
      CHAT_DB_QUERY_TIMEOUT_MS: '0',
      CHAT_DB_BATCH_CONNECTIONS: '4',
      CHAT_SESSION_TOKEN_TTL_S: '3600',
      CHAT_ACK_WINDOW: '50',
      CHAT_SHUTDOWN_TIMEOUT_S: '3',
      CHAT_LISTEN_BACKLOG: '100',
      CHAT_HASH_CONCURRENCY: '3',
      CHAT_HTTP_PORT: '8081',
      CHAT_WS_ORIGINS: 'https://Chat.Example.com, http://localhost:3000',
    });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      database: ':memory:',
      idleTimeoutMs: 5000,
      maxPayload: 1024,
      maxPayloadBeforeLogin: 1024,
      loginTimeoutMs: 1000,
      rateBurst: 50,
      ratePerSecond: 10,
      maxConnections: 2,
      loginMaxFailuresPerAddress: 7,
      tlsCertFile: '/etc/chat/cert.pem',
      tlsKeyFile: '/etc/chat/key.pem',
      maxOutputBytes: DEFAULT_CONFIG.maxOutputBytes,
      logLevel: 'warn',
      passwordCost: { N: 1024, r: 4, p: 1 },
      hashConcurrency: 3,
      loginMaxFailures: 3,
      loginWindowMs: 60_000,
      banCheckMs: 500,
      sqliteSynchronous: 'NORMAL',
      sqliteWriteThread: false,
      nodeId: 'node-b',
      dbPoolSize: 3,
      dbConnectTimeoutMs: 2500,
      dbQueryTimeoutMs: 0,
      dbBatchConnections: 4,
      redisUrl: null,
      redisPrefix: 'chat:',
      nodeTtlMs: 6000,
      workers: 1,
      sessionTokenTtlMs: 3_600_000,
      ackWindow: 50,
      shutdownDeadlineMs: 3000,
      listenBacklog: 100,
      httpPort: 8081,
      wsOrigins: ['https://chat.example.com', 'http://localhost:3000'],
    });
  });

  describe('the HTTP listener', () => {
    it('listens on 8080 for the page\'s own origin by default', () => {
      expect(loadConfig({})).toMatchObject({ httpPort: 8080, wsOrigins: 'same-origin' });
    });

    it('is off with CHAT_HTTP_PORT=off, in any case', () => {
      expect(loadConfig({ CHAT_HTTP_PORT: 'off' }).httpPort).toBeNull();
      expect(loadConfig({ CHAT_HTTP_PORT: ' OFF ' }).httpPort).toBeNull();
    });

    it('refuses a port that is neither a number in range nor off', () => {
      expect(() => loadConfig({ CHAT_HTTP_PORT: 'no' })).toThrow(/CHAT_HTTP_PORT must be a whole number from 0 to 65535/);
      expect(() => loadConfig({ CHAT_HTTP_PORT: '70000' })).toThrow(ConfigError);
    });

    it('lets any origin open a WebSocket with CHAT_WS_ORIGINS=*', () => {
      expect(loadConfig({ CHAT_WS_ORIGINS: '*' }).wsOrigins).toBe('any');
    });

    it('refuses an origin list entry that is not an origin, naming it', () => {
      expect(() => loadConfig({ CHAT_WS_ORIGINS: 'https://ok.example, chat.example.com' })).toThrow(
        /CHAT_WS_ORIGINS: "chat.example.com" is not an origin/,
      );
      expect(() => loadConfig({ CHAT_WS_ORIGINS: 'https://chat.example.com/app' })).toThrow(/CHAT_WS_ORIGINS/);
    });
  });

  describe('cluster mode', () => {
    const cluster = { CHAT_DB: 'mysql://chat:pw@db:3306/chat', CHAT_REDIS_URL: 'redis://cache:6379' };

    it('reads the cluster variables', () => {
      expect(
        loadConfig({ ...cluster, CHAT_REDIS_PREFIX: 'chat1:', CHAT_NODE_TTL_MS: '3000', CHAT_WORKERS: '4', CHAT_NODE_ID: 'eu-1' }),
      ).toMatchObject({ redisUrl: 'redis://cache:6379', redisPrefix: 'chat1:', nodeTtlMs: 3000, workers: 4, nodeId: 'eu-1' });
    });

    it('names a node after its host unless CHAT_NODE_ID says otherwise; one node is "main"', () => {
      expect(loadConfig(cluster).nodeId).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(loadConfig(cluster).nodeId).not.toBe('main');
      expect(loadConfig({}).nodeId).toBe('main');
    });

    it('refuses a SQLite database: the nodes must share one', () => {
      expect(() => loadConfig({ CHAT_REDIS_URL: 'redis://cache:6379' })).toThrow(/cluster mode needs MySQL/);
      expect(() => loadConfig({ CHAT_REDIS_URL: 'redis://cache:6379', CHAT_DB: './data/chat.sqlite' })).toThrow(
        /cluster mode needs MySQL/,
      );
    });

    it('refuses CHAT_WORKERS above 1 without Redis', () => {
      expect(() => loadConfig({ CHAT_WORKERS: '2', CHAT_DB: cluster.CHAT_DB })).toThrow(/CHAT_WORKERS needs cluster mode/);
      expect(loadConfig({ CHAT_WORKERS: '1' }).workers).toBe(1);
    });

    it.each([
      ['CHAT_REDIS_URL', 'http://cache:6379'],
      ['CHAT_NODE_ID', 'a|b'],
      ['CHAT_NODE_ID', 'x'.repeat(65)],
      ['CHAT_REDIS_PREFIX', 'chat prefix'],
      ['CHAT_NODE_TTL_MS', '299'],
      ['CHAT_NODE_TTL_MS', '9001'],
      ['CHAT_WORKERS', '0'],
      ['CHAT_WORKERS', '257'],
    ])('refuses %s=%s with a message naming the variable', (name, value) => {
      expect(() => loadConfig({ ...cluster, [name]: value })).toThrow(name);
    });

    it('never repeats a Redis URL, which may hold a password', () => {
      expect(() => loadConfig({ ...cluster, CHAT_REDIS_URL: 'http://u:secret@cache' })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('secret') }),
      );
    });
  });

  it.each([
    ['CHAT_PORT', '65536'],
    ['CHAT_PORT', 'abc'],
    ['CHAT_MAX_PAYLOAD', '1023'],
    ['CHAT_IDLE_TIMEOUT_S', '0'],
    ['CHAT_LOG_LEVEL', 'verbose'],
    ['CHAT_SCRYPT_N', '1000'],
    ['CHAT_BAN_CHECK_MS', '5001'],
    ['CHAT_SQLITE_SYNCHRONOUS', 'OFF'],
    ['CHAT_SQLITE_WRITE_THREAD', 'no'],
    ['CHAT_DB', 'postgres://u:secret@h/db'],
    ['CHAT_DB', 'mysql://u:secret@h'],
    ['CHAT_DB', 'mysql://u:secret@h:99999/db'],
    ['CHAT_DB', 'mysql://u:secret@h/db?ssl=true'],
    ['CHAT_DB', 'mysql://h/db'],
    ['CHAT_DB_POOL_SIZE', '0'],
    ['CHAT_DB_POOL_SIZE', '1001'],
    ['CHAT_DB_CONNECT_TIMEOUT_MS', '99'],
    ['CHAT_DB_QUERY_TIMEOUT_MS', '-1'],
    ['CHAT_MAX_PAYLOAD_BEFORE_LOGIN', '1023'],
    ['CHAT_MAX_PAYLOAD_BEFORE_LOGIN', '65537'],
    ['CHAT_MAX_PAYLOAD_BEFORE_LOGIN', '4k'],
    ['CHAT_LOGIN_TIMEOUT_S', '0'],
    ['CHAT_LOGIN_TIMEOUT_S', '86401'],
    ['CHAT_RATE_BURST', '0'],
    ['CHAT_RATE_BURST', '-5'],
    ['CHAT_RATE_PER_S', '0'],
    ['CHAT_RATE_PER_S', '1.5'],
    ['CHAT_MAX_CONNECTIONS', '0'],
    ['CHAT_MAX_CONNECTIONS', '1000001'],
    ['CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS', '0'],
    ['CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS', 'many'],
    ['CHAT_HASH_CONCURRENCY', '0'],
    ['CHAT_LISTEN_BACKLOG', '0'],
    ['CHAT_LISTEN_BACKLOG', '1000001'],
    ['CHAT_TLS_CERT', '/etc/chat/cert.pem'],
    ['CHAT_TLS_KEY', '/etc/chat/key.pem'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('never repeats a database URL, which may hold a password', () => {
    for (const url of ['mysql://u:secret@h', 'mysql://u:secret@h:0/db', 'mysql://u:secret@h/db?x=1', 'postgres://u:secret@h/db']) {
      expect(() => loadConfig({ CHAT_DB: url })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
    }
  });

  it('accepts a MySQL/MariaDB URL, and a SQLite path that merely looks odd', () => {
    expect(loadConfig({ CHAT_DB: 'mysql://chat:p%40ss@db.example:3307/chat' }).database).toBe('mysql://chat:p%40ss@db.example:3307/chat');
    expect(loadConfig({ CHAT_DB: 'MySQL://chat@127.0.0.1/chat' }).database).toBe('MySQL://chat@127.0.0.1/chat');
    expect(loadConfig({ CHAT_DB: './data/mysql.sqlite' }).database).toBe('./data/mysql.sqlite');
  });

  describe('the payload limit before login', () => {
    it('accepts its bounds: 1024 and CHAT_MAX_PAYLOAD itself', () => {
      expect(loadConfig({ CHAT_MAX_PAYLOAD_BEFORE_LOGIN: '1024' }).maxPayloadBeforeLogin).toBe(1024);
      expect(loadConfig({ CHAT_MAX_PAYLOAD_BEFORE_LOGIN: '65536' }).maxPayloadBeforeLogin).toBe(65_536);
      expect(loadConfig({ CHAT_MAX_PAYLOAD: '100000', CHAT_MAX_PAYLOAD_BEFORE_LOGIN: '100000' }).maxPayloadBeforeLogin).toBe(100_000);
    });

    it('follows a smaller CHAT_MAX_PAYLOAD when unset, and may not exceed one when set', () => {
      expect(loadConfig({ CHAT_MAX_PAYLOAD: '2048' }).maxPayloadBeforeLogin).toBe(2048);
      expect(() => loadConfig({ CHAT_MAX_PAYLOAD: '2048', CHAT_MAX_PAYLOAD_BEFORE_LOGIN: '4096' })).toThrow(
        /CHAT_MAX_PAYLOAD_BEFORE_LOGIN must be a whole number from 1024 to 2048/,
      );
    });
  });

  describe('TLS files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'chat-config-tls-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      execFileSync('openssl', ['genrsa', '-out', join(dir, 'other-key.pem'), '2048'], { stdio: 'ignore' });
      writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const config = (cert: string, key: string) => loadConfig({ CHAT_TLS_CERT: join(dir, cert), CHAT_TLS_KEY: join(dir, key) });

    it('means plain TCP when neither variable is set', () => {
      expect(readTlsCredentials(loadConfig({}))).toBeUndefined();
    });

    it('reads a certificate and its key', () => {
      const credentials = readTlsCredentials(config('cert.pem', 'key.pem'));
      expect(credentials?.cert.toString()).toMatch(/BEGIN CERTIFICATE/);
      expect(credentials?.key.toString()).toMatch(/PRIVATE KEY/);
    });

    it('names the variable whose file cannot be read', () => {
      expect(() => readTlsCredentials(config('missing.pem', 'key.pem'))).toThrow(/^CHAT_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)$/);
      expect(() => readTlsCredentials(config('cert.pem', 'missing.pem'))).toThrow(/^CHAT_TLS_KEY: cannot read/);
    });

    it('refuses a key that does not match the certificate, or a file that is not PEM, without quoting it', () => {
      for (const [cert, key] of [['cert.pem', 'other-key.pem'], ['garbage.pem', 'key.pem'], ['cert.pem', 'garbage.pem']] as const) {
        expect(() => readTlsCredentials(config(cert, key))).toThrow(ConfigError);
        expect(() => readTlsCredentials(config(cert, key))).toThrow(expect.objectContaining({ message: expect.not.stringContaining('PRIVATE KEY') }));
      }
    });
  });
});
