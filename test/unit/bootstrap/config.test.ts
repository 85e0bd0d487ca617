import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../../src/bootstrap/config';

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
    });
    expect(DEFAULT_CONFIG.passwordCost.N).toBeGreaterThanOrEqual(2 ** 16);
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
      CHAT_NODE_ID: 'node-b',
    });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      database: ':memory:',
      idleTimeoutMs: 5000,
      maxPayload: 1024,
      maxOutputBytes: DEFAULT_CONFIG.maxOutputBytes,
      logLevel: 'warn',
      passwordCost: { N: 1024, r: 4, p: 1 },
      loginMaxFailures: 3,
      loginWindowMs: 60_000,
      banCheckMs: 500,
      sqliteSynchronous: 'NORMAL',
      nodeId: 'node-b',
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
    ['CHAT_DB', 'postgres://u:secret@h/db'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('never repeats a database URL, which may hold a password', () => {
    expect(() => loadConfig({ CHAT_DB: 'mysql://u:secret@h/db' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});
