/**
 * The resume workload: R users log in, are dropped and all RESUME at once; then the
 * login storm at the production password-hash cost, with PING and RESUME probes.
 */
import type { RunContext } from './context';
import { fixed, int, latencyText, ms, sleep, sleepUntil } from './format';
import { Histogram, type LatencySummary, nowUs } from './histogram';
import type { PhaseTiming, ProbeResult, WorkerRequest } from './ipc';
import type { Options } from './options';
import * as proc from './proc';
import { row, say, warn } from './report';
import { disturbed, progress, settle, snap, usage, type Usage } from './sampling';
import { checkCounters, closeAll, collectAll, prefix, slices, workers } from './workers';
import { DEFAULT_SCRYPT_COST } from '../src/adapters/crypto/scrypt-password-hasher';

export interface ResumeResult {
  readonly users: number;
  readonly requested: number;
  readonly sourceAddresses: string[];
  /** Connect + RESUME in flight per worker; 0: all at once. */
  readonly concurrency: number;
  readonly registrationsPerSecond: number;
  readonly loginsPerSecond: number;
  readonly resumed: number;
  readonly failures: number;
  readonly resumesPerSecond: number;
  /** From the common start until the last RESUME was answered. */
  readonly lastServedSeconds: number;
  /** Connect started → RESUME answered. */
  readonly latency: LatencySummary;
  /** RESUME written → answered. */
  readonly replyLatency: LatencySummary;
  readonly usage: Usage;
  readonly cpuUsPerResume: number;
  readonly rssResumedKiB: number;
  readonly firstError: string | null;
  readonly loginStorm: LoginStormResult | null;
}

export interface LoginStormResult {
  readonly scrypt: { N: number; r: number; p: number };
  readonly logins: number;
  readonly users: number;
  readonly served: number;
  readonly failures: number;
  readonly seconds: number;
  readonly loginsPerSecond: number;
  readonly loginLatency: LatencySummary;
  readonly pingIntervalMs: number;
  /** PING round trips on a quiet server, just before the storm. */
  readonly pingQuiet: LatencySummary;
  readonly ping: LatencySummary;
  /** A fresh connection's connect + RESUME, every 100 ms during the storm. */
  readonly resume: LatencySummary;
  readonly probeFailures: number;
  readonly usage: Usage;
  readonly firstError: string | null;
}

/**
 * R users log in once with a password, take a session token and keep their connection;
 * all are dropped at once (TCP reset), and all reconnect at once and RESUME. Then the
 * login storm on a server restarted with the production scrypt cost (its users must be
 * hashed at that cost), and a restart back to the run's cost for the workloads after.
 */
