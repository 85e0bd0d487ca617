import { FakeServer, type FakePeer } from '../support/fake-server';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';

const T = 1_700_000_000_000;

/** Expects the next request on `on` and answers it. */
async function answer(on: FakePeer, type: number, payload: string, ...reply: [type: number, payload: string][]): Promise<void> {
  expect(await on.request()).toEqual({ type, payload });
  for (const [replyType, replyPayload] of reply) on.send(replyType, replyPayload);
}

/** The terminal client against a scripted server that only knows the seed commands. */
describe('terminal client against a seed-only server', () => {
  let server: FakeServer;
  let peer: FakePeer;
  let terminal: TerminalHarness;

  beforeEach(async () => {
    server = await FakeServer.start();
    const accepted = server.accept();
    terminal = new TerminalHarness({ port: server.port });
    peer = await accepted;
  });
  afterEach(() => server.close());

  it('skips the extensions it lacks at login, shows the replayed requests, and falls back to friends for names', async () => {
    terminal.type('/login alice password123', '/msg carol hi', '/msg BOB hi | there', '/groups');
    terminal.input.end();
    // LOGIN, and the 2003 the server replays after it.
    await answer(peer, 1001, 'alice|password123', [2000, '200|1|alice'], [2003, `2|bob|${T}|9`]);
    // No reliable sessions (§8) here: the session goes on without them.
    await answer(peer, 1021, '', [2000, '400|Unknown command']);
    await answer(peer, 1015, '', [2000, '400|Unknown command']);
    await answer(peer, 1014, '', [2005, `1|2|bob|hello \\| you|${T}`]);
    await answer(peer, 1014, '', [2005, '0']);
    await answer(peer, 1018, '', [2000, '400|Unknown command']);
    // carol: no FIND_USER, not a friend.
    await answer(peer, 1020, 'carol', [2000, '400|Unknown command']);
    await answer(peer, 1009, '', [2004, '1|3|dave|online']);
    // bob: learned from the 2003 push, no lookup needed.
    await answer(peer, 1003, '2|hi \\| there', [2000, '200|Message sent']);
    await answer(peer, 1016, '', [2000, '400|Unknown command']);
    // End of input: a PING round trip drains what is on its way.
    await answer(peer, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        'logged in as alice (#1)',
        'pending friend requests (1):',
        '  #9 from bob at hh:mm: /accept 9 or /reject 9',
        'while you were away (1):',
        '  [hh:mm] bob: hello | you',
        'error: unknown user carol (this server cannot look names up: use the user id)',
        '[hh:mm] you → bob: hi | there',
        'error 400: Unknown command (this server does not implement GET_GROUPS (1016))',
        '',
      ].join('\n'),
    );
  });

  it('prints the replayed requests one by one when LOGIN fails after them', async () => {
    terminal.type('/login alice password123');
    terminal.input.end();
    // A request pushed while the (already logged-in) connection retries LOGIN.
    await answer(peer, 1001, 'alice|password123', [2003, `2|bob|${T}|9`], [2000, '409|Already logged in']);
    await answer(peer, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      // In the order they came: the push, then the reply.
      ['[hh:mm] friend request #9 from bob: /accept 9 or /reject 9', 'error 409: Already logged in', ''].join('\n'),
    );
  });

  it('ignores frames of unknown types', async () => {
    terminal.type('/friends');
    await answer(peer, 1009, '', [2999, 'from the future'], [2004, '0']);
    await terminal.waitFor('no friends yet');
    terminal.input.end();
    await answer(peer, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
  });

  it('exits 1 when a request times out (the connection is closed)', async () => {
    await server.close();
    server = await FakeServer.start();
    const accepted = server.accept();
    terminal = new TerminalHarness({ port: server.port, requestTimeoutMs: 100 });
    peer = await accepted;
    terminal.type('/friends', '/groups');
    await peer.request(); // never answered
    expect(await terminal.exitCode).toBe(1);
    expect(terminal.text).toBe(
      'error: the server did not answer within 0.1 s\nconnection lost: no reply to request 1009 within 100 ms\n',
    );
    // The second command was not tried on the dead connection.
    await expect(peer.request()).rejects.toThrow('connection closed');
  });
});

