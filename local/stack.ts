import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sourceDefinitions } from '../functions/lib/sources/catalog';
import { isAwsDefinition } from '../functions/lib/sources/definition';
import { ensureTable, startEmbeddedDynamo } from './dynamodb';
import { type GlueSandbox, type GlueSandboxOptions, startGlueSandbox } from './sandbox/glue';
import {
  type MarketplaceSandbox,
  type MarketplaceSandboxOptions,
  startMarketplaceSandbox,
} from './sandbox/marketplace';
import { type S3Sandbox, type S3SandboxOptions, startS3Sandbox } from './sandbox/s3';

/** The variable the shipped marketplace definitions read their endpoint from. */
export const MARKETPLACE_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_MARKETPLACE';

export const DEFAULT_TABLE_NAME = 'pagewalk-local';

/** Where a local run points an AWS service it has no stand-in for: nothing listens on port 1. */
export const UNREACHABLE_ENDPOINT = 'http://127.0.0.1:1';

export interface LocalStackOptions {
  readonly tableName?: string;
  /** dynalite's data folder; in memory when omitted. */
  readonly dataDir?: string;
  readonly glue?: GlueSandboxOptions;
  readonly marketplace?: MarketplaceSandboxOptions;
  /**
   * Start the local S3 (s3rver, seeded with the demo bucket) too, unless AWS_ENDPOINT_URL_S3
   * names one. @default - no S3 (npm start and npm run serve start it)
   */
  readonly s3?: S3SandboxOptions;
  /**
   * Use endpoints already named by AWS_ENDPOINT_URL_GLUE / AWS_ENDPOINT_URL_DYNAMODB /
   * AWS_ENDPOINT_URL_S3 / PAGEWALK_ENDPOINT_URL_MARKETPLACE instead of starting embedded ones.
   * @default true
   */
  readonly honourEndpointVariables?: boolean;
}

/** The services a local run talks to, reached by the handlers through the SDK's endpoint variables only. */
export interface LocalStack {
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  readonly glueEndpoint: string;
  readonly marketplaceEndpoint: string;
  /** The S3 endpoint, when one was asked for (`s3`) or given (AWS_ENDPOINT_URL_S3). */
  readonly s3Endpoint?: string;
  /** Set when this stack started its own sandbox (not when an external endpoint was given). */
  readonly glue?: GlueSandbox;
  readonly marketplace?: MarketplaceSandbox;
  readonly s3?: S3Sandbox;
  /** Set when this stack started dynalite on disk. */
  readonly dataDir?: string;
  readonly dynamoStartedHere: boolean;
  readonly documentClient: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/**
 * Starts (or adopts) DynamoDB and Glue endpoints, creates the table, and sets the variables
 * the handlers read: AWS_ENDPOINT_URL_*, TABLE_NAME, and a region and dummy credentials when
 * none are set. Call before the handlers are imported.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const honour = options.honourEndpointVariables ?? true;
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const closers: Array<() => Promise<void>> = [];

  process.env.AWS_REGION ??= 'us-east-1';
  // Local runs may use Node 20; the SDK's notice that it will need Node 22 (as Lambda runs) is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The handlers' JSON logs are for CloudWatch; locally the runner prints progress itself.
  // Set POWERTOOLS_LOG_LEVEL=INFO to see them.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // The SDK signs every request; local endpoints ignore the signature but need one.
  if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }

  let dynamoEndpoint = honour ? process.env.AWS_ENDPOINT_URL_DYNAMODB : undefined;
  const dynamoStartedHere = !dynamoEndpoint;
  if (!dynamoEndpoint) {
    const dynamo = await startEmbeddedDynamo({ path: options.dataDir });
    closers.push(() => dynamo.close());
    dynamoEndpoint = dynamo.url;
  }

  let glueEndpoint = honour ? process.env.AWS_ENDPOINT_URL_GLUE : undefined;
  let glue: GlueSandbox | undefined;
  if (!glueEndpoint) {
    glue = await startGlueSandbox(options.glue);
    closers.push(() => (glue as GlueSandbox).close());
    glueEndpoint = glue.url;
  }

  let marketplaceEndpoint = honour ? process.env[MARKETPLACE_ENDPOINT_VARIABLE] : undefined;
  let marketplace: MarketplaceSandbox | undefined;
  if (!marketplaceEndpoint) {
    marketplace = await startMarketplaceSandbox(options.marketplace);
    closers.push(() => (marketplace as MarketplaceSandbox).close());
    marketplaceEndpoint = marketplace.url;
  }

  let s3Endpoint = honour ? process.env.AWS_ENDPOINT_URL_S3 : undefined;
  let s3: S3Sandbox | undefined;
  if (!s3Endpoint && options.s3) {
    s3 = await startS3Sandbox(options.s3);
    closers.push(() => (s3 as S3Sandbox).close());
    s3Endpoint = s3.url;
  }
  if (s3Endpoint) process.env.AWS_ENDPOINT_URL_S3 = s3Endpoint;

  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  process.env[MARKETPLACE_ENDPOINT_VARIABLE] = marketplaceEndpoint;
  process.env.AWS_ENDPOINT_URL_GLUE = glueEndpoint;
  // Start run asks Step Functions whether a lease holder still runs. Without a local endpoint
  // that call must still never leave the machine: nothing listens on port 1, so it fails and
  // the start is refused with that reason (npm run serve points this at itself). The same holds
  // for every AWS source without a local stand-in (CloudTrail, SSM, ...): never real AWS.
  process.env.AWS_ENDPOINT_URL_SFN ??= UNREACHABLE_ENDPOINT;
  for (const definition of sourceDefinitions()) {
    if (isAwsDefinition(definition)) process.env[definition.client.endpointVariable] ??= UNREACHABLE_ENDPOINT;
  }
  process.env.TABLE_NAME = tableName;

  const client = new DynamoDBClient({ endpoint: dynamoEndpoint });
  await ensureTable(client, tableName);
  const documentClient = DynamoDBDocumentClient.from(client);

  return {
    tableName,
    dynamoEndpoint,
    glueEndpoint,
    glue,
    marketplaceEndpoint,
    marketplace,
    s3Endpoint,
    s3,
    dataDir: dynamoStartedHere ? options.dataDir : undefined,
    dynamoStartedHere,
    documentClient,
    close: async () => {
      client.destroy();
      for (const close of closers.reverse()) await close();
    },
  };
}
