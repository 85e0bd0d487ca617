import { FakeServer, frame, type FakePeer } from '../support/fake-server';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';

const T = 1_700_000_000_000;

/** Expects the next request on `on` and answers it. */
async function answer(on: FakePeer, type: number, payload: string, ...reply: [type: number, payload: string][]): Promise<void> {
  expect(await on.request()).toEqual({ type, payload });
  for (const [replyType, replyPayload] of reply) on.send(replyType, replyPayload);
}

/** Expects the next requests in whichever order they come (timers decide it), and answers each. */
async function answerInAnyOrder(on: FakePeer, ...expected: [type: number, payload: string, reply: [type: number, payload: string]][]): Promise<void> {
  const received = await on.requests(expected.length);
  expect([...received].sort((a, b) => a.type - b.type)).toEqual(
    expected.map(([type, payload]) => ({ type, payload })).sort((a, b) => a.type - b.type),
  );
  // Replies go in the order the requests came.
  for (const r of received) {
    const [, , [replyType, replyPayload]] = expected.find(([type, payload]) => type === r.type && payload === r.payload)!;
    on.send(replyType, replyPayload);
  }
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
    // Shown, so read (§9): asked once, not again once the server says it lacks MARK_READ.
    await answer(peer, 1026, 'd|2|9007199254740991', [2000, '400|Unknown command']);
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
    // Shown, so read up to its id (§9); acknowledged after the ack delay.
    await answerInAnyOrder(peer, [1026, 'd|2|11', [2000, '200|1']], [1024, '11', [2000, '200|1']]);
    terminal.type('/msg bob are you there?');
    await answer(peer, 1003, '2|are you there?'); // never answered: the connection drops
    peer.drop();
    await terminal.waitFor('failed: connection lost before the server answered\n');

    const next = await server.accept();
    await answer(next, 1022, 'alice|tok', [2000, '200|1|alice']);
    // 11 comes again (its ack may not have landed), with 12 sent meanwhile.
    await answer(next, 1023, '', [2000, '200|Acks enabled'], [2013, `11|2|bob|sent while you were away|${T}`], [2013, `12|2|bob|missed you|${T}`]);
    await terminal.waitFor('bob: missed you\n');
    await answerInAnyOrder(next, [1026, 'd|2|12', [2000, '200|1']], [1024, '11|12', [2000, '200|1']]);
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

/** The terminal client and PROTOCOL §9 (history, read state, inbox) against a scripted server. */
describe('terminal client: history, inbox and read receipts', () => {
  const ALL = '9007199254740991';
  let server: FakeServer;
  let peer: FakePeer;
  let terminal: TerminalHarness;

  beforeEach(async () => {
    server = await FakeServer.start();
    const accepted = server.accept();
    // The scripted times are of one day long ago: that day is today for the clock the terminal shows times by.
    terminal = new TerminalHarness({ port: server.port, now: () => T });
    peer = await accepted;
  });
  afterEach(() => server.close());

  /** LOGIN on a server without §8: nothing waiting. */
  async function logIn(): Promise<void> {
    terminal.type('/login alice password123');
    await answer(peer, 1001, 'alice|password123', [2000, '200|1|alice']);
    await answer(peer, 1021, '', [2000, '400|Unknown command']);
    await answer(peer, 1015, '', [2007, '0']);
    await answer(peer, 1014, '', [2005, '0']);
    await answer(peer, 1018, '', [2010, '0']);
    await terminal.waitFor('logged in as alice (#1)\n');
  }

  async function quit(): Promise<void> {
    terminal.input.end();
    await answer(peer, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
  }

  it('/history pages back while the server answers short pages, prints oldest first, and marks what it showed read', async () => {
    await logIn();
    terminal.type('/history bob 5');
    // A name: looked up as a user and among your groups at once.
    await answer(peer, 1020, 'bob', [2000, '200|2|bob']);
    await answer(peer, 1016, '', [2008, '1|4|Team|admin|3']);
    // Two where five were asked (the server keeps under its payload limit): page on from the smallest id.
    await answer(peer, 1025, 'd|2|0|5', [2015, `2|20|2|bob|are you there?|${T + 3}|0|18|1|alice|hi \\| bob|${T + 2}|1`]);
    await answer(peer, 1025, 'd|2|18|3', [2015, `1|16|2|bob|hello|${T + 1}|1`]);
    await answer(peer, 1025, 'd|2|16|2', [2015, '0']);
    // bob's unread message was shown: read up to it.
    await answer(peer, 1026, 'd|2|20', [2000, '200|1']);
    await terminal.waitFor('are you there?\n');
    peer.send(2016, `2|bob|18|${T}`);
    await terminal.waitFor('bob read your messages\n');
    terminal.type('/history #4');
    await answer(peer, 1025, 'g|4|0|20', [2015, `1|17|3|carol|hi \\| team|${T}|1`]);
    await answer(peer, 1025, 'g|4|17|19', [2015, '0']);
    await terminal.waitFor('carol: hi | team\n');
    await quit();
    expect(maskTimes(terminal.text)).toBe(
      [
        'logged in as alice (#1)',
        'last 3 messages with bob (✓ read by bob):',
        '  [hh:mm] bob: hello',
        '  [hh:mm] you: hi | bob ✓',
        '  [hh:mm] bob: are you there?',
        '[hh:mm] bob read your messages',
        'last message in [Team #4]:',
        '  [hh:mm] carol: hi | team',
        '',
      ].join('\n'),
    );
  });

  it('/history NAME says when the name is no one, or several', async () => {
    await logIn();
    terminal.type('/history Team', '/history nobody', '/history Team One');
    await answer(peer, 1020, 'Team', [2000, '200|3|Team']);
    await answer(peer, 1016, '', [2008, '2|4|team|admin|3|5|Team One|member|2']);
    await answer(peer, 1020, 'nobody', [2000, '404|User not found']);
    await answer(peer, 1016, '', [2008, '2|4|team|admin|3|5|Team One|member|2']);
    // A name with a space can only be a group's.
    await answer(peer, 1016, '', [2008, '2|4|team|admin|3|5|Team One|member|2']);
    await answer(peer, 1025, 'g|5|0|20', [2015, '0']);
    await quit();
    expect(terminal.text).toBe(
      [
        'logged in as alice (#1)',
        'error: Team is ambiguous: the user Team (/history 3), the group [team #4] (/history #4)',
        'error: no user or group of yours is called nobody',
        'no messages in [Team One #5] since you joined',
        '',
      ].join('\n'),
    );
  });

  it('/inbox lists conversations with unread counts; messages shown as they arrive are marked read', async () => {
    await logIn();
    terminal.type('/inbox');
    await answer(peer, 1027, '', [2017, `2|g|4|Team \\| One|21|${T + 1}|2|d|2|bob|20|${T}|1`]);
    await terminal.waitFor('inbox (2 conversations, 3 unread):\n');
    // Three at once without ids (no §8): the conversation is marked read as a whole, the later ones in one more mark.
    await peer.write(
      Buffer.concat([frame(2001, `2|bob|one|${T}`), frame(2001, `2|bob|two|${T}`), frame(2002, `4|Team \\| One|3|carol|three|${T}`)]),
    );
    await answerInAnyOrder(peer, [1026, `d|2|${ALL}`, [2000, '200|1']], [1026, `g|4|${ALL}`, [2000, '200|1']]);
    await answer(peer, 1026, `d|2|${ALL}`, [2000, '200|1']);
    await terminal.waitFor('three\n');
    await quit();
    expect(maskTimes(terminal.text)).toBe(
      [
        'logged in as alice (#1)',
        'inbox (2 conversations, 3 unread):',
        '  [hh:mm] [Team | One #4]: 2 unread',
        '  [hh:mm] bob: 1 unread',
        '[hh:mm] bob: one',
        '[hh:mm] bob: two',
        '[hh:mm] [Team | One #4] carol: three',
        '',
      ].join('\n'),
    );
  });
});

/** The terminal client and PROTOCOL §10 (blocking, privacy, reports) against a scripted server. */
describe('terminal client: blocking, privacy and reports', () => {
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

  /** LOGIN on a server without §8: nothing waiting. */
  async function logIn(): Promise<void> {
    terminal.type('/login alice password123');
    await answer(peer, 1001, 'alice|password123', [2000, '200|1|alice']);
    await answer(peer, 1021, '', [2000, '400|Unknown command']);
    await answer(peer, 1015, '', [2007, '0']);
    await answer(peer, 1014, '', [2005, '0']);
    await answer(peer, 1018, '', [2010, '0']);
    await terminal.waitFor('logged in as alice (#1)\n');
  }

  async function quit(): Promise<void> {
    terminal.input.end();
    await answer(peer, 1019, '', [2000, '200|PONG']);
    expect(await terminal.exitCode).toBe(0);
  }

  it('/block, /blocked, /privacy, /report and /unblock send their commands and confirm in one line; refusals print their code', async () => {
    await logIn();
    terminal.type(
      '/block mallory',
      '/blocked',
      '/msg mallory hi',
      '/privacy friends',
      '/report 7 sends phishing | links',
      '/report 7 again',
      '/unblock mallory',
      '/unblock 7',
      '/block nobody',
      '/privacy everyone',
    );
    await answer(peer, 1020, 'mallory', [2000, '200|7|mallory']);
    await answer(peer, 1028, '7', [2000, '200|Blocked']);
    await answer(peer, 1030, '', [2018, '2|7|mallory|9|troll']);
    // mallory is known by now: no second lookup.
    await answer(peer, 1003, '7|hi', [2000, '403|Cannot message this user']);
    await answer(peer, 1031, 'friends', [2000, '200|Privacy updated']);
    await answer(peer, 1032, '7|sends phishing \\| links', [2000, '200|Reported']);
    await answer(peer, 1032, '7|again', [2000, '429|Too many reports']);
    await answer(peer, 1029, '7', [2000, '200|Unblocked']);
    await answer(peer, 1029, '7', [2000, '404|Not blocked']);
    await answer(peer, 1020, 'nobody', [2000, '404|User not found']);
    await answer(peer, 1031, 'everyone', [2000, '200|Privacy updated']);
    await terminal.waitFor('privacy: anyone can message you now\n');
    await quit();
    expect(terminal.text).toBe(
      [
        'logged in as alice (#1)',
        'blocked mallory: neither of you can message the other now',
        'blocked (2):',
        '  mallory #7',
        '  troll #9',
        'error 403: Cannot message this user',
        'privacy: only your friends can message you now',
        'reported mallory to the operator',
        'error 429: Too many reports',
        'unblocked mallory',
        'error 404: Not blocked',
        'error 404: User not found',
        'privacy: anyone can message you now',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad input without sending anything, and names the command a server lacks', async () => {
    await logIn();
    terminal.type('/privacy nobody', '/report 7', `/report 7 ${'x'.repeat(1001)}`, '/block 0', '/blocked', '/block 9');
    await answer(peer, 1030, '', [2000, '400|Unknown command']);
    await answer(peer, 1028, '9', [2000, '400|Unknown command']);
    await terminal.waitFor('BLOCK_USER (1028))\n');
    await quit();
    expect(terminal.text).toBe(
      [
        'logged in as alice (#1)',
        'usage: /privacy everyone|friends',
        'usage: /report NAME-or-ID REASON',
        'the reason is too long: 1001 bytes, at most 1000',
        'not a user id: 0',
        'error 400: Unknown command (this server does not implement GET_BLOCKED (1030))',
        'error 400: Unknown command (this server does not implement BLOCK_USER (1028))',
        '',
      ].join('\n'),
    );
  });
});
