import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sourceDefinitions } from '../functions/lib/sources/catalog';
import { isAwsDefinition } from '../functions/lib/sources/definition';
import { ensureTable, startEmbeddedDynamo } from './dynamodb';
import { startLazyEndpoint } from './lazy-endpoint';
import { createSandboxClock } from './sandbox/clock';
import { type GlueSandbox, type GlueSandboxOptions, startGlueSandbox } from './sandbox/glue';
import { type LwaSandbox, startLwaSandbox } from './sandbox/lwa';
import { createLwaAuthority } from './sandbox/lwa-authority';
import { generateLwaCredentials, type LwaCredentials } from './sandbox/lwa-credentials';
import {
  type MarketplaceSandbox,
  type MarketplaceSandboxOptions,
  startMarketplaceSandbox,
} from './sandbox/marketplace';
import { type S3Sandbox, type S3SandboxOptions, startS3Sandbox } from './sandbox/s3';
import {
  localSecretArn,
  type SecretsManagerSandbox,
  startSecretsManagerSandbox,
} from './sandbox/secrets-manager';
import { type SpApiSandbox, type SpApiSandboxOptions, startSpApiSandbox } from './sandbox/spapi';

/** The variable the shipped marketplace definitions read their endpoint from. */
export const MARKETPLACE_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_MARKETPLACE';
/** The Selling Partner API's base URL (e.g. https://sellingpartnerapi-na.amazon.com). */
export const SPAPI_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_SPAPI';
/** Login with Amazon's base URL (e.g. https://api.amazon.com); the token endpoint is its /auth/o2/token. */
export const LWA_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_LWA';
/** The SDK's own variable for Secrets Manager's endpoint. */
export const SECRETS_MANAGER_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_SECRETS_MANAGER';
/** The ARN of the secret holding the LWA client id, client secret and refresh token the SP-API sources use. */
export const SPAPI_SECRET_ARN_VARIABLE = 'PAGEWALK_SPAPI_SECRET_ARN';
/** The local Secrets Manager's name for the SP-API sandbox's LWA credentials. */
export const LOCAL_SPAPI_SECRET_NAME = 'pagewalk/spapi-lwa';
/** Its ARN, the same in every data folder. */
export const LOCAL_SPAPI_SECRET_ARN = localSecretArn(LOCAL_SPAPI_SECRET_NAME);

/** What the local SP-API, LWA and Secrets Manager are started with. */
export interface SellingPartnerOptions extends SpApiSandboxOptions {
  /** The LWA credentials LWA accepts and the secret holds. Default: fresh ones. */
  readonly credentials?: LwaCredentials;
}

export const DEFAULT_TABLE_NAME = 'pagewalk-local';

/** The SDK's endpoint variable for S3, which the local S3 (s3rver) answers when it runs. */
export const S3_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_S3';

/** Where a local run points an AWS service it has no stand-in for: nothing listens on port 1. */
export const UNREACHABLE_ENDPOINT = 'http://127.0.0.1:1';

export interface LocalStackOptions {
  readonly tableName?: string;
  /** dynalite's data folder; in memory when omitted. */
  readonly dataDir?: string;
  readonly glue?: GlueSandboxOptions;
  /** A Glue endpoint to use instead of starting the sandbox here (the bench runs it in a process of its own). */
  readonly glueEndpoint?: string;
  readonly marketplace?: MarketplaceSandboxOptions;
  readonly spapi?: SellingPartnerOptions;
  /**
   * Serve the local S3 (s3rver, seeded with the demo bucket) too, unless AWS_ENDPOINT_URL_S3
   * names one: its endpoint listens at once, s3rver starts on the first connection. @default - no S3 (npm start and npm run serve start it)
   */
  readonly s3?: S3SandboxOptions;
  /**
   * Use endpoints already named by AWS_ENDPOINT_URL_GLUE / AWS_ENDPOINT_URL_DYNAMODB /
   * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SECRETS_MANAGER / PAGEWALK_ENDPOINT_URL_MARKETPLACE /
   * _SPAPI / _LWA (and the secret PAGEWALK_SPAPI_SECRET_ARN names) instead of starting embedded
   * ones. @default true
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
  readonly spapiEndpoint: string;
  readonly lwaEndpoint: string;
  readonly secretsManagerEndpoint: string;
  /** The secret the SP-API sources read their LWA credentials from. */
  readonly spapiSecretArn: string;
  /** Set when this stack started its own sandbox (not when an external endpoint was given). */
  readonly glue?: GlueSandbox;
  readonly marketplace?: MarketplaceSandbox;
  readonly spapi?: SpApiSandbox;
  readonly lwa?: LwaSandbox;
  readonly secretsManager?: SecretsManagerSandbox;
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

