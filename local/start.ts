/**
 * `npm start`: a real drain on the embedded default. Starts dynalite (data in
 * .pagewalk/dynamodb) and the sandbox APIs, unless AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_GLUE or PAGEWALK_ENDPOINT_URL_MARKETPLACE already name endpoints, then
 * runs statemachine/pagewalk.asl.json on the local engine with the real handlers, follows
 * the run across continue-as-new segments and prints its progress.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { causeMessage } from '../functions/lib/errors';
import { keyValues, runCommand, SERVICE_FLAGS, sandboxOptions, serviceUsage } from './cli-support';
import {
  followRun,
  type LocalEvent,
  type LocalExecutionResult,
  LocalStateMachine,
  loadPagewalkHandlers,
} from './engine';
import { collectionKeys, readRunRecord } from './inspect';
import { type LocalStack, MARKETPLACE_ENDPOINT_VARIABLE, startLocalStack } from './stack';

/** Parameters used when the command line gives none, so every shipped source runs as a demo. */
const DEMO_PARAMS: Record<string, Record<string, string>> = {
  'glue.getJobRuns': { JobName: 'nightly-etl' },
  'marketplace.orders': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.customers': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.reports': {},
};

/** Flags that become execution `options`, passed on as given: Start run validates them and says so. */
const OPTION_FLAGS = {
  'page-size': 'pageSize',
  'poll-interval': 'pollIntervalSeconds',
  'max-polls': 'maxPolls',
  'max-restarts': 'maxRestarts',
  'iterations-per-execution': 'iterationsPerExecution',
  'pages-per-invocation': 'pagesPerInvocation',
  'invocation-budget': 'invocationBudgetSeconds',
  'max-pages': 'maxPages',
  'max-items': 'maxItems',
  deadline: 'deadline',
} as const;

const USAGE = `Usage: npm start -- [options]

What to drain
  --source NAME         glue.getJobRuns (default), marketplace.orders, marketplace.reports,
                        marketplace.customers, or any definition in sources/
  --job NAME            Glue job (default: nightly-etl, the sandbox's 4,321-run demo job)
  --param KEY=VALUE     a source parameter (repeatable), e.g. --param MarketplaceId=ATVPDKIKX0DER
  --resume RUN_ID       continue a failed, stopped or caught-up run from its checkpoint

Run options (defaults in brackets)
  --page-size N                 items per call, within the source's bounds (Glue: 1..200) [200]
  --poll-interval S             seconds to wait after MoreResultsAvailable=false [60]
  --max-polls N                 polls before a MoreResultsAvailable run ends caught up [10]
  --max-restarts N              restarts after a corrupted token before the run fails [3]
  --iterations-per-execution N  page-fetch invocations per execution before continuing as a new one [1000]
  --pages-per-invocation N      most pages one page-fetch invocation reads; 1: one page per state [25]
  --invocation-budget S         seconds one page-fetch invocation may spend reading pages [5]
  --max-pages N, --max-items N, --deadline ISO   stop (resumable) when reached

Local services
${serviceUsage('dynalite data folder (default: .pagewalk/dynamodb)')}
  --name NAME           execution name, which is also the run id (default: a UUID)
  -h, --help            show this help

Environment: AWS_ENDPOINT_URL_GLUE, AWS_ENDPOINT_URL_DYNAMODB and
PAGEWALK_ENDPOINT_URL_MARKETPLACE, when set, are used instead of the embedded services.`;

