import { HELP_TEXT, parseCommand, parseConversationTarget, parseUserTarget } from '../../../src/client/terminal/command-parser';
import { parseTerminalArgs } from '../../../src/client/terminal/main';

describe('parseCommand', () => {
  it.each([
    ['/register alice password123', { kind: 'register', username: 'alice', password: 'password123' }],
    ['/login alice correct horse  battery', { kind: 'login', username: 'alice', password: 'correct horse  battery' }],
    ['/login alice pass|word\\x', { kind: 'login', username: 'alice', password: 'pass|word\\x' }],
    ['/logout', { kind: 'logout' }],
    ['/msg bob hello   there | you', { kind: 'msg', target: { kind: 'name', name: 'bob' }, text: 'hello   there | you' }],
    ['/msg 42 hi', { kind: 'msg', target: { kind: 'id', id: 42 }, text: 'hi' }],
    ['/gmsg 7 hello all', { kind: 'gmsg', groupId: 7, text: 'hello all' }],
    ['/friends', { kind: 'friends' }],
    ['/requests', { kind: 'requests' }],
    ['/add Bob', { kind: 'add', username: 'Bob' }],
    ['/accept 12', { kind: 'accept', requestId: 12 }],
    ['/reject 12', { kind: 'reject', requestId: 12 }],
    ['/unfriend bob', { kind: 'unfriend', target: { kind: 'name', name: 'bob' } }],
    ['/unfriend 3', { kind: 'unfriend', target: { kind: 'id', id: 3 } }],
    ['/groups', { kind: 'groups' }],
    ['/members 7', { kind: 'members', groupId: 7 }],
    ['/create  Team | One  ', { kind: 'create', name: 'Team | One' }],
    ['/invite 7 bob', { kind: 'invite', groupId: 7, target: { kind: 'name', name: 'bob' } }],
    ['/kick 7 3', { kind: 'kick', groupId: 7, target: { kind: 'id', id: 3 } }],
    ['/leave 7', { kind: 'leave', groupId: 7 }],
    ['/offline', { kind: 'offline' }],
    ['/history bob', { kind: 'history', target: { kind: 'name', name: 'bob' }, count: 20 }],
    ['/history 5 100', { kind: 'history', target: { kind: 'id', id: 5 }, count: 100 }],
    ['/history #7 3', { kind: 'history', target: { kind: 'group', groupId: 7 }, count: 3 }],
    ['/history  Team  One ', { kind: 'history', target: { kind: 'name', name: 'Team  One' }, count: 20 }],
    ['/history Team One 10', { kind: 'history', target: { kind: 'name', name: 'Team One' }, count: 10 }],
    ['/inbox', { kind: 'inbox' }],
    ['/block mallory', { kind: 'block', target: { kind: 'name', name: 'mallory' } }],
    ['/block 7', { kind: 'block', target: { kind: 'id', id: 7 } }],
    ['/unblock Mallory', { kind: 'unblock', target: { kind: 'name', name: 'Mallory' } }],
    ['/unblock 7', { kind: 'unblock', target: { kind: 'id', id: 7 } }],
    ['/blocked', { kind: 'blocked' }],
    ['/privacy friends', { kind: 'privacy', privacy: 'friends' }],
    ['/privacy  everyone ', { kind: 'privacy', privacy: 'everyone' }],
    ['/report 7 spam', { kind: 'report', target: { kind: 'id', id: 7 }, reason: 'spam' }],
    ['/report mallory sends  phishing | links', { kind: 'report', target: { kind: 'name', name: 'mallory' }, reason: 'sends  phishing | links' }],
    [`/report 7 ${'x'.repeat(1000)}`, { kind: 'report', target: { kind: 'id', id: 7 }, reason: 'x'.repeat(1000) }],
    ['/help', { kind: 'help' }],
    ['/quit', { kind: 'quit' }],
    ['/exit', { kind: 'quit' }],
    ['  /QUIT  ', { kind: 'quit' }],
    ['/friends\r', { kind: 'friends' }],
    ['', { kind: 'nothing' }],
    ['   ', { kind: 'nothing' }],
    ['# a comment in a script', { kind: 'nothing' }],
  ])('%j', (line, command) => {
    expect(parseCommand(line)).toEqual({ ok: true, command });
  });

  it.each([
    ['/register alice', 'usage: /register NAME PASSWORD'],
    ['/login', 'usage: /login NAME PASSWORD'],
    ['/msg bob', 'usage: /msg NAME-or-ID TEXT'],
    ['/msg 0 hi', 'not a user id: 0'],
    ['/msg 99999999999999999 hi', 'not a user id: 99999999999999999'],
    ['/gmsg x hi', 'not a group id: x'],
    ['/gmsg 7', 'usage: /gmsg GROUP-ID TEXT'],
    ['/add', 'usage: /add NAME'],
    ['/add two words', 'usage: /add NAME'],
    ['/accept abc', 'not a request id: abc'],
    ['/reject', 'usage: /reject REQUEST-ID'],
    ['/members', 'usage: /members GROUP-ID'],
    ['/leave 007', 'not a group id: 007'],
    ['/create    ', 'usage: /create GROUP-NAME'],
    ['/invite 7', 'usage: /invite GROUP-ID NAME-or-ID'],
    ['/kick x bob', 'not a group id: x'],
    ['/friends now', 'usage: /friends'],
    ['/history', 'usage: /history NAME-or-GROUP [N]'],
    ['/history bob 0', 'not a number of messages (1–100): 0'],
    ['/history bob 101', 'not a number of messages (1–100): 101'],
    ['/history bob 020', 'not a number of messages (1–100): 020'],
    ['/history #x', 'not a group id: x'],
    ['/history #0 5', 'not a group id: 0'],
    ['/history 0', 'not a user id: 0'],
    ['/inbox all', 'usage: /inbox'],
    ['/block', 'usage: /block NAME-or-ID'],
    ['/block two words', 'usage: /block NAME-or-ID'],
    ['/block 0', 'not a user id: 0'],
    ['/unblock', 'usage: /unblock NAME-or-ID'],
    ['/unblock 007', 'not a user id: 007'],
    ['/blocked all', 'usage: /blocked'],
    ['/privacy', 'usage: /privacy everyone|friends'],
    ['/privacy Friends', 'usage: /privacy everyone|friends'],
    ['/privacy nobody', 'usage: /privacy everyone|friends'],
    ['/privacy friends only', 'usage: /privacy everyone|friends'],
    ['/report mallory', 'usage: /report NAME-or-ID REASON'],
    ['/report', 'usage: /report NAME-or-ID REASON'],
    ['/report 0 spam', 'not a user id: 0'],
    [`/report 7 ${'x'.repeat(1001)}`, 'the reason is too long: 1001 bytes, at most 1000'],
    [`/report 7 ${'€'.repeat(334)}`, 'the reason is too long: 1002 bytes, at most 1000'],
    ['/dance', 'unknown command /dance (type /help)'],
    ['hello', 'commands start with / (type /help)'],
  ])('%j is refused', (line, error) => {
    expect(parseCommand(line)).toEqual({ ok: false, error });
  });

  it('takes digits-only as an id and anything else as a name', () => {
    expect(parseUserTarget('17')).toEqual({ kind: 'id', id: 17 });
    expect(parseUserTarget('bob17')).toEqual({ kind: 'name', name: 'bob17' });
    expect(parseUserTarget('0')).toBeNull();
  });

  it('takes #ID as a group in /history, digits as a user id, anything else as a name', () => {
    expect(parseConversationTarget('#12')).toEqual({ kind: 'group', groupId: 12 });
    expect(parseConversationTarget('12')).toEqual({ kind: 'id', id: 12 });
    expect(parseConversationTarget('Team')).toEqual({ kind: 'name', name: 'Team' });
    expect(parseConversationTarget('#')).toBeNull();
  });

  it('documents every command in /help', () => {
    for (const name of ['register', 'login', 'logout', 'msg', 'gmsg', 'friends', 'requests', 'add', 'accept', 'reject', 'unfriend', 'groups', 'members', 'create', 'invite', 'kick', 'leave', 'offline', 'history', 'inbox', 'block', 'unblock', 'blocked', 'privacy', 'report', 'help', 'quit']) {
      expect(HELP_TEXT).toContain(`/${name}`);
    }
  });
});

