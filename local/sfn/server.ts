/**
 * A local endpoint that speaks the Step Functions API (AWS JSON 1.0: `POST /`,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`, errors as `{"__type", "message"}` with
 * status 400) in front of the local engine, so `@aws-sdk/client-sfn`, the AWS CLI
 * (`--endpoint-url`) and the `pagewalk` CLI operate local runs as they operate AWS ones.
 *
 * One state machine (`LOCAL_STATE_MACHINE_ARN`, the ASL file with local substitutions).
 * Operations: ListStateMachines, DescribeStateMachine, DescribeStateMachineForExecution,
 * ListTagsForResource, StartExecution, DescribeExecution, ListExecutions,
 * GetExecutionHistory, StopExecution. Executions the machine starts itself (continue as
 * new) appear like any other.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  LOCAL_REGION,
  LOCAL_ROLE_ARN,
  LOCAL_STATE_MACHINE_ARN,
  LOCAL_STATE_MACHINE_NAME,
  type LocalEvent,
  type LocalHandlers,
  LocalStateMachine,
  loadDefinition,
  type TrackedExecution,
} from '../engine';
import { ApiError, validation } from './api-error';
import { MAX_INPUT_BYTES, parseExecutionInput } from './execution-input';
import { type AbortDetails, type HistoryEvent, HistoryRecorder, toWireEvent } from './history';
import {
  EXECUTION_ARN,
  invalidArn,
  isValidName,
  missing,
  pageSize,
  readToken,
  STATE_MACHINE_ARN,
  STATUSES,
  token,
} from './protocol';
import { type ExecutionDescription, type ExecutionStatus, ExecutionStore, SERVER_STOPPED } from './store';

/** The port `npm run serve` listens on unless told otherwise. */
export const DEFAULT_SFN_PORT = 8083;

export interface SfnServerOptions {
  /**
   * The handlers behind the Task states (see `loadPagewalkHandlers`), or a loader called
   * once the server listens: after `exportEndpoint` has told them where it is.
   */
  readonly handlers: LocalHandlers | (() => Promise<LocalHandlers>);
  /**
   * Set AWS_ENDPOINT_URL_SFN to this server once it listens, before a handler loader runs,
   * so the handlers' Step Functions client (start-run's takeover check) reaches it.
   */
  readonly exportEndpoint?: boolean;
  /**
   * Called when an execution ends FAILED, ABORTED or TIMED_OUT, and for each execution found
   * RUNNING on start (its process died): the local counterpart of the EventBridge rule that
   * invokes the reconcile handler. StopExecution answers once it has returned.
   */
  readonly onEnded?: (execution: ExecutionDescription) => Promise<void>;
  /** @default 8083; 0 picks an ephemeral port */
  readonly port?: number;
  /** @default 127.0.0.1 (never exposed beyond the machine) */
  readonly host?: string;
  /**
   * Folder for execution descriptions and histories (e.g. `.pagewalk/executions`), reloaded
   * on start. In memory when omitted.
   */
  readonly dataDir?: string;
  /** Milliseconds every retry waits instead of the ASL's backoff; undefined keeps the real backoff. */
  readonly retryDelayMs?: number;
  /** Tags ListTagsForResource returns for the state machine (see ./tags.ts). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Receives one line per execution started and ended. */
  readonly log?: (line: string) => void;
  /** Called for every engine event, after the history has recorded it. */
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
}

export interface SfnServer {
  readonly url: string;
  readonly port: number;
  readonly machine: LocalStateMachine;
  /** Stops listening; running executions are aborted and recorded as stopped by the server. */
  close(): Promise<void>;
}

interface Entry {
  description: ExecutionDescription;
  /** Set for executions started in this process. */
  tracked?: TrackedExecution;
}

type Request = Record<string, unknown>;
type Operations = Record<string, (request: Request) => unknown | Promise<unknown>>;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** The fields DescribeExecution and ListExecutions both answer with. */
const executionSummary = (d: ExecutionDescription) => ({
  executionArn: d.executionArn,
  stateMachineArn: d.stateMachineArn,
  name: d.name,
  status: d.status,
  startDate: seconds(d.startDate),
  stopDate: seconds(d.stopDate),
});

