import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { describeLong } from '../../support/long-tests';
import { killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';
import { TestClient } from '../../support/test-client';

/**
 * Slowloris against the server process: 200 connections each dribble a REGISTER frame
 * one byte at a time (a byte a second: each byte resets the idle timer, and the frame
 * never completes). The login deadline (CHAT_LOGIN_TIMEOUT_S=2) must close every one of
 * them on time, silently, while a logged-in control client keeps being served.
 */

const ATTACKERS = 200;
const LOGIN_TIMEOUT_MS = 2000;
const DRIP_MS = 1000;
const PASSWORD = 'password123';

interface Attacker {
  readonly socket: Socket;
  readonly openedAt: number;
  closedAt: number | null;
  bytesSent: number;
  bytesReceived: number;
  readonly closed: Promise<void>;
}

function attack(port: number, index: number): Promise<Attacker> {
  // A REGISTER announcing most of the 4 KB allowed before LOGIN: the server holds a buffer for it.
  const frame = encodeFrame(1000, `slow${index}|${PASSWORD}${'x'.repeat(3900)}`);
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      let closedResolve!: () => void;
      const attacker: Attacker = {
        socket,
        openedAt: Date.now(),
        closedAt: null,
        bytesSent: 0,
        bytesReceived: 0,
        closed: new Promise((r) => (closedResolve = r)),
      };
      const drip = (): void => {
        if (socket.destroyed || attacker.bytesSent >= frame.length) return;
        socket.write(frame.subarray(attacker.bytesSent, attacker.bytesSent + 1));
        attacker.bytesSent += 1;
      };
      drip();
      // The pace of the attack is a timer by nature.
      const timer = setInterval(drip, DRIP_MS);
      socket.on('data', (chunk: Buffer) => (attacker.bytesReceived += chunk.length));
      socket.on('close', () => {
        clearInterval(timer);
        attacker.closedAt = Date.now();
        closedResolve();
      });
      resolve(attacker);
    });
    socket.once('error', reject);
  });
}

describeLong('slowloris', () => {
  let dir: string;
  let attackers: Attacker[] = [];
  let clients: TestClient[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-slowloris-'));
  });
  afterEach(async () => {
    for (const attacker of attackers) attacker.socket.destroy();
    attackers = [];
    await Promise.all(clients.map((client) => client.destroy()));
    clients = [];
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes 200 connections that dribble a byte a second at the login deadline, while a control client is served', async () => {
    const server: ServerProcess = await startServerProcess({
      CHAT_DB: join(dir, 'chat.sqlite'),
      CHAT_LOGIN_TIMEOUT_S: String(LOGIN_TIMEOUT_MS / 1000),
    });
    const control = await TestClient.connect(server.port);
    const peer = await TestClient.connect(server.port);
    clients.push(control, peer);
    await control.call(1000, ['control', PASSWORD]);
    const [, peerId] = await peer.call(1000, ['peer', PASSWORD]);
    expect((await control.call(1001, ['control', PASSWORD]))[0]).toBe('200');
    expect((await peer.call(1001, ['peer', PASSWORD]))[0]).toBe('200');

    attackers = await Promise.all(Array.from({ length: ATTACKERS }, (_, i) => attack(server.port, i)));
    const allClosed = Promise.all(attackers.map((attacker) => attacker.closed));

    // The control client pings and chats throughout.
    let attacking = true;
    let worstRoundTrip = 0;
    let served = 0;
    const controlling = (async () => {
      while (attacking) {
        const sentAt = Date.now();
        expect(await control.call(1019)).toEqual(['200', 'PONG']);
        expect(await control.call(1003, [peerId!, `still served ${served}`])).toEqual(['200', 'Message sent']);
        expect((await peer.nextPush(2001))[2]).toBe(`still served ${served}`);
        worstRoundTrip = Math.max(worstRoundTrip, Date.now() - sentAt);
        served += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    let giveUp: NodeJS.Timeout | undefined;
    const closedInTime = await Promise.race([
      allClosed.then(() => true),
      new Promise<boolean>((resolve) => (giveUp = setTimeout(() => resolve(false), LOGIN_TIMEOUT_MS + 10_000))),
    ]);
    clearTimeout(giveUp);
    attacking = false;
    await controlling;

    expect(closedInTime).toBe(true);
    const lifetimes = attackers.map((attacker) => attacker.closedAt! - attacker.openedAt);
    process.stdout.write(
      `\nslowloris: ${ATTACKERS} connections closed after ${Math.min(...lifetimes)}–${Math.max(...lifetimes)} ms ` +
        `(deadline ${LOGIN_TIMEOUT_MS} ms); control served ${served} rounds, worst ${worstRoundTrip} ms\n`,
    );
    // Closed by the deadline: not before it, and not long after, though bytes kept coming.
    // (Measured from the client's connect callback, which a busy test process may see a little late.)
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(LOGIN_TIMEOUT_MS - 300);
    expect(Math.max(...lifetimes)).toBeLessThan(LOGIN_TIMEOUT_MS + 1500);
    expect(attackers.every((attacker) => attacker.bytesSent >= 2)).toBe(true);
    // Silently: a frame that never completed gets no reply.
    expect(attackers.every((attacker) => attacker.bytesReceived === 0)).toBe(true);
    const deadlines = server.logs().filter((line) => line.msg === 'connection closed' && line['reason'] === 'login timeout');
    expect(deadlines).toHaveLength(ATTACKERS);

    // The control client was served all along, within a second each round.
    expect(served).toBeGreaterThan(5);
    expect(worstRoundTrip).toBeLessThan(1000);
    expect(control.isOpen && peer.isOpen).toBe(true);
    expect(server.alive).toBe(true);
    // A newcomer who logs in in time is served as usual.
    const newcomer = await TestClient.connect(server.port);
    clients.push(newcomer);
    expect((await newcomer.call(1000, ['newcomer', PASSWORD]))[0]).toBe('200');
    expect((await newcomer.call(1001, ['newcomer', PASSWORD]))[0]).toBe('200');
    expect(await newcomer.call(1019)).toEqual(['200', 'PONG']);
  }, 60_000);
});
