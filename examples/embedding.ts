import { createCore, type ClientConnection, type PushEvent } from '../src';

/** Runs the chat core inside your own service: no TCP, no container, in-memory storage. */
export async function embeddingExample(): Promise<string[]> {
  const core = await createCore({ storage: 'in-memory' });
  const { registerUser, logIn, sendDirectMessage } = core.useCases;
  const seen: string[] = [];

  // Your transport's connection: the core pushes events to it.
  const bobsPhone: ClientConnection = {
    id: 'bob-phone',
    async deliver(event: PushEvent) {
      if (event.kind === 'direct-message') seen.push(`${event.senderUsername}: ${event.content}`);
      return true;
    },
    close() {},
  };
  core.connections.register(bobsPhone);

  const alice = await registerUser.execute({ username: 'alice', password: 'correct horse' });
  const bob = await registerUser.execute({ username: 'bob', password: 'battery staple' });
  if (!alice.ok || !bob.ok) throw new Error('registration failed');
  await logIn.execute({ connectionId: 'bob-phone', currentUserId: null, username: 'bob', password: 'battery staple' });

  const sent = await sendDirectMessage.execute({
    sender: { id: alice.value.userId, username: 'alice' },
    receiverId: bob.value.userId,
    content: 'Hello, Bob!',
  });
  if (sent.ok) await sent.value.delivered; // true: it reached bob-phone

  await core.close();
  return seen; // ['alice: Hello, Bob!']
}
