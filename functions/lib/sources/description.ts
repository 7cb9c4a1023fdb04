import type { SourceDefinition, UsagePlan } from './definition';
import { collectionOf, type ParamValues, parseParams } from './params';
import type { SourceDescription } from './source';

/** What an execution may ask of a definition, plus what the core paces and polls by. */
export interface DefinitionDescription extends SourceDescription<ParamValues> {
  /** Paced by the state machine at this quota; absent: unpaced (a throttle is retried). */
  readonly usagePlan?: UsagePlan;
  /** Seconds a continuation token stays valid. */
  readonly tokenLifetimeSeconds?: number;
  /** A continuation answered with the very token it sent means "nothing more for now". */
  readonly repeatedTokenMeansCaughtUp?: boolean;
}

/**
 * What an execution may ask of a definition of either kind (its params, page sizes, collection,
 * quota), without the code that calls the API: start-run and the HTTP API validate input with
 * this alone, so their bundles carry no SDK client.
 */
export function describeDefinition(definition: SourceDefinition): DefinitionDescription {
  return {
    name: definition.name,
    signal: definition.signal,
    pageSize: definition.pageSize,
    ...(definition.usagePlan ? { usagePlan: definition.usagePlan } : {}),
    ...(definition.tokenLifetimeSeconds === undefined
      ? {}
      : { tokenLifetimeSeconds: definition.tokenLifetimeSeconds }),
    ...(definition.repeatedTokenMeansCaughtUp === undefined
      ? {}
      : { repeatedTokenMeansCaughtUp: definition.repeatedTokenMeansCaughtUp }),
    parseParams: (params: unknown) => parseParams(definition, params),
    collection: (params: ParamValues) => collectionOf(definition.name, params),
  };
}
