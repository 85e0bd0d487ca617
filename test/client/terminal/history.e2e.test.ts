import { startSdkHarness, type SdkHarness } from '../support/sdk-harness';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';

/** The terminal client's /history, /inbox and read receipts (PROTOCOL §9) against the real server. */
describe('terminal client against the real server: history, inbox and read receipts', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('/inbox counts what another device fetched unread; /history shows it oldest first, marks it read, ✓ on what was read', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const { groupId } = await alice.client.createGroup('Team');
    await alice.client.addToGroup(groupId, bob.id);
    await bob.client.sendMessage(alice.id, 'morning');
    await alice.client.markRead('direct', bob.id);
    await bob.events.read.next();
    await bob.client.logout();
    await alice.client.sendMessage(bob.id, 'hi bob');
    await alice.client.sendMessage(bob.id, 'are you | there?');
    await alice.client.sendGroupMessage(groupId, 'team news');
    // bob's other device fetches them: delivered there, read nowhere yet.
    await bob.client.login('bob', bob.password);
    expect(await bob.client.getOfflineMessages()).toHaveLength(2);
    expect(await bob.client.getOfflineGroupMessages()).toHaveLength(1);

    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/login bob password123', '/inbox', '/history alice', '/history Team 5');
    await terminal.waitFor('team news\n');
    const receipt = await alice.events.read.next();
    const [newest] = await alice.client.getHistory('direct', bob.id, { limit: 1 });
    expect(receipt).toMatchObject({ readerId: bob.id, readerUsername: 'bob', upToMessageId: newest!.messageId });
    terminal.type('/inbox');
    await terminal.waitFor('inbox (2 conversations, 0 unread):\n');
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        `logged in as bob (#${bob.id})`,
        'inbox (2 conversations, 3 unread):',
        `  [hh:mm] [Team #${groupId}]: 1 unread`,
        '  [hh:mm] alice: 2 unread',
        'last 3 messages with alice (✓ read by alice):',
        '  [hh:mm] you: morning ✓',
        '  [hh:mm] alice: hi bob',
        '  [hh:mm] alice: are you | there?',
        `last message in [Team #${groupId}]:`,
        '  [hh:mm] alice: team news',
        'inbox (2 conversations, 0 unread):',
        `  [hh:mm] [Team #${groupId}]`,
        '  [hh:mm] alice',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['with reliable delivery: up to the message id', true],
    ['without it: the whole conversation', false],
  ])('marks a message read once shown (%s), and prints the receipt when the other side reads', async (_, reliable) => {
    const bob = await h.user('bob');
    const terminal = new TerminalHarness({ port: h.port, reliable });
    terminal.type('/register alice password123', '/login alice password123', '/msg bob hello bob');
    const hello = await bob.events.message.next();
    await terminal.waitFor('you → bob: hello bob\n');
    await bob.client.markRead('direct', hello.senderId);
    await terminal.waitFor(/\[\d\d:\d\d\] bob read your messages\n/);

    await bob.client.sendMessage(hello.senderId, 'hi alice');
    await terminal.waitFor('bob: hi alice\n');
    const receipt = await bob.events.read.next();
    const [sent] = await bob.client.getHistory('direct', hello.senderId, { limit: 1 });
    expect(receipt).toMatchObject({ readerId: hello.senderId, readerUsername: 'alice', upToMessageId: sent!.messageId });
    expect(sent).toMatchObject({ content: 'hi alice', read: true });
    expect(await terminal.end()).toBe(0);
  });

  it('/history says when a name is both a user and a group of yours', async () => {
    const bob = await h.user('bob');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register alice password123', '/login alice password123', '/create bob', '/history bob', '/history nobody');
    await terminal.waitFor('error: no user or group of yours is called nobody\n');
    expect(await terminal.end()).toBe(0);
    expect(terminal.text).toMatch(
      new RegExp(`error: bob is ambiguous: the user bob \\(/history ${bob.id}\\), the group \\[bob #(\\d+)\\] \\(/history #\\1\\)\\n`),
    );
  });
});
