/**
 * The bench's Glue sandbox in a process of its own, as Glue and DynamoDB are two services on
 * AWS. Hosted in the parent beside dynalite, its answers waited for dynalite's writes on the
 * parent's one thread (and the writes for its answers): a drain that overlaps the two, as
 * pagewalk does, saw its writes take about 40% longer than B's, which never overlaps them.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ServiceProcess, startServiceProcess } from './service-process';

const GLUE_PATH = fileURLToPath(new URL('../local/sandbox/glue.ts', import.meta.url));
/** A URL, which --import takes on every platform (a Windows path would not do). */
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;
const READY = /^Glue sandbox listening on (http:\/\/\S+)$/m;

export type GlueProcess = ServiceProcess;

/** The URL the sandbox prints once it listens (local/sandbox/glue.ts's own CLI line). */
function urlOnStdout(child: ChildProcess, ready: (url: string) => void): void {
  let printed = '';
  child.stdout?.on('data', function read(chunk: Buffer) {
    printed += chunk.toString('utf8');
    const url = READY.exec(printed)?.[1];
    if (!url) return;
    child.stdout?.off('data', read);
    ready(url);
  });
}

/** Starts `local/sandbox/glue.ts` serving `jobs` at `latencyMs` a call; resolves with its URL. */
export function startGlueProcess(jobs: Record<string, number>, latencyMs: number): Promise<GlueProcess> {
  const args = ['--port', '0', '--latency-ms', String(latencyMs)];
  for (const [name, count] of Object.entries(jobs)) args.push('--job', `${name}=${count}`);
  return startServiceProcess({
    label: 'the Glue sandbox process',
    path: GLUE_PATH,
    args,
    // The sandbox's CLI knows nothing of the bench: the preload ends it with the channel.
    execArgv: ['--import', 'tsx', '--import', EXIT_WITH_PARENT],
    waitForUrl: urlOnStdout,
  });
}
