import { describeSource, httpDefinitions } from './catalog';
import { glueGetJobRuns } from './glue-get-job-runs';
import { createHttpSource } from './http-source';
import type { Source } from './source';

let sources: Map<string, Source> | undefined;

/** Every source with its calls, built once per container: the built-in ones and the deployed definitions. */
function allSources(): Map<string, Source> {
  sources ??= new Map(
    [glueGetJobRuns as Source, ...httpDefinitions().map((d) => createHttpSource(d) as Source)].map(
      (source) => [source.name, source],
    ),
  );
  return sources;
}

/**
 * The source registered under `name`, with the calls that fetch its pages (fetch-page only:
 * anything that only validates input reads `describeSource` in `catalog.ts`, whose bundle
 * carries no source client). `InvalidInput` naming the allowed values otherwise.
 */
export function getSource(name: unknown): Source {
  const { name: known } = describeSource(name);
  const source = allSources().get(known);
  if (!source) throw new Error(`source ${known} is described but has no calls registered`);
  return source;
}
