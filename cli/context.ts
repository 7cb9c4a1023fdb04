/**
 * What every command needs: the Step Functions and DynamoDB clients, the state machine and
 * the table, and where to print. The same code talks to AWS (default credential chain and
 * region) and to the local endpoint (`npm run serve`), which it recognises by a loopback
 * endpoint URL: there it needs no real credentials and finds the table by the state
 * machine's tags.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, ListTagsForResourceCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PagewalkError } from '../functions/lib/errors';
import { DYNAMODB_ENDPOINT_TAG, TABLE_TAG } from '../functions/lib/store/table-tags';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly endpointUrl?: string;
  readonly dynamodbEndpointUrl?: string;
  readonly region?: string;
  readonly stateMachineArn?: string;
  readonly table?: string;
}

/** Where a command prints: results to `out`, diagnostics to `err`. */
export interface Output {
  readonly isTTY: boolean;
  out(line: string): void;
  err(line: string): void;
  /** Raw text to stdout (no newline added), for redrawing progress on a terminal. */
  write(text: string): void;
}

export interface CliContext {
  readonly sfn: SFNClient;
  /** The Step Functions endpoint URL, when one is given (undefined: AWS's own). */
  readonly endpoint?: string;
  readonly output: Output;
  /** The state machine: flag, PAGEWALK_STATE_MACHINE_ARN, or the only (pagewalk) one listed. */
  stateMachineArn(): Promise<string>;
  /** The run table, or undefined when neither a flag, PAGEWALK_TABLE_NAME nor a tag names it. */
  table(): Promise<RunTable | undefined>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Releases the clients' connections. */
  close(): void;
}

export interface RunTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A user-facing failure: printed without a stack trace, exit code 1 (or `exitCode`). */
export class CliError extends PagewalkError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super('CliError', message);
  }
}

/** Whether a URL names this machine: the local endpoint, which takes any credentials. */
export function isLoopback(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * An endpoint URL as given, or a usage error naming the flag (or variable) when it is not
 * an http(s) URL: the SDK would report a bare `host:port` as "Region is missing".
 */
function checkedUrl(url: string | undefined, flag: string, fromFlag: string | undefined): string | undefined {
  if (url === undefined || url === '') return undefined;
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) {
    const where =
      fromFlag !== undefined
        ? `--${flag}-url`
        : `AWS_ENDPOINT_URL_${flag === 'endpoint' ? 'SFN' : 'DYNAMODB'}`;
    throw new CliError(
      `${where} must be a URL such as http://127.0.0.1:8083 (with http:// or https://); got ${url}`,
      2,
    );
  }
  return url;
}

/** Builds the clients from flags and the environment (the SDK's own variables still apply). */
export function createContext(
  options: GlobalOptions,
  output: Output,
  env: NodeJS.ProcessEnv = process.env,
): CliContext {
  const endpoint = checkedUrl(
    options.endpointUrl ?? env.AWS_ENDPOINT_URL_SFN,
    'endpoint',
    options.endpointUrl,
  );
  checkedUrl(
    options.dynamodbEndpointUrl ?? env.AWS_ENDPOINT_URL_DYNAMODB,
    'dynamodb-endpoint',
    options.dynamodbEndpointUrl,
  );
  const local = isLoopback(endpoint);
  const region =
    options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined);
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  // The local endpoint ignores signatures but the SDK insists on signing with something.
  const credentials =
    local && !hasCredentials ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
  const common = { ...(region ? { region } : {}), ...(credentials ? { credentials } : {}) };
  const sfn = new SFNClient({ ...common, ...(endpoint ? { endpoint } : {}) });

  let arn: Promise<string> | undefined;
  let tags: Promise<Record<string, string>> | undefined;
  let table: Promise<RunTable | undefined> | undefined;
  let dynamo: DynamoDBClient | undefined;

  const stateMachineArn = () => {
    arn ??= resolveStateMachineArn(sfn, options.stateMachineArn ?? env.PAGEWALK_STATE_MACHINE_ARN);
    return arn;
  };
  const stateMachineTags = () => {
    tags ??= stateMachineArn().then(async (resourceArn) => {
      try {
        const out = await sfn.send(new ListTagsForResourceCommand({ resourceArn }));
        return Object.fromEntries((out.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));
      } catch {
        return {}; // tags only help find the table; lacking permission is no error
      }
    });
    return tags;
  };

  return {
    sfn,
    endpoint,
    output,
    stateMachineArn,
    table: () => {
      table ??= (async () => {
        const needTags =
          !(options.table ?? env.PAGEWALK_TABLE_NAME) || (local && !options.dynamodbEndpointUrl);
        const tagged = needTags ? await stateMachineTags() : {};
        const tableName = options.table ?? env.PAGEWALK_TABLE_NAME ?? tagged[TABLE_TAG];
        if (!tableName) return undefined;
        // The local endpoint knows where its handlers write; that outlives an exported variable.
        const dynamoEndpoint = options.dynamodbEndpointUrl ?? tagged[DYNAMODB_ENDPOINT_TAG];
        const dynamoLocal = isLoopback(dynamoEndpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB);
        dynamo = new DynamoDBClient({
          ...(region ? { region } : {}),
          ...(dynamoLocal && !hasCredentials
            ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
            : {}),
          ...(dynamoEndpoint ? { endpoint: dynamoEndpoint } : {}),
        });
        return { client: DynamoDBDocumentClient.from(dynamo), tableName };
      })();
      return table;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    close: () => {
      sfn.destroy();
      dynamo?.destroy();
    },
  };
}

async function resolveStateMachineArn(sfn: SFNClient, given: string | undefined): Promise<string> {
  if (given) return given;
  const all: Array<{ arn: string; name: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    for (const m of page.stateMachines ?? []) all.push({ arn: m.stateMachineArn ?? '', name: m.name ?? '' });
    nextToken = page.nextToken;
  } while (nextToken);
  // The all-jobs sync's machine (pagewalk-all-jobs locally, <stack>-AllJobsSync... on AWS) is not the loop's.
  const pagewalk = all.filter((m) => /pagewalk/i.test(m.name) && !/all-?jobs/i.test(m.name));
  const only = all.length === 1 ? all[0] : pagewalk.length === 1 ? pagewalk[0] : undefined;
  if (only) return only.arn;
  throw new CliError(
    all.length === 0
      ? 'no state machine found; pass --state-machine-arn or set PAGEWALK_STATE_MACHINE_ARN'
      : `cannot tell which state machine to use (${all.map((m) => m.name).join(', ')}); pass --state-machine-arn or set PAGEWALK_STATE_MACHINE_ARN`,
  );
}

/** Output to the process's streams. */
export function processOutput(): Output {
  return {
    isTTY: Boolean(process.stdout.isTTY),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
  };
}