/** Starts the local Step Functions endpoint with its own LocalStateMachine. */
export async function startSfnServer(options: SfnServerOptions): Promise<SfnServer> {
  // Listen first: the handlers may need the URL before they are loaded. Requests wait until
  // the executions are loaded and reconciled.
  let operations: Operations = {};
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const server = createServer((req, res) => {
    ready
      .then(() => handle(req, res, operations))
      .catch((error: unknown) => {
        reply(res, 500, { __type: 'InternalFailure', message: (error as Error).message });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SFN_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (options.exportEndpoint) process.env.AWS_ENDPOINT_URL_SFN = url;
  let handlers: LocalHandlers;
  try {
    handlers = typeof options.handlers === 'function' ? await options.handlers() : options.handlers;
  } catch (error) {
    server.close();
    throw error;
  }

  const definition = JSON.stringify(loadDefinition(Object.keys(handlers)), null, 2);
  const creationDate = Date.now();
  const store = options.dataDir ? new ExecutionStore(options.dataDir, LOCAL_ROLE_ARN) : undefined;
  const executions = new Map<string, Entry>();
  /** Reconciles in flight, by execution name: StopExecution and close wait for them. */
  const endings = new Map<string, Promise<void>>();
  const recovered: ExecutionDescription[] = [];
  for (const description of store?.load(Date.now(), (d) => recovered.push(d)) ?? []) {
    executions.set(description.name, { description });
  }

  const recorder = new HistoryRecorder({
    roleArn: LOCAL_ROLE_ARN,
    region: LOCAL_REGION,
    onClosed: (name, events) => finish(name, events),
  });

  const machine = new LocalStateMachine({
    handlers,
    retryDelayMs: options.retryDelayMs,
    onTaskCall: recorder.onTaskCall,
    onEvent: (event, name) => {
      if (event.type === 'ExecutionStarted') adopt();
      recorder.onEvent(event, name);
      options.onEvent?.(event, name);
    },
  });

  /** Registers executions the machine started itself (continue as new). */
  function adopt(): void {
    for (const tracked of machine.list()) {
      const known = executions.get(tracked.name);
      if (known?.tracked === tracked) continue;
      register(tracked, JSON.stringify(tracked.input));
    }
  }

  function register(tracked: TrackedExecution, input: string): Entry {
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
    executions.set(tracked.name, entry);
    store?.saveDescription(entry.description);
    options.log?.(`execution ${tracked.name} started`);
    return entry;
  }

  /** Records how an execution ended, from the end event of its history, and stores both. */
  function finish(name: string, events: readonly HistoryEvent[]): void {
    const entry = executions.get(name);
    const last = events[events.length - 1];
    if (!entry || !last || entry.description.status !== 'RUNNING') return;
    const d = entry.description;
    const details = (last[`${last.type.charAt(0).toLowerCase()}${last.type.slice(1)}EventDetails`] ?? {}) as {
      output?: string;
      error?: string;
      cause?: string;
    };
    const status: Record<string, ExecutionStatus> = {
      ExecutionSucceeded: 'SUCCEEDED',
      ExecutionFailed: 'FAILED',
      ExecutionAborted: 'ABORTED',
      ExecutionTimedOut: 'TIMED_OUT',
    };
    d.status = status[last.type] ?? 'FAILED';
    d.stopDate = last.timestamp;
    if (details.output !== undefined) d.output = details.output;
    if (details.error !== undefined) d.error = details.error;
    if (details.cause !== undefined) d.cause = details.cause;
    options.log?.(
      `execution ${name} ${d.status} after ${((d.stopDate - d.startDate) / 1000).toFixed(1)} s${d.error ? `: ${d.error}` : ''}`,
    );
    if (store) {
      store.saveDescription(d);
      store.saveHistory(name, events);
      recorder.release(name);
    }
    if (d.status !== 'SUCCEEDED') reconcile(d);
  }

  /** Hands an execution that ended without recording it to `onEnded`, once. */
  function reconcile(d: ExecutionDescription): Promise<void> {
    if (!options.onEnded) return Promise.resolve();
    const pending = options.onEnded(d).catch((error: unknown) => {
      options.log?.(
        `execution ${d.name}: recording its ending on the run failed: ${(error as Error).message}`,
      );
    });
    endings.set(d.name, pending);
    return pending;
  }

  function lookupExecution(arn: unknown): Entry {
    adopt();
    if (typeof arn !== 'string' || arn === '') throw missing('executionArn');
    const match = EXECUTION_ARN.exec(arn);
    if (!match) throw invalidArn(arn, 'execution');
    const entry = executions.get(match[2] as string);
    if (!entry || entry.description.executionArn !== arn) {
      throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    }
    return entry;
  }

  function checkStateMachine(arn: unknown): void {
    if (typeof arn !== 'string' || arn === '') throw missing('stateMachineArn');
    if (!STATE_MACHINE_ARN.test(arn)) throw invalidArn(arn, 'stateMachine');
    if (arn !== LOCAL_STATE_MACHINE_ARN) {
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
  }

  /** One source per state: the recorder while the execution runs, the stored file once it ended. */
  function history(entry: Entry): readonly HistoryEvent[] {
    const name = entry.description.name;
    if (entry.description.status !== 'RUNNING' && store) return store.readHistory(name) ?? [];
    return recorder.events(name) ?? [];
  }

  async function waitForEnd(tracked: TrackedExecution | undefined): Promise<void> {
    if (!tracked) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      tracked.result.catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 5_000);
      }),
    ]);
    clearTimeout(timer);
  }

  function abort(entry: Entry, details: AbortDetails): void {
    recorder.setAbortDetails(entry.description.name, details);
    entry.tracked?.abort();
  }

  operations = {
    ListStateMachines: () => ({
      stateMachines: [
        {
          stateMachineArn: LOCAL_STATE_MACHINE_ARN,
          name: LOCAL_STATE_MACHINE_NAME,
          type: 'STANDARD',
          creationDate: seconds(creationDate),
        },
      ],
    }),

    DescribeStateMachine: (request) => {
      checkStateMachine(request.stateMachineArn);
      return describeStateMachine();
    },

    DescribeStateMachineForExecution: (request) => {
      lookupExecution(request.executionArn);
      return { ...describeStateMachine(), updateDate: seconds(creationDate) };
    },

    ListTagsForResource: (request) => {
      checkStateMachine(request.resourceArn);
      return { tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })) };
    },

    StartExecution: (request) => {
      checkStateMachine(request.stateMachineArn);
      const name = request.name === undefined || request.name === null ? randomUUID() : request.name;
      if (typeof name !== 'string' || !isValidName(name)) {
        throw new ApiError('InvalidName', `Invalid Name: '${String(name)}'`);
      }
      const text = request.input === undefined || request.input === null ? '{}' : String(request.input);
      const input = parseExecutionInput(request.input);
      adopt();
      const existing = executions.get(name);
      if (existing) {
        // As on AWS: the same name and input while it runs is the same execution; anything else is refused.
        const same =
          existing.tracked &&
          existing.description.status === 'RUNNING' &&
          JSON.stringify(existing.tracked.input) === JSON.stringify(input);
        if (!same) {
          throw new ApiError(
            'ExecutionAlreadyExists',
            `Execution Already Exists: '${existing.description.executionArn}'`,
          );
        }
        return {
          executionArn: existing.description.executionArn,
          startDate: seconds(existing.description.startDate),
        };
      }
      const tracked = machine.start(name, input);
      const entry =
        executions.get(name)?.tracked === tracked ? executions.get(name) : register(tracked, text);
      return { executionArn: tracked.executionArn, startDate: seconds(entry?.description.startDate) };
    },

    DescribeExecution: (request) => {
      const d = lookupExecution(request.executionArn).description;
      return {
        ...executionSummary(d),
        input: d.input,
        inputDetails: { included: true },
        ...(d.output === undefined ? {} : { output: d.output, outputDetails: { included: true } }),
        error: d.error,
        cause: d.cause,
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'The local endpoint does not redrive executions',
      };
    },

    ListExecutions: (request) => {
      if (request.mapRunArn !== undefined) {
        throw new ApiError('ValidationException', 'The local endpoint runs no Distributed Map');
      }
      checkStateMachine(request.stateMachineArn);
      const status = request.statusFilter;
      if (status !== undefined && !STATUSES.includes(status as string)) {
        throw validation('statusFilter', `Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
      }
      adopt();
      const limit = pageSize(request.maxResults);
      const after = readToken<{ s: number; n: string }>(request.nextToken, 'list');
      const newestFirst = [...executions.values()]
        .map((e) => e.description)
        .filter((d) => status === undefined || d.status === status)
        .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      const start = after
        ? newestFirst.findIndex((d) => d.startDate < after.s || (d.startDate === after.s && d.name < after.n))
        : 0;
      const page = start < 0 ? [] : newestFirst.slice(start, start + limit);
      const last = page[page.length - 1];
      const more = start >= 0 && start + limit < newestFirst.length;
      return {
        executions: page.map(executionSummary),
        ...(more && last ? { nextToken: token('list', { s: last.startDate, n: last.name }) } : {}),
      };
    },

    GetExecutionHistory: (request) => {
      const entry = lookupExecution(request.executionArn);
      const reverse = request.reverseOrder === true;
      const includeData = request.includeExecutionData !== false;
      const limit = pageSize(request.maxResults);
      const after = readToken<{ id: number; r: boolean }>(request.nextToken, 'history');
      if (after && after.r !== reverse) {
        throw new ApiError('InvalidToken', `Invalid Token: 'reverseOrder differs from the first call'`);
      }
      const events = history(entry);
      let page: readonly HistoryEvent[];
      if (reverse) {
        const end = after ? Math.max(after.id - 1, 0) : events.length;
        page = events.slice(Math.max(end - limit, 0), end).reverse();
      } else {
        const start = after ? after.id : 0;
        page = events.slice(start, start + limit);
      }
      const last = page[page.length - 1];
      const more = last !== undefined && (reverse ? last.id > 1 : last.id < events.length);
      return {
        events: page.map((event) => toWireEvent(event, includeData)),
        ...(more && last ? { nextToken: token('history', { id: last.id, r: reverse }) } : {}),
      };
    },

    StopExecution: async (request) => {
      const entry = lookupExecution(request.executionArn);
      const d = entry.description;
      if (d.status === 'RUNNING') {
        const details: AbortDetails = {
          ...(typeof request.error === 'string' ? { error: request.error } : {}),
          ...(typeof request.cause === 'string' ? { cause: request.cause } : {}),
        };
        abort(entry, details);
        await waitForEnd(entry.tracked);
      }
      // As soon as this answers, the run is recorded stopped and its lease is free.
      await endings.get(d.name);
      return { stopDate: seconds(d.stopDate ?? Date.now()) };
    },
  };

  function describeStateMachine() {
    return {
      stateMachineArn: LOCAL_STATE_MACHINE_ARN,
      name: LOCAL_STATE_MACHINE_NAME,
      status: 'ACTIVE',
      definition,
      roleArn: LOCAL_ROLE_ARN,
      type: 'STANDARD',
      creationDate: seconds(creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      description: 'pagewalk on the local engine (aws-local-stepfunctions) with the real handlers',
    };
  }

  // Executions whose process died while they ran: recorded on their runs before any request.
  await Promise.all(recovered.map(reconcile));
  markReady();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    machine,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        const running = [...executions.values()].filter((e) => e.description.status === 'RUNNING');
        for (const entry of running) abort(entry, SERVER_STOPPED);
        await Promise.all(running.map((entry) => waitForEnd(entry.tracked)));
        await Promise.all(endings.values());
        await stopped;
      })();
      return closing;
    },
  };
}

/** Reads one request, runs its operation and writes the answer or the error. */
async function handle(req: IncomingMessage, res: ServerResponse, operations: Operations): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4 * MAX_INPUT_BYTES) {
      reply(res, 413, { __type: 'ValidationException', message: 'Request too large' });
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const [service, operation] = target.split('.');
  if (req.method !== 'POST' || service !== 'AWSStepFunctions' || !operation) {
    reply(res, 400, {
      __type: 'UnknownOperationException',
      message: `Expected POST / with X-Amz-Target: AWSStepFunctions.<Operation>; got ${req.method} ${req.url} ${target || '(no target)'}`,
    });
    return;
  }
  const run = operations[operation];
  if (!run) {
    reply(res, 400, {
      __type: 'UnknownOperationException',
      message: `The local Step Functions endpoint does not implement ${operation}`,
    });
    return;
  }
  let request: Request;
  try {
    const text = Buffer.concat(chunks).toString('utf8');
    request = text.trim() === '' ? {} : (JSON.parse(text) as Request);
  } catch {
    reply(res, 400, { __type: 'SerializationException', message: 'The request body is not JSON' });
    return;
  }
  try {
    reply(res, 200, await run(request));
  } catch (error) {
    if (error instanceof ApiError) {
      reply(res, error.status, { __type: error.name, message: error.message });
    } else {
      throw error;
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  };
  const type = (body as { __type?: unknown }).__type;
  if (status >= 400 && typeof type === 'string') headers['x-amzn-ErrorType'] = type;
  res.writeHead(status, headers);
  res.end(text);
}

/** `.pagewalk/executions` under a data folder: where `npm run serve` keeps executions. */
export function executionsDir(dataDir: string): string {
  return join(dataDir, 'executions');
}