function parseOptions() {
  return parseArgs({
    options: {
      source: { type: 'string' },
      job: { type: 'string' },
      param: { type: 'string', multiple: true },
      resume: { type: 'string' },
      ...Object.fromEntries(Object.keys(OPTION_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      ...SERVICE_FLAGS,
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

type Values = ReturnType<typeof parseOptions>['values'] &
  Record<string, string | boolean | string[] | undefined>;

/** The execution input the flags describe: a new run, or a resume. */
function buildInput(values: Values): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(OPTION_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') options[option] = option === 'deadline' ? value : Number(value);
  }
  const withOptions = Object.keys(options).length > 0 ? { options } : {};
  if (values.resume) return { resume: values.resume, ...withOptions };

  const source = values.source ?? 'glue.getJobRuns';
  const params: Record<string, unknown> = { ...(DEMO_PARAMS[source] ?? {}) };
  if (values.job !== undefined) params.JobName = values.job;
  for (const [key, value] of keyValues(values.param, 'param')) {
    params[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return { source, params, ...withOptions };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Prints progress from the event log: a line per page (at most ~5 a second on long runs) and every notable event. */
function progressPrinter(started: number) {
  let lastLine = 0;
  return (event: LocalEvent, executionName: string) => {
    const state = event.state?.name ?? '';
    if (event.type === 'ExecutionStarted') {
      console.log(`  execution ${executionName} started`);
    } else if (event.type === 'StateExited' && (state.startsWith('Fetch') || state.startsWith('Restart'))) {
      const cursor = (
        event.state?.output as { cursor?: { page: number; items: number; nextToken: string | null } }
      )?.cursor;
      const now = Date.now();
      if (!cursor || (now - lastLine < 200 && cursor.nextToken)) return;
      lastLine = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? Math.round(cursor.items / seconds) : 0;
      console.log(
        `  page ${String(cursor.page).padStart(6)}   items ${fmt(cursor.items).padStart(9)}   ${fmt(rate).padStart(7)} items/s   ${cursor.nextToken ? 'more' : 'last page'}`,
      );
    } else if (event.type === 'StateEntered' && state === 'Wait for more results') {
      const run = (event.state?.input as { run?: { options?: { pollIntervalSeconds?: number } } })?.run;
      console.log(
        `  MoreResultsAvailable=false: waiting ${run?.options?.pollIntervalSeconds ?? '?'} s, then asking again`,
      );
    } else if (event.type === 'StateEntered' && state === 'Restart from first page') {
      console.log('  NextTokenCorrupted: restarting from the first page with a fresh token');
    } else if (event.type === 'StateEntered' && state === 'Continue as new execution') {
      console.log(`  ${executionName} reached its page budget: continuing as a new execution`);
    } else if (event.type === 'StateFailed') {
      console.log(`  ${state}: ${event.Error} (the state machine retries or records it)`);
    }
  };
}

function describeServices(stack: LocalStack): string[] {
  const where = (started: boolean, url: string, variable: string, what: string) =>
    started ? `${what} ${url}` : `${url} (${variable})`;
  return [
    `  Glue: ${where(Boolean(stack.glue), stack.glueEndpoint, 'AWS_ENDPOINT_URL_GLUE', 'sandbox')}   marketplace: ${where(Boolean(stack.marketplace), stack.marketplaceEndpoint, MARKETPLACE_ENDPOINT_VARIABLE, 'sandbox')}`,
    `  DynamoDB: ${stack.dynamoStartedHere ? `dynalite ${stack.dataDir ? `in ${stack.dataDir}` : 'in memory'}` : `${stack.dynamoEndpoint} (AWS_ENDPOINT_URL_DYNAMODB)`}, table ${stack.tableName}`,
  ];
}

/** Prints how the run ended and checks the table; returns the exit code. */
async function report(stack: LocalStack, runId: string, segments: LocalExecutionResult[]): Promise<number> {
  const last = segments[segments.length - 1] as LocalExecutionResult;
  const first = segments[0] as LocalExecutionResult;
  const seconds = (last.stoppedAt.getTime() - first.startedAt.getTime()) / 1000;
  const record = await readRunRecord(stack.documentClient, stack.tableName, runId);
  const transitions = segments.reduce((sum, s) => sum + s.stats.transitions, 0);
  const retries = segments.reduce((sum, s) => sum + s.stats.retries, 0);
  const maxEvents = Math.max(...segments.map((s) => s.stats.historyEvents));

  if (last.status !== 'SUCCEEDED') {
    console.error(`\nDrain ${last.status.toLowerCase()} after ${seconds.toFixed(1)} s: ${last.error}`);
    console.error(`  ${causeMessage(last.cause)}`);
    console.error(
      record
        ? `  Run record run#${runId}: ${record.status}, checkpoint after page ${record.pages} (${fmt(record.items)} items). Resume it with: npm start -- --resume ${runId}`
        : '  Nothing was written.',
    );
    return 1;
  }
  const output = last.output as {
    status: string;
    pages?: number;
    items?: number;
    restarts?: number;
    polls?: number;
  };
  if (output.status === 'alreadyComplete') {
    console.log(`\nRun ${runId} already succeeded; there is nothing to resume.`);
    return 0;
  }
  const collection = record?.collection ?? '?';
  const stored = (await collectionKeys(stack.documentClient, stack.tableName, collection)).length;
  const verdict =
    output.status === 'caughtUp'
      ? `caught up (${output.polls} polls; resumable)`
      : output.status === 'stoppedAtLimit'
        ? `stopped at a limit (resumable with npm start -- --resume ${runId})`
        : 'succeeded';
  const items = output.items ?? 0;
  console.log(
    `\nDrain ${verdict} in ${seconds.toFixed(1)} s: ${fmt(output.pages ?? 0)} pages, ${fmt(items)} items (${fmt(Math.round(items / Math.max(seconds, 0.001)))} items/s), ${output.restarts ?? 0} restarts, ${retries} retries.`,
  );
  console.log(
    `  ${segments.length} execution(s); ${fmt(transitions)} state transitions; at most about ${fmt(maxEvents)} AWS history events in one execution (the limit is 25,000).`,
  );
  console.log(
    `  Table ${stack.tableName} holds ${fmt(stored)} items under pk "${collection}" (counted by Query).`,
  );
  console.log(`  Run record: pk "run#${runId}", sk "run".`);
  if (stack.dataDir) {
    console.log(
      '\nLook at the data: serve the folder with dynalite and query it with any DynamoDB client, e.g.',
    );
    console.log(`  npx dynalite --path ${stack.dataDir} --port 8000 &`);
    console.log(
      `  aws dynamodb query --endpoint-url http://127.0.0.1:8000 --region us-east-1 --table-name ${stack.tableName} --key-condition-expression "pk = :c" --expression-attribute-values '{":c":{"S":"${collection}"}}' --select COUNT`,
    );
  }
  // A drain that stopped early holds fewer; one that finished must hold exactly what it counted.
  return output.status !== 'succeeded' || stored === items ? 0 : 1;
}

async function main(): Promise<number> {
  const values = parseOptions().values as Values;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const input = buildInput(values);
  const stack = await startLocalStack({
    tableName: values.table,
    dataDir: values['in-memory'] ? undefined : (values['data-dir'] ?? '.pagewalk/dynamodb'),
    ...sandboxOptions(values),
  });
  try {
    const name = values.name ?? randomUUID();
    console.log(
      `pagewalk: ${values.resume ? `resuming run ${values.resume}` : `draining ${input.source} ${JSON.stringify(input.params)}`}`,
    );
    for (const line of describeServices(stack)) console.log(line);
    console.log(`  input: ${JSON.stringify(input)}\n`);

    const machine = new LocalStateMachine({
      handlers: await loadPagewalkHandlers(),
      onEvent: progressPrinter(Date.now()),
    });
    const { segments } = await followRun(machine, machine.start(name, input));
    return await report(stack, values.resume ?? name, segments);
  } finally {
    await stack.close();
  }
}

runCommand(USAGE, main);
