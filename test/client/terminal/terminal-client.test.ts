import { FakeServer, type FakePeer } from '../support/fake-server';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';

const T = 1_700_000_000_000;

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

  /** Expects the next request and answers it. */
  async function answer(type: number, payload: string, ...reply: [type: number, payload: string][]): Promise<void> {
    expect(await peer.request()).toEqual({ type, payload });
    for (const [replyType, replyPayload] of reply) peer.send(replyType, replyPayload);
  }

  it('skips the extensions it lacks at login, shows the replayed requests, and falls back to friends for names', async () => {
    terminal.type('/login alice password123', '/msg carol hi', '/msg BOB hi | there', '/groups');
    terminal.input.end();
    // LOGIN, and the 2003 the server replays after it.
    await answer(1001, 'alice|password123', [2000, '200|1|alice'], [2003, `2|bob|${T}|9`]);
    await answer(1015, '', [2000, '400|Unknown command']);
    await answer(1014, '', [2005, `1|2|bob|hello \\| you|${T}`]);
    await answer(1014, '', [2005, '0']);
    await answer(1018, '', [2000, '400|Unknown command']);
    // carol: no FIND_USER, not a friend.
    await answer(1020, 'carol', [2000, '400|Unknown command']);
    await answer(1009, '', [2004, '1|3|dave|online']);
    // bob: learned from the 2003 push, no lookup needed.
    await answer(1003, '2|hi \\| there', [2000, '200|Message sent']);
    await answer(1016, '', [2000, '400|Unknown command']);
    // End of input: a PING round trip drains what is on its way.
    await answer(1019, '', [2000, '200|PONG']);
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
    await answer(1001, 'alice|password123', [2003, `2|bob|${T}|9`], [2000, '409|Already logged in']);
    await answer(1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      // In the order they came: the push, then the reply.
      ['[hh:mm] friend request #9 from bob: /accept 9 or /reject 9', 'error 409: Already logged in', ''].join('\n'),
    );
  });

  it('ignores frames of unknown types', async () => {
    terminal.type('/friends');
    await answer(1009, '', [2999, 'from the future'], [2004, '0']);
    await terminal.waitFor('no friends yet');
    terminal.input.end();
    await answer(1019, '', [2000, '200|PONG']);
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