  const adopted = (variable: string) => (honour ? process.env[variable] : undefined);
  const dynamo = await adoptOrStart(
    adopted('AWS_ENDPOINT_URL_DYNAMODB'),
    () => startEmbeddedDynamo({ path: options.dataDir }),
    closers,
  );
  const dynamoEndpoint = dynamo.endpoint;
  const dynamoStartedHere = dynamo.started !== undefined;
  const { endpoint: glueEndpoint, started: glue } = await adoptOrStart(
    options.glueEndpoint ?? adopted('AWS_ENDPOINT_URL_GLUE'),
    () => startGlueSandbox(options.glue),
    closers,
  );
  const { endpoint: marketplaceEndpoint, started: marketplace } = await adoptOrStart(
    adopted(MARKETPLACE_ENDPOINT_VARIABLE),
    () => startMarketplaceSandbox(options.marketplace),
    closers,
  );

  let s3Endpoint = adopted(S3_ENDPOINT_VARIABLE);
  let s3: S3Sandbox | undefined;
  if (!s3Endpoint && options.s3) {
    const s3Options = options.s3;
    // s3rver and its seed cost seconds: started when a run first talks to S3, not before.
    s3 = await startLazyEndpoint('the local S3', () => startS3Sandbox(s3Options));
    closers.push(() => (s3 as S3Sandbox).close());
    s3Endpoint = s3.url;
  }
  if (s3Endpoint) process.env[S3_ENDPOINT_VARIABLE] = s3Endpoint;
  const sellingPartner = await startSellingPartner(options.spapi ?? {}, adopted, closers);

  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  process.env[MARKETPLACE_ENDPOINT_VARIABLE] = marketplaceEndpoint;
  process.env[SPAPI_ENDPOINT_VARIABLE] = sellingPartner.spapiEndpoint;
  process.env[LWA_ENDPOINT_VARIABLE] = sellingPartner.lwaEndpoint;
  process.env[SECRETS_MANAGER_ENDPOINT_VARIABLE] = sellingPartner.secretsManagerEndpoint;
  process.env[SPAPI_SECRET_ARN_VARIABLE] = sellingPartner.spapiSecretArn;
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
    ...sellingPartner,
    dataDir: dynamoStartedHere ? options.dataDir : undefined,
    dynamoStartedHere,
    documentClient,
    close: async () => {
      client.destroy();
      for (const close of closers.reverse()) await close();
    },
  };
}

/**
 * The endpoint a variable named (`adopted`, when endpoint variables are honoured), or else the
 * URL of the service `start` starts here, which closes with the stack (it joins `closers`).
 */
async function adoptOrStart<Service extends { readonly url: string; close(): Promise<void> }>(
  adopted: string | undefined,
  start: () => Promise<Service>,
  closers: Array<() => Promise<void>>,
): Promise<{ endpoint: string; started: Service | undefined }> {
  if (adopted) return { endpoint: adopted, started: undefined };
  const started = await start();
  closers.push(() => started.close());
  return { endpoint: started.url, started };
}

type SellingPartner = Pick<
  LocalStack,
  | 'spapiEndpoint'
  | 'lwaEndpoint'
  | 'secretsManagerEndpoint'
  | 'spapiSecretArn'
  | 'spapi'
  | 'lwa'
  | 'secretsManager'
>;

/**
 * The SP-API and LWA sandboxes (each unless its variable names another endpoint), sharing one
 * clock and one authority so LWA's access tokens are the ones SP-API accepts; and the local
 * Secrets Manager holding their credentials, always provided unless its variable is set, also
 * when SP-API and LWA are elsewhere: every auth-bearing source then runs locally as deployed.
 */
async function startSellingPartner(
  options: SellingPartnerOptions,
  adopted: (variable: string) => string | undefined,
  closers: Array<() => Promise<void>>,
): Promise<SellingPartner> {
  const { credentials = generateLwaCredentials(), ...spapiOptions } = options;
  const authority = createLwaAuthority({
    credentials,
    tokenSecret: options.tokenSecret,
    clock: options.clock ?? createSandboxClock(),
  });

  const { endpoint: lwaEndpoint, started: lwa } = await adoptOrStart(
    adopted(LWA_ENDPOINT_VARIABLE),
    () => startLwaSandbox({ authority, latencyMs: options.latencyMs }),
    closers,
  );
  const { endpoint: spapiEndpoint, started: spapi } = await adoptOrStart(
    adopted(SPAPI_ENDPOINT_VARIABLE),
    () => startSpApiSandbox({ ...spapiOptions, authority }),
    closers,
  );
  const { endpoint: secretsManagerEndpoint, started: secretsManager } = await adoptOrStart(
    adopted(SECRETS_MANAGER_ENDPOINT_VARIABLE),
    () => startSecretsManagerSandbox({ secrets: { [LOCAL_SPAPI_SECRET_NAME]: JSON.stringify(credentials) } }),
    closers,
  );
  // A secret named by the caller wins only where endpoints are adopted too; otherwise it is the local one.
  const spapiSecretArn = adopted(SPAPI_SECRET_ARN_VARIABLE) ?? LOCAL_SPAPI_SECRET_ARN;
  return { spapiEndpoint, lwaEndpoint, secretsManagerEndpoint, spapiSecretArn, spapi, lwa, secretsManager };
}