describe('parseTerminalArgs', () => {
  it('defaults to 127.0.0.1:9000 without TLS', () => {
    expect(parseTerminalArgs([])).toEqual({ kind: 'run', args: { host: '127.0.0.1', port: 9000, tls: false } });
  });

  it('reads --host and --port, spaced or with =', () => {
    expect(parseTerminalArgs(['--host', 'chat.example', '--port', '7000'])).toEqual({
      kind: 'run',
      args: { host: 'chat.example', port: 7000, tls: false },
    });
    expect(parseTerminalArgs(['--port=1', '--host=::1', '--tls'])).toEqual({ kind: 'run', args: { host: '::1', port: 1, tls: true } });
  });

  it('refuses bad input and answers --help', () => {
    expect(parseTerminalArgs(['--port', '0'])).toMatchObject({ kind: 'error' });
    expect(parseTerminalArgs(['--port', '65536'])).toMatchObject({ kind: 'error' });
    expect(parseTerminalArgs(['--port', 'x'])).toMatchObject({ kind: 'error', error: '--port must be 1–65535, got "x"' });
    expect(parseTerminalArgs(['--host'])).toEqual({ kind: 'error', error: '--host needs a value' });
    expect(parseTerminalArgs(['--verbose'])).toEqual({ kind: 'error', error: 'unknown argument "--verbose"' });
    expect(parseTerminalArgs(['--port', '1', '-h'])).toEqual({ kind: 'help' });
  });
});
