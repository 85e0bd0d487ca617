import { ALL_MESSAGES } from '../../../src/client/chat-client';
import { ChatError, ConnectionClosedError } from '../../../src/client/client-errors';
import type { ConversationKind } from '../../../src/client/results';
import { ReadMarker } from '../../../src/client/terminal/read-marker';

/** A MARK_READ that records its calls and settles when the test says so. */
function makeSut() {
  const calls: { kind: ConversationKind; peerId: number; upTo: number; settle: (error?: Error) => void }[] = [];
  const marker = new ReadMarker(
    (kind, peerId, upTo) =>
      new Promise<number>((resolve, reject) => {
        calls.push({ kind, peerId, upTo, settle: (error) => (error ? reject(error) : resolve(1)) });
      }),
  );
  const sent = () => calls.map(({ kind, peerId, upTo }) => `${kind}:${peerId}:${upTo}`);
  return { marker, calls, sent };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReadMarker', () => {
  it('sends a mark at once, folds the ones that come meanwhile into one, per conversation', async () => {
    const { marker, calls, sent } = makeSut();
    marker.mark('direct', 2, 10);
    marker.mark('direct', 2, 12);
    marker.mark('direct', 2, 14);
    marker.mark('group', 4, 11);
    marker.mark('direct', 2, 9); // older than the one on its way: covered by it
    expect(sent()).toEqual(['direct:2:10', 'group:4:11']);
    calls[0]!.settle();
    await flush();
    expect(sent()).toEqual(['direct:2:10', 'group:4:11', 'direct:2:14']);
    calls[2]!.settle();
    await flush();
    expect(calls).toHaveLength(3);
  });

  it('marks again for a message without an id that came while a whole-conversation mark was on its way', async () => {
    const { marker, calls, sent } = makeSut();
    marker.mark('direct', 2, ALL_MESSAGES);
    marker.mark('direct', 2, ALL_MESSAGES);
    calls[0]!.settle();
    await flush();
    expect(sent()).toEqual([`direct:2:${ALL_MESSAGES}`, `direct:2:${ALL_MESSAGES}`]);
  });

  it('goes on after a failure, and stops for good on a server without MARK_READ', async () => {
    const { marker, calls, sent } = makeSut();
    marker.mark('direct', 2, 10);
    marker.mark('direct', 2, 12);
    calls[0]!.settle(new ConnectionClosedError());
    await flush();
    expect(sent()).toEqual(['direct:2:10', 'direct:2:12']);
    marker.mark('group', 4, 13);
    calls[1]!.settle(new ChatError(400, 'Unknown command', 1026));
    calls[2]!.settle();
    await flush();
    marker.mark('direct', 2, 20);
    expect(sent()).toEqual(['direct:2:10', 'direct:2:12', 'group:4:13']);
  });
});
