/**
 * The endpoint's one registry of executions: those loaded from the data folder and those the
 * engine runs in this process, each with its description, its history (the recorder while it
 * runs, the stored file once it ended) and the reconcile of an ending it could not record.
 */
import {
  LOCAL_REGION,
  LOCAL_ROLE_ARN,
  LOCAL_STATE_MACHINE_ARN,
  type LocalEvent,
  type LocalHandlers,
  LocalStateMachine,
  type TrackedExecution,
} from '../engine';
import { type AbortDetails, type HistoryEvent, HistoryRecorder } from './history';
import { type ExecutionDescription, type ExecutionStatus, ExecutionStore, SERVER_STOPPED } from './store';

/** One execution the endpoint knows. */
export interface Entry {
  readonly description: ExecutionDescription;
  /** Set for executions started in this process. */
  readonly tracked?: TrackedExecution;
}

export interface ExecutionRegistryOptions {
  readonly handlers: LocalHandlers;
  /** Folder for descriptions and histories, reloaded on start; in memory when omitted. */
  readonly dataDir?: string;
  readonly retryDelayMs?: number;
  /** Called for an execution that ended FAILED, ABORTED or TIMED_OUT, or was found cut off by a crash. */
  readonly onEnded?: (execution: ExecutionDescription) => Promise<void>;
  readonly log?: (line: string) => void;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
}

const END_STATUS: Record<string, ExecutionStatus> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** How long closing waits for an aborted execution to wind down. */
const END_WAIT_MS = 5_000;

export class ExecutionRegistry {
  readonly machine: LocalStateMachine;
  private readonly entries = new Map<string, Entry>();
  private readonly store?: ExecutionStore;
  private readonly recorder: HistoryRecorder;
  /** Reconciles in flight, by execution name: StopExecution and close wait for them. */
  private readonly endings = new Map<string, Promise<void>>();
  /** Executions found RUNNING in the folder: their process died. */
  private readonly recovered: ExecutionDescription[] = [];

  constructor(private readonly options: ExecutionRegistryOptions) {
    this.store = options.dataDir ? new ExecutionStore(options.dataDir, LOCAL_ROLE_ARN) : undefined;
    for (const description of this.store?.load(Date.now(), (d) => this.recovered.push(d)) ?? []) {
      this.entries.set(description.name, { description });
    }
    this.recorder = new HistoryRecorder({
      roleArn: LOCAL_ROLE_ARN,
      region: LOCAL_REGION,
      onClosed: (name, events) => this.finish(name, events),
    });
    this.machine = new LocalStateMachine({
      handlers: options.handlers,
      retryDelayMs: options.retryDelayMs,
      onTaskCall: this.recorder.onTaskCall,
      // A name stored by an earlier process is taken too, as on AWS.
      takenName: (name) => {
        const entry = this.entries.get(name);
        return entry && !entry.tracked ? entry.description.executionArn : undefined;
      },
      onEvent: (event, name) => {
        if (event.type === 'ExecutionStarted') this.adopt();
        this.recorder.onEvent(event, name);
        options.onEvent?.(event, name);
      },
    });
  }

  /** Records, on their runs, the endings of executions whose process died. */
  async reconcileRecovered(): Promise<void> {
    await Promise.all(this.recovered.map((d) => this.reconcile(d)));
  }

  /** Starts an execution (or returns the running one with this name and input), registered. */
  start(name: string, input: unknown, inputText: string): Entry {
    const tracked = this.machine.start(name, input);
    const known = this.entries.get(name);
    return known?.tracked === tracked ? known : this.register(tracked, inputText);
  }

  /** The execution named `name`, after registering any the machine started itself. */
  get(name: string): Entry | undefined {
    this.adopt();
    return this.entries.get(name);
  }

  /** Every execution. */
  list(): ExecutionDescription[] {
    this.adopt();
    return [...this.entries.values()].map((e) => e.description);
  }

