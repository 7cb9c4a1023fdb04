/**
 * The `pagewalk` command line: commander wiring only. Each command's logic lives in
 * `commands/`, and talks to Step Functions and DynamoDB through the context's clients.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { history } from './commands/history';
import { list } from './commands/list';
import { resume, start } from './commands/start';
import { status } from './commands/status';
import { stop } from './commands/stop';
import { watch } from './commands/watch';
import { type CliContext, CliError, createContext, type GlobalOptions, type Output } from './context';
import { explainError } from './errors';
import { addRunOptionFlags, addSourceFlags } from './options';

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const positiveInteger = (value: string) => {
  const n = positiveNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number');
  return n;
};

function startFlags(command: Command): Command {
  return addRunOptionFlags(command)
    .option('--name <name>', 'execution name (a new run: its run id); default a UUID')
    .option('--watch', 'watch the run until it ends (exit code 0 success, 1 failure)')
    .option('--interval <seconds>', 'seconds between progress polls with --watch', positiveNumber)
    .option('--json', 'print {"executionArn","runId","startDate"} as JSON');
}

export interface ProgramDeps {
  readonly output: Output;
  readonly env: NodeJS.ProcessEnv;
}

/** Builds the program; `run` receives each command's exit code. */
export function buildProgram(deps: ProgramDeps, setExitCode: (code: number) => void): Command {
  const program = new Command('pagewalk')
    .description(
      'Start, watch and inspect pagewalk runs, on AWS or on the local endpoint (npm run serve).\n' +
        'AWS: default credentials and region. Local: --endpoint-url or AWS_ENDPOINT_URL_SFN.',
    )
    .option(
      '--endpoint-url <url>',
      'Step Functions endpoint (or AWS_ENDPOINT_URL_SFN), e.g. http://127.0.0.1:8083',
    )
    .option('--region <region>', 'AWS Region (or AWS_REGION; us-east-1 on the local endpoint)')
    .option(
      '--state-machine-arn <arn>',
      'state machine (or PAGEWALK_STATE_MACHINE_ARN; else the only pagewalk one ListStateMachines shows)',
    )
    .option(
      '--table <name>',
      "run table (or PAGEWALK_TABLE_NAME; else the state machine's pagewalk:table tag)",
    )
    .option(
      '--dynamodb-endpoint-url <url>',
      'DynamoDB endpoint (or AWS_ENDPOINT_URL_DYNAMODB; the local endpoint tells its own)',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => deps.output.write(text),
      writeErr: (text) => deps.output.err(text.replace(/\n$/, '')),
    })
    .exitOverride();

  /** Runs a command's logic with a context built from the global and command options. */
  const action =
    <A extends unknown[]>(run: (ctx: CliContext, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), deps.output, deps.env);
      try {
        setExitCode(await run(ctx, ...(args.slice(0, -1) as A)));
      } catch (error) {
        throw explainError(error, ctx.endpoint) ?? error;
      } finally {
        ctx.close();
      }
    };

  startFlags(
    addSourceFlags(
      program.command('start').description('start a new run: prints the execution ARN and the run id'),
    ).option('--input <file>', "the whole execution input as JSON ('-' reads stdin)"),
  ).action(action((ctx, options: Record<string, unknown>) => start(ctx, options)));

  startFlags(
    program
      .command('resume')
      .argument('<runId>', 'the run to continue from its checkpoint')
      .description('continue a failed, caught-up or stopped run (StartExecution with {"resume": runId})'),
  ).action(action((ctx, runId: string, options: Record<string, unknown>) => resume(ctx, runId, options)));

  program
    .command('watch')
    .argument('<executionArnOrRunId>')
    .description('follow a run to its end across segments; exit code 0 success, 1 failure')
    .option('--interval <seconds>', 'seconds between polls', positiveNumber, 1)
    .action(action((ctx, ref: string, options: { interval: number }) => watch(ctx, ref, options)));

  program
    .command('status')
    .argument('<runId>')
    .description('the run record from DynamoDB')
    .option('--json', 'print the record as JSON')
    .action(action((ctx, runId: string, options: { json?: boolean }) => status(ctx, runId, options)));

  program
    .command('history')
    .argument('<executionArnOrRunId>', 'an execution, or a run id (every segment of the run)')
    .description('summarise the execution history: pages, retries by error, restarts, waits, failures')
    .option('--follow', 'from an execution ARN, follow continue-as-new to the end')
    .option('--json', 'print the summaries as JSON')
    .action(
      action((ctx, ref: string, options: { follow?: boolean; json?: boolean }) => history(ctx, ref, options)),
    );

  program
    .command('list')
    .description('executions of the state machine, newest first')
    .addOption(
      new Option('--status <status>', 'only executions with this status').choices([
        'RUNNING',
        'SUCCEEDED',
        'FAILED',
        'TIMED_OUT',
        'ABORTED',
        'PENDING_REDRIVE',
      ]),
    )
    .option('--max <n>', 'at most this many', positiveInteger, 20)
    .option('--json', 'print the executions as JSON')
    .action(action((ctx, options: { status?: string; max: number; json?: boolean }) => list(ctx, options)));

  program
    .command('stop')
    .argument('<executionArnOrRunId>')
    .description('stop an execution (StopExecution); the run keeps its checkpoint')
    .option('--error <error>', 'error recorded with the stop', 'pagewalk.Stopped')
    .option('--cause <cause>', 'cause recorded with the stop', 'Stopped with pagewalk stop')
    .action(action((ctx, ref: string, options: { error: string; cause: string }) => stop(ctx, ref, options)));

  return program;
}

/** Runs the command line `argv` (without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], deps: ProgramDeps): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // commander has already printed its message (usage errors, --help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      deps.output.err(`pagewalk: ${error.message}`);
      return error.exitCode;
    }
    const e = error as Error & { $metadata?: unknown };
    deps.output.err(`pagewalk: ${e.$metadata ? `${e.name}: ` : ''}${e.message}`);
    return 1;
  }
}
