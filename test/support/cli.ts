/**
 * The pagewalk CLI run in this process with its output captured: the code path of the bin
 * (cli/pagewalk.mjs) without a process to start, told only the Step Functions endpoint.
 */
import type { Output } from '../../cli/context';
import { runCli } from '../../cli/program';

/** The exit code, and what the CLI printed: stdout as a whole and line by line, and stderr. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
}

/** Runs `pagewalk ...args` against the endpoint at `endpointUrl`, off a terminal. */
export async function runCliAt(endpointUrl: string | undefined, args: readonly string[]): Promise<CliRun> {
  const lines: string[] = [];
  const errors: string[] = [];
  const output: Output = {
    isTTY: false,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    write: (text) => lines.push(text),
  };
  const code = await runCli([...args], { output, env: { AWS_ENDPOINT_URL_SFN: endpointUrl } });
  return { code, stdout: lines.join('\n'), stderr: errors.join('\n'), lines };
}
