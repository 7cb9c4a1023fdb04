/**
 * `npm start`: a real drain on the embedded default. Starts the local runtime in this process
 * (dynalite, the sandbox APIs and the local Step Functions endpoint on the data folder,
 * default .pagewalk; see local/runtime.ts), then runs what `pagewalk start --watch` runs against it:
 * the same flags, the same progress display, the same exit codes. When `npm run serve` holds
 * the folder, it runs against that server instead. Ctrl-C stops the execution (the run is
 * recorded stopped, its lease released) and prints the command that resumes it.
 */
import '../local/polyfills';
import { randomUUID } from 'node:crypto';
import { resume, type Started, start } from '../cli/commands/start';
import { stop } from '../cli/commands/stop';
import { type CliContext, CliError, createContext, processOutput } from '../cli/context';
import { explainError } from '../cli/errors';
import { newRunInput, optionsFrom } from '../cli/input';
import { addRunOptionFlags, addSourceFlags } from '../cli/options';
import { consoleRoutes } from '../console/routes';
import { sourceDefinitions } from '../functions/lib/sources/catalog';
import { isAwsDefinition } from '../functions/lib/sources/definition';
import { GLUE_JOB_RUNS_SOURCE } from '../functions/lib/sync/all-jobs-config';
import { DataFolderBusy, readDataLock } from '../local/data-lock';
import type { LocalEvent } from '../local/engine';
import { DEFAULT_DATA_DIR, type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { demoParams } from '../local/sandbox/demo-inputs';
import { DEFAULT_SFN_PORT } from '../local/sfn/server';
import { UNREACHABLE_ENDPOINT } from '../local/stack';
import { reportSyncCheck } from '../local/sync-check';
import { jobLine, runAllJobsSync } from '../local/sync-run';
import {
  addServiceFlags,
  busyMessage,
  dataDirOf,
  localCommand,
  numberIn,
  runCommand,
  type ServiceFlags,
  sandboxOptions,
  sellingPartnerLines,
  UsageError,
} from './local-command';
import { printSummary } from './start-summary';

interface StartFlags extends ServiceFlags {
  readonly source?: string;
  readonly job?: string;
  readonly param?: string[];
  readonly resume?: string;
  readonly name?: string;
  readonly port?: number;
  readonly allJobs?: boolean;
  readonly maxConcurrency?: number;
  readonly [flag: string]: unknown;
}

const program = addServiceFlags(
  addRunOptionFlags(
    addSourceFlags(
      localCommand(
        'npm start --',
        'Drain a source into the embedded DynamoDB on the local engine, and watch it to the end.\nExit code 0 when the run succeeds, catches up or stops at a limit; 1 when it fails; 2 for usage; 130 after Ctrl-C.',
      ),
    ).option(
      '--resume <runId>',
      'continue a failed, stopped, timed-out or caught-up run from its checkpoint',
    ),
  ),
)
  .option(
    '--all-jobs',
    'sync every Glue job (the all-jobs state machine, a child run per job); --sync and the run options apply to each job',
  )
  .option('--max-concurrency <n>', 'with --all-jobs: jobs synced at once (1-40, default 4)', numberIn(1, 40))
  .option('--name <name>', 'execution name, which is also the run id (default: a UUID)')
  .option(
    '--port <n>',
    'port of the in-process Step Functions endpoint (default: any free one)',
    numberIn(0, 65_535),
  );

/** The endpoint to run against: this process's runtime, or the `npm run serve` holding the folder. */
async function connect(
  flags: StartFlags,
  onEvent?: (event: LocalEvent) => void,
): Promise<{ runtime?: LocalRuntime; endpoint: string }> {
  const dataDir = dataDirOf(flags);
  const join = (error: DataFolderBusy) => {
    if (error.holder.command === 'npm run serve' && error.holder.endpoint) {
      console.log(`pagewalk: ${error.message}: running against it (its services, table and flags apply)`);
      console.log(`  console ${error.holder.endpoint}/`);
      return { endpoint: error.holder.endpoint };
    }
    throw new Error(busyMessage(error, 'Wait for it to finish.'));
  };
  const holder = dataDir ? readDataLock(dataDir) : undefined;
  if (dataDir && holder) return join(new DataFolderBusy(dataDir, holder));
  try {
    const runtime = await startLocalRuntime({
      command: 'npm start',
      dataDir,
      tableName: flags.table,
      port: flags.port ?? 0,
      ...sandboxOptions(flags),
      // A resume runs whatever source its run has; --all-jobs runs Glue.
      sources: flags.allJobs
        ? [GLUE_JOB_RUNS_SOURCE]
        : flags.resume || !flags.source
          ? undefined
          : [flags.source],
      honourEndpointVariables: true,
      routes: consoleRoutes,
      onEvent,
    });
    return { runtime, endpoint: runtime.server.url };
  } catch (error) {
    if (error instanceof DataFolderBusy) return join(error);
    throw error;
  }
}

/** The execution input's flags, with the demo params for whatever the command line leaves out. */
function inputFlags(flags: StartFlags): StartFlags {
  if (flags.resume) {
    const given = ['source', 'job', 'param'].filter((f) => flags[f] !== undefined);
    if (given.length > 0) {
      throw new UsageError(`--resume keeps the run's source and params; drop --${given.join(', --')}`);
    }
    return flags;
  }
  const source = flags.source ?? 'glue.getJobRuns';
  const given = [
    ...(flags.param ?? []).map((p) => p.split('=')[0] ?? ''),
    ...(flags.job !== undefined ? ['JobName'] : []),
  ];
  const demo = Object.entries(demoParams(source, given)).map(([key, value]) => `${key}=${value}`);
  return { ...flags, source, param: [...demo, ...(flags.param ?? [])] };
}

/**
 * Refuses an AWS source the local runtime has no stand-in for (CloudTrail, SSM, ...) unless its
 * endpoint variable names one: the run would only retry a connection to nothing.
 */
function checkLocalEndpoint(source: string | undefined): void {
  const definition = sourceDefinitions().find((d) => d.name === source);
  if (!definition || !isAwsDefinition(definition)) return;
  const variable = definition.client.endpointVariable;
  if (process.env[variable] === UNREACHABLE_ENDPOINT) {
    throw new UsageError(
      `${definition.name} has no local stand-in: set ${variable} to an AWS-compatible endpoint (LocalStack, moto, ...) to drain it locally`,
    );
  }
}

async function main(raw: StartFlags): Promise<number> {
  if (raw.allJobs) return syncAllJobs(raw);
  const flags = inputFlags(raw);
  if (!flags.resume) newRunInput(flags); // usage errors before anything starts
  const { runtime, endpoint } = await connect(flags);
  if (runtime && !flags.resume) {
    try {
      checkLocalEndpoint(flags.source);
    } catch (error) {
      await runtime.close();
      throw error;
    }
  }
  const output = processOutput();
  let ctx: CliContext | undefined;
  try {
    ctx = createContext({ endpointUrl: endpoint, table: runtime?.stack.tableName }, output, process.env);
    if (runtime) {
      const { stack } = runtime;
      output.out(
        `pagewalk: ${flags.resume ? `resuming run ${flags.resume}` : `draining ${flags.source}`} on the local engine (endpoint ${endpoint})`,
      );
      output.out(`  console ${endpoint}/  (open it in a browser while the run goes on)`);
      output.out(
        `  Glue ${stack.glue ? 'sandbox ' : ''}${stack.glueEndpoint}   marketplace ${stack.marketplace ? 'sandbox ' : ''}${stack.marketplaceEndpoint}` +
          (stack.s3Endpoint ? `   S3 ${stack.s3 ? 's3rver ' : ''}${stack.s3Endpoint}` : ''),
      );
      for (const line of sellingPartnerLines(stack)) output.out(line);
      output.out(
        `  DynamoDB ${stack.dynamoStartedHere ? `dynalite ${runtime.dataDir ? `in ${runtime.dataDir}/dynamodb` : 'in memory'}` : stack.dynamoEndpoint}, table ${stack.tableName}`,
      );
    }
    return await drain(ctx, flags, runtime);
  } catch (error) {
    const explained = explainError(error, endpoint) ?? (error instanceof CliError ? error : undefined);
    if (!explained) throw error;
    output.err(`pagewalk: ${explained.message}`);
    return explained.exitCode;
  } finally {
    ctx?.close();
    await runtime?.close();
  }
}

const resumeCommand = (runId: string) => `npm start -- --resume ${runId}`;

/**
 * `--all-jobs`: the all-jobs sync on this process's runtime, its children on the runtime's own
 * pagewalk state machine (so the endpoint lists them). Exit code 0 when every job synced or the
 * sync was skipped, 1 when a job (or the listing) failed.
 */
async function syncAllJobs(flags: StartFlags): Promise<number> {
  const given = ['resume', 'source', 'job', 'param'].filter((f) => flags[f] !== undefined);
  if (given.length > 0) throw new UsageError(`--all-jobs syncs every job; drop --${given.join(', --')}`);
  const options = {
    ...optionsFrom(flags),
    ...(flags.maxConcurrency ? { maxConcurrency: flags.maxConcurrency } : {}),
  };
  const { runtime } = await connect(flags, (event) => {
    const line = jobLine(event);
    if (line) console.log(line);
  });
  if (!runtime)
    throw new UsageError('--all-jobs runs in this process: stop npm run serve on this data folder first');
  try {
    console.log(`pagewalk: syncing every job of Glue ${runtime.stack.glueEndpoint} on the local engine`);
    console.log(`  input: ${JSON.stringify({ source: 'glue.allJobs', params: {}, options })}`);
    const name = flags.name ?? randomUUID();
    const result = await runAllJobsSync({
      name,
      options,
      // The endpoint's own machines: the console and the API list the sync and its children.
      pagewalk: runtime.server.machine,
      allJobs: runtime.server.allJobs,
    });
    const status = (result.output as { status?: string } | undefined)?.status;
    const { documentClient, tableName } = runtime.stack;
    const exact =
      status === 'skipped' || (await reportSyncCheck(documentClient, tableName, name, console.log));
    return result.status === 'SUCCEEDED' && (status === 'succeeded' || status === 'skipped') && exact ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

/** Starts (or resumes) the run and watches it; Ctrl-C (or SIGTERM) stops it. */
async function drain(ctx: CliContext, flags: StartFlags, runtime: LocalRuntime | undefined): Promise<number> {
  let started: Started | undefined;
  let stopping: Promise<unknown> | undefined;
  const onSigint = () => {
    if (stopping || !started) process.exit(130);
    ctx.output.out('\nCtrl-C: stopping the execution (press Ctrl-C again to quit at once)...');
    const runId = started.runId;
    // By run id: the run record names the segment running now (continue as new moves it on).
    stopping = stop(ctx, runId, {
      error: 'pagewalk.Interrupted',
      cause: 'Stopped by Ctrl-C in npm start',
      resumeCommand,
    }).catch((error: unknown) => {
      ctx.output.err(
        `pagewalk: could not stop ${runId}: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(130);
    });
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const options = {
      ...flags,
      watch: true,
      interval: 0.25,
      resumeCommand,
      onStarted: (s: Started) => {
        started = s;
      },
    };
    const code = flags.resume ? await resume(ctx, flags.resume, options) : await start(ctx, options);
    const runId = started?.runId ?? flags.resume ?? '';
    if (stopping) {
      await stopping; // it says how the run is recorded and how to resume it
      return 130;
    }
    const mine = runtime?.server.machine.list();
    const inspect = !runtime
      ? `AWS_ENDPOINT_URL_SFN=${ctx.endpoint}`
      : runtime.dataDir
        ? `npm run serve${runtime.dataDir === DEFAULT_DATA_DIR ? '' : ` -- --data-dir ${runtime.dataDir}`}, then AWS_ENDPOINT_URL_SFN=http://127.0.0.1:${DEFAULT_SFN_PORT}`
        : undefined;
    return await printSummary(ctx, runId, code, mine, inspect, runtime?.stack.spapi?.quotaScale);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

runCommand(program, process.argv.slice(2), (options) => main(options as StartFlags));
