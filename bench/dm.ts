/**
 * The dm workload: K sender/receiver pairs, each sender keeping W messages in flight for
 * D s. dm-ws, dm-acks, dm-blocks, dm@half, dm-mysql, baseline and cluster are this
 * workload with another transport, receivers, pace or process under test.
 */
import { int } from './format';
import type { Transport } from './ipc';
import type { Options } from './options';
import { say } from './report';
import { progress } from './sampling';
import { stream, type StreamResult } from './stream';
import { closeAll, prefix, workers } from './workers';

/**
 * With `acks`, the receivers run in ack mode (PROTOCOL §8): ENABLE_ACKS, 2013 frames, batched ACKs.
 * With `blocks` > 0, every receiver blocks that many users and takes messages from friends only,
 * and its sender is a friend (PROTOCOL §10).
 */
export async function dmWorkload(
  label: string,
  pid: number,
  o: Options,
  tag = label.slice(0, 1),
  acks = false,
  blocks = 0,
  transport: Transport = 'tcp',
): Promise<StreamResult> {
  const pairs: [string, string][] = Array.from({ length: o.pairs }, (_, i) => [`${prefix}${tag}${i}s`, `${prefix}${tag}${i}r`]);
  let blocked: number[] | undefined;
  if (blocks > 0) {
    say(`[${label}] registering the ${blocks} users every receiver blocks`);
    const names = Array.from({ length: blocks }, (_, i) => `${prefix}${tag}x${i}`);
    blocked = await workers[0]!.call<number[]>({ op: 'register', names, concurrency: 64 });
  }
  const extra =
    (acks ? ' + ENABLE_ACKS' : blocks > 0 ? ` + friends + privacy friends + ${blocks} blocks each` : '') +
    (transport === 'websocket' ? ', every connection a WebSocket' : '');
  say(`[${label}] setting up ${o.pairs} sender/receiver pairs (register + login${extra})`);
  const stop = progress(`${label} setup`, pid, (c) => `pairs ready ${int(c.done)}/${int(o.pairs)}`);
  await Promise.all(
    workers.map((w, i) =>
      w.call({
        op: 'dm.setup',
        pairs: pairs.filter((_, p) => p % workers.length === i),
        acks,
        ackBatch: o.ackBatch,
        ackDelayMs: o.ackDelayMs,
        blocked,
        transport,
      }),
    ),
  );
  stop();
  say(
    `[${label}] ${o.pairs} pairs x window ${o.window} for ${o.durationS} s, ${o.size}-byte messages` +
      (acks ? `; receivers acknowledge every ${o.ackBatch} messages or ${o.ackDelayMs} ms` : ''),
  );
  const result = await stream(label, pid, o, 1, acks);
  await closeAll();
  return result;
}
