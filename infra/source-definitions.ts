import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Token } from 'aws-cdk-lib';
import {
  type AwsSourceDefinition,
  deployedByDefault,
  type HttpHeaderAuth,
  type HttpLwaAuth,
  type HttpSourceDefinition,
  isAwsDefinition,
  type SourceDefinition,
} from '../functions/lib/sources/definition';
import { describeEndpoint, endpointProblem } from '../functions/lib/sources/http-endpoint';
import { LWA_ENDPOINT_VARIABLE } from '../functions/lib/sources/lwa';
import { checkAgainstSdk } from '../schema/aws-sdk-check';
import { checkDefinitionsDir } from '../schema/definitions';
import { fromRepoRoot, REPO_ROOT } from './paths';

/** Where the definitions live in a function's bundle: the registry reads `${LAMBDA_TASK_ROOT}/sources`. */
export const BUNDLED_SOURCES_DIR = 'sources';

/** The variables a definition may name to move its endpoint; the same rule the definition schema applies. */
const ENDPOINT_VARIABLE = /^PAGEWALK_ENDPOINT_URL_[A-Z0-9_]+$/;

/** A customer managed key and the secrets (named by definitions) it encrypts. */
export interface SecretKey {
  readonly keyArn: string;
  readonly secretArns: readonly string[];
}

/** The source definitions a deployment ships, read and validated at synth. */
export interface SourceDefinitions {
  /** Absolute path of the folder the definitions come from. */
  readonly dir: string;
  /** The deployed definitions' files (`*.json`), by name, copied into the bundles. */
  readonly files: readonly string[];
  /** The deployed definitions. */
  readonly definitions: readonly SourceDefinition[];
  /** The deployed AWS definitions: fetch-page bundles their clients and is granted their reads. */
  readonly aws: readonly AwsSourceDefinition[];
  /** Every name in the folder, deployed or not, for messages. */
  readonly available: readonly string[];
  /** Every `auth.secretArn`, once each, sorted: fetch-page may read exactly these. */
  readonly secretArns: readonly string[];
  /** Every `endpoint.variable`, once each, sorted: the only keys `sourceEndpoints` may set. */
  readonly endpointVariables: readonly string[];
  /** Every `auth.kmsKeyArn` with the secrets it encrypts: fetch-page may decrypt exactly those. */
  readonly secretKeys: readonly SecretKey[];
  /** The deployed definitions that authenticate with Login with Amazon (their secret comes from the stack). */
  readonly lwa: readonly HttpSourceDefinition[];
  /** Definitions deployed by default that were left out because the stack names no secret for their Login with Amazon auth. */
  readonly withoutSecret: readonly string[];
}

/** A definition's Login with Amazon auth, when it has one. */
export function lwaAuth(definition: SourceDefinition): HttpLwaAuth | undefined {
  return !isAwsDefinition(definition) && definition.auth?.type === 'lwa' ? definition.auth : undefined;
}

/** A definition's header auth, which names its secret itself. */
const headerAuth = (definition: HttpSourceDefinition): HttpHeaderAuth | undefined =>
  definition.auth && definition.auth.type !== 'lwa' ? definition.auth : undefined;

/**
 * Reads the definitions in `dir` and checks each (the JSON Schema, the rules across fields, and
 * each deployed AWS definition against the SDK it names), so a definition the handlers could not
 * run fails `cdk synth` naming the file and the field. `names` chooses which deploy (every
 * definition deployed by default when undefined: Glue and the HTTP ones); a name not in the
 * folder fails. A relative `dir` is taken from the repository root. A Login with Amazon
 * definition deploys only when the stack provides its secret (`secretVariables`, the variables
 * the stack sets): left out by default otherwise, refused when named.
 */
