import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Token } from 'aws-cdk-lib';
import { loadHttpDefinitions } from '../functions/lib/sources/catalog';
import type { HttpSourceDefinition } from '../functions/lib/sources/http-definition';
import { describeEndpoint, endpointProblem } from '../functions/lib/sources/http-definition';
import { fromRepoRoot, REPO_ROOT } from './paths';

/** Where the definitions live in a function's bundle: the registry reads `${LAMBDA_TASK_ROOT}/sources`. */
export const BUNDLED_SOURCES_DIR = 'sources';

/** The variables a definition may name to move its endpoint; the same rule the definition parser applies. */
const ENDPOINT_VARIABLE = /^PAGEWALK_ENDPOINT_URL_[A-Z0-9_]+$/;

/** A customer managed key and the secrets (named by definitions) it encrypts. */
export interface SecretKey {
  readonly keyArn: string;
  readonly secretArns: readonly string[];
}

/** The HTTP source definitions a deployment ships, read and validated at synth. */
export interface SourceDefinitions {
  /** Absolute path of the folder the definitions come from. */
  readonly dir: string;
  /** The definition files (`*.json`), by name, copied into the bundles. */
  readonly files: readonly string[];
  readonly definitions: readonly HttpSourceDefinition[];
  /** Every `auth.secretArn`, once each, sorted: fetch-page may read exactly these. */
  readonly secretArns: readonly string[];
  /** Every `endpoint.variable`, once each, sorted: the only keys `sourceEndpoints` may set. */
  readonly endpointVariables: readonly string[];
  /** Every `auth.kmsKeyArn` with the secrets it encrypts: fetch-page may decrypt exactly those. */
  readonly secretKeys: readonly SecretKey[];
}

/** A definition's header auth, which names its secret itself (an `lwa` one's comes from the stack). */
const headerAuth = (definition: HttpSourceDefinition) =>
  definition.auth && definition.auth.type !== 'lwa' ? definition.auth : undefined;

/**
 * Reads and validates the definitions in `dir` with the loader the Lambda runs at cold start,
 * so a definition the handlers would reject fails `cdk synth` with the same message instead
 * of failing the first execution. A relative `dir` is taken from the repository root.
 */
export function loadSourceDefinitions(dir: string = fromRepoRoot('sources')): SourceDefinitions {
  const absolute = resolve(REPO_ROOT, dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new Error(`sourceDefinitionsDir must be a folder of HTTP source definitions; got ${absolute}`);
  }
  const definitions = loadHttpDefinitions(absolute);
  const unique = (values: (string | undefined)[]) =>
    [...new Set(values.filter((value): value is string => value !== undefined))].sort();
  return {
    dir: absolute,
    files: readdirSync(absolute)
      .filter((file) => file.endsWith('.json'))
      .sort(),
    definitions,
    secretArns: unique(definitions.map((definition) => headerAuth(definition)?.secretArn)),
    endpointVariables: unique(definitions.map((definition) => definition.endpoint.variable)),
    secretKeys: unique(definitions.map((definition) => headerAuth(definition)?.kmsKeyArn)).map((keyArn) => ({
      keyArn,
      secretArns: unique(
        definitions.filter((d) => headerAuth(d)?.kmsKeyArn === keyArn).map((d) => headerAuth(d)?.secretArn),
      ),
    })),
  };
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
 * Shell commands that copy the definition files into a bundle's `sources/` folder. They run
 * on this machine after esbuild (local bundling, no Docker), and the copies are part of the
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