/** The terminal client against a scripted server with reliable sessions (PROTOCOL §8). */
describe('terminal client in a reliable session', () => {
  const FAR = Date.now() + 30 * 24 * 60 * 60 * 1000;
  let server: FakeServer;
  let peer: FakePeer;
  let terminal: TerminalHarness;

  beforeEach(async () => {
    server = await FakeServer.start();
    const accepted = server.accept();
    terminal = new TerminalHarness({ port: server.port, reconnectDelayMs: 2, maxReconnectDelayMs: 8 });
    peer = await accepted;
  });
  afterEach(async () => {
    // A terminal left logged in would reconnect for ever: end its input once the server is gone.
    await server.close();
    terminal.input.end();
    await terminal.exitCode;
  });

  /** LOGIN, the session token and acks, and the friend-request listing after them. */
  async function logIn(...pushedAfterAcks: [type: number, payload: string][]): Promise<void> {
    terminal.type('/login alice password123');
    await answer(peer, 1001, 'alice|password123', [2000, '200|1|alice']);
    await answer(peer, 1021, '', [2000, `200|tok|${FAR}`]);
    await answer(peer, 1023, '', [2000, '200|Acks enabled'], ...pushedAfterAcks);
    await answer(peer, 1015, '', [2007, '0']);
    await terminal.waitFor('logged in as alice');
  }

  it('survives a dropped connection: one line, resumes, says which command failed, shows what was missed once', async () => {
    await logIn([2013, `11|2|bob|sent while you were away|${T}`]);
    await terminal.waitFor('bob: sent while you were away\n');
    await answer(peer, 1024, '11', [2000, '200|1']);
    terminal.type('/msg bob are you there?');
    await answer(peer, 1003, '2|are you there?'); // never answered: the connection drops
    peer.drop();
    await terminal.waitFor('failed: connection lost before the server answered\n');

    const next = await server.accept();
    await answer(next, 1022, 'alice|tok', [2000, '200|1|alice']);
    // 11 comes again (its ack may not have landed), with 12 sent meanwhile.
    await answer(next, 1023, '', [2000, '200|Acks enabled'], [2013, `11|2|bob|sent while you were away|${T}`], [2013, `12|2|bob|missed you|${T}`]);
    await terminal.waitFor('bob: missed you\n');
    await answer(next, 1024, '11|12', [2000, '200|1']);
    terminal.type('/friends');
    await answer(next, 1009, '', [2004, '0']);
    await terminal.waitFor('no friends yet');
    terminal.input.end();
    await answer(next, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        'logged in as alice (#1)',
        'while you were away (1):',
        '  [hh:mm] bob: sent while you were away',
        'connection lost; reconnecting…',
        'failed: connection lost before the server answered',
        'reconnected as alice',
        '[hh:mm] bob: missed you',
        'no friends yet (/add NAME sends a friend request)',
        '',
      ].join('\n'),
    );
  });

  it('shows a friend request replayed after resuming only once', async () => {
    await logIn();
    peer.send(2003, `2|bob|${T}|9`);
    await terminal.waitFor('friend request #9 from bob');
    peer.drop();
    const next = await server.accept();
    await answer(next, 1022, 'alice|tok', [2000, '200|1|alice'], [2003, `2|bob|${T}|9`], [2003, `3|carol|${T}|10`]);
    await answer(next, 1023, '', [2000, '200|Acks enabled']);
    await terminal.waitFor('friend request #10 from carol');
    terminal.type('/quit');
    await answer(next, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
    expect(terminal.text.match(/friend request #9/g)).toHaveLength(1);
  });

  it('ends with exit 1 when the server refuses to resume the session', async () => {
    await logIn();
    peer.drop();
    const next = await server.accept();
    await answer(next, 1022, 'alice|tok', [2000, '401|Invalid credentials']);
    expect(await terminal.exitCode).toBe(1);
    expect(terminal.text).toBe(
      ['logged in as alice (#1)', 'connection lost; reconnecting…', 'cannot resume the session: error 401: Invalid credentials', ''].join('\n'),
    );
  });

  it('keeps trying while the server is away, says so once, and /quit gives up', async () => {
    await logIn();
    await server.close();
    await terminal.waitFor('connection lost; reconnecting…\n');
    await terminal.waitFor('still reconnecting after 5 failed attempts; trying on (/quit gives up)\n');
    terminal.type('/friends', '/quit');
    expect(await terminal.exitCode).toBe(0);
    expect(terminal.text.match(/still reconnecting/g)).toHaveLength(1);
    expect(terminal.text).toContain('failed: connection lost before the server answered\n');
  });

  it('before login a lost connection ends the client with exit 1: there is nothing to resume', async () => {
    peer.drop();
    expect(await terminal.exitCode).toBe(1);
    expect(terminal.text).toBe('connection lost\n');
  });
});
