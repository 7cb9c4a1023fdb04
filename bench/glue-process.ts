/**
 * The bench's Glue sandbox in a process of its own, as Glue and DynamoDB are two services on
 * AWS. Hosted in the parent beside dynalite, its answers waited for dynalite's writes on the
 * parent's one thread (and the writes for its answers): a drain that overlaps the two, as
 * pagewalk does, saw its writes take about 40% longer than B's, which never overlaps them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GLUE_PATH = fileURLToPath(new URL('../local/sandbox/glue.ts', import.meta.url));
/** A URL, which --import takes on every platform (a Windows path would not do). */
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;
const READY = /^Glue sandbox listening on (http:\/\/\S+)$/m;
const START_TIMEOUT_MS = 30_000;

export interface GlueProcess {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/**
 * Starts `local/sandbox/glue.ts` serving `jobs` at `latencyMs` a call; resolves with its URL.
 * Forked with an IPC channel it never uses but to know the bench is gone: it ends with it.
 */
export function startGlueProcess(jobs: Record<string, number>, latencyMs: number): Promise<GlueProcess> {
  const args = ['--port', '0', '--latency-ms', String(latencyMs)];
  for (const [name, count] of Object.entries(jobs)) args.push('--job', `${name}=${count}`);
  const child: ChildProcess = fork(GLUE_PATH, args, {
    execArgv: ['--import', 'tsx', '--import', EXIT_WITH_PARENT],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`did not start in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the Glue sandbox process ${why}: ${output.slice(-2000)}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = READY.exec(output);
      if (!ready?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', read);
      child.stdout?.resume();
      resolve({
        url: ready[1],
        pid: child.pid ?? 0,
        close: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
  });
}
