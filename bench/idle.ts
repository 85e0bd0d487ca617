/**
 * The idle workload: N logged-in connections held open over 127.0.0.x (127.0.2.x for
 * idle-ws over WebSocket), measured from a fresh server process: RSS per connection,
 * logins/s.
 */
import type { RunContext } from './context';
import { fixed, int, mib, secs, sleep, sleepUntil } from './format';
import { nowUs } from './histogram';
import type { PhaseTiming, Transport } from './ipc';
import type { Options } from './options';
import * as proc from './proc';
import { row, say, warn } from './report';
import { disturbed, progress, settle, snap, usage, type Usage } from './sampling';
import { idleComparisonRows } from './websocket-workloads';
import { checkCounters, closeAll, collectAll, prefix, slices, workers } from './workers';

export interface IdleResult {
  readonly connections: number;
  readonly requested: number;
  readonly sourceAddresses: string[];
  readonly registrationsPerSecond: number;
  /** Null when the users were registered before (idle-ws logs idle's users in). */
  readonly registerUsage: Usage | null;
  readonly connectSeconds: number;
  readonly loginsPerSecond: number;
  readonly loginSeconds: number;
  readonly loginUsage: Usage;
  readonly logins: number;
  readonly rssBeforeKiB: number;
  readonly rssConnectedKiB: number;
  readonly rssLoggedInKiB: number;
  readonly rssPerConnectionKiB: number;
  readonly rssPerConnectionBeforeLoginKiB: number;
  readonly loginFailures: number;
  readonly firstError: string | null;
}

/**
 * `restart` stops the server and starts a fresh process on the same database; it
 * answers the new pid. The idle workload measures RSS from a fresh process so the heap
 * left over by earlier workloads does not absorb the connections' memory.
 */
async function idleWorkload(
  pid: number,
  o: Options,
  n: number,
  restart: () => Promise<number>,
  transport: Transport = 'tcp',
  /** The users of an idle workload of this round exist: log them in rather than register more. */
  reuseIdleUsers = false,
): Promise<IdleResult> {
  const websocket = transport === 'websocket';
  const label = websocket ? 'idle-ws' : 'idle';
  const names = Array.from({ length: n }, (_, i) => `${prefix}${reuseIdleUsers || !websocket ? 'i' : 'j'}${i}`);
  // idle-ws on 127.0.2.x: apart from idle's 127.0.0.x and whatever that left in TIME_WAIT.
  const addresses = names.map((_, i) => `127.0.${websocket ? 2 : 0}.${2 + Math.floor(i / o.perAddress)}`);
  const sourceAddresses = [...new Set(addresses)];
  const nameParts = slices(names, workers.length);
  const addressParts = slices(addresses, workers.length);

  let registerUsage: Usage | null = null;
  let stop: () => void;
  if (reuseIdleUsers) {
    say(`[${label}] the ${int(n)} users of idle log in again`);
  } else {
    say(`[${label}] registering ${int(n)} users`);
    const before = snap(pid);
    stop = progress(`${label} register`, pid, (c, d, s) => `registered ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)`);
    await Promise.all(workers.map((w, i) => w.call({ op: 'register', names: nameParts[i]!, concurrency: 64 })));
    stop();
    registerUsage = usage(before, snap(pid));
    await collectAll();
    await settle(pid, o.settleTimeoutS);
  }
  const registrationsPerSecond = registerUsage === null ? NaN : n / registerUsage.seconds;
  say(`[${label}] restarting the server, so its RSS is measured from a fresh process`);
  pid = await restart();
  await settle(pid, o.settleTimeoutS);
  await sleep(1000);

  const rssBeforeKiB = proc.statusKiB(pid);
  say(`[${label}] opening ${int(n)} connections from ${sourceAddresses.join(', ')} (server RSS before: ${mib(rssBeforeKiB)})`);
  let t = nowUs();
  stop = progress(`${label} connect`, pid, (c, d, s) => `connected ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)`);
  await Promise.all(
    workers.map((w, i) => w.call({ op: 'idle.connect', names: nameParts[i]!, localAddresses: addressParts[i]!, concurrency: 256, transport })),
  );
  stop();
  const connectSeconds = (nowUs() - t) / 1e6;
  await settle(pid, o.settleTimeoutS);
  const rssConnectedKiB = proc.statusKiB(pid);
  await collectAll();

  say(`[${label}] logging ${int(n)} connections in, ${o.loginConcurrency} at a time per worker`);
  const startUs = nowUs() + 300_000;
  const logins = Promise.all(workers.map((w) => w.call<PhaseTiming>({ op: 'idle.login', concurrency: o.loginConcurrency, startUs })));
  await sleepUntil(startUs);
  const a = snap(pid);
  stop = progress(`${label} login`, pid, (c, d, s) => `logged in ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)`);
  const timings = await logins;
  const b = snap(pid);
  stop();
  const loginUsage = usage(a, b);
  disturbed(`${label} login`, loginUsage);
  const loggedIn = timings.reduce((sum, x) => sum + x.count, 0);
  const loginSeconds = (Math.max(...timings.map((x) => x.endUs)) - startUs) / 1e6;
  const k = (await collectAll()).counters;
  checkCounters(label, k);
  await settle(pid, o.settleTimeoutS);
  await sleep(1000);
  const rssLoggedInKiB = proc.statusKiB(pid);
  t = nowUs();
  say(`[${label}] holding ${int(loggedIn)} logged-in connections: server RSS ${mib(rssLoggedInKiB)}; closing them`);
  await closeAll();
  await settle(pid, o.settleTimeoutS);
  say(`[${label}] closed; the server went quiet after ${secs(nowUs() - t)}`);
  return {
    connections: loggedIn,
    requested: o.connections,
    sourceAddresses,
    registrationsPerSecond,
    registerUsage,
    connectSeconds,
    loginsPerSecond: loggedIn / loginSeconds,
    loginSeconds,
    loginUsage,
    logins: loggedIn,
    rssBeforeKiB,
    rssConnectedKiB,
    rssLoggedInKiB,
    rssPerConnectionKiB: (rssLoggedInKiB - rssBeforeKiB) / loggedIn,
    rssPerConnectionBeforeLoginKiB: (rssConnectedKiB - rssBeforeKiB) / n,
    loginFailures: k.failed,
    firstError: k.firstError,
  };
}

