import type { LocalStateMachine } from './machine';
import type { LocalExecutionResult, TrackedExecution } from './types';

/** The name of the execution an execution's output says it continued as, if any. */
export function continuedAs(result: LocalExecutionResult): string | undefined {
  const arn = (result.output as { continuedAs?: { executionArn?: string } } | undefined)?.continuedAs
    ?.executionArn;
  return arn ? arn.slice(arn.lastIndexOf(':') + 1) : undefined;
}

/** Every segment of a run, in order, and the one that ended it. */
export interface RunChainResult {
  readonly segments: LocalExecutionResult[];
  readonly last: LocalExecutionResult;
}

/**
 * Waits for an execution and for every execution it continued as, until one ends without
 * continuing: what a person watching the console follows by hand.
 */
export async function followRun(
  machine: LocalStateMachine,
  first: TrackedExecution,
  onSegment?: (segment: LocalExecutionResult) => void,
): Promise<RunChainResult> {
  const segments: LocalExecutionResult[] = [];
  let current: TrackedExecution | undefined = first;
  while (current) {
    const result = await current.result;
    segments.push(result);
    onSegment?.(result);
    const next = continuedAs(result);
    current = next ? machine.get(next) : undefined;
    if (next && !current)
      throw new Error(`execution ${result.name} continued as ${next}, which was never started`);
  }
  return { segments, last: segments[segments.length - 1] as LocalExecutionResult };
}
