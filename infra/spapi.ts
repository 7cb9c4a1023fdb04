/**
 * The deploy-time settings of the Selling Partner API sources: which region's endpoint they
 * call, and the Secrets Manager secret holding the Login with Amazon credentials. Checked at
 * synth, naming the value and what is allowed; fetch-page gets them as environment variables
 * and may read that one secret only.
 */
import { Annotations } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { KMS_KEY_ARN } from './constructs/data-key';
import { useSecrets } from './constructs/page-functions';
import type { SourceDefinitions } from './source-definitions';
import { requireMatch, requireOneOf } from './validate';

/** SP-API's regions and their endpoints (the LWA token endpoint is api.amazon.com for all three). */
export const SPAPI_REGIONS = {
  na: 'https://sellingpartnerapi-na.amazon.com',
  eu: 'https://sellingpartnerapi-eu.amazon.com',
  fe: 'https://sellingpartnerapi-fe.amazon.com',
} as const;

export type SpApiRegion = keyof typeof SPAPI_REGIONS;

/** The variable the SP-API definitions read their endpoint from. */
export const SPAPI_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_SPAPI';
/** The variable the SP-API definitions' `lwa` auth reads the secret's ARN from. */
export const SPAPI_SECRET_ARN_VARIABLE = 'PAGEWALK_SPAPI_SECRET_ARN';

/**
 * A secret's complete ARN, with the six characters Secrets Manager appends to its name: the
 * IAM grant names exactly that secret (a partial ARN would match no resource).
 */
export const COMPLETE_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** What the stack props say about SP-API. */
export interface SpApiProps {
  readonly spapiRegion?: string;
  readonly spapiSecretArn?: string;
  readonly spapiSecretKmsKeyArn?: string;
}

/** The checked settings: absent when no secret is given (the SP-API sources are then not deployed). */
export interface SpApiSettings {
  readonly region: SpApiRegion;
  readonly endpoint: string;
  readonly secretArn: string;
  readonly kmsKeyArn?: string;
}

/**
 * Checks the SP-API props. Without `spapiSecretArn` there is nothing to authenticate with, so
 * the result is undefined, and a region or key given without it is refused rather than ignored.
 */
export function checkSpApiSettings(props: SpApiProps): SpApiSettings | undefined {
  const region =
    props.spapiRegion === undefined
      ? 'na'
      : requireOneOf('spapiRegion', props.spapiRegion, Object.keys(SPAPI_REGIONS) as SpApiRegion[]);
  if (props.spapiSecretArn === undefined) {
    for (const [name, value] of [
      ['spapiRegion', props.spapiRegion],
      ['spapiSecretKmsKeyArn', props.spapiSecretKmsKeyArn],
    ] as const) {
      if (value !== undefined) {
        throw new Error(
          `${name} is set (${JSON.stringify(value)}) but spapiSecretArn is not: the SP-API sources need the secret with their Login with Amazon credentials`,
        );
      }
    }
    return undefined;
  }
  const secretArn = requireMatch(
    'spapiSecretArn',
    props.spapiSecretArn,
    COMPLETE_SECRET_ARN,
    "a secret's complete ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (as create-secret prints it)",
  );
  const kmsKeyArn =
    props.spapiSecretKmsKeyArn === undefined
      ? undefined
      : requireMatch(
          'spapiSecretKmsKeyArn',
          props.spapiSecretKmsKeyArn,
          KMS_KEY_ARN,
          'a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id> (not an alias)',
        );
  return {
    region,
    endpoint: SPAPI_REGIONS[region],
    secretArn,
    ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
  };
}

/**
 * Wires the SP-API sources into fetch-page, or says at synth why they are not there: with the
 * secret and a deployed `spapi.*` source, fetch-page gets the region's endpoint (unless
 * `sourceEndpoints` moves it) and the secret's ARN, and may read that secret; without the
 * secret the sources are not deployed (`loadSourceDefinitions` left them out) and synth warns.
 */
export function deploySpApi(
  fn: NodejsFunction,
  spapi: SpApiSettings | undefined,
  sources: SourceDefinitions,
  sourceEndpoints: Readonly<Record<string, string>>,
  region: string | undefined,
): void {
  if (!spapi) {
    if (sources.withoutSecret.length > 0) {
      Annotations.of(fn).addWarningV2(
        'pagewalk:spapiNotDeployed',
        `${[...sources.withoutSecret].sort().join(', ')} not deployed: they authenticate with Login with Amazon and spapiSecretArn is not set. ` +
          'Store the credentials with aws secretsmanager create-secret and deploy with -c spapiSecretArn=<its ARN> (and -c spapiRegion=na|eu|fe).',
      );
    }
    return;
  }
  if (sources.lwa.length === 0) {
    Annotations.of(fn).addWarningV2(
      'pagewalk:spapiSecretUnused',
      `spapiSecretArn is set but no source that uses it is deployed (sources: ${sources.definitions.map((d) => d.name).join(', ')}): fetch-page is not allowed to read it.`,
    );
    return;
  }
  const moved = sourceEndpoints[SPAPI_ENDPOINT_VARIABLE];
  if (moved !== undefined && region !== undefined) {
    throw new Error(
      `spapiRegion (${JSON.stringify(region)}) and sourceEndpoints.${SPAPI_ENDPOINT_VARIABLE} (${JSON.stringify(moved)}) both set the SP-API endpoint: give one`,
    );
  }
  useSpApi(fn, moved === undefined ? spapi : { ...spapi, endpoint: undefined });
}

/**
 * Lets `fn` call the Selling Partner API: the region's endpoint and the Login with Amazon
 * secret's ARN as the variables the `spapi.*` definitions read, and GetSecretValue on that
 * secret only (and kms:Decrypt through Secrets Manager for it, when it has its own key).
 */
export function useSpApi(
  fn: NodejsFunction,
  spapi: Omit<SpApiSettings, 'endpoint'> & { readonly endpoint?: string },
): void {
  if (spapi.endpoint !== undefined) fn.addEnvironment(SPAPI_ENDPOINT_VARIABLE, spapi.endpoint);
  fn.addEnvironment(SPAPI_SECRET_ARN_VARIABLE, spapi.secretArn);
  useSecrets(
    fn,
    [spapi.secretArn],
    spapi.kmsKeyArn ? [{ keyArn: spapi.kmsKeyArn, secretArns: [spapi.secretArn] }] : [],
  );
}
