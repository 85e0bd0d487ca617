import { startSdkHarness, type SdkHarness } from '../support/sdk-harness';
import { maskTimes, TerminalHarness } from '../support/terminal-harness';

const CANNOT_MESSAGE = { status: 403, text: 'Cannot message this user' };

/** The terminal client's /block, /unblock, /blocked, /privacy and /report (PROTOCOL §10) against the real server. */
describe('terminal client against the real server: blocking, privacy and reports', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('/block refuses the blocked side, /blocked lists, /unblock lets messages through again', async () => {
    const mallory = await h.user('mallory');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register bob password123', '/login bob password123', '/block mallory', '/blocked', '/msg mallory hi');
    await terminal.waitFor('error 403: Cannot message this user\n');
    const bob = await mallory.client.findUser('bob');
    await expect(mallory.client.sendMessage(bob.userId, 'let me in')).rejects.toMatchObject(CANNOT_MESSAGE);
    await expect(mallory.client.sendFriendRequest('bob')).rejects.toMatchObject(CANNOT_MESSAGE);

    terminal.type(`/unblock ${mallory.id}`, '/blocked');
    await terminal.waitFor('you have blocked no one\n');
    await mallory.client.sendMessage(bob.userId, 'hello again');
    await terminal.waitFor('mallory: hello again\n');
    terminal.type('/unblock mallory');
    await terminal.waitFor('error 404: Not blocked\n');
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        `registered bob as user #${bob.userId}; now /login bob PASSWORD`,
        `logged in as bob (#${bob.userId})`,
        'blocked mallory: neither of you can message the other now',
        'blocked (1):',
        `  mallory #${mallory.id}`,
        'error 403: Cannot message this user',
        'unblocked mallory',
        'you have blocked no one',
        '[hh:mm] mallory: hello again',
        'error 404: Not blocked',
        '',
      ].join('\n'),
    );
  });

  it('/privacy friends refuses a stranger and everyone lets them in; /report is confirmed; bad input is refused', async () => {
    const stranger = await h.user('stranger');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register bob password123', '/login bob password123', '/privacy friends');
    await terminal.waitFor('privacy: only your friends can message you now\n');
    const bob = await stranger.client.findUser('bob');
    await expect(stranger.client.sendMessage(bob.userId, 'hi')).rejects.toMatchObject(CANNOT_MESSAGE);

    terminal.type('/privacy everyone');
    await terminal.waitFor('privacy: anyone can message you now\n');
    await stranger.client.sendMessage(bob.userId, 'buy my stuff');
    await terminal.waitFor('stranger: buy my stuff\n');

    terminal.type(
      '/report stranger spam | links',
      '/report nobody spam',
      `/report ${bob.userId} me`,
      '/report stranger',
      '/privacy nobody',
      '/block bob',
    );
    await terminal.waitFor('error 400: Cannot block yourself\n');
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text).split('\n').slice(5)).toEqual([
      'reported stranger to the operator',
      'error 404: User not found',
      'error 400: Cannot report yourself',
      'usage: /report NAME-or-ID REASON',
      'usage: /privacy everyone|friends',
      'error 400: Cannot block yourself',
      '',
    ]);
  });
});
