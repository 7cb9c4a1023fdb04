import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../../functions/lib/store/run-record';
import {
  type LocalEvent,
  type LocalExecutionResult,
  type LocalHandlers,
  loadPagewalkHandlers,
  startLocalExecution,
} from '../../local/engine';
import { collectionKeys, readRunRecord } from '../../local/inspect';
import type { GlueSandboxOptions } from '../../local/sandbox/glue';
import type { MarketplaceSandboxOptions } from '../../local/sandbox/marketplace';
import { type LocalStack, startLocalStack } from '../../local/stack';

/** A local stack (dynalite + Glue sandbox on loopback) with the real handlers, for scenario tests. */
export interface Scenario {
  readonly stack: LocalStack;
  readonly handlers: LocalHandlers;
  /** Runs the state machine to its end; retries wait 0 ms so backoff does not slow the suite. */
  execute(
    input: unknown,
    options?: {
      onEvent?: (e: LocalEvent) => void;
      name?: string;
      /** Replaces handlers by placeholder, e.g. to act on the sandbox between two calls. */
      handlers?: Partial<LocalHandlers>;
    },
  ): Promise<LocalExecutionResult>;
  /** Every sort key stored for a collection, in table order. */
  storedKeys(collection: string): Promise<string[]>;
  runRecord(runId: string): Promise<RunRecord | undefined>;
  close(): Promise<void>;
}

export async function startScenario(
  glue: GlueSandboxOptions = {},
  marketplace: MarketplaceSandboxOptions = {},
): Promise<Scenario> {
  const stack = await startLocalStack({
    tableName: `pagewalk-test-${randomUUID().slice(0, 8)}`,
    glue,
    marketplace,
    honourEndpointVariables: false,
  });
  const handlers = await loadPagewalkHandlers();
  return {
    stack,
    handlers,
    execute: (input, options = {}) =>
      startLocalExecution({
        name: options.name ?? randomUUID(),
        input,
        handlers: { ...handlers, ...options.handlers } as LocalHandlers,
        retryDelayMs: 0,
        onEvent: options.onEvent,
      }).result,
    storedKeys: (collection) => collectionKeys(stack.documentClient, stack.tableName, collection),
    runRecord: (runId) => readRunRecord(stack.documentClient, stack.tableName, runId),
    close: () => stack.close(),
  };
}
