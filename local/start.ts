/**
 * `npm start`: a real drain on the embedded default. Starts dynalite (data in
 * .pagewalk/dynamodb) and the Glue sandbox, unless AWS_ENDPOINT_URL_DYNAMODB /
 * AWS_ENDPOINT_URL_GLUE already name endpoints, then runs statemachine/pagewalk.asl.json
 * on the local engine with the real handlers and prints progress per page.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { causeMessage } from '../functions/lib/errors';
import { type LocalEvent, loadPagewalkHandlers, startLocalExecution } from './engine';
import { collectionKeys, readRunRecord } from './inspect';
import { DEFAULT_TABLE_NAME, MARKETPLACE_ENDPOINT_VARIABLE, startLocalStack } from './stack';

/** Parameters used when the command line gives none, so every shipped source runs as a demo. */
const DEMO_PARAMS: Record<string, Record<string, string>> = {
  'glue.getJobRuns': { JobName: 'nightly-etl' },
  'marketplace.orders': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.customers': { MarketplaceId: 'ATVPDKIKX0DER' },
  'marketplace.reports': {},
};

const USAGE = `Usage: npm start -- [options]

  --source NAME         glue.getJobRuns (default), marketplace.orders, marketplace.reports,
                        marketplace.customers, or any definition in sources/
  --job NAME            Glue job to drain (default: nightly-etl, the sandbox's 4,321-run demo job)
  --param KEY=VALUE     a source parameter (repeatable), e.g. --param MarketplaceId=ATVPDKIKX0DER
  --page-size N         items per call, within the source's bounds (Glue: 1..200)
  --poll-interval S     seconds to wait after MoreResultsAvailable=false (default: 60)
  --max-polls N         polls before a MoreResultsAvailable run ends caught up (default: 10)
  --max-restarts N      restarts after a corrupted token before the run fails (default: 3)
  --table NAME          DynamoDB table (default: ${DEFAULT_TABLE_NAME})
  --data-dir DIR        dynalite data folder (default: .pagewalk/dynamodb)
  --in-memory           keep dynalite's data in memory instead
  --latency-ms N        sandbox Glue latency per call (default: 25)
  --throttle-rate R     share of sandbox calls throttled, 0..1 (default: 0)
  --name NAME           execution name, which is also the run id (default: a UUID)
  -h, --help            show this help

Environment: AWS_ENDPOINT_URL_GLUE and AWS_ENDPOINT_URL_DYNAMODB, when set, are used
instead of the embedded sandbox and dynalite.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberArg(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    fail(`--${name} must be a number from ${min} to ${max}; got ${value}`);
  return n;
}

const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  let args: ReturnType<typeof parseOptions>;
  try {
    args = parseOptions();
  } catch (error) {
    fail((error as Error).message);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const source = args.values.source ?? 'glue.getJobRuns';
  const params: Record<string, unknown> = { ...(DEMO_PARAMS[source] ?? {}) };
  if (args.values.job !== undefined) params.JobName = args.values.job;
  for (const pair of args.values.param ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`--param must look like KEY=VALUE; got ${pair}`);
    const value = pair.slice(at + 1);
    params[pair.slice(0, at)] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  // Numbers are passed on as given: the state machine's Start run validates ranges and says so.
  const options: Record<string, number> = {};
  const optionFlags = {
    'page-size': 'pageSize',
    'poll-interval': 'pollIntervalSeconds',
    'max-polls': 'maxPolls',
    'max-restarts': 'maxRestarts',
  } as const;
  for (const [flag, option] of Object.entries(optionFlags)) {
    const value = args.values[flag as keyof typeof optionFlags];
    if (value !== undefined) options[option] = Number(value);
  }
  const latencyMs = numberArg(args.values['latency-ms'], 'latency-ms', 25, 0, 60_000);
  const throttleRate = numberArg(args.values['throttle-rate'], 'throttle-rate', 0, 0, 1);
  const dataDir = args.values['in-memory'] ? undefined : (args.values['data-dir'] ?? '.pagewalk/dynamodb');
  const name = args.values.name ?? randomUUID();

  const stack = await startLocalStack({
    tableName: args.values.table,
    dataDir,
    glue: { latencyMs, throttleRate },
  });
  try {
    const handlers = await loadPagewalkHandlers();
    const input = { source, params, ...(Object.keys(options).length > 0 ? { options } : {}) };
    const glueWhere = stack.glue
      ? `sandbox ${stack.glueEndpoint}`
      : `${stack.glueEndpoint} (AWS_ENDPOINT_URL_GLUE)`;
    const dynamoWhere = stack.dynamoStartedHere
      ? `dynalite ${stack.dataDir ? `in ${stack.dataDir}` : 'in memory'}`
      : `${stack.dynamoEndpoint} (AWS_ENDPOINT_URL_DYNAMODB)`;
    const marketplaceWhere = stack.marketplace
      ? `sandbox ${stack.marketplaceEndpoint}`
      : `${stack.marketplaceEndpoint} (${MARKETPLACE_ENDPOINT_VARIABLE})`;
    console.log(`pagewalk: draining ${source} ${JSON.stringify(params)}`);
    console.log(`  Glue: ${glueWhere}   marketplace: ${marketplaceWhere}`);
    console.log(`  DynamoDB: ${dynamoWhere}, table ${stack.tableName}`);
    console.log(`  execution ${name}: ${JSON.stringify(input)}\n`);

    const started = Date.now();
    const onEvent = (event: LocalEvent) => {
      const state = event.state?.name ?? '';
      if (event.type === 'StateExited' && state.startsWith('Fetch')) {
        const cursor = (
          event.state?.output as { cursor?: { page: number; items: number; nextToken: string | null } }
        )?.cursor;
        if (!cursor) return;
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? Math.round(cursor.items / seconds) : 0;
        console.log(
          `  page ${String(cursor.page).padStart(5)}   items ${fmt(cursor.items).padStart(9)}   ${fmt(rate).padStart(7)} items/s   ${cursor.nextToken ? 'more' : 'last page'}`,
        );
      } else if (event.type === 'StateEntered' && state === 'Wait for more results') {
        const run = (event.state?.input as { run?: { options?: { pollIntervalSeconds?: number } } })?.run;
        console.log(
          `  MoreResultsAvailable=false: waiting ${run?.options?.pollIntervalSeconds ?? '?'} s, then asking again`,
        );
      } else if (event.type === 'StateEntered' && state === 'Restart from first page') {
        console.log('  NextTokenCorrupted: restarting from the first page with a fresh token');
      } else if (event.type === 'StateFailed') {
        console.log(`  ${state}: ${event.Error} (the state machine retries or records it)`);
      }
    };
    const result = await startLocalExecution({ name, input, handlers, onEvent }).result;
    const seconds = (result.stoppedAt.getTime() - result.startedAt.getTime()) / 1000;

    if (result.status !== 'SUCCEEDED') {
      console.error(`\nDrain ${result.status.toLowerCase()} after ${seconds.toFixed(1)} s: ${result.error}`);
      console.error(`  ${causeMessage(result.cause)}`);
      const record = await readRunRecord(stack.documentClient, stack.tableName, name);
      console.error(
        record
          ? `  Run record run#${name} in ${stack.tableName}: ${record.status}, checkpoint after page ${record.pages} (${fmt(record.items)} items).`
          : '  Nothing was written.',
      );
      return 1;
    }
    const output = result.output as {
      status: string;
      pages: number;
      items: number;
      restarts: number;
      polls: number;
    };
    const record = await readRunRecord(stack.documentClient, stack.tableName, name);
    const collection = record?.collection ?? '?';
    const stored = (await collectionKeys(stack.documentClient, stack.tableName, collection)).length;
    const verdict =
      output.status === 'caughtUp'
        ? `caught up (${output.polls} polls; resumable from the checkpoint)`
        : 'succeeded';
    console.log(
      `\nDrain ${verdict} in ${seconds.toFixed(1)} s: ${fmt(output.pages)} pages, ${fmt(output.items)} items (${fmt(Math.round(output.items / Math.max(seconds, 0.001)))} items/s), ${output.restarts} restarts, ${result.stats.retries} retries.`,
    );
    console.log(
      `  ${result.stats.transitions} state transitions, about ${result.stats.historyEvents} AWS history events.`,
    );
    console.log(
      `  Table ${stack.tableName} holds ${fmt(stored)} items under pk "${collection}" (counted by Query).`,
    );
    console.log(`  Run record: pk "run#${name}", sk "run".`);
    if (stack.dataDir) {
      console.log(
        '\nLook at the data: serve the folder with dynalite and query it with any DynamoDB client, e.g.',
      );
      console.log(`  npx dynalite --path ${stack.dataDir} --port 8000 &`);
      console.log(
        `  aws dynamodb query --endpoint-url http://127.0.0.1:8000 --region us-east-1 --table-name ${stack.tableName} --key-condition-expression "pk = :c" --expression-attribute-values '{":c":{"S":"${collection}"}}' --select COUNT`,
      );
    }
    return stored === output.items ? 0 : 1;
  } finally {
    await stack.close();
  }
}

function parseOptions() {
  return parseArgs({
    options: {
      source: { type: 'string' },
      job: { type: 'string' },
      param: { type: 'string', multiple: true },
      'page-size': { type: 'string' },
      'poll-interval': { type: 'string' },
      'max-polls': { type: 'string' },
      'max-restarts': { type: 'string' },
      table: { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      'latency-ms': { type: 'string' },
      'throttle-rate': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pagewalk: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
