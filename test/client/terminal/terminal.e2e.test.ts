import { startSdkHarness, type SdkHarness } from '../support/sdk-harness';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';
import { freePort } from '../../support/ports';

/** The terminal client, run in-process on streams, against the real server. */
describe('terminal client against the real server', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('runs a script read from a non-TTY input in order, prints results and errors in words, exits 0', async () => {
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type(
      '# a scripted session',
      '/register alice password123',
      '/register ALICE password456',
      '/login alice wrong-password',
      '/login alice password123',
      '/create Team | One',
      '/friends',
      '/msg 999999 are you there?',
      '/gmsg 1 hello | team',
      '/bogus',
      '/accept x',
    );
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        'registered alice as user #1; now /login alice PASSWORD',
        'error 409: Username already exists',
        'error 401: Invalid credentials',
        'logged in as alice (#1)',
        'created [Team | One #1]; you are its admin (/invite 1 NAME adds members)',
        'no friends yet (/add NAME sends a friend request)',
        'error 404: User not found',
        '[hh:mm] [Team | One #1] you: hello | team',
        'unknown command /bogus (type /help)',
        'not a request id: x',
        '',
      ].join('\n'),
    );
  });

  it('stops at /quit', async () => {
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/help', '/quit', '/register alice password123');
    expect(await terminal.end()).toBe(0);
    expect(terminal.text).toContain('/invite GROUP-ID NAME-or-ID');
    expect(terminal.text).not.toContain('registered');
    // Nothing was registered: the name is free.
    const { client } = await h.connect();
    await expect(client.register('alice', 'password123')).resolves.toMatchObject({ userId: 1 });
  });

  it('befriends, chats and sees presence with an SDK user, resolving names it has learned', async () => {
    const bob = await h.user('bob');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register alice password123', '/login alice password123', '/add bob');
    await terminal.waitFor('friend request sent to bob\n');
    const request = await bob.events.friendRequest.next();
    expect(request.senderUsername).toBe('alice');
    await bob.client.acceptFriendRequest(request.requestId);

    terminal.type('/friends');
    expect(await terminal.waitFor(/friends \(1\):\n {2}bob #\d+ online\n/)).toContain(`bob #${bob.id} online`);
    terminal.type('/msg BOB hello | bob \\ o/');
    const sent = await bob.events.message.next();
    expect(sent).toMatchObject({ senderUsername: 'alice', content: 'hello | bob \\ o/' });
    await terminal.waitFor(/\[\d\d:\d\d\] you → bob: hello \| bob \\ o\/\n/);

    await bob.client.sendMessage(sent.senderId, 'hi alice');
    await terminal.waitFor(/\[\d\d:\d\d\] bob: hi alice\n/);
    await bob.client.logout();
    await terminal.waitFor(/\[\d\d:\d\d\] bob is offline\n/);

    terminal.type('/unfriend bob');
    await terminal.waitFor('you and bob are no longer friends\n');
    expect(await bob.client.login('bob', bob.password)).toMatchObject({ username: 'bob' });
    expect(await bob.client.getFriendList()).toEqual([]);
    expect(await terminal.end()).toBe(0);
  });

  it('two terminal clients befriend each other, chat both ways, and one sees the other go offline', async () => {
    const alice = new TerminalHarness({ port: h.port });
    const bob = new TerminalHarness({ port: h.port });
    alice.type('/register alice password123', '/login alice password123');
    bob.type('/register bob password123', '/login bob password123');
    await alice.waitFor('logged in as alice');
    await bob.waitFor('logged in as bob');

    alice.type('/add bob');
    // The request reaches bob either live or, when it lands while his login listing
    // runs, inside the "pending friend requests" summary: both show it once, by id.
    const shown = await bob.waitFor(/#(\d+) from alice\b/);
    const requestId = /#(\d+) from alice/.exec(shown)![1]!;
    bob.type(`/accept ${requestId}`);
    await bob.waitFor('you and alice are now friends\n');
    await alice.waitFor('bob accepted your friend request');

    alice.type('/msg bob hi bob');
    await bob.waitFor(/\[\d\d:\d\d\] alice: hi bob\n/);
    bob.type('/msg alice hi alice, good to see you');
    await alice.waitFor(/\[\d\d:\d\d\] bob: hi alice, good to see you\n/);

    bob.type('/logout');
    await alice.waitFor(/bob is offline\n/);
    expect(await bob.end()).toBe(0);
    expect(await alice.end()).toBe(0);
    expect(bob.text.match(/ from alice\b/g)).toHaveLength(1);
  });

  it('after login shows pending friend requests and what was sent while away, once', async () => {
    const alice = await h.user('alice');
    await alice.client.logout();
    const bob = await h.user('bob');
    await bob.client.sendFriendRequest('alice');
    await bob.client.sendMessage(alice.id, 'first | one');
    await bob.client.sendMessage(alice.id, 'second');

    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/login alice password123', '/offline');
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text)).toMatch(
      new RegExp(
        [
          `^logged in as alice \\(#${alice.id}\\)`,
          'pending friend requests \\(1\\):',
          `  #(\\d+) from bob at hh:mm: /accept \\1 or /reject \\1`,
          'while you were away \\(2\\):',
          '  \\[hh:mm\\] bob: first \\| one',
          '  \\[hh:mm\\] bob: second',
          // Fetched at login, so /offline finds nothing more; with reliable delivery (§8) there is nothing to fetch.
          '(no offline messages|nothing to fetch: with reliable delivery, messages sent while you were away come by themselves)\n$',
        ].join('\n'),
      ),
    );
  });

  it('accepts a request by the id it showed', async () => {
    const alice = await h.user('alice');
    await alice.client.logout();
    const bob = await h.user('bob');
    await bob.client.sendFriendRequest('alice');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/login alice password123');
    const summary = await terminal.waitFor(/\/accept (\d+) or/);
    const requestId = /\/accept (\d+) or/.exec(summary)![1]!;
    terminal.type(`/accept ${requestId}`);
    await terminal.waitFor('you and bob are now friends\n');
    expect(await bob.client.getFriendList()).toEqual([{ id: alice.id, username: 'alice', status: 'online' }]);
    expect(await terminal.end()).toBe(0);
  });

  it('exits 1 with a message when it cannot connect', async () => {
    const port = await freePort();
    const terminal = new TerminalHarness({ port });
    expect(await terminal.exitCode).toBe(1);
    expect(terminal.errorText).toMatch(new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(terminal.text).toBe('');
  });

  it('exits 1 when the server goes away', async () => {
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register alice password123');
    await terminal.waitFor('registered alice');
    await h.server.server.close();
    await terminal.waitFor('connection lost');
    expect(await terminal.exitCode).toBe(1);
  });

  it('interactive: prints a push above the line being typed and redraws the prompt with it', async () => {
    const bob = await h.user('bob');
    const terminal = new TerminalHarness({ port: h.port, interactive: true });
    await terminal.waitFor('type /help for the commands');
    terminal.type('/register alice password123', '/login alice password123');
    const loggedIn = await terminal.waitFor(/logged in as alice \(#(\d+)\)/);
    const aliceId = Number(/#(\d+)\)$/.exec(loggedIn)![1]);
    terminal.typePartial('/msg bob half-typ');
    await terminal.waitFor('alice> /msg bob half-typ');
    await bob.client.sendMessage(aliceId, 'knock knock');
    // The line is cleared, the push printed, then the prompt and the half-typed line again.
    await terminal.waitFor(/^\[\d\d:\d\d\] bob: knock knock\nalice> \/msg bob half-typ/);
    expect(terminal.text).toMatch(/\x1b\[2K\x1b\[1G\[\d\d:\d\d\] bob: knock knock\n/);
    terminal.typePartial('ed\n');
    expect((await bob.events.message.next()).content).toBe('half-typed');
    expect(await terminal.end()).toBe(0);
  });
});

