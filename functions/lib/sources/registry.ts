import { InvalidInput } from '../errors';
import { glueGetJobRuns } from './glue-get-job-runs';
import type { Source } from './source';

const SOURCES: ReadonlyMap<string, Source> = new Map<string, Source>(
  [glueGetJobRuns as Source].map((source) => [source.name, source]),
);

/** Names an execution may give as `source`. */
export const SOURCE_NAMES: readonly string[] = [...SOURCES.keys()];

/** The source registered under `name`; `InvalidInput` naming the allowed values otherwise. */
export function getSource(name: unknown): Source {
  const source = typeof name === 'string' ? SOURCES.get(name) : undefined;
  if (!source) {
    throw new InvalidInput(
      `source must be one of: ${SOURCE_NAMES.join(', ')}; got ${name === undefined ? 'nothing' : JSON.stringify(name)}`,
    );
  }
  return source;
}