  /** One source per state: the recorder while the execution runs, the stored file once it ended. */
  history(entry: Entry): readonly HistoryEvent[] {
    const name = entry.description.name;
    if (entry.description.status !== 'RUNNING' && this.store) return this.store.readHistory(name) ?? [];
    return this.recorder.events(name) ?? [];
  }

  /** Stops a running execution and waits until its ending is recorded on its run. */
  async stop(entry: Entry, details: AbortDetails): Promise<void> {
    if (entry.description.status === 'RUNNING') {
      this.abort(entry, details);
      await waitForEnd(entry.tracked);
    }
    await this.endings.get(entry.description.name);
  }

  /** Aborts every running execution (recorded as stopped by the server) and waits for their endings. */
  async stopAll(): Promise<void> {
    const running = [...this.entries.values()].filter((e) => e.description.status === 'RUNNING');
    for (const entry of running) this.abort(entry, SERVER_STOPPED);
    await Promise.all(running.map((entry) => waitForEnd(entry.tracked)));
    await Promise.all(this.endings.values());
  }

  /** Executions of the machine's that adopt() has looked at: it reads only those started since. */
  private adopted = 0;

  /** Registers executions the machine started itself (continue as new, a sync's children). */
  private adopt(): void {
    for (const tracked of this.machine.startedSince(this.adopted)) {
      this.adopted += 1;
      if (this.entries.get(tracked.name)?.tracked === tracked) continue;
      this.register(tracked, JSON.stringify(tracked.input));
    }
  }

  private register(tracked: TrackedExecution, input: string): Entry {
    const entry: Entry = {
      tracked,
      description: {
        executionArn: tracked.executionArn,
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        name: tracked.name,
        status: 'RUNNING',
        startDate: tracked.startDate.getTime(),
        input,
      },
    };
    this.entries.set(tracked.name, entry);
    this.store?.saveDescription(entry.description);
    this.options.log?.(`execution ${tracked.name} started`);
    return entry;
  }

  private abort(entry: Entry, details: AbortDetails): void {
    this.recorder.setAbortDetails(entry.description.name, details);
    entry.tracked?.abort();
  }

  /** Records how an execution ended, from the end event of its history, and stores both. */
  private finish(name: string, events: readonly HistoryEvent[]): void {
    const entry = this.entries.get(name);
    const last = events[events.length - 1];
    if (!entry || !last || entry.description.status !== 'RUNNING') return;
    const d = entry.description;
    const details = (last[`${last.type.charAt(0).toLowerCase()}${last.type.slice(1)}EventDetails`] ?? {}) as {
      output?: string;
      error?: string;
      cause?: string;
    };
    d.status = END_STATUS[last.type] ?? 'FAILED';
    d.stopDate = last.timestamp;
    if (details.output !== undefined) d.output = details.output;
    if (details.error !== undefined) d.error = details.error;
    if (details.cause !== undefined) d.cause = details.cause;
    this.options.log?.(
      `execution ${name} ${d.status} after ${((d.stopDate - d.startDate) / 1000).toFixed(1)} s${d.error ? `: ${d.error}` : ''}`,
    );
    if (this.store) {
      this.store.saveDescription(d);
      this.store.saveHistory(name, events);
      this.recorder.release(name);
    }
    if (d.status !== 'SUCCEEDED') void this.reconcile(d);
  }

  /** Hands an execution that ended without recording it to `onEnded`, once. */
  private reconcile(d: ExecutionDescription): Promise<void> {
    const { onEnded, log } = this.options;
    if (!onEnded) return Promise.resolve();
    const pending = onEnded(d).catch((error: unknown) => {
      log?.(
        `execution ${d.name}: recording its ending on the run failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    this.endings.set(d.name, pending);
    return pending;
  }
}

async function waitForEnd(tracked: TrackedExecution | undefined): Promise<void> {
  if (!tracked) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    tracked.result.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, END_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}