async function resumeWorkload(
  pid: number,
  o: Options,
  n: number,
  restart: (env?: Record<string, string>) => Promise<number>,
): Promise<ResumeResult> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}u${i}`);
  // 127.0.1.x: apart from the idle workload's 127.0.0.x and whatever it left in TIME_WAIT.
  const addresses = names.map((_, i) => `127.0.1.${2 + Math.floor(i / o.perAddress)}`);
  const sourceAddresses = [...new Set(addresses)];
  const nameParts = slices(names, workers.length);
  const addressParts = slices(addresses, workers.length);

  say(`[resume] registering ${int(n)} users`);
  let a = snap(pid);
  let stop = progress('resume register', pid, (c, d, s) => `registered ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)`);
  await Promise.all(workers.map((w, i) => w.call({ op: 'register', names: nameParts[i]!, concurrency: 64 })));
  stop();
  const registrationsPerSecond = n / usage(a, snap(pid)).seconds;
  checkCounters('resume register', (await collectAll()).counters);

  say(`[resume] logging ${int(n)} users in from ${sourceAddresses.join(', ')} (LOGIN + SESSION_TOKEN), ${o.loginConcurrency} at a time per worker`);
  a = snap(pid);
  stop = progress('resume login', pid, (c, d, s) => `logged in ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)`);
  await Promise.all(
    workers.map((w, i) =>
      w.call({ op: 'resume.prepare', names: nameParts[i]!, localAddresses: addressParts[i]!, concurrency: o.loginConcurrency }),
    ),
  );
  stop();
  const loginsPerSecond = n / usage(a, snap(pid)).seconds;
  checkCounters('resume login', (await collectAll()).counters);
  await settle(pid, o.settleTimeoutS);

  say(`[resume] dropping all ${int(n)} connections at once (TCP reset)`);
  await Promise.all(workers.map((w) => w.call({ op: 'resume.drop' })));
  await settle(pid, o.settleTimeoutS);
  await collectAll();

  const how = o.resumeConcurrency === 0 ? 'all at once' : `${o.resumeConcurrency} in flight per worker`;
  say(`[resume] ${int(n)} users reconnect and RESUME, ${how}`);
  const startUs = nowUs() + 500_000;
  const storm = Promise.all(workers.map((w) => w.call<PhaseTiming>({ op: 'resume.storm', startUs, concurrency: o.resumeConcurrency })));
  await sleepUntil(startUs);
  a = snap(pid);
  stop = progress('resume storm', pid, (c, d, s) => `resumed ${int(c.done)}/${int(n)} (${int(d.done / s)}/s)  failed ${int(c.failed)}`);
  const timings = await storm;
  const b = snap(pid);
  stop();
  const stormUsage = usage(a, b);
  disturbed('resume storm', stormUsage);
  const collected = await collectAll();
  const k = collected.counters;
  checkCounters('resume storm', k);
  const resumed = timings.reduce((sum, x) => sum + x.count, 0);
  const lastServedSeconds = (Math.max(...timings.map((x) => x.endUs)) - startUs) / 1e6;
  const rssResumedKiB = proc.statusKiB(pid);
  say(`[resume] ${int(resumed)} resumed in ${lastServedSeconds.toFixed(2)} s, ${int(k.failed)} failed; closing them`);
  await closeAll();
  await settle(pid, o.settleTimeoutS);

  const loginStorm = o.stormLogins > 0 ? await loginStormPhase(o, restart) : null;
  return {
    users: n,
    requested: o.resumeUsers,
    sourceAddresses,
    concurrency: o.resumeConcurrency,
    registrationsPerSecond,
    loginsPerSecond,
    resumed,
    failures: n - resumed,
    resumesPerSecond: resumed / lastServedSeconds,
    lastServedSeconds,
    latency: collected.latency.summary(),
    replyLatency: collected.ack.summary(),
    usage: stormUsage,
    cpuUsPerResume: (stormUsage.cpuSeconds * 1e6) / resumed,
    rssResumedKiB,
    firstError: k.firstError,
    loginStorm,
  };
}

/** Users the login storm's LOGINs are spread over (each hashed once at registration). */
const STORM_USERS = 8;
const STORM_RESUME_MS = 100;

async function loginStormPhase(o: Options, restart: (env?: Record<string, string>) => Promise<number>): Promise<LoginStormResult> {
  const cost = DEFAULT_SCRYPT_COST;
  say(`[login storm] restarting the server with the production password-hash cost (scrypt N=${cost.N} r=${cost.r} p=${cost.p})`);
  let pid = await restart({ CHAT_SCRYPT_N: String(cost.N), CHAT_SCRYPT_R: String(cost.r), CHAT_SCRYPT_P: String(cost.p) });
  await settle(pid, o.settleTimeoutS);
  const names = Array.from({ length: Math.min(STORM_USERS, o.stormLogins) }, (_, i) => `${prefix}L${i}`);
  say(`[login storm] registering ${names.length} users at that cost, opening ${int(o.stormLogins)} connections`);
  await workers[0]!.call({ op: 'register', names, concurrency: names.length });
  const token = await workers[0]!.call<string>({ op: 'token', name: names[0]! });
  const counts = slices(Array.from({ length: o.stormLogins }), workers.length).map((part) => part.length);
  await Promise.all(workers.map((w, i) => w.call({ op: 'storm.open', count: counts[i]! })));
  await collectAll();
  await settle(pid, o.settleTimeoutS);

  // The probe runs on the last worker; with one worker it shares it with the storm's LOGINs, which cost it little.
  const prober = workers[workers.length - 1]!;
  const probeStart: WorkerRequest = { op: 'probe.start', pingMs: o.pingIntervalMs, resumeMs: STORM_RESUME_MS, name: names[0]!, token };
  await prober.call(probeStart);
  await sleep(2000);
  const quiet = await prober.call<ProbeResult>({ op: 'probe.stop' });

  say(`[login storm] ${int(o.stormLogins)} LOGINs at once; PING every ${o.pingIntervalMs} ms and a RESUME every ${STORM_RESUME_MS} ms meanwhile`);
  await prober.call(probeStart);
  const startUs = nowUs() + 300_000;
  const logins = Promise.all(workers.map((w) => w.call<PhaseTiming>({ op: 'storm.login', names, startUs })));
  await sleepUntil(startUs);
  const a = snap(pid);
  const stop = progress('login storm', pid, (c) => `logged in ${int(c.done)}/${int(o.stormLogins)}  failed ${int(c.failed)}`);
  const timings = await logins;
  const b = snap(pid);
  stop();
  const during = await prober.call<ProbeResult>({ op: 'probe.stop' });
  const stormUsage = usage(a, b);
  disturbed('login storm', stormUsage);
  const collected = await collectAll();
  checkCounters('login storm', collected.counters);
  if (quiet.failed + during.failed > 0) warn(`login storm: ${quiet.failed + during.failed} probe requests failed (first: ${quiet.firstError ?? during.firstError})`);
  const served = timings.reduce((sum, x) => sum + x.count, 0);
  const seconds = (Math.max(...timings.map((x) => x.endUs)) - startUs) / 1e6;
  await closeAll();
  say('[login storm] restarting the server with the run\'s password-hash cost');
  pid = await restart();
  await settle(pid, o.settleTimeoutS);
  const summary = (data: ProbeResult['ping']): LatencySummary => Histogram.from([data]).summary();
  return {
    scrypt: { N: cost.N, r: cost.r, p: cost.p },
    logins: o.stormLogins,
    users: names.length,
    served,
    failures: o.stormLogins - served,
    seconds,
    loginsPerSecond: served / seconds,
    loginLatency: collected.latency.summary(),
    pingIntervalMs: o.pingIntervalMs,
    pingQuiet: summary(quiet.ping),
    ping: summary(during.ping),
    resume: summary(during.resume),
    probeFailures: quiet.failed + during.failed,
    usage: stormUsage,
    firstError: collected.counters.firstError ?? during.firstError,
  };
}

/** The resume workload and its login storm. */
export async function runResume(ctx: RunContext): Promise<void> {
  const { o, results, restartServer, resumeN } = ctx;
  if (resumeN < 1) {
    warn('resume: skipped, no connection fits the open-file limits');
    return;
  }
  const r = await resumeWorkload(ctx.server.pid, o, resumeN, restartServer);
  results.resume = r;
  const fast = r.resumesPerSecond >= 2000;
  const soon = r.lastServedSeconds <= 10 && r.failures === 0;
  row('resume', 'users resumed at once / failures', `${int(r.resumed)} / ${int(r.failures)}`, r.usage);
  row('resume', 'resumes/s (target ≥ 2,000)', `${int(r.resumesPerSecond)} ${fast ? 'met' : 'NOT met'}`, r.usage);
  row('resume', `time until the last is served (s, target ≤ 10)`, `${fixed(r.lastServedSeconds, 2)} ${soon ? 'met' : 'NOT met'}`, r.usage);
  row('resume', 'connect+RESUME p50/p95/p99/max (ms)', latencyText(r.latency), r.usage);
  row('resume', 'RESUME reply p50/p95/p99/max (ms)', latencyText(r.replyLatency), r.usage);
  row('resume', 'CPU per resume (µs)', fixed(r.cpuUsPerResume, 1), r.usage);
  row('resume', 'password logins/s before (LOGIN + 1021)', int(r.loginsPerSecond), null);
  const s = r.loginStorm;
  if (s !== null) {
    const label = 'login storm';
    const cost = `scrypt N=${s.scrypt.N} r=${s.scrypt.r} p=${s.scrypt.p}`;
    row(label, `LOGINs at once (${cost}) / failures`, `${int(s.logins)} / ${int(s.failures)}`, s.usage);
    row(label, 'logins/s at that cost', fixed(s.loginsPerSecond, 1), s.usage);
    row(label, 'LOGIN p50/p95/p99/max (ms)', latencyText(s.loginLatency), s.usage);
    row(label, `PING p50/p95/p99/max, quiet (ms)`, latencyText(s.pingQuiet), null);
    row(label, `PING every ${s.pingIntervalMs} ms p50/p95/p99/max (ms)`, latencyText(s.ping), s.usage);
    row(label, 'PING p99 (target < 50 ms)', `${ms(s.ping.p99Us)} ${s.ping.p99Us < 50_000 ? 'met' : 'NOT met'}`, s.usage);
    row(label, `connect+RESUME every ${STORM_RESUME_MS} ms p50/p99/max (ms)`, `${ms(s.resume.p50Us)} / ${ms(s.resume.p99Us)} / ${ms(s.resume.maxUs)}`, s.usage);
  }
}
