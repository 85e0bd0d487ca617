/**
 * The fanout workload: one group of M online members, S senders keeping W messages in
 * flight for D s; deliveries/s and delivery latency.
 */
import { int } from './format';
import { nowUs } from './histogram';
import type { Options } from './options';
import { say } from './report';
import { progress, settle } from './sampling';
import { stream, type StreamResult } from './stream';
import { closeAll, collectAll, prefix, slices, workers } from './workers';

export interface FanoutResult extends StreamResult {
  readonly members: number;
  readonly senders: number;
  readonly setup: { registerS: number; groupS: number; loginS: number };
}

export async function fanoutWorkload(pid: number, o: Options): Promise<FanoutResult> {
  const names = Array.from({ length: o.members }, (_, i) => `${prefix}f${i}`);
  const parts = slices(names, workers.length);
  say(`[fanout] registering ${int(o.members)} members`);
  let t = nowUs();
  let stop = progress('fanout setup', pid, (c, d, s) => `registered ${int(c.done)}/${int(o.members)} (${int(d.done / s)}/s)`);
  const ids = (await Promise.all(workers.map((w, i) => w.call<number[]>({ op: 'register', names: parts[i]!, concurrency: 64 })))).flat();
  stop();
  const registerS = (nowUs() - t) / 1e6;
  await collectAll();
  say(`[fanout] creating the group and adding ${int(o.members - 1)} members (before they log in)`);
  t = nowUs();
  stop = progress('fanout setup', pid, (c) => `added ${int(c.done)}/${int(o.members - 1)}`);
  const groupId = await workers[0]!.call<number>({ op: 'fanout.group', admin: names[0]!, memberIds: ids.slice(1) });
  stop();
  const groupS = (nowUs() - t) / 1e6;
  await collectAll();
  const step = Math.floor(o.members / o.senders);
  const senders = Array.from({ length: o.senders }, (_, i) => names[i * step]!);
  say(`[fanout] logging ${int(o.members)} members in; senders: ${senders.length}`);
  t = nowUs();
  stop = progress('fanout setup', pid, (c, d, s) => `logged in ${int(c.done)}/${int(o.members)} (${int(d.done / s)}/s)`);
  await Promise.all(
    workers.map((w, i) => w.call({ op: 'fanout.login', names: parts[i]!, senders, groupId, concurrency: 32 })),
  );
  stop();
  const loginS = (nowUs() - t) / 1e6;
  await settle(pid, o.settleTimeoutS);
  say(`[fanout] ${o.senders} senders x window ${o.window} to a group of ${int(o.members)} for ${o.durationS} s`);
  const result = await stream('fanout', pid, o, o.members - 1);
  await closeAll();
  return { ...result, members: o.members, senders: o.senders, setup: { registerS, groupS, loginS } };
}
