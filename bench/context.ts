/**
 * The run as a workload sees it: the options, this round's results, the chat server of
 * the run (a restart replaces it), how to start other server processes, and what one
 * workload leaves for another (dm for dm-ws, dm-acks, dm-blocks and the relay's ratios;
 * idle for idle-ws).
 */
import type { Served } from './children';
import type { IdleResult } from './idle';
import type { Target } from './ipc';
import type { Options } from './options';
import type { StreamResult } from './stream';
import type { DmComparison } from './websocket-workloads';

export interface RunContext {
  readonly o: Options;
  /** This round's results by workload, for the result file. */
  results: Record<string, unknown>;
  /** The chat server process of the run: another one after each restart. */
  readonly server: Served;
  readonly serverTarget: Target;
  /** A fresh server process on the same database; `env` overrides the run's settings for it. Answers its pid. */
  readonly restartServer: (env?: Record<string, string>) => Promise<number>;
  /** The server in cluster mode with N workers; its CPU and RSS count the workers too. */
  readonly launchCluster: (count: number, env: Record<string, string>) => Promise<Served>;
  /** The run's temporary database folder. */
  readonly dbFolder: string;
  /** The environment of the bench, without CHAT_* settings. */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly cores: number;
  /** Connections of the idle workloads and users of resume that fit the open-file limits. */
  readonly idleN: number;
  readonly resumeN: number;
  /** The latest dm result, for the workloads reported against it. */
  dm: StreamResult | null;
  /** This round's idle result, for idle-ws. */
  idle: IdleResult | null;
  baseline: StreamResult | null;
  relayInfo: { pid: number; port: number } | null;
  /** dm-ws against dm, one a round. */
  readonly wsComparisons: DmComparison[];
}
