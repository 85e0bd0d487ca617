/**
 * Instructions the server executes per direct message, counted by valgrind's callgrind:
 * a figure that, unlike messages per second on a shared machine, does not move with
 * what else runs. It compares builds: give it the roots of two checkouts, each built
 * (`npm run build`), and it runs each server in turn under callgrind, on a fresh SQLite
 * file, with the same load.
 *
 *   node dist/bench/send-path-instructions.js [--messages N] [--burst B] [--rounds R] ROOT...
 *
 * The load: two users; the sender writes B SEND_MESSAGEs in one write and waits for
 * their replies, B at a time, so every group commit holds B messages whatever the
 * speed; the receiver reads every push. A warm-up of 3,000 messages (JIT, statement
 * caches) comes first, then the counters are zeroed, N messages are sent and all
 * their pushes awaited, and the counters dumped. Node runs with --single-threaded
 * (no background compilation or GC threads, which callgrind would count as they
 * happen to run). Needs valgrind (Debian package `valgrind`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FrameDecoder } from '../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../src/adapters/protocol/frame-encoder';
import { Command, ServerMessage } from '../src/adapters/protocol/message-types';

const WARM_UP = 3000;

interface Options {
  readonly messages: number;
  readonly burst: number;
  readonly rounds: number;
  readonly roots: readonly string[];
}

function parseOptions(argv: readonly string[]): Options {
  let messages = 6400;
  let burst = 32;
  let rounds = 3;
  const roots: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${arg} needs a positive integer`);
      return n;
    };
    if (arg === '--messages') messages = value();
    else if (arg === '--burst') burst = value();
    else if (arg === '--rounds') rounds = value();
    else roots.push(resolve(arg));
  }
  if (roots.length === 0) throw new Error('name at least one built checkout');
  return { messages, burst, rounds, roots };
}

/** Just enough protocol: replies in order, 2001 pushes (MESSAGE_RECEIVED) counted. */
class Peer {
  private readonly decoder = new FrameDecoder({ maxPayload: 1 << 20 });
  private readonly replies: ((text: string) => void)[] = [];
  pushes = 0;
  private pushWaiter: { count: number; resolve: () => void } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind !== 'frame') throw new Error('oversize frame from the server');
        if (item.type === ServerMessage.MESSAGE_RECEIVED) {
          this.pushes++;
          if (this.pushWaiter && this.pushes >= this.pushWaiter.count) this.pushWaiter.resolve();
        } else if (item.type === ServerMessage.RESPONSE) {
          this.replies.shift()?.(item.payload.toString('utf8'));
        }
      }
    });
  }

  static open(port: number): Promise<Peer> {
    return new Promise((done, fail) => {
      const socket = connect(port, '127.0.0.1', () => done(new Peer(socket)));
      socket.once('error', fail);
    });
  }

  /** Writes the frames in one write and resolves with their replies. */
  calls(frames: readonly Buffer[]): Promise<string[]> {
    const answers = frames.map(() => new Promise<string>((done) => this.replies.push(done)));
    this.socket.write(Buffer.concat(frames));
    return Promise.all(answers);
  }

  async call(type: number, payload: string): Promise<string> {
    const [reply] = await this.calls([encodeFrame(type, payload)]);
    if (!reply!.startsWith('200')) throw new Error(`${type} answered ${reply}`);
    return reply!;
  }

  pushesReach(count: number): Promise<void> {
    if (this.pushes >= count) return Promise.resolve();
    return new Promise((done) => (this.pushWaiter = { count, resolve: done }));
  }

  close(): void {
    this.socket.destroy();
  }
}

async function sendBursts(sender: Peer, receiverId: string, count: number, burst: number): Promise<void> {
  for (let sent = 0; sent < count; sent += burst) {
    const frames: Buffer[] = [];
    for (let i = 0; i < Math.min(burst, count - sent); i++) {
      frames.push(encodeFrame(Command.SEND_MESSAGE, `${receiverId}|message ${sent + i} with some text in it`));
    }
    for (const reply of await sender.calls(frames)) if (!reply.startsWith('200')) throw new Error(`send answered ${reply}`);
  }
}

/** One server of `root` under callgrind: instructions per message. */
async function measure(root: string, o: Options): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'chat-instructions-'));
  const out = join(work, 'callgrind.out');
  const server = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, 'node', '--single-threaded', join(root, 'dist/src/bootstrap/main.js')],
    {
      env: {
        ...process.env,
        CHAT_DB: join(work, 'chat.sqlite'),
        CHAT_HOST: '127.0.0.1',
        CHAT_PORT: '0',
        CHAT_HTTP_PORT: 'off',
        CHAT_SCRYPT_N: '1024',
        CHAT_SCRYPT_P: '1',
        CHAT_LOG_LEVEL: 'info',
        CHAT_IDLE_TIMEOUT_S: '86400',
        CHAT_LOGIN_TIMEOUT_S: '86400',
        CHAT_BAN_CHECK_MS: '4000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await new Promise<number>((done, fail) => {
      let text = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const found = /"port":(\d+)/.exec(text);
        if (found) done(Number(found[1]));
      });
      server.once('exit', (code) => fail(new Error(`the server exited (${code}) before listening`)));
    });
    const sender = await Peer.open(port);
    const receiver = await Peer.open(port);
    await sender.call(Command.REGISTER, 'sender|password123');
    await receiver.call(Command.REGISTER, 'receiver|password123');
    await sender.call(Command.LOGIN, 'sender|password123');
    const receiverId = (await receiver.call(Command.LOGIN, 'receiver|password123')).split('|')[1]!;
    await sendBursts(sender, receiverId, WARM_UP, o.burst);
    await receiver.pushesReach(WARM_UP);
    execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' });
    await sendBursts(sender, receiverId, o.messages, o.burst);
    await receiver.pushesReach(WARM_UP + o.messages);
    execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
    sender.close();
    receiver.close();
    const dump = readFileSync(`${out}.1`, 'utf8');
    const summary = /^summary: (\d+)/m.exec(dump);
    if (!summary) throw new Error('no summary line in the callgrind dump');
    return Number(summary[1]) / o.messages;
  } finally {
    server.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const results = new Map<string, number[]>(o.roots.map((root) => [root, []]));
  // Rounds alternate between the builds, so a drift of the machine touches each alike.
  for (let round = 1; round <= o.rounds; round++) {
    for (const root of o.roots) {
      const perMessage = await measure(root, o);
      results.get(root)!.push(perMessage);
      console.log(`round ${round} ${root}: ${Math.round(perMessage).toLocaleString('en-US')} instructions per message`);
    }
  }
  const first = median(results.get(o.roots[0]!)!);
  for (const root of o.roots) {
    const value = median(results.get(root)!);
    console.log(
      `${root}: median ${Math.round(value).toLocaleString('en-US')} instructions per message (${(value / first).toFixed(3)}× the first)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