export function loadSourceDefinitions(
  dir: string = fromRepoRoot('sources'),
  names?: readonly string[],
  secretVariables: readonly string[] = [],
): SourceDefinitions {
  const absolute = resolve(REPO_ROOT, dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new Error(`sourceDefinitionsDir must be a folder of source definitions; got ${absolute}`);
  }
  const checked = checkDefinitionsDir(absolute, false);
  const available = checked.map(({ definition }) => definition.name);
  for (const name of names ?? []) {
    if (!available.includes(name)) {
      throw new Error(
        `sources names ${JSON.stringify(name)}, which is not in ${absolute}; it has ${available.join(', ')}`,
      );
    }
  }
  const hasSecret = (definition: SourceDefinition) => {
    const auth = lwaAuth(definition);
    return auth === undefined || secretVariables.includes(auth.secretArnVariable);
  };
  const withoutSecret: string[] = [];
  const deployed = checked.filter(({ definition }) => {
    if (names !== undefined && !names.includes(definition.name)) return false;
    if (names === undefined && !deployedByDefault(definition)) return false;
    if (hasSecret(definition)) return true;
    if (names !== undefined) {
      throw new Error(
        `sources names ${definition.name}, which authenticates with Login with Amazon, but spapiSecretArn is not set: deploy with -c spapiSecretArn=<the secret's ARN> (see the README's deploy section)`,
      );
    }
    withoutSecret.push(definition.name);
    return false;
  });
  for (const { definition, where } of deployed) {
    if (isAwsDefinition(definition)) checkAgainstSdk(definition, where);
  }
  const definitions = deployed.map(({ definition }) => definition);
  const http = definitions.filter((d): d is HttpSourceDefinition => !isAwsDefinition(d));
  const unique = (values: (string | undefined)[]) =>
    [...new Set(values.filter((value): value is string => value !== undefined))].sort();
  return {
    dir: absolute,
    files: deployed.map(({ file }) => file),
    definitions,
    aws: definitions.filter(isAwsDefinition),
    available,
    secretArns: unique(http.map((definition) => headerAuth(definition)?.secretArn)),
    endpointVariables: unique(
      http.flatMap((definition) => [definition.endpoint.variable, lwaTokenVariable(definition)]),
    ),
    secretKeys: unique(http.map((definition) => headerAuth(definition)?.kmsKeyArn)).map((keyArn) => ({
      keyArn,
      secretArns: unique(
        http.filter((d) => headerAuth(d)?.kmsKeyArn === keyArn).map((d) => headerAuth(d)?.secretArn),
      ),
    })),
    lwa: http.filter((definition) => lwaAuth(definition) !== undefined),
    withoutSecret,
  };
}

/** The variable that moves a Login with Amazon definition's token endpoint. */
function lwaTokenVariable(definition: HttpSourceDefinition): string | undefined {
  const auth = lwaAuth(definition);
  return auth ? (auth.tokenEndpoint ? auth.tokenEndpoint.variable : LWA_ENDPOINT_VARIABLE) : undefined;
}

/**
 * Checks deploy-time endpoint overrides: each key must be a variable some definition names
 * (so a typo cannot silently leave the default endpoint in place), each value an https://
 * origin (http:// only to a loopback host), by the rule the definitions' baseUrl follows.
 */
export function checkSourceEndpoints(
  endpoints: Readonly<Record<string, string>>,
  sources: SourceDefinitions,
): Record<string, string> {
  for (const [variable, url] of Object.entries(endpoints)) {
    if (!ENDPOINT_VARIABLE.test(variable)) {
      throw new Error(
        `sourceEndpoints keys must match ${ENDPOINT_VARIABLE.source}; got ${JSON.stringify(variable)}`,
      );
    }
    if (!sources.endpointVariables.includes(variable)) {
      const used = sources.endpointVariables.join(', ') || 'none';
      throw new Error(
        `sourceEndpoints.${variable} is named by no source definition in ${sources.dir}; they name: ${used}`,
      );
    }
    const problem = typeof url === 'string' && Token.isUnresolved(url) ? undefined : endpointProblem(url);
    if (problem) throw new Error(`sourceEndpoints.${variable} ${problem}; got ${describeEndpoint(url)}`);
  }
  return { ...endpoints };
}

/** Quotes `value` for the POSIX shell that runs local bundling commands. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Shell commands that copy the deployed definition files into a bundle's `sources/` folder. They
 * run on this machine after esbuild (local bundling, no Docker), and the copies are part of the
 * asset, so changing a definition changes the asset hash and redeploys the function.
 */
export function copyDefinitionsCommands(sources: SourceDefinitions, outputDir: string): string[] {
  if (sources.files.length === 0) return [];
  const target = join(outputDir, BUNDLED_SOURCES_DIR);
  return [
    `mkdir -p ${shellQuote(target)}`,
    ...sources.files.map(
      (file) => `cp ${shellQuote(join(sources.dir, file))} ${shellQuote(join(target, file))}`,
    ),
  ];
}