/** The idle workload, over TCP. */
export async function runIdle(ctx: RunContext): Promise<void> {
  const { o, results, restartServer, idleN } = ctx;
  if (idleN < 1) {
    warn('idle: skipped, no connection fits the open-file limits');
    return;
  }
  const r = await idleWorkload(ctx.server.pid, o, idleN, restartServer);
  ctx.idle = r;
  results.idle = r;
  row('idle', 'logged-in connections held', int(r.connections), null);
  row('idle', 'RSS per connection (KiB)', fixed(r.rssPerConnectionKiB, 1), { ...r.loginUsage, rssKiB: r.rssLoggedInKiB });
  row('idle', 'RSS before -> connected -> logged in', `${mib(r.rssBeforeKiB)} -> ${mib(r.rssConnectedKiB)} -> ${mib(r.rssLoggedInKiB)}`, null);
  row('idle', 'logins/s', int(r.loginsPerSecond), r.loginUsage);
  row('idle', 'registrations/s', int(r.registrationsPerSecond), r.registerUsage);
}

/** The idle workload over WebSocket, beside idle's figures of this round. */
export async function runIdleWs(ctx: RunContext): Promise<void> {
  const { o, results, restartServer, idleN, idle } = ctx;
  if (idleN < 1) {
    warn('idle-ws: skipped, no connection fits the open-file limits');
    return;
  }
  const r = await idleWorkload(ctx.server.pid, o, idleN, restartServer, 'websocket', idle !== null);
  results['idle-ws'] = { ...r, rssPerConnectionRatioToIdle: idle === null ? null : r.rssPerConnectionKiB / idle.rssPerConnectionKiB };
  for (const [figure, value] of idleComparisonRows(idle, r)) row('idle-ws', figure, value, null);
  row('idle-ws', 'RSS before -> connected -> logged in', `${mib(r.rssBeforeKiB)} -> ${mib(r.rssConnectedKiB)} -> ${mib(r.rssLoggedInKiB)}`, null);
  row('idle-ws', 'logins/s', int(r.loginsPerSecond), r.loginUsage);
}
