import {
  type LocalHandlers,
  type LocalMachineSpec,
  localStateMachineArn,
  PAGEWALK_MACHINE,
} from './definition';
import { startLocalExecution } from './execution';
import type { LatencyModel } from './latency';
import { serviceError } from './start-execution-task';
import type { ExecutionTarget, LocalEvent, LocalTaskCallEvent, TrackedExecution } from './types';

export interface LocalStateMachineOptions {
  readonly handlers: LocalHandlers;
  readonly retryDelayMs?: number;
  readonly waitDelayMs?: number;
  /** The ASL file to run. @default PAGEWALK_MACHINE */
  readonly spec?: LocalMachineSpec;
  /** Other machines this one's startExecution Tasks may start, e.g. pagewalk for the all-jobs sync. */
  readonly targets?: readonly LocalStateMachine[];
  readonly latency?: LatencyModel;
  /** See {@link StartLocalExecutionOptions.functionTimeoutsMs}. */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
  readonly onTaskCall?: (event: LocalTaskCallEvent, executionName: string) => void;
  /**
   * The ARN of an execution this machine did not start that already has `name` (the local
   * endpoint's executions of earlier processes), if any: such a name is taken.
   */
  readonly takenName?: (name: string) => string | undefined;
}

/** The error Step Functions gives StartExecution for a name already taken. */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';

/**
 * The local stand-in for one deployed state machine: it keeps every execution it started,
 * so a continue-as-new Task starts a real new execution and runners can follow a run from
 * segment to segment. It is where names are held unique, for the endpoint's StartExecution
 * and the startExecution Tasks alike, as AWS holds them: the same name and input again while
 * it runs is the same execution; other input, or a name whose execution ended, is refused.
 */
export class LocalStateMachine implements ExecutionTarget {
  private readonly executions = new Map<string, TrackedExecution>();
  /** The same executions in the order they started, so a reader can take only the new ones. */
  private readonly order: TrackedExecution[] = [];
  private readonly running = new Set<string>();

  constructor(private readonly options: LocalStateMachineOptions) {}

  /** This machine's ARN, as startExecution Tasks name it. */
  get arn(): string {
    return localStateMachineArn((this.options.spec ?? PAGEWALK_MACHINE).name);
  }

  /** Starts an execution, or returns the running one started with this name and the same input. */
  start(name: string, input: unknown): TrackedExecution {
    const taken = this.options.takenName?.(name);
    if (taken) throw serviceError(EXECUTION_ALREADY_EXISTS, `Execution Already Exists: '${taken}'`);
    const existing = this.executions.get(name);
    if (existing) {
      if (this.running.has(name) && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw serviceError(EXECUTION_ALREADY_EXISTS, `Execution Already Exists: '${existing.executionArn}'`);
    }
    const startDate = new Date();
    const execution = startLocalExecution({ ...this.options, name, input, machine: this });
    const tracked: TrackedExecution = { ...execution, name, input, startDate };
    this.executions.set(name, tracked);
    this.order.push(tracked);
    this.running.add(name);
    const ended = () => this.running.delete(name);
    execution.result.then(ended, ended);
    return tracked;
  }

  /** The execution with this name, if this machine started it. */
  get(name: string): TrackedExecution | undefined {
    return this.executions.get(name);
  }

  /** Every execution started so far, oldest first. */
  list(): TrackedExecution[] {
    return [...this.order];
  }

  /** How many executions this machine has started. */
  get startedCount(): number {
    return this.order.length;
  }

  /**
   * The executions started after the first `count`, oldest first: a registry that has seen
   * `count` of them reads only the new ones (ten thousand children, each read once).
   */
  startedSince(count: number): readonly TrackedExecution[] {
    return this.order.slice(count);
  }
}
