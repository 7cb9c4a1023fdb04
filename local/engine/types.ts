/**
 * What the engine's parts say to each other: the events an execution reports, how it ended,
 * and the execution and the machine a startExecution Task starts. Kept apart so the parts
 * (execution, machine, start-execution-task) import these, not each other.
 */
/** One entry of the local event log, as the engine reports it. */
export interface LocalEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: {
    readonly name: string;
    readonly type: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly output?: unknown;
  /** The execution input (ExecutionStarted only). */
  readonly input?: unknown;
}

/**
 * One call of a Task state's resource, reported when it starts and when it ends, so a
 * history can show what AWS records per attempt (LambdaFunctionScheduled/Started/Succeeded
 * or Failed, TaskScheduled/... for service integrations): the effective input after
 * Parameters and the raw result before ResultSelector and ResultPath, which the engine's
 * own event log does not carry.
 */
export interface LocalTaskCallEvent {
  readonly type: 'TaskCallStarted' | 'TaskCallSucceeded' | 'TaskCallFailed';
  /** Unique per execution; the started and the ended event of one call share it. */
  readonly callId: number;
  readonly stateName: string;
  /** The Task's Resource after substitution (a Lambda ARN, or e.g. arn:aws:states:::states:startExecution). */
  readonly resource: string;
  readonly timeoutSeconds?: number;
  readonly timestamp: number;
  /** TaskCallStarted: what the resource receives. */
  readonly input?: unknown;
  /** TaskCallSucceeded: what the resource returned. */
  readonly output?: unknown;
  /** TaskCallFailed: the error name and cause, as the Task state sees them. */
  readonly error?: string;
  readonly cause?: string;
}

/** Counts kept while reading the event log (the events themselves are not kept). */
export interface ExecutionStats {
  /** StateEntered events per state name. */
  readonly stateEntries: Record<string, number>;
  /** State transitions, as AWS bills them (every state entered, retries included). */
  readonly transitions: number;
  readonly retries: number;
  /** An estimate of the history events AWS would record for this execution. */
  readonly historyEvents: number;
}

export interface LocalExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: Date;
  readonly stoppedAt: Date;
  readonly stats: ExecutionStats;
}

export interface LocalExecution {
  readonly executionArn: string;
  readonly result: Promise<LocalExecutionResult>;
  abort(): void;
}

/** An execution a state machine started: what it was started with, and how to wait for it. */
export interface TrackedExecution extends LocalExecution {
  readonly name: string;
  readonly input: unknown;
  readonly startDate: Date;
}

/**
 * A state machine a startExecution Task can start executions on (the local one is
 * `LocalStateMachine`): its ARN and its StartExecution.
 */
export interface ExecutionTarget {
  readonly arn: string;
  start(name: string, input: unknown): TrackedExecution;
}
