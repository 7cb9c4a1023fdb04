/**
 * A fresh, empty DynamoDB (dynalite, in memory) in a process of its own for each drain, as
 * DynamoDB is a service of its own on AWS. Hosted in the bench's parent, dynalite kept the
 * memory of every table the bench had dropped (5 GB of RSS after the 1M A and B drains), and
 * each later drain at a size wrote more slowly than the one before it (58.7, 64.5, 69.3 ms a
 * page at 1M for B, pagewalk and the ASSUMED-latency variant, run in that order).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DynamoServerMessage } from './dynamo-server';
import { type ServiceProcess, startServiceProcess } from './service-process';

const SERVER_PATH = fileURLToPath(new URL('./dynamo-server.ts', import.meta.url));

export interface DynamoProcess extends ServiceProcess {
  /** The process's resident set, as it reports it. */
  rssBytes(): Promise<number>;
}

export interface DynamoProcessOptions {
  /** Extra node flags (the bench passes --cpu-prof with BENCH_CPU_PROF). */
  readonly execArgv?: readonly string[];
}

/** The first message `{ url }` the server sends (dynamo-server.ts). */
function urlOverIpc(child: ChildProcess, ready: (url: string) => void): void {
  child.on('message', function read(message: DynamoServerMessage) {
    if (!('url' in message)) return;
    child.off('message', read);
    ready(message.url);
  });
}

/** Asks the server for its resident set over the channel. */
function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error('the dynalite process exited before it said its RSS'));
    if (child.exitCode !== null || child.signalCode !== null) return gone();
    child.once('exit', gone);
    child.on('message', function answer(message: DynamoServerMessage) {
      if (!('rssBytes' in message)) return;
      child.off('message', answer);
      child.off('exit', gone);
      resolve(message.rssBytes);
    });
    child.send('rss');
  });
}

/** Starts `dynamo-server.ts` and resolves with its endpoint once it listens. */
export async function startDynamoProcess(options: DynamoProcessOptions = {}): Promise<DynamoProcess> {
  const service = await startServiceProcess({
    label: 'the dynalite process',
    path: SERVER_PATH,
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    waitForUrl: urlOverIpc,
  });
  return { ...service, rssBytes: () => rssOf(service.child) };
}
