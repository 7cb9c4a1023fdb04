import { AWS_CLIENTS } from '#aws-clients';
import { createAwsSource } from './aws-source';
import { describeSource, sourceDefinitions } from './catalog';
import { isAwsDefinition } from './definition';
import { createHttpSource } from './http-source';
import type { Source } from './source';

let sources: Map<string, Source> | undefined;

/**
 * Every deployed source with its calls, built once per container. An AWS source takes its client
 * and command from `#aws-clients`: the module the stack generates for the definitions it deploys
 * (locally, functions/lib/sources/aws-clients.ts, generated for every definition in sources/).
 */
function allSources(): Map<string, Source> {
  sources ??= new Map(
    sourceDefinitions().map((d) => [
      d.name,
      (isAwsDefinition(d) ? createAwsSource(d, AWS_CLIENTS) : createHttpSource(d)) as Source,
    ]),
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
