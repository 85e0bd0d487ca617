/**
 * The baseline: a bare frame relay with no storage and no authentication. It
 * answers REGISTER and LOGIN with made-up ids, forwards SEND_MESSAGE to the
 * receiver's socket as MESSAGE_RECEIVED and acknowledges it, and nothing else.
 * The benchmark runs the dm workload against it to show what the protocol costs
 * on this machine before any chat-server work is done.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { FrameDecoder } from '../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../src/adapters/protocol/frame-encoder';
import { joinFields, splitFieldsWithFreeText } from '../src/adapters/protocol/fields';

const REGISTER = 1000;
const LOGIN = 1001;
const SEND_MESSAGE = 1003;

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRelay(port = 0, host = '127.0.0.1'): Promise<Relay> {
  const idsByName = new Map<string, number>();
  const sockets = new Map<number, Socket>();
  const idOf = (name: string): number => {
    let id = idsByName.get(name);
    if (id === undefined) idsByName.set(name, (id = idsByName.size + 1));
    return id;
  };
  const sent = encodeFrame(2000, '200|Message sent');

  const server = createServer({ noDelay: true }, (socket) => {
    const decoder = new FrameDecoder({ maxPayload: 65_536 });
    let me: { id: number; name: string } | null = null;
    socket.on('error', () => undefined);
    socket.on('close', () => me && sockets.get(me.id) === socket && sockets.delete(me.id));
    // Every socket written while one chunk is handled is corked until the chunk is done:
    // the frames a chunk causes leave in one write per socket, not one each.
    const corked = new Set<Socket>();
    const write = (to: Socket, frame: Buffer): void => {
      if (!corked.has(to)) {
        corked.add(to);
        to.cork();
      }
      to.write(frame);
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        handle(chunk);
      } finally {
        for (const to of corked) to.uncork();
        corked.clear();
      }
    });
    const handle = (chunk: Buffer): void => {
      for (const item of decoder.push(chunk)) {
        if (item.kind !== 'frame') {
          socket.destroy();
          return;
        }
        const payload = item.payload.toString('utf8');
        if (item.type === REGISTER || item.type === LOGIN) {
          const [name = ''] = splitFieldsWithFreeText(payload, 2) ?? [];
          const id = idOf(name);
          if (item.type === LOGIN) {
            me = { id, name };
            sockets.set(id, socket);
            write(socket, encodeFrame(2000, `200|${id}|${name}`));
          } else write(socket, encodeFrame(2000, `200|${id}`));
        } else if (item.type === SEND_MESSAGE && me) {
          const [to = '', content = ''] = splitFieldsWithFreeText(payload, 2) ?? [];
          const receiver = sockets.get(Number(to));
          if (receiver !== undefined) write(receiver, encodeFrame(2001, joinFields([me.id, me.name, content, Date.now()])));
          write(socket, sent);
        } else write(socket, encodeFrame(2000, '400|Unknown command'));
      }
    };
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.values()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  startRelay(Number(process.env.RELAY_PORT ?? 0)).then((relay) => {
    process.stdout.write(`${JSON.stringify({ msg: 'relay listening', port: relay.port })}\n`);
    const stop = (): void => void relay.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
