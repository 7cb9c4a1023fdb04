/**
 * A service the bench runs in a process of its own (the Glue sandbox, a drain's dynalite), as
 * each is a service apart from the code that calls it on AWS: forked with an IPC channel, which
 * the service takes as its lifeline (it exits when the channel closes, so a bench that dies
 * leaves nothing listening), and ready once it says its URL.
 */
import { type ChildProcess, fork } from 'node:child_process';

const START_TIMEOUT_MS = 30_000;
/** How long a closed process may take to exit before it is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Closes the channel (the service's signal to exit) and waits for it; killed if it lingers. */
  close(): Promise<void>;
}

export interface ServiceSpec {
  /** What errors call it: "the Glue sandbox process". */
  readonly label: string;
  readonly path: string;
  readonly args?: readonly string[];
  readonly execArgv: readonly string[];
  /** Calls `ready` with the URL once the service says it listens (on stdout or over IPC). */
  readonly waitForUrl: (child: ChildProcess, ready: (url: string) => void) => void;
}

/** Forks the service and resolves once it is ready; rejects (and kills it) if it exits or hangs first. */
export function startServiceProcess(spec: ServiceSpec): Promise<ServiceProcess> {
  const child = fork(spec.path, [...(spec.args ?? [])], {
    execArgv: [...spec.execArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const running = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${spec.label} ${why}: ${output.trim() || '(no output)'}`));
    };
    const timer = setTimeout(() => fail(`did not start in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited with ${signal ?? `code ${code}`}`);
    child.once('exit', onExit);
    spec.waitForUrl(child, (url) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        url,
        pid: child.pid ?? 0,
        child,
        close: async () => {
          if (!running()) return;
          if (child.connected) child.disconnect();
          const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}
