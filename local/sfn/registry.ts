/**
 * The endpoint's one registry of executions, for each state machine it serves (pagewalk, and
 * the all-jobs sync when its handlers are given): those loaded from the data folder and those
 * the engine runs in this process, each with its description, its history (the recorder while
 * it runs, the stored file once it ended) and the reconcile of an ending it could not record.
 * The Step Functions API, the console and the CLI (through the API) all read it.
 */
import { join } from 'node:path';
import {
  LOCAL_REGION,
  LOCAL_ROLE_ARN,
  type LocalEvent,
  type LocalHandlers,
  type LocalMachineSpec,
  LocalStateMachine,
  loadDefinition,
  loadedMachine,
  localStateMachineArn,
  type TrackedExecution,
} from '../engine';
import { type AbortDetails, type HistoryEvent, HistoryRecorder } from './history';
import { EXECUTION_ARN } from './protocol';
import { type ExecutionDescription, type ExecutionStatus, ExecutionStore, SERVER_STOPPED } from './store';

/** One execution the endpoint knows. */
export interface Entry {
  readonly description: ExecutionDescription;
  /** Set for executions started in this process. */
  readonly tracked?: TrackedExecution;
}

/** A state machine the registry serves: its ASL file and the handlers behind its Tasks. */
export interface MachineSetup {
  readonly spec: LocalMachineSpec;
  readonly handlers: LocalHandlers;
  /** Names of machines set up before this one that its startExecution Tasks may start. */
  readonly targets?: readonly string[];
}

/** What the API says about one served state machine. */
export interface ServedMachine {
  readonly name: string;
  readonly arn: string;
  /** The definition as DescribeStateMachine returns it (JSON text, local ARNs filled in). */
  readonly definition: string;
  readonly machine: LocalStateMachine;
}

export interface ExecutionRegistryOptions {
  /** The machines to serve; the first is the default one (pagewalk). */
  readonly machines: readonly MachineSetup[];
  /**
   * Folder for descriptions and histories, reloaded on start; in memory when omitted. The
   * first machine keeps its executions in the folder itself, any other in a subfolder named
   * after it.
   */
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

/** The executions of one state machine: its engine, its history recorder and its files. */
class Book implements ServedMachine {
  readonly name: string;
  readonly arn: string;
  readonly definition: string;
  readonly machine: LocalStateMachine;
  readonly entries = new Map<string, Entry>();
  readonly store?: ExecutionStore;
  readonly recorder: HistoryRecorder;
  /** Executions found RUNNING in the folder: their process died. */
  readonly recovered: ExecutionDescription[] = [];
  /** Executions of this machine's that the registry's adopt() has looked at. */
  adopted = 0;

  constructor(
    readonly setup: MachineSetup,
    dataDir: string | undefined,
    targets: readonly LocalStateMachine[],
    private readonly registry: ExecutionRegistry,
    options: ExecutionRegistryOptions,
  ) {
    this.name = setup.spec.name;
    this.arn = localStateMachineArn(this.name);
    this.definition = JSON.stringify(loadDefinition(Object.keys(setup.handlers), setup.spec), null, 2);
    this.store = dataDir ? new ExecutionStore(dataDir, LOCAL_ROLE_ARN) : undefined;
    for (const description of this.store?.load(Date.now(), (d) => this.recovered.push(d)) ?? []) {
      this.entries.set(description.name, { description });
    }
    this.recorder = new HistoryRecorder({
      roleArn: LOCAL_ROLE_ARN,
      region: LOCAL_REGION,
      onClosed: (name, events) => this.registry.finish(this, name, events),
    });
    this.machine = new LocalStateMachine({
      handlers: setup.handlers,
      spec: setup.spec,
      targets,
      retryDelayMs: options.retryDelayMs,
      onTaskCall: this.recorder.onTaskCall,
      // A name stored by an earlier process is taken too, as on AWS.
      takenName: (name) => {
        const entry = this.entries.get(name);
        return entry && !entry.tracked ? entry.description.executionArn : undefined;
      },
      onEvent: (event, name) => {
        if (event.type === 'ExecutionStarted') this.registry.adopt();
        this.recorder.onEvent(event, name);
        options.onEvent?.(event, name);
      },
    });
  }
}

export class ExecutionRegistry {
  private readonly books: Book[] = [];
  /** Reconciles in flight, by execution ARN: StopExecution and close wait for them. */
  private readonly endings = new Map<string, Promise<void>>();

  constructor(private readonly options: ExecutionRegistryOptions) {
    options.machines.forEach((setup, index) => {
      const targets = (setup.targets ?? []).map((name) => {
        const target = this.books.find((b) => b.name === name);
        if (!target) throw new Error(`${setup.spec.name} starts ${name}, which is not set up before it`);
        return target.machine;
      });
      const dir = options.dataDir && (index === 0 ? options.dataDir : join(options.dataDir, setup.spec.name));
      this.books.push(new Book(setup, dir, targets, this, options));
    });
  }

  /** The default (pagewalk) state machine's engine. */
  get machine(): LocalStateMachine {
    return (this.books[0] as Book).machine;
  }

