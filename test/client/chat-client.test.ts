import { ChatClient } from '../../src/client/chat-client';
import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from '../../src/client/client-errors';
import { FakeServer, frame, type FakePeer } from './support/fake-server';
import { recordEvents } from './support/event-log';
import { freePort } from '../support/ports';

const T = 1_700_000_000_123;

describe('ChatClient against a scripted server', () => {
  let server: FakeServer;
  let client: ChatClient;
  let peer: FakePeer;

  async function makeSut(options: { requestTimeoutMs?: number; maxPayload?: number } = {}): Promise<void> {
    server = await FakeServer.start();
    const accepted = server.accept();
    client = await ChatClient.connect({ host: '127.0.0.1', port: server.port, ...options });
    peer = await accepted;
  }

  afterEach(async () => {
    client?.destroy();
    await server?.close();
  });

  describe('one method per command: the request it sends and the reply it decodes', () => {
    interface Case {
      readonly name: string;
      readonly call: (c: ChatClient) => Promise<unknown>;
      readonly request: [type: number, payload: string];
      readonly reply: [type: number, payload: string];
      readonly result: unknown;
    }
    const cases: Case[] = [
      { name: 'register', call: (c) => c.register('alice', 'pa|ss\\word'), request: [1000, 'alice|pa\\|ss\\\\word'], reply: [2000, '200|7'], result: { userId: 7 } },
      { name: 'login', call: (c) => c.login('alice', 'secret 123'), request: [1001, 'alice|secret 123'], reply: [2000, '200|7|Alice'], result: { userId: 7, username: 'Alice' } },
      { name: 'logout', call: (c) => c.logout(), request: [1002, ''], reply: [2000, '200|Logged out successfully'], result: undefined },
      { name: 'sendMessage', call: (c) => c.sendMessage(2, 'a|b\\c \\| d'), request: [1003, '2|a\\|b\\\\c \\\\\\| d'], reply: [2000, '200|Message sent'], result: undefined },
      { name: 'sendGroupMessage', call: (c) => c.sendGroupMessage(3, 'hi all'), request: [1004, '3|hi all'], reply: [2000, '200|Message sent'], result: undefined },
      { name: 'sendFriendRequest', call: (c) => c.sendFriendRequest('bob'), request: [1005, 'bob'], reply: [2000, '200|Request sent'], result: undefined },
      { name: 'acceptFriendRequest', call: (c) => c.acceptFriendRequest(5), request: [1006, '5'], reply: [2000, '200|Friend added'], result: undefined },
      { name: 'rejectFriendRequest', call: (c) => c.rejectFriendRequest(6), request: [1007, '6'], reply: [2000, '200|Request rejected'], result: undefined },
      { name: 'unfriend', call: (c) => c.unfriend(2), request: [1008, '2'], reply: [2000, '200|Unfriended'], result: undefined },
      {
        name: 'getFriendList',
        call: (c) => c.getFriendList(),
        request: [1009, ''],
        reply: [2004, '2|2|bob|online|3|car\\|ol|offline'],
        result: [
          { id: 2, username: 'bob', status: 'online' },
          { id: 3, username: 'car|ol', status: 'offline' },
        ],
      },
      { name: 'getFriendList (empty)', call: (c) => c.getFriendList(), request: [1009, ''], reply: [2004, '0'], result: [] },
      { name: 'createGroup', call: (c) => c.createGroup('Team | One'), request: [1010, 'Team \\| One'], reply: [2000, '201|4|Team \\| One'], result: { groupId: 4, name: 'Team | One' } },
      { name: 'addToGroup', call: (c) => c.addToGroup(4, 2), request: [1011, '4|2'], reply: [2000, '200|User added'], result: undefined },
      { name: 'removeFromGroup', call: (c) => c.removeFromGroup(4, 2), request: [1012, '4|2'], reply: [2000, '200|User removed'], result: undefined },
      { name: 'leaveGroup', call: (c) => c.leaveGroup(4), request: [1013, '4'], reply: [2000, '200|Left group'], result: undefined },
      {
        name: 'getOfflineMessages',
        call: (c) => c.getOfflineMessages(),
        request: [1014, ''],
        reply: [2005, `2|2|bob|x\\|y|${T}|3|carol|back\\\\slash|${T + 1}`],
        result: [
          { senderId: 2, senderUsername: 'bob', content: 'x|y', timestamp: T },
          { senderId: 3, senderUsername: 'carol', content: 'back\\slash', timestamp: T + 1 },
        ],
      },
      {
        name: 'getFriendRequests',
        call: (c) => c.getFriendRequests(),
        request: [1015, ''],
        reply: [2007, `1|9|2|bob|${T}`],
        result: [{ requestId: 9, senderId: 2, senderUsername: 'bob', timestamp: T }],
      },
      {
        name: 'getGroups',
        call: (c) => c.getGroups(),
        request: [1016, ''],
        reply: [2008, '2|4|Team \\| One|admin|3|5|other|member|1'],
        result: [
          { groupId: 4, name: 'Team | One', role: 'admin', memberCount: 3 },
          { groupId: 5, name: 'other', role: 'member', memberCount: 1 },
        ],
      },
      {
        name: 'getGroupMembers',
        call: (c) => c.getGroupMembers(4),
        request: [1017, '4'],
        reply: [2009, '2|1|alice|admin|online|2|bob|member|offline'],
        result: [
          { id: 1, username: 'alice', role: 'admin', status: 'online' },
          { id: 2, username: 'bob', role: 'member', status: 'offline' },
        ],
      },
      {
        name: 'getOfflineGroupMessages',
        call: (c) => c.getOfflineGroupMessages(),
        request: [1018, ''],
        reply: [2010, `1|4|Team \\| One|2|bob|hi \\| there|${T}`],
        result: [{ groupId: 4, groupName: 'Team | One', senderId: 2, senderUsername: 'bob', content: 'hi | there', timestamp: T }],
      },
      { name: 'ping', call: (c) => c.ping(), request: [1019, ''], reply: [2000, '200|PONG'], result: undefined },
      { name: 'findUser', call: (c) => c.findUser('BOB'), request: [1020, 'BOB'], reply: [2000, '200|2|bob'], result: { userId: 2, username: 'bob' } },
      // Reliable sessions (§8).
      { name: 'getSessionToken', call: (c) => c.getSessionToken(), request: [1021, ''], reply: [2000, `200|tok-A_b9|${T}`], result: { token: 'tok-A_b9', expiresAt: T } },
      { name: 'resume', call: (c) => c.resume('alice', 'tok|\\x'), request: [1022, 'alice|tok\\|\\\\x'], reply: [2000, '200|7|Alice'], result: { userId: 7, username: 'Alice' } },
      { name: 'enableAcks', call: (c) => c.enableAcks(), request: [1023, ''], reply: [2000, '200|Acks enabled'], result: undefined },
      { name: 'ack', call: (c) => c.ack([12, 9, 40]), request: [1024, '12|9|40'], reply: [2000, '200|2'], result: 2 },
      // History and read state (§9).
      {
        name: 'getHistory (direct, newest, default limit)',
        call: (c) => c.getHistory('direct', 2),
        request: [1025, 'd|2|0|50'],
        reply: [2015, `2|44|1|alice|mine \\| too|${T + 1}|0|41|2|bob|back\\\\slash|${T}|1`],
        result: [
          { messageId: 44, senderId: 1, senderUsername: 'alice', content: 'mine | too', timestamp: T + 1, read: false },
          { messageId: 41, senderId: 2, senderUsername: 'bob', content: 'back\\slash', timestamp: T, read: true },
        ],
      },
      {
        name: 'getHistory (group, a page back)',
        call: (c) => c.getHistory('group', 4, { beforeMessageId: 41, limit: 100 }),
        request: [1025, 'g|4|41|100'],
        reply: [2015, '0'],
        result: [],
      },
      { name: 'markRead (up to an id)', call: (c) => c.markRead('direct', 2, 41), request: [1026, 'd|2|41'], reply: [2000, '200|3'], result: 3 },
      {
        name: 'markRead (the whole conversation)',
        call: (c) => c.markRead('group', 4),
        request: [1026, 'g|4|9007199254740991'],
        reply: [2000, '200|0'],
        result: 0,
      },
      {
        name: 'getConversations',
        call: (c) => c.getConversations(),
        request: [1027, ''],
        reply: [2017, `2|g|4|Team \\| One|45|${T + 2}|3|d|2|bob|44|${T + 1}|0`],
        result: [
          { kind: 'group', peerId: 4, name: 'Team | One', lastMessageId: 45, lastTimestamp: T + 2, unreadCount: 3 },
          { kind: 'direct', peerId: 2, name: 'bob', lastMessageId: 44, lastTimestamp: T + 1, unreadCount: 0 },
        ],
      },
      {
        name: 'getConversations (the next page)',
        call: (c) => c.getConversations({ beforeLastMessageId: 44 }),
        request: [1027, '44'],
        reply: [2017, '0'],
        result: [],
      },
      // Blocking, privacy and reports (§10).
      { name: 'blockUser', call: (c) => c.blockUser(7), request: [1028, '7'], reply: [2000, '200|Blocked'], result: undefined },
      { name: 'unblockUser', call: (c) => c.unblockUser(7), request: [1029, '7'], reply: [2000, '200|Unblocked'], result: undefined },
      {
        name: 'getBlocked',
        call: (c) => c.getBlocked(),
        request: [1030, ''],
        reply: [2018, '2|7|mallory|3|tr\\|oll'],
        result: [
          { userId: 7, username: 'mallory' },
          { userId: 3, username: 'tr|oll' },
        ],
      },
      { name: 'getBlocked (empty)', call: (c) => c.getBlocked(), request: [1030, ''], reply: [2018, '0'], result: [] },
      { name: 'setPrivacy (friends)', call: (c) => c.setPrivacy('friends'), request: [1031, 'friends'], reply: [2000, '200|Privacy updated'], result: undefined },
      { name: 'setPrivacy (everyone)', call: (c) => c.setPrivacy('everyone'), request: [1031, 'everyone'], reply: [2000, '200|Privacy updated'], result: undefined },
      {
        name: 'reportUser',
        call: (c) => c.reportUser(7, 'phishing links | every hour \\ 😀'),
        request: [1032, '7|phishing links \\| every hour \\\\ 😀'],
        reply: [2000, '200|Reported'],
        result: undefined,
      },
    ];

    it.each(cases)('$name', async ({ call, request, reply, result }) => {
      await makeSut();
      const pending = call(client);
      expect(await peer.request()).toEqual({ type: request[0], payload: request[1] });
      peer.send(reply[0], reply[1]);
      expect(await pending).toEqual(result);
      expect(client.pendingRequests).toBe(0);
    });
  });

  it('remembers who is logged in, until logout', async () => {
    await makeSut();
    expect(client.user).toBeNull();
    const login = client.login('alice', 'secret123');
    peer.send(2000, '200|7|Alice');
    await login;
    expect(client.user).toEqual({ userId: 7, username: 'Alice' });
    const logout = client.logout();
    peer.send(2000, '200|Logged out successfully');
    await logout;
    expect(client.user).toBeNull();
  });

  it('decodes every push into its typed event', async () => {
    await makeSut();
    const events = recordEvents(client);
    await peer.write(
      Buffer.concat([
        frame(2001, `2|bob|a\\|b\\\\c|${T}`),
        frame(2002, `4|Team \\| One|2|bob|hello|${T}`),
        frame(2003, `2|bob|${T}|9`),
        frame(2006, '2|bob|offline'),
        frame(2011, `9|3|carol|${T}`),
        frame(2012, '4|Team \\| One|3|carol|added'),
        frame(2012, '4|Team \\| One|2|bob|left'),
      ]),
    );
    expect(await events.message.next()).toEqual({ senderId: 2, senderUsername: 'bob', content: 'a|b\\c', timestamp: T });
    expect(await events.groupMessage.next()).toEqual({
      groupId: 4,
      groupName: 'Team | One',
      senderId: 2,
      senderUsername: 'bob',
      content: 'hello',
      timestamp: T,
    });
    expect(await events.friendRequest.next()).toEqual({ requestId: 9, senderId: 2, senderUsername: 'bob', timestamp: T });
    expect(await events.presence.next()).toEqual({ userId: 2, username: 'bob', status: 'offline' });
    expect(await events.friendRequestAccepted.next()).toEqual({ requestId: 9, userId: 3, username: 'carol', timestamp: T });
    expect(await events.membershipChanged.next()).toEqual({
      groupId: 4,
      groupName: 'Team | One',
      userId: 3,
      username: 'carol',
      event: 'added',
    });
    expect((await events.membershipChanged.next()).event).toBe('left');
    expect(events.unexpectedFrame.pending).toEqual([]);
  });

  it('decodes 2013 and 2014 (acks enabled) with their message ids and escaped content', async () => {
    await makeSut();
    const events = recordEvents(client);
    await peer.write(
      Buffer.concat([frame(2013, `41|2|bob|a\\|b\\\\c|${T}`), frame(2014, `42|4|Team \\| One|2|bob|x \\| y|${T}`)]),
    );
    expect(await events.message.next()).toEqual({ messageId: 41, senderId: 2, senderUsername: 'bob', content: 'a|b\\c', timestamp: T });
    expect(await events.groupMessage.next()).toEqual({
      messageId: 42,
      groupId: 4,
      groupName: 'Team | One',
      senderId: 2,
      senderUsername: 'bob',
      content: 'x | y',
      timestamp: T,
    });
    // Without reliable mode, acknowledging is the application's: nothing was sent.
    const pong = client.ping();
    expect((await peer.request()).type).toBe(1019);
    peer.send(2000, '200|PONG');
    await pong;
    peer.send(2013, `bad|2|bob|hi|${T}`);
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2013, payload: `bad|2|bob|hi|${T}`, reason: 'malformed-push' });
  });

  it('remembers that acks are enabled, and refuses an ACK of no ids or more than 1000', async () => {
    await makeSut();
    expect(client.acksEnabled).toBe(false);
    const enabled = client.enableAcks();
    peer.send(2000, '200|Acks enabled');
    await enabled;
    expect(client.acksEnabled).toBe(true);
    expect(() => client.ack([])).toThrow(RangeError);
    expect(() => client.ack(Array.from({ length: 1001 }, (_, i) => i + 1))).toThrow(RangeError);
  });

  it('decodes 2016 into a read event; a malformed one is reported', async () => {
    await makeSut();
    const events = recordEvents(client);
    peer.send(2016, `2|bob|44|${T}`);
    expect(await events.read.next()).toEqual({ readerId: 2, readerUsername: 'bob', upToMessageId: 44, timestamp: T });
    peer.send(2016, `2|bob|0|${T}`);
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2016, payload: `2|bob|0|${T}`, reason: 'malformed-push' });
  });

  it('refuses a history limit outside 1–100 and a kind it does not know, before sending', async () => {
    await makeSut();
    expect(() => client.getHistory('direct', 2, { limit: 0 })).toThrow(RangeError);
    expect(() => client.getHistory('group', 4, { limit: 101 })).toThrow(RangeError);
    expect(() => client.getHistory('group', 4, { limit: 2.5 })).toThrow(RangeError);
    expect(() => client.markRead('channel' as 'group', 4)).toThrow(RangeError);
    expect(client.pendingRequests).toBe(0);
  });

  it('refuses a privacy it does not know and a report reason outside 1–1000 bytes, before sending', async () => {
    await makeSut();
    expect(() => client.setPrivacy('nobody' as 'friends')).toThrow(RangeError);
    expect(() => client.reportUser(7, '')).toThrow(/reason must be 1 to 1000 bytes of UTF-8, got 0/);
    // 1000 bytes is the limit, counted in UTF-8: 334 × 3 bytes is 1002.
    expect(() => client.reportUser(7, '€'.repeat(334))).toThrow(/got 1002/);
    expect(() => client.reportUser(7, 'x'.repeat(1001))).toThrow(RangeError);
    expect(client.pendingRequests).toBe(0);
    const atLimit = client.reportUser(7, 'x'.repeat(1000));
    expect(await peer.request()).toEqual({ type: 1032, payload: `7|${'x'.repeat(1000)}` });
    peer.send(2000, '200|Reported');
    await atLimit;
  });

  it('rejects the refusals of §10 with a ChatError carrying the code', async () => {
    await makeSut();
    const refused = client.sendMessage(7, 'hi');
    const unknown = client.blockUser(99);
    const notBlocked = client.unblockUser(7);
    const tooMany = client.reportUser(7, 'spam');
    await peer.requests(4);
    peer.send(2000, '403|Cannot message this user');
    peer.send(2000, '404|User not found');
    peer.send(2000, '404|Not blocked');
    peer.send(2000, '429|Too many reports');
    await expect(refused).rejects.toMatchObject({ name: 'ChatError', status: 403, text: 'Cannot message this user', command: 1003 });
    await expect(unknown).rejects.toMatchObject({ status: 404, text: 'User not found', command: 1028 });
    await expect(notBlocked).rejects.toMatchObject({ status: 404, text: 'Not blocked', command: 1029 });
    await expect(tooMany).rejects.toBeInstanceOf(ChatError);
    await expect(tooMany).rejects.toMatchObject({ status: 429, text: 'Too many reports', command: 1032 });
  });

  it('rejects a blocked list that breaks §10 with a ProtocolError', async () => {
    await makeSut();
    const badId = client.getBlocked();
    const short = client.getBlocked();
    await peer.requests(2);
    peer.send(2018, '1|0|mallory');
    peer.send(2018, '2|7|mallory');
    await expect(badId).rejects.toThrow(/expected an id, got "0"/);
    await expect(short).rejects.toBeInstanceOf(ProtocolError);
  });

  it('rejects a history or inbox row that breaks §9 with a ProtocolError', async () => {
    await makeSut();
    const badFlag = client.getHistory('direct', 2);
    const badKind = client.getConversations();
    const short = client.getHistory('direct', 2);
    await peer.requests(3);
    peer.send(2015, `1|41|2|bob|hi|${T}|yes`);
    peer.send(2017, `1|x|2|bob|41|${T}|0`);
    peer.send(2015, `1|41|2|bob|hi|${T}`);
    await expect(badFlag).rejects.toThrow(/expected 1 or 0, got "yes"/);
    await expect(badKind).rejects.toThrow(/expected d or g, got "x"/);
    await expect(short).rejects.toBeInstanceOf(ProtocolError);
  });

  it('accepts fields appended to a push (how the protocol extends)', async () => {
    await makeSut();
    const events = recordEvents(client);
    peer.send(2001, `2|bob|hi|${T}|some-future-field`);
    expect(await events.message.next()).toEqual({ senderId: 2, senderUsername: 'bob', content: 'hi', timestamp: T });
  });

  it('pipelines: requests leave without waiting, replies settle them strictly in order', async () => {
    await makeSut();
    const friends = client.getFriendList();
    const sent = client.sendMessage(2, 'one');
    const group = client.createGroup('g');
    const failed = client.sendMessage(99, 'two');
    // All four are on the wire before any reply.
    expect((await peer.requests(4)).map((r) => r.type)).toEqual([1009, 1003, 1010, 1003]);
    expect(client.pendingRequests).toBe(4);
    await peer.write(
      Buffer.concat([
        frame(2004, '1|2|bob|online'),
        frame(2000, '200|Message sent'),
        frame(2000, '201|8|g'),
        frame(2000, '404|User not found'),
      ]),
    );
    expect(await friends).toEqual([{ id: 2, username: 'bob', status: 'online' }]);
    await expect(sent).resolves.toBeUndefined();
    expect(await group).toEqual({ groupId: 8, name: 'g' });
    await expect(failed).rejects.toMatchObject({ status: 404, text: 'User not found', command: 1003 });
  });

  it('tells pushes interleaved between replies apart, whole or split into single bytes', async () => {
    await makeSut();
    const events = recordEvents(client);
    const first = client.getOfflineMessages();
    const second = client.ping();
    const third = client.getFriendList();
    await peer.requests(3);
    const bytes = Buffer.concat([
      frame(2001, `2|bob|before|${T}`),
      frame(2005, `1|3|carol|stored|${T}`),
      frame(2006, '2|bob|online'),
      frame(2003, `2|bob|${T}|9`),
      frame(2000, '200|PONG'),
      frame(2001, `2|bob|between|${T}`),
      frame(2004, '0'),
      frame(2001, `2|bob|after|${T}`),
    ]);
    await peer.writeByteByByte(bytes);
    expect(await first).toEqual([{ senderId: 3, senderUsername: 'carol', content: 'stored', timestamp: T }]);
    await expect(second).resolves.toBeUndefined();
    expect(await third).toEqual([]);
    expect((await events.message.next()).content).toBe('before');
    expect((await events.message.next()).content).toBe('between');
    expect((await events.message.next()).content).toBe('after');
    expect(await events.presence.next()).toEqual({ userId: 2, username: 'bob', status: 'online' });
    expect((await events.friendRequest.next()).requestId).toBe(9);
  });

  it('rejects with a ChatError carrying the status and the unescaped text', async () => {
    await makeSut();
    const registered = client.register('alice', 'password123');
    const listed = client.getFriendList();
    const found = client.findUser('x');
    const bare = client.ping();
    await peer.requests(4);
    peer.send(2000, '400|Expected username\\|password');
    peer.send(2000, '401|Not logged in');
    peer.send(2000, '400|Unknown command');
    peer.send(2000, '500');
    const error = await registered.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ status: 400, text: 'Expected username|password', command: 1000, isUnknownCommand: false });
    // A data command answered by a 2000 error.
    await expect(listed).rejects.toMatchObject({ name: 'ChatError', status: 401, text: 'Not logged in' });
    await expect(found).rejects.toMatchObject({ status: 400, isUnknownCommand: true, message: 'error 400: Unknown command' });
    await expect(bare).rejects.toMatchObject({ status: 500, text: '' });
    expect(client.isOpen).toBe(true);
  });

  it('rejects a malformed or mistyped reply with a ProtocolError and keeps going', async () => {
    await makeSut();
    const miscounted = client.getFriendList();
    const wrongType = client.sendMessage(2, 'hi');
    const badId = client.login('alice', 'password123');
    const noStatus = client.ping();
    const fine = client.ping();
    await peer.requests(5);
    peer.send(2004, '2|2|bob|online');
    peer.send(2004, '0');
    peer.send(2000, '200|007|alice');
    peer.send(2000, 'PONG');
    peer.send(2000, '200|PONG');
    await expect(miscounted).rejects.toBeInstanceOf(ProtocolError);
    await expect(wrongType).rejects.toThrow(/expected a 2000 reply to 1003, got 2004/);
    await expect(badId).rejects.toThrow(/expected an id, got "007"/);
    await expect(noStatus).rejects.toThrow(/no status/);
    await expect(fine).resolves.toBeUndefined();
    expect(client.user).toBeNull();
  });

  it('survives a TYPE it does not know, and reports it', async () => {
    await makeSut();
    const events = recordEvents(client);
    const friends = client.getFriendList();
    await peer.request();
    await peer.write(Buffer.concat([frame(2999, 'from|the future'), frame(3, ''), frame(2004, '0')]));
    expect(await friends).toEqual([]);
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2999, payload: 'from|the future', reason: 'unknown-type' });
    expect(await events.unexpectedFrame.next()).toEqual({ type: 3, payload: '', reason: 'unknown-type' });
    // Still usable.
    const pong = client.ping();
    await peer.request();
    peer.send(2000, '200|PONG');
    await expect(pong).resolves.toBeUndefined();
  });

  it('reports a malformed push and a reply nobody asked for without crashing', async () => {
    await makeSut();
    const events = recordEvents(client);
    peer.send(2001, 'not-an-id|bob|hi|1');
    peer.send(2006, '2|bob|away');
    peer.send(2000, '200|PONG');
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2001, payload: 'not-an-id|bob|hi|1', reason: 'malformed-push' });
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2006, payload: '2|bob|away', reason: 'malformed-push' });
    expect(await events.unexpectedFrame.next()).toEqual({ type: 2000, payload: '200|PONG', reason: 'unsolicited-reply' });
    expect(events.message.pending).toEqual([]);
    expect(client.isOpen).toBe(true);
  });

  it('rejects every pending request when the connection drops, and every later one at once', async () => {
    await makeSut();
    const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
    const pending = [client.getFriendList(), client.sendMessage(2, 'x'), client.ping()];
    await peer.requests(3);
    peer.drop();
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(ConnectionClosedError);
    const error = await closed;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error?.message).toBe('connection closed by the server');
    expect(await client.closed).toBe(error);
    expect(client.isOpen).toBe(false);
    expect(client.pendingRequests).toBe(0);
    await expect(client.ping()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('on a request timeout rejects that request, closes the connection and rejects the rest', async () => {
    await makeSut({ requestTimeoutMs: 150 });
    const first = client.getFriendList();
    const second = client.ping();
    await peer.requests(2);
    const started = Date.now();
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ command: 1009, timeoutMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    const secondError = await second.catch((e: unknown) => e);
    expect(secondError).toBeInstanceOf(ConnectionClosedError);
    expect(secondError).toHaveProperty('cause', error);
    // The server sees the connection go away; the client reports why.
    await peer.closed;
    expect(await client.closed).toBe(error);
    await expect(client.ping()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('keeps the connection when replies come in time, even past the timeout in total', async () => {
    await makeSut({ requestTimeoutMs: 200 });
    for (let i = 0; i < 6; i++) {
      const pong = client.ping();
      await peer.request();
      // Each reply comes well within its own request's timeout.
      await new Promise((resolve) => setTimeout(resolve, 60));
      peer.send(2000, '200|PONG');
      await expect(pong).resolves.toBeUndefined();
    }
    expect(client.isOpen).toBe(true);
  });

  it('close() lets requests already sent finish, refuses new ones, then closes quietly', async () => {
    await makeSut();
    const closeEvents: (Error | undefined)[] = [];
    client.on('close', (error) => closeEvents.push(error));
    const pong = client.ping();
    await peer.request();
    const closing = client.close();
    await expect(client.getFriendList()).rejects.toBeInstanceOf(ConnectionClosedError);
    peer.send(2000, '200|PONG');
    await expect(pong).resolves.toBeUndefined();
    await closing;
    await peer.closed;
    expect(closeEvents).toEqual([undefined]);
  });

  it('destroy() rejects what is pending at once', async () => {
    await makeSut();
    const pong = client.ping();
    await peer.request();
    client.destroy();
    await expect(pong).rejects.toThrow('connection destroyed by the client');
    expect(await client.closed).toBeUndefined();
  });

  it('closes on a frame over its payload limit, rejecting what is pending', async () => {
    await makeSut({ maxPayload: 1024 });
    const friends = client.getFriendList();
    await peer.request();
    peer.send(2004, `1|2|${'x'.repeat(2000)}|online`);
    const error = await friends.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toHaveProperty('cause', expect.any(ProtocolError));
    expect(await client.closed).toBeInstanceOf(ProtocolError);
  });

  it('a listener that throws does not stop the frames after it; its error goes to onListenerError', async () => {
    const listenerErrors: [unknown, string][] = [];
    server = await FakeServer.start();
    const accepted = server.accept();
    client = await ChatClient.connect({ port: server.port, onListenerError: (error, event) => listenerErrors.push([error, event]) });
    peer = await accepted;
    const events = recordEvents(client);
    client.on('message', () => {
      throw new Error('listener bug');
    });
    const pong = client.ping();
    await peer.request();
    await peer.write(Buffer.concat([frame(2001, `2|bob|hi|${T}`), frame(2001, `2|bob|again|${T}`), frame(2000, '200|PONG')]));
    await expect(pong).resolves.toBeUndefined();
    expect(events.message.pending.map((m) => m.content)).toEqual(['hi', 'again']);
    expect(listenerErrors).toEqual([
      [new Error('listener bug'), 'message'],
      [new Error('listener bug'), 'message'],
    ]);
  });
});

describe('ChatClient.connect', () => {
  it('rejects with the socket error when nothing listens', async () => {
    const port = await freePort();
    await expect(ChatClient.connect({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses nonsense options before connecting', () => {
    expect(() => ChatClient.connect({ port: 1, requestTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => ChatClient.connect({ port: 1, maxPayload: 1.5 })).toThrow(RangeError);
  });
});

