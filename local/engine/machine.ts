import type { LocalHandlers } from './definition';
import {
  type LocalEvent,
  type LocalExecution,
  type LocalTaskCallEvent,
  startLocalExecution,
} from './execution';
import type { LatencyModel } from './latency';
import { serviceError } from './start-execution-task';

/** An execution the local state machine knows, running or finished. */
export interface TrackedExecution extends LocalExecution {
  readonly name: string;
  readonly input: unknown;
  readonly startDate: Date;
}

export interface LocalStateMachineOptions {
  readonly handlers: LocalHandlers;
  readonly retryDelayMs?: number;
  readonly latency?: LatencyModel;
  /** See {@link StartLocalExecutionOptions.functionTimeoutsMs}. */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
  readonly onTaskCall?: (event: LocalTaskCallEvent, executionName: string) => void;
}

/**
 * The local stand-in for one deployed state machine: it keeps every execution it started,
 * so a continue-as-new Task starts a real new execution, names are unique as on AWS (the
 * same name and input again returns the running execution; other input is refused), and
 * runners can follow a run from segment to segment.
 */
export class LocalStateMachine {
  private readonly executions = new Map<string, TrackedExecution>();

  constructor(private readonly options: LocalStateMachineOptions) {}

  /** Starts an execution, or returns the one already started with this name and the same input. */
  start(name: string, input: unknown): TrackedExecution {
    const existing = this.executions.get(name);
    if (existing) {
      if (JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw serviceError(
        'StepFunctions.ExecutionAlreadyExistsException',
        `Execution Already Exists: '${existing.executionArn}'`,
      );
    }
    const startDate = new Date();
    const execution = startLocalExecution({ ...this.options, name, input, machine: this });
    const tracked: TrackedExecution = { ...execution, name, input, startDate };
    this.executions.set(name, tracked);
    return tracked;
  }

  /** The execution with this name, if this machine started it. */
  get(name: string): TrackedExecution | undefined {
    return this.executions.get(name);
  }

  /** Every execution started so far, oldest first. */
  list(): TrackedExecution[] {
    return [...this.executions.values()];
  }
}
