import { createHash } from 'node:crypto';
import { messageKey } from '../../../src/domain';
import { LOGIN_MAX_FAILURES, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

const DAY_MS = 24 * 60 * 60_000;

function makeSut() {
  const fx = makeFixture();
  const resume = (username: string, token: string, options: { addressBlocked?: boolean } = {}) =>
    fx.useCases.resumeSession.execute({
      connectionId: fx.connect().id,
      currentUserId: null,
      username,
      token,
      ...options,
    });
  return { fx, resume };
}

describe('IssueSessionToken', () => {
  it('hands out a fresh 256-bit URL-safe token and stores only its SHA-256', async () => {
    const { fx } = makeSut();
    const alice = await fx.register('alice');
    const issued = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(issued.expiresAt).toBe(fx.clock.now() + 30 * DAY_MS);
    const hash = createHash('sha256').update(issued.token).digest('hex');
    expect(await fx.repositories.sessionTokens.findByHash(hash)).toMatchObject({ id: issued.tokenId, userId: alice.id });
    expect(await fx.repositories.sessionTokens.findByHash(issued.token)).toBeNull();
  });
});

describe('ResumeSession', () => {
  it('logs in with a valid token, in any letter case of the name, without a password hash', async () => {
    const { fx, resume } = makeSut();
    const alice = await fx.register('Alice');
    const { token, tokenId } = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    const hashesBefore = fx.hasher.verifications;
    const started = unwrap(await resume('aLICE', token));
    expect(started).toMatchObject({ user: { id: alice.id, username: 'Alice' }, tokenId });
    expect(await fx.registry.isOnline(alice.id)).toBe(true);
    expect(fx.hasher.verifications).toBe(hashesBefore);
    expect(fx.activity('resume')).toHaveLength(1);
  });

  it('refuses a foreign, expired, revoked or malformed token alike, and an already logged-in connection', async () => {
    const { fx, resume } = makeSut();
    const alice = await fx.register('alice');
    await fx.register('bob');
    const { token, tokenId } = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    expect(codeOf(await resume('bob', token))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await resume('alice', token.slice(1)))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await resume('a', token))).toBe('INVALID_CREDENTIALS');
    expect(
      codeOf(
        await fx.useCases.resumeSession.execute({
          connectionId: 'c',
          currentUserId: alice.id,
          username: 'alice',
          token,
        }),
      ),
    ).toBe('ALREADY_LOGGED_IN');
    fx.clock.advance(30 * DAY_MS);
    expect(codeOf(await resume('alice', token))).toBe('INVALID_CREDENTIALS');
    const second = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    await fx.repositories.sessionTokens.revoke([second.tokenId]);
    expect(codeOf(await resume('alice', second.token))).toBe('INVALID_CREDENTIALS');
    expect(tokenId).toBeGreaterThan(0);
  });

  it('counts failures with LOGIN, but never refuses a valid token for them', async () => {
    const { fx, resume } = makeSut();
    const alice = await fx.register('alice');
    const { token } = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      expect(codeOf(await resume('alice', 'A'.repeat(43)))).toBe('INVALID_CREDENTIALS');
    }
    expect(codeOf(await resume('alice', 'A'.repeat(43)))).toBe('TOO_MANY_ATTEMPTS');
    expect(
      codeOf(await fx.useCases.logIn.execute({ connectionId: 'c', currentUserId: null, username: 'alice', password: 'password123' })),
    ).toBe('TOO_MANY_ATTEMPTS');
    expect(codeOf(await resume('alice', token))).toBe('OK');
    // The transport's per-address limit works the same way.
    expect(codeOf(await resume('bob', 'A'.repeat(43), { addressBlocked: true }))).toBe('TOO_MANY_ATTEMPTS');
    expect(codeOf(await resume('alice', token, { addressBlocked: true }))).toBe('OK');
  });

  it('answers a banned account 403; a ban revokes every token', async () => {
    const { fx, resume } = makeSut();
    const alice = await fx.register('alice');
    const { token } = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    await fx.storage.repositories.accounts.setStatus(alice.id, 'banned');
    expect(codeOf(await resume('alice', token))).toBe('ACCOUNT_BANNED');
    await fx.storage.repositories.accounts.setStatus(alice.id, 'active');
    unwrap(await fx.useCases.setAccountStatus.execute({ username: 'alice', status: 'banned' }));
    await fx.storage.repositories.accounts.setStatus(alice.id, 'active');
    expect(codeOf(await resume('alice', token))).toBe('INVALID_CREDENTIALS');
  });

  it('LOGOUT revokes the tokens it is given; a disconnect does not', async () => {
    const { fx, resume } = makeSut();
    const alice = await fx.register('alice');
    const kept = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    const dropped = await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    const session = await fx.logIn('alice');
    await fx.useCases.endSession.execute({
      user: session.user,
      connectionId: session.connection.id,
      sessionId: session.sessionId,
      reason: 'disconnect',
    });
    const again = await fx.logIn('alice');
    await fx.useCases.endSession.execute({
      user: again.user,
      connectionId: again.connection.id,
      sessionId: again.sessionId,
      reason: 'logout',
      revokeTokenIds: [dropped.tokenId],
    });
    expect(codeOf(await resume('alice', kept.token))).toBe('OK');
    expect(codeOf(await resume('alice', dropped.token))).toBe('INVALID_CREDENTIALS');
  });
});

