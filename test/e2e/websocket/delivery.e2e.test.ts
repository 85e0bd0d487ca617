import { befriend, startTestServer, type TestServer } from '../../support/e2e-server';
import { logIn, nextMessages } from '../../support/test-client';
import { openWebSocket, webSocketUser } from './websocket-fixture';

describe('delivery over WebSocket: one chat whatever the transport', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ httpPort: 0 });
  });
  afterEach(() => t.stop());

  it('pushes messages, friend requests and presence between a TCP user and a WebSocket user, both ways', async () => {
    const alice = await t.user('alice');
    const bob = await webSocketUser(t, 'bob');
    // A friend request from TCP to WebSocket, accepted back.
    await befriend(alice, bob);
    expect((await alice.client.nextPush(2011)).slice(1, 3)).toEqual([String(bob.id), 'bob']);

    expect(await alice.client.call(1003, [bob.id, 'over TCP | to a WebSocket'])).toEqual(['200', 'Message sent']);
    expect(await bob.client.nextPush(2001)).toEqual([String(alice.id), 'alice', 'over TCP | to a WebSocket', expect.stringMatching(/^\d+$/)]);
    expect(await bob.client.call(1003, [alice.id, 'and back ✓'])).toEqual(['200', 'Message sent']);
    expect(await alice.client.nextPush(2001)).toEqual([String(bob.id), 'bob', 'and back ✓', expect.stringMatching(/^\d+$/)]);

    // Presence, WebSocket to TCP: bob leaves and comes back.
    await bob.client.destroy();
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    const bobAgain = await openWebSocket(t);
    expect((await bobAgain.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'online']);

    // Presence, TCP to WebSocket: alice leaves and comes back.
    await alice.client.destroy();
    expect(await bobAgain.client.nextPush(2006)).toEqual([String(alice.id), 'alice', 'offline']);
    const aliceAgain = (await logIn(t.port, 'alice', false)).client;
    expect(await bobAgain.client.nextPush(2006)).toEqual([String(alice.id), 'alice', 'online']);

    // A group spanning both transports.
    const [, group] = await aliceAgain.call(1010, 'Both');
    expect((await aliceAgain.call(1011, [group!, bob.id]))[0]).toBe('200');
    expect((await aliceAgain.call(1004, [group!, 'to everyone']))[0]).toBe('200');
    expect((await bobAgain.client.nextPush(2002)).slice(0, 5)).toEqual([group, 'Both', String(alice.id), 'alice', 'to everyone']);
  });

  it('reliable mode (§8) over WebSocket: ENABLE_ACKS, ids, ACK, and RESUME on a new WebSocket after the old one is cut', async () => {
    const alice = await t.user('alice');
    const bob = await webSocketUser(t, 'bob');
    const [status, token] = await bob.client.call(1021);
    expect(status).toBe('200');
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);
    for (const text of ['one', 'two', 'three']) expect((await alice.client.call(1003, [bob.id, text]))[0]).toBe('200');
    const pushed = await nextMessages(bob.client, 3);
    expect(pushed.map((m) => [m.type, m.fields[3]])).toEqual([
      [2013, 'one'],
      [2013, 'two'],
      [2013, 'three'],
    ]);
    expect(await bob.client.call(1024, pushed[0]!.fields[0]!)).toEqual(['200', '1']);
    // The WebSocket is cut before the other two are acknowledged.
    bob.ws.terminate();
    await bob.client.closed;

    const device = await openWebSocket(t);
    expect(await device.client.call(1022, ['bob', token!])).toEqual(['200', String(bob.id), 'bob']);
    expect(await device.client.call(1023)).toEqual(['200', 'Acks enabled']);
    const again = await nextMessages(device.client, 2);
    expect(again).toEqual(pushed.slice(1));
    expect(await device.client.call(1024, again.map((m) => m.fields[0]!))).toEqual(['200', '2']);
    expect(await device.client.call(1014)).toEqual(['0']);
  });
});
