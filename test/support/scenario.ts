import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { RunRecord } from '../../functions/lib/store/run-record';
import {
  followRun,
  type LocalEvent,
  type LocalExecutionResult,
  type LocalHandlers,
  LocalStateMachine,
  loadPagewalkHandlers,
} from '../../local/engine';
import { collectionKeys, readRunRecord } from '../../local/inspect';
import type { GlueSandboxOptions } from '../../local/sandbox/glue';
import type { MarketplaceSandboxOptions } from '../../local/sandbox/marketplace';
import { type LocalStack, type SellingPartnerOptions, startLocalStack } from '../../local/stack';

/** Asserts that `stored` holds each key once, and exactly the keys of `expected`. */
export function expectEachOnce(stored: readonly string[], expected: readonly string[]): void {
  expect(new Set(stored).size).toBe(stored.length);
  expect([...stored].sort()).toEqual([...expected].sort());
}

/** The last execution of a run, with every segment it went through. */
export type ScenarioResult = LocalExecutionResult & { readonly segments: LocalExecutionResult[] };

export interface ExecuteOptions {
  readonly onEvent?: (e: LocalEvent, executionName: string) => void;
  readonly name?: string;
  /** Replaces handlers by placeholder, e.g. to act on the sandbox between two calls. */
  readonly handlers?: Partial<LocalHandlers>;
}

/** A local stack (dynalite and the sandboxes on loopback) with the real handlers, for scenario tests. */
export interface Scenario {
  readonly stack: LocalStack;
  readonly handlers: LocalHandlers;
  /**
   * Runs the state machine to its end, following continue-as-new segments; retries wait
   * 0 ms so backoff does not slow the suite. Stats are those of the first segment; the
   * name is the run id (the first execution's name).
   */
  execute(input: unknown, options?: ExecuteOptions): Promise<ScenarioResult>;
  /** Every sort key stored for a collection, in table order. */
  storedKeys(collection: string): Promise<string[]>;
  runRecord(runId: string): Promise<RunRecord | undefined>;
  close(): Promise<void>;
}

export async function startScenario(
  glue: GlueSandboxOptions = {},
  marketplace: MarketplaceSandboxOptions = {},
  spapi: SellingPartnerOptions = {},
): Promise<Scenario> {
  const stack = await startLocalStack({
    tableName: `pagewalk-test-${randomUUID().slice(0, 8)}`,
    glue,
    marketplace,
    spapi,
    honourEndpointVariables: false,
  });
  const handlers = await loadPagewalkHandlers();
  return {
    stack,
    handlers,
    async execute(input, options = {}) {
      const machine = new LocalStateMachine({
        handlers: { ...handlers, ...options.handlers } as LocalHandlers,
        retryDelayMs: 0,
        onEvent: options.onEvent,
      });
      const first = machine.start(options.name ?? randomUUID(), input);
      const { segments, last } = await followRun(machine, first);
      const head = segments[0] as LocalExecutionResult;
      return { ...last, name: head.name, stats: head.stats, segments };
    },
    storedKeys: (collection) => collectionKeys(stack.documentClient, stack.tableName, collection),
    runRecord: (runId) => readRunRecord(stack.documentClient, stack.tableName, runId),
    close: () => stack.close(),
  };
}
