import type { SourceDefinition } from './definition';
import { collectionOf, type ParamValues, parseParams } from './params';
import type { SourceDescription } from './source';

/**
 * What an execution may ask of a definition of either kind (its params, page sizes, collection),
 * and what the core paces and polls by (usage plan, token lifetime, the repeated-token signal),
 * without the code that calls the API: start-run and the HTTP API validate input with this
 * alone, so their bundles carry no SDK client.
 */
export function describeDefinition(definition: SourceDefinition): SourceDescription<ParamValues> {
  const { usagePlan, tokenLifetimeSeconds, repeatedTokenMeansCaughtUp } = definition;
  return {
    name: definition.name,
    signal: definition.signal,
    pageSize: definition.pageSize,
    ...(usagePlan ? { usagePlan: { rate: usagePlan.rate, burst: usagePlan.burst } } : {}),
    ...(tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds }),
    ...(repeatedTokenMeansCaughtUp ? { repeatedTokenMeansCaughtUp: true } : {}),
    parseParams: (params: unknown) => parseParams(definition, params),
    collection: (params: ParamValues) => collectionOf(definition.name, params),
  };
}
