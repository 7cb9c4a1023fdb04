import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput } from '../errors';
import { glueGetJobRunsDescription } from './glue-get-job-runs-description';
import { type HttpSourceDefinition, parseHttpSourceDefinition } from './http-definition';
import { describeHttpSource } from './http-description';
import type { SourceDescription } from './source';

/**
 * The sources an execution may name, described without their clients. start-run, the HTTP
 * API and the synth read this; only fetch-page reads `registry.ts`, which adds the calls, so
 * only its bundle carries the Glue and Secrets Manager clients.
 */
const BUILT_IN: readonly SourceDescription[] = [glueGetJobRunsDescription as SourceDescription];

/**
 * Where deployed HTTP source definitions live: `SOURCE_DEFINITIONS_DIR`, else `sources/`
 * beside the bundle on Lambda (the CDK stack copies them there), else `sources/` in the
 * working directory (the repo, for local runs).
 */
export function definitionsDir(): string {
  return process.env.SOURCE_DEFINITIONS_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'sources');
}

/** Reads and validates every `*.json` definition in `dir`, refusing duplicate names. */
export function loadHttpDefinitions(dir: string): HttpSourceDefinition[] {
  if (!existsSync(dir)) return [];
  const names = new Set(BUILT_IN.map((s) => s.name));
  const definitions: HttpSourceDefinition[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const where = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(where, 'utf8'));
    } catch (error) {
      throw new Error(`source definition ${where}: not valid JSON (${(error as Error).message})`);
    }
    const definition = parseHttpSourceDefinition(raw, where);
    if (names.has(definition.name))
      throw new Error(`source definition ${where}: name ${definition.name} is already taken`);
    names.add(definition.name);
    definitions.push(definition);
  }
  return definitions;
}

let definitions: readonly HttpSourceDefinition[] | undefined;

/** The deployed HTTP source definitions, read and validated once per container. */
export function httpDefinitions(): readonly HttpSourceDefinition[] {
  definitions ??= loadHttpDefinitions(definitionsDir());
  return definitions;
}

let descriptions: Map<string, SourceDescription> | undefined;

function allDescriptions(): Map<string, SourceDescription> {
  descriptions ??= new Map(
    [...BUILT_IN, ...httpDefinitions().map((d) => describeHttpSource(d) as SourceDescription)].map(
      (source) => [source.name, source],
    ),
  );
  return descriptions;
}

/** Names an execution may give as `source`. */
export function sourceNames(): string[] {
  return [...allDescriptions().keys()];
}

/** The source described under `name`; `InvalidInput` naming the allowed values otherwise. */
export function describeSource(name: unknown): SourceDescription {
  const source = typeof name === 'string' ? allDescriptions().get(name) : undefined;
  if (!source) {
    throw new InvalidInput(
      `source must be one of: ${sourceNames().join(', ')}; got ${name === undefined ? 'nothing' : JSON.stringify(name)}`,
    );
  }
  return source;
}