describe('ManageSessionTokens', () => {
  it('lists a user’s live tokens (times only) and revokes them all', async () => {
    const { fx } = makeSut();
    const alice = await fx.register('alice');
    await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    fx.clock.advance(5);
    await fx.useCases.issueSessionToken.execute({ userId: alice.id });
    const listed = unwrap(await fx.useCases.manageSessionTokens.list({ username: 'ALICE' }));
    expect(listed.tokens).toEqual([
      { createdAt: fx.clock.now() - 5, expiresAt: fx.clock.now() - 5 + 30 * DAY_MS },
      { createdAt: fx.clock.now(), expiresAt: fx.clock.now() + 30 * DAY_MS },
    ]);
    expect(unwrap(await fx.useCases.manageSessionTokens.revokeAll({ username: 'alice' })).revoked).toBe(2);
    expect(unwrap(await fx.useCases.manageSessionTokens.list({ username: 'alice' })).tokens).toEqual([]);
    expect(codeOf(await fx.useCases.manageSessionTokens.list({ username: 'nobody' }))).toBe('USER_NOT_FOUND');
  });
});

describe('ListUndeliveredMessages and AcknowledgeMessages', () => {
  it('merges direct and group messages oldest first after a cursor; an ACK delivers only the caller’s', async () => {
    const { fx } = makeSut();
    const alice = await fx.register('alice');
    const bob = await fx.register('bob');
    const carol = await fx.register('carol');
    const groupId = await fx.createGroup(alice);
    await fx.addMembers(groupId, alice, bob);
    const sent: number[] = [];
    const send = async (kind: 'd' | 'g', content: string): Promise<void> => {
      fx.clock.advance(1);
      const { messageId } =
        kind === 'd'
          ? unwrap(await fx.useCases.sendDirectMessage.execute({ sender: alice, receiverId: bob.id, content }))
          : unwrap(await fx.useCases.sendGroupMessage.execute({ sender: alice, groupId, content }));
      sent.push(messageKey(kind === 'd' ? 'direct' : 'group', messageId));
    };
    await send('d', 'one');
    await send('g', 'two');
    await send('d', 'three');
    await send('g', 'four');

    const all = await fx.useCases.listUndeliveredMessages.execute({ userId: bob.id, after: { direct: 0, group: 0 }, limit: 10 });
    expect(all.map((e) => e.content)).toEqual(['one', 'two', 'three', 'four']);
    expect(all[1]).toMatchObject({ kind: 'group-message', groupId, groupName: 'Team', senderUsername: 'alice' });
    const limited = await fx.useCases.listUndeliveredMessages.execute({ userId: bob.id, after: { direct: 0, group: 0 }, limit: 3 });
    expect(limited.map((e) => e.content)).toEqual(['one', 'two', 'three']);
    const after = await fx.useCases.listUndeliveredMessages.execute({
      userId: bob.id,
      after: { direct: all[0]!.messageId, group: all[1]!.messageId },
      limit: 10,
    });
    expect(after.map((e) => e.content)).toEqual(['three', 'four']);

    // Carol's ACK of bob's messages changes nothing; bob's counts each once; 1 names no message.
    expect(await fx.useCases.acknowledgeMessages.execute({ userId: carol.id, messageKeys: sent })).toBe(0);
    expect(await fx.useCases.acknowledgeMessages.execute({ userId: bob.id, messageKeys: [sent[0]!, sent[1]!, sent[1]!, 1] })).toBe(2);
    expect(await fx.useCases.acknowledgeMessages.execute({ userId: bob.id, messageKeys: sent })).toBe(2);
    expect(await fx.useCases.listUndeliveredMessages.execute({ userId: bob.id, after: { direct: 0, group: 0 }, limit: 10 })).toEqual([]);
  });
});
