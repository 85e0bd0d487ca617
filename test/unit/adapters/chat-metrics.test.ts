import { register } from 'prom-client';
import { ChatMetrics, type ChatMetricsOptions } from '../../../src/adapters/monitoring/chat-metrics';
import { CLOSE_REASONS, closeReasonLabel, commandLabel, pushLabel, statusLabel } from '../../../src/adapters/monitoring/metric-labels';
import { Command, ServerMessage } from '../../../src/adapters/protocol/message-types';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../../support/prometheus-text';

function makeSut(options: ChatMetricsOptions = {}) {
  const metrics = new ChatMetrics({ processMetrics: false, ...options });
  const scrape = async (): Promise<Map<string, MetricFamily>> => parsePrometheusText(await metrics.render());
  return { metrics, scrape };
}

/** Every label value of every sample in the exposition. */
function labelValues(families: Map<string, MetricFamily>): string[] {
  return [...families.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
}

describe('ChatMetrics', () => {
  it('exposes every metric from the start, in the Prometheus text format, with the series of fixed labels at 0', async () => {
    const { metrics, scrape } = makeSut();
    const families = await scrape();
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect([...families.keys()].sort()).toEqual([
      'chat_connections_closed_total',
      'chat_connections_open',
      'chat_failed_logins_total',
      'chat_messages_delivered_total',
      'chat_messages_stored_total',
      'chat_pushes_written_total',
      'chat_request_duration_seconds',
      'chat_requests_total',
      'chat_storage_batch_size',
      'chat_storage_commit_duration_seconds',
      'chat_users_online',
    ]);
    expect(families.get('chat_requests_total')!.type).toBe('counter');
    expect(families.get('chat_request_duration_seconds')!.type).toBe('histogram');
    expect(families.get('chat_users_online')!.type).toBe('gauge');
    expect(sampleValue(families, 'chat_connections_open', { transport: 'tcp' })).toBe(0);
    expect(sampleValue(families, 'chat_connections_open', { transport: 'websocket' })).toBe(0);
    expect(sampleValue(families, 'chat_messages_stored_total', { kind: 'direct' })).toBe(0);
    expect(sampleValue(families, 'chat_messages_delivered_total', { mode: 'later' })).toBe(0);
    expect(sampleValue(families, 'chat_failed_logins_total', { command: 'resume' })).toBe(0);
    expect(families.has('chat_cluster_redis_connected')).toBe(false);
  });

  it('counts connections open and closed by transport, and closes by a bounded reason', async () => {
    const { metrics, scrape } = makeSut();
    metrics.connectionOpened('tcp');
    metrics.connectionOpened('tcp');
    metrics.connectionOpened('websocket');
    metrics.connectionClosed('tcp', 'idle');
    metrics.connectionClosed('websocket', 'socket error ECONNRESET');
    const families = await scrape();
    expect(sampleValue(families, 'chat_connections_open', { transport: 'tcp' })).toBe(1);
    expect(sampleValue(families, 'chat_connections_open', { transport: 'websocket' })).toBe(0);
    expect(sampleValue(families, 'chat_connections_closed_total', { transport: 'tcp', reason: 'idle' })).toBe(1);
    expect(sampleValue(families, 'chat_connections_closed_total', { transport: 'websocket', reason: 'socket_error' })).toBe(1);
  });

  it('counts requests by command name and status, and times them by command', async () => {
    const { metrics, scrape } = makeSut();
    metrics.requestAnswered(Command.PING, 200, 0.0002);
    metrics.requestAnswered(Command.PING, 200, 0.003);
    metrics.requestAnswered(Command.SEND_MESSAGE, 429, 0.0001);
    metrics.requestAnswered(9999, 400, 0.0001);
    const families = await scrape();
    expect(sampleValue(families, 'chat_requests_total', { command: 'ping', status: '200' })).toBe(2);
    expect(sampleValue(families, 'chat_requests_total', { command: 'send_message', status: '429' })).toBe(1);
    expect(sampleValue(families, 'chat_requests_total', { command: 'unknown', status: '400' })).toBe(1);
    expect(sampleValue(families, 'chat_request_duration_seconds_count', { command: 'ping' })).toBe(2);
    expect(sampleValue(families, 'chat_request_duration_seconds_bucket', { command: 'ping', le: '0.0005' })).toBe(1);
    expect(sampleValue(families, 'chat_request_duration_seconds_bucket', { command: 'ping', le: '0.005' })).toBe(2);
    expect(sampleValue(families, 'chat_request_duration_seconds_sum', { command: 'ping' })).toBeCloseTo(0.0032, 6);
    // A rate-limited send stored nothing.
    expect(sampleValue(families, 'chat_messages_stored_total', { kind: 'direct' })).toBe(0);
  });

  it('counts messages stored from sends answered 200, and failed logins from LOGIN or RESUME answered 401', async () => {
    const { metrics, scrape } = makeSut();
    metrics.requestAnswered(Command.SEND_MESSAGE, 200, 0.001);
    metrics.requestAnswered(Command.SEND_MESSAGE, 200, 0.001);
    metrics.requestAnswered(Command.SEND_GROUP_MESSAGE, 200, 0.001);
    metrics.requestAnswered(Command.SEND_GROUP_MESSAGE, 403, 0.001);
    metrics.requestAnswered(Command.LOGIN, 401, 0.3);
    metrics.requestAnswered(Command.LOGIN, 429, 0.001);
    metrics.requestAnswered(Command.LOGIN, 200, 0.3);
    metrics.requestAnswered(Command.RESUME, 401, 0.001);
    const families = await scrape();
    expect(sampleValue(families, 'chat_messages_stored_total', { kind: 'direct' })).toBe(2);
    expect(sampleValue(families, 'chat_messages_stored_total', { kind: 'group' })).toBe(1);
    expect(sampleValue(families, 'chat_failed_logins_total', { command: 'login' })).toBe(1);
    expect(sampleValue(families, 'chat_failed_logins_total', { command: 'resume' })).toBe(1);
    expect(sampleValue(families, 'chat_requests_total', { command: 'login', status: '429' })).toBe(1);
  });

  it('counts pushes by type name and deliveries by mode', async () => {
    const { metrics, scrape } = makeSut();
    metrics.pushWritten(ServerMessage.MESSAGE_RECEIVED);
    metrics.pushWritten(ServerMessage.MESSAGE_RECEIVED);
    metrics.pushWritten(ServerMessage.USER_STATUS_UPDATE);
    metrics.pushWritten(2999);
    metrics.messagesDelivered('live', 1);
    metrics.messagesDelivered('later', 40);
    metrics.messagesDelivered('later', 0);
    const families = await scrape();
    expect(sampleValue(families, 'chat_pushes_written_total', { type: 'message_received' })).toBe(2);
    expect(sampleValue(families, 'chat_pushes_written_total', { type: 'user_status_update' })).toBe(1);
    expect(sampleValue(families, 'chat_pushes_written_total', { type: 'unknown' })).toBe(1);
    expect(sampleValue(families, 'chat_messages_delivered_total', { mode: 'live' })).toBe(1);
    expect(sampleValue(families, 'chat_messages_delivered_total', { mode: 'later' })).toBe(40);
  });

  it('records storage batches and commit latency', async () => {
    const { metrics, scrape } = makeSut();
    metrics.committed(1, 0.0004);
    metrics.committed(37, 0.002);
    const families = await scrape();
    expect(sampleValue(families, 'chat_storage_batch_size_count')).toBe(2);
    expect(sampleValue(families, 'chat_storage_batch_size_sum')).toBe(38);
    expect(sampleValue(families, 'chat_storage_batch_size_bucket', { le: '32' })).toBe(1);
    expect(sampleValue(families, 'chat_storage_batch_size_bucket', { le: '64' })).toBe(2);
    expect(sampleValue(families, 'chat_storage_commit_duration_seconds_bucket', { le: '0.0005' })).toBe(1);
    expect(sampleValue(families, 'chat_storage_commit_duration_seconds_count')).toBe(2);
  });

  it('reads users online at scrape time', async () => {
    let online = 3;
    const { scrape } = makeSut({ usersOnline: () => online });
    expect(sampleValue(await scrape(), 'chat_users_online')).toBe(3);
    online = 1;
    expect(sampleValue(await scrape(), 'chat_users_online')).toBe(1);
  });

  it('in cluster mode, exposes the Redis link state and the pushes routed each way', async () => {
    let connected = true;
    const { metrics, scrape } = makeSut({ redisConnected: () => connected });
    metrics.pushesRouted('sent', 2);
    metrics.pushesRouted('received', 1);
    let families = await scrape();
    expect(sampleValue(families, 'chat_cluster_redis_connected')).toBe(1);
    expect(sampleValue(families, 'chat_cluster_routed_pushes_total', { direction: 'sent' })).toBe(2);
    expect(sampleValue(families, 'chat_cluster_routed_pushes_total', { direction: 'received' })).toBe(1);
    connected = false;
    families = await scrape();
    expect(sampleValue(families, 'chat_cluster_redis_connected')).toBe(0);
  });

  it('never throws on values prom-client would refuse, and leaves them out', async () => {
    const { metrics, scrape } = makeSut();
    expect(() => {
      metrics.requestAnswered(Command.PING, 200, NaN);
      metrics.requestAnswered(Command.PING, 200, -1);
      metrics.requestAnswered(Command.PING, Number.NaN, 0.001);
      metrics.messagesDelivered('live', -3);
      metrics.messagesDelivered('later', Infinity);
      metrics.committed(NaN, Infinity);
      metrics.pushesRouted('sent', 1);
    }).not.toThrow();
    const families = await scrape();
    expect(sampleValue(families, 'chat_requests_total', { command: 'ping', status: '200' })).toBe(2);
    expect(sampleValue(families, 'chat_requests_total', { command: 'ping', status: 'other' })).toBe(1);
    // The negative duration counts as 0; NaN is left out.
    expect(sampleValue(families, 'chat_request_duration_seconds_count', { command: 'ping' })).toBe(2);
    expect(sampleValue(families, 'chat_messages_delivered_total', { mode: 'live' })).toBe(0);
    expect(sampleValue(families, 'chat_storage_batch_size_count')).toBe(0);
  });

  it('keeps every label to a fixed set, whatever numbers and reasons the connections report', async () => {
    const { metrics, scrape } = makeSut();
    for (let i = 0; i < 300; i++) {
      metrics.requestAnswered(5000 + i, 100 + i * 7, 0.001);
      metrics.pushWritten(3000 + i);
      metrics.connectionOpened('tcp');
      metrics.connectionClosed('tcp', `user alice${i} from 10.0.0.${i % 255} said bye`);
    }
    const families = await scrape();
    const values = new Set(labelValues(families));
    expect([...values].some((v) => /alice|10\.0\.0/.test(v))).toBe(false);
    const commands = new Set(families.get('chat_requests_total')!.samples.map((s) => s.labels['command']));
    expect(commands).toEqual(new Set(['unknown']));
    const statuses = families.get('chat_requests_total')!.samples.map((s) => s.labels['status']!);
    expect(statuses.every((s) => s === 'other' || /^[1-5]\d\d$/.test(s))).toBe(true);
    expect(sampleValue(families, 'chat_connections_closed_total', { transport: 'tcp', reason: 'other' })).toBe(300);
    expect(families.get('chat_pushes_written_total')!.samples).toHaveLength(1);
    // Every unknown command shares one latency series too.
    const durationCommands = new Set(families.get('chat_request_duration_seconds')!.samples.map((s) => s.labels['command']));
    expect(durationCommands).toEqual(new Set(['unknown']));
    expect(sampleValue(families, 'chat_request_duration_seconds_count', { command: 'unknown' })).toBe(300);
  });

  it('two instances in one process keep their own counts, and neither writes to the global registry', async () => {
    const a = makeSut();
    const b = makeSut();
    a.metrics.requestAnswered(Command.PING, 200, 0.001);
    expect(sampleValue(await a.scrape(), 'chat_requests_total', { command: 'ping', status: '200' })).toBe(1);
    expect(sampleValue(await b.scrape(), 'chat_requests_total', { command: 'ping', status: '200' })).toBeUndefined();
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });

  it("includes the process's metrics (event-loop lag, memory, CPU) unless told not to, shared by every instance", async () => {
    const first = new ChatMetrics();
    const second = new ChatMetrics();
    const families = parsePrometheusText(await first.render());
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
      expect(families.has(name)).toBe(true);
    }
    expect(families.has('chat_requests_total')).toBe(true);
    expect(parsePrometheusText(await second.render()).has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('metric labels', () => {
  it('names every command and push type of the protocol, and nothing else', () => {
    for (const [name, type] of Object.entries(Command)) expect(commandLabel(type)).toBe(name.toLowerCase());
    for (const [name, type] of Object.entries(ServerMessage)) expect(pushLabel(type)).toBe(name.toLowerCase());
    expect(commandLabel(2001)).toBe('unknown');
    expect(pushLabel(1003)).toBe('unknown');
    expect(commandLabel(-1)).toBe('unknown');
  });

  it('keeps status codes 100-599 and folds the rest into other', () => {
    expect(statusLabel(200)).toBe('200');
    expect(statusLabel(599)).toBe('599');
    expect(statusLabel(600)).toBe('other');
    expect(statusLabel(99)).toBe('other');
    expect(statusLabel(200.5)).toBe('other');
  });

  it.each([
    ['closed by client', 'client_closed'],
    ['idle', 'idle'],
    ['login timeout', 'login_timeout'],
    ['output limit', 'output_limit'],
    ['payload too large', 'payload_too_large'],
    ['banned', 'banned'],
    ['server shutdown', 'server_shutdown'],
    ['server shutdown deadline', 'shutdown_deadline'],
    ['internal error', 'internal_error'],
    ['socket error ECONNRESET', 'socket_error'],
    ['socket error EPIPE', 'socket_error'],
    ['malformed websocket message', 'malformed_message'],
    ['websocket error WS_ERR_INVALID_UTF8', 'socket_error'],
    ['something new', 'other'],
    ['', 'other'],
  ])('maps the close reason %j to %j', (reason, label) => {
    expect(closeReasonLabel(reason)).toBe(label);
    expect(CLOSE_REASONS).toContain(label);
  });
});

describe('the test parser of the Prometheus text format', () => {
  it('reads what it is given, and refuses what Prometheus would not take', () => {
    const good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1\\"2"} 3\n';
    expect(sampleValue(parsePrometheusText(good), 'a_total', { x: '1"2' })).toBe(3);
    expect(() => parsePrometheusText('a_total 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText(`${good}a_total{x="1\\"2"} 4\n`)).toThrow(/repeated series/);
    expect(() => parsePrometheusText('# TYPE a_total counter\na_total{x=1} 3\n')).toThrow(/bad label/);
    const histogram = (second: number) =>
      `# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} ${second}\nh_sum 1\nh_count ${second}\n`;
    expect(() => parsePrometheusText(histogram(3))).not.toThrow();
    expect(() => parsePrometheusText(histogram(1))).toThrow(/cumulative/);
  });
});
