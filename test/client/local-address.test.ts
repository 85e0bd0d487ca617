import { createServer, type AddressInfo } from 'node:net';
import { ChatClient } from '../../src/client';

describe('ChatClient localAddress', () => {
  it('connects from the given local address', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((socket) => {
      seen.push(socket.remoteAddress);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = await ChatClient.connect({ port, localAddress: '127.0.0.2' });
      await client.closed;
      expect(seen).toEqual(['127.0.0.2']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
