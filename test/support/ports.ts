import { createServer } from 'node:net';

/** A TCP port nothing on 127.0.0.1 listens to right now: bind one, then free it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      probe.close(() => resolve(address.port));
    });
  });
}

/** Whether a server could listen on this port of 127.0.0.1 right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port for a server a test stops and starts again on the same port. It is taken
 * below Linux's ephemeral range (32768-60999, where `freePort` finds its ports): there,
 * while the server is down, any outgoing connection of the test run may get the port
 * as its own, and the restart then fails with "Address already in use".
 */
export async function freeRestartablePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}