  /** Every state machine served, the default one first. */
  machines(): readonly ServedMachine[] {
    return this.books;
  }

  /** The machine served under this ARN, if any. */
  machineByArn(arn: string): ServedMachine | undefined {
    return this.books.find((b) => b.arn === arn);
  }

  /**
   * Builds each machine's engine now (its definition is validated once per process, a few
   * hundred milliseconds each) rather than at the first StartExecution, which would otherwise
   * record its start that much before its first event.
   */
  warmUp(): void {
    for (const book of this.books) loadedMachine(Object.keys(book.setup.handlers), book.setup.spec);
  }

  /** Records, on their runs, the endings of executions whose process died. */
  async reconcileRecovered(): Promise<void> {
    await Promise.all(this.books.flatMap((b) => b.recovered.map((d) => this.reconcile(d))));
  }

  /**
   * Starts an execution of the machine `stateMachineArn` names (or returns the running one
   * with this name and input), registered.
   */
  start(stateMachineArn: string, name: string, input: unknown, inputText: string): Entry {
    const book = this.bookOf(stateMachineArn);
    const tracked = book.machine.start(name, input);
    const known = book.entries.get(name);
    return known?.tracked === tracked ? known : this.register(book, tracked, inputText);
  }

  /** The execution this ARN names, after registering any the machines started themselves. */
  get(executionArn: string): Entry | undefined {
    const match = EXECUTION_ARN.exec(executionArn);
    const book = match && this.books.find((b) => b.name === match[1]);
    if (!book) return undefined;
    this.adopt();
    const entry = book.entries.get(match[2] as string);
    return entry?.description.executionArn === executionArn ? entry : undefined;
  }

  /** Every execution of one machine (every machine's when no ARN is given). */
  list(stateMachineArn?: string): ExecutionDescription[] {
    this.adopt();
    const books = stateMachineArn === undefined ? this.books : [this.bookOf(stateMachineArn)];
    return books.flatMap((b) => [...b.entries.values()].map((e) => e.description));
  }

  /** One source per state: the recorder while the execution runs, the stored file once it ended. */
  history(entry: Entry): readonly HistoryEvent[] {
    const { name, stateMachineArn, status } = entry.description;
    const book = this.bookOf(stateMachineArn);
    if (status !== 'RUNNING' && book.store) return book.store.readHistory(name) ?? [];
    return book.recorder.events(name) ?? [];
  }

  /** Stops a running execution and waits until its ending is recorded on its run. */
  async stop(entry: Entry, details: AbortDetails): Promise<void> {
    if (entry.description.status === 'RUNNING') {
      this.abort(entry, details);
      await waitForEnd(entry.tracked);
    }
    await this.endings.get(entry.description.executionArn);
  }

  /** Aborts every running execution (recorded as stopped by the server) and waits for their endings. */
  async stopAll(): Promise<void> {
    const running = this.books.flatMap((b) =>
      [...b.entries.values()].filter((e) => e.description.status === 'RUNNING'),
    );
    for (const entry of running) this.abort(entry, SERVER_STOPPED);
    await Promise.all(running.map((entry) => waitForEnd(entry.tracked)));
    await Promise.all(this.endings.values());
  }

  /** Registers executions the machines started themselves (continue as new, a sync's children). */
  adopt(): void {
    for (const book of this.books) {
      // Only those started since the book last looked: ten thousand children are each read once.
      for (const tracked of book.machine.startedSince(book.adopted)) {
        book.adopted += 1;
        if (book.entries.get(tracked.name)?.tracked === tracked) continue;
        this.register(book, tracked, JSON.stringify(tracked.input));
      }
    }
  }

  /** Records how an execution ended, from the end event of its history, and stores both. */
  finish(book: Book, name: string, events: readonly HistoryEvent[]): void {
    const entry = book.entries.get(name);
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
    if (book.store) {
      book.store.saveDescription(d);
      book.store.saveHistory(name, events);
      book.recorder.release(name);
    }
    if (d.status !== 'SUCCEEDED') void this.reconcile(d);
  }

  private bookOf(stateMachineArn: string): Book {
    const book = this.books.find((b) => b.arn === stateMachineArn);
    if (!book) throw new Error(`no state machine ${stateMachineArn} is served here`);
    return book;
  }

  private register(book: Book, tracked: TrackedExecution, input: string): Entry {
    const entry: Entry = {
      tracked,
      description: {
        executionArn: tracked.executionArn,
        stateMachineArn: book.arn,
        name: tracked.name,
        status: 'RUNNING',
        startDate: tracked.startDate.getTime(),
        input,
      },
    };
    book.entries.set(tracked.name, entry);
    book.store?.saveDescription(entry.description);
    this.options.log?.(`execution ${tracked.name} started`);
    return entry;
  }

  private abort(entry: Entry, details: AbortDetails): void {
    this.bookOf(entry.description.stateMachineArn).recorder.setAbortDetails(entry.description.name, details);
    entry.tracked?.abort();
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
    this.endings.set(d.executionArn, pending);
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
