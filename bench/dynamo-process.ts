/**
 * A fresh, empty DynamoDB (dynalite, in memory) in a process of its own for each drain, as
 * DynamoDB is a service of its own on AWS. Hosted in the bench's parent, dynalite kept the
 * memory of every table the bench had dropped (5 GB of RSS after the 1M A and B drains), and
 * each later drain at a size wrote more slowly than the one before it (58.7, 64.5, 69.3 ms a
 * page at 1M for B, pagewalk and the ASSUMED-latency variant, run in that order).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DynamoServerMessage } from './dynamo-server';

const SERVER_PATH = fileURLToPath(new URL('./dynamo-server.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;
/** How long a closed process may take to exit before it is killed (a 1M-item store frees quickly). */
const CLOSE_TIMEOUT_MS = 10_000;

export interface DynamoProcess {
  readonly url: string;
  readonly pid: number;
  /** The process's resident set, as it reports it. */
  rssBytes(): Promise<number>;
  /** Ends the process and waits for it: its tables and their memory go with it. */
  close(): Promise<void>;
}

export interface DynamoProcessOptions {
  /** Extra node flags (the bench passes --cpu-prof with BENCH_CPU_PROF). */
  readonly execArgv?: readonly string[];
}

/** Starts `dynamo-server.ts` and resolves with its endpoint once it listens. */
export function startDynamoProcess(options: DynamoProcessOptions = {}): Promise<DynamoProcess> {
  const child: ChildProcess = fork(SERVER_PATH, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the dynalite process ${why}: ${stderr.trim() || '(no output)'}`));
    };
    const timer = setTimeout(() => fail(`did not start in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited with ${signal ?? `code ${code}`}`);
    child.once('exit', onExit);
    child.on('message', function ready(message: DynamoServerMessage) {
      if (!('url' in message)) return;
      clearTimeout(timer);
      child.off('message', ready);
      child.off('exit', onExit);
      resolve(handle(child, message.url, exited));
    });
  });
}

function handle(child: ChildProcess, url: string, exited: Promise<void>): DynamoProcess {
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    pid: child.pid ?? 0,
    rssBytes: () =>
      new Promise((resolve, reject) => {
        const gone = () => reject(new Error('the dynalite process exited before it said its RSS'));
        if (!running()) return gone();
        child.once('exit', gone);
        child.on('message', function answer(message: DynamoServerMessage) {
          if (!('rssBytes' in message)) return;
          child.off('message', answer);
          child.off('exit', gone);
          resolve(message.rssBytes);
        });
        child.send('rss');
      }),
    close: async () => {
      if (!running()) return;
      // Closing the channel is the process's signal to exit (see dynamo-server.ts).
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
