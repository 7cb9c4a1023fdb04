/**
 * `npm start` as a person runs it: `node --import tsx bin/start.ts ...` (what npm runs) in a
 * clean environment (no endpoint variables from the test process), its output collected.
 * Each process costs about two seconds of CPU, so test files share them where they can.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How a process ended, and everything it printed. */
export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `npm start`: the process, its end, and what it has printed so far. */
export interface NpmStart {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  output(): string;
}

/** Spawns `npm start -- ...args` with HOME at `home` (a scratch folder). */
export function npmStart(args: readonly string[], home: string): NpmStart {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, exited, output: () => stdout };
}
