/**
 * A local endpoint that speaks the Step Functions API (AWS JSON 1.0: `POST /`,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`, errors as `{"__type", "message"}` with
 * status 400) in front of the local engine, so `@aws-sdk/client-sfn`, the AWS CLI
 * (`--endpoint-url`) and the `pagewalk` CLI operate local runs as they operate AWS ones.
 *
 * Laid out as LocalStack lays out its Step Functions provider: the HTTP plumbing
 * (`../aws-json.ts`), the protocol (`protocol.ts`, `execution-input.ts`), one function per
 * operation (`operations/`), one registry of executions (`registry.ts`, over `store.ts` and
 * `history.ts`) and the engine (`../engine/`). This file wires them to a port.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { MAX_INPUT_BYTES } from '../../functions/lib/execution-input-limits';
import {
  awsJsonError,
  closeServer,
  createJsonServer,
  listen,
  ProtocolError,
  type Route,
  readBody,
  targetOperation,
} from '../aws-json';
import {
  ALL_JOBS_MACHINE,
  LOCAL_STATE_MACHINE_NAME,
  type LocalEvent,
  type LocalHandlers,
  type LocalStateMachine,
  PAGEWALK_MACHINE,
} from '../engine';
import { OPERATIONS, type OperationContext } from './operations';
import { ExecutionRegistry, type MachineSetup } from './registry';
import type { ExecutionDescription } from './store';

/** The port `npm run serve` listens on unless told otherwise. */
export const DEFAULT_SFN_PORT = 8083;

export interface SfnServerOptions {
  /**
   * The handlers behind the Task states (see `loadPagewalkHandlers`), or a loader called
   * once the server listens: after `exportEndpoint` has told them where it is.
   */
  readonly handlers: LocalHandlers | (() => Promise<LocalHandlers>);
  /**
   * The all-jobs sync's handlers (see `loadAllJobsHandlers`), or their loader: with them the
   * endpoint serves the all-jobs state machine too, its children on the pagewalk one.
   */
  readonly allJobsHandlers?: LocalHandlers | (() => Promise<LocalHandlers>);
  /**
   * Routes served beside the API (the run API, the console), made once the registry is up;
   * each is tried, in order, before a request is taken as a Step Functions call.
   */
  readonly routes?: (server: MountContext) => readonly Route[];
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
  /** Tags ListTagsForResource returns for the state machine (see functions/lib/store/table-tags.ts). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Receives one line per execution started and ended. */
  readonly log?: (line: string) => void;
  /** Called for every engine event, after the history has recorded it. */
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
}

/** What a route mounted on the endpoint may read: the same registry the API operations read. */
export interface MountContext {
  readonly url: string;
  readonly registry: ExecutionRegistry;
  /** The API operations' shared context, for a route that answers through an operation. */
  readonly operations: OperationContext;
}

export interface SfnServer {
  readonly url: string;
  readonly port: number;
  /** The pagewalk state machine's engine. */
  readonly machine: LocalStateMachine;
  /** The all-jobs sync's engine, when the endpoint serves it. */
  readonly allJobs?: LocalStateMachine;
  readonly registry: ExecutionRegistry;
  /** Stops listening; running executions are aborted and recorded as stopped by the server. */
  close(): Promise<void>;
}

/** Starts the local Step Functions endpoint with its own LocalStateMachine. */
export async function startSfnServer(options: SfnServerOptions): Promise<SfnServer> {
  // Listen first: the handlers may need the URL before they are loaded. Requests wait until
  // the executions are loaded and reconciled.
  let context: OperationContext | undefined;
  let routes: readonly Route[] = [];
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const server = createJsonServer({
    contentType: 'application/x-amz-json-1.0',
    routes: () => routes,
    handle: async (req) => {
      await ready;
      return answer(req, context as OperationContext);
    },
    onError: (error) =>
      awsJsonError(
        error instanceof ProtocolError
          ? error
          : new ProtocolError('InternalFailure', error instanceof Error ? error.message : String(error), 500),
        'message',
      ),
    latencyMs: () => 0,
  });
  const { port, url } = await listen(server, options.host, options.port ?? DEFAULT_SFN_PORT);
  if (options.exportEndpoint) process.env.AWS_ENDPOINT_URL_SFN = url;
  let registry: ExecutionRegistry;
  try {
    const machines: MachineSetup[] = [{ spec: PAGEWALK_MACHINE, handlers: await load(options.handlers) }];
    if (options.allJobsHandlers) {
      machines.push({
        spec: ALL_JOBS_MACHINE,
        handlers: await load(options.allJobsHandlers),
        targets: [LOCAL_STATE_MACHINE_NAME],
      });
    }
    registry = new ExecutionRegistry({ ...options, machines });
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  context = { registry, creationDate: Date.now(), tags: options.tags ?? {} };
  routes = options.routes?.({ url, registry, operations: context }) ?? [];
  // Executions whose process died while they ran: recorded on their runs before any request.
  await registry.reconcileRecovered();
  markReady();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    machine: registry.machine,
    allJobs: registry.machines()[1]?.machine,
    registry,
    close: () => {
      closing ??= (async () => {
        const stopped = closeServer(server);
        await registry.stopAll();
        await stopped;
      })();
      return closing;
    },
  };
}

/** Reads one request and runs its operation; a ProtocolError becomes AWS's error answer. */
async function answer(req: IncomingMessage, context: OperationContext): Promise<unknown> {
  const text = await readBody(
    req,
    () => new ProtocolError('ValidationException', 'Request too large', 413),
    4 * MAX_INPUT_BYTES,
  );
  const operation = targetOperation(req, 'AWSStepFunctions.');
  if (req.method !== 'POST' || !operation) {
    throw new ProtocolError(
      'UnknownOperationException',
      `Expected POST / with X-Amz-Target: AWSStepFunctions.<Operation>; got ${req.method} ${req.url} ${String(req.headers['x-amz-target'] ?? '(no target)')}`,
    );
  }
  const run = OPERATIONS[operation];
  if (!run) {
    throw new ProtocolError(
      'UnknownOperationException',
      `The local Step Functions endpoint does not implement ${operation}`,
    );
  }
  let request: unknown;
  try {
    request = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ProtocolError('SerializationException', 'The request body is not JSON');
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new ProtocolError('SerializationException', 'The request body is not a JSON object');
  }
  return run(context, request as Record<string, unknown>);
}

/** `.pagewalk/executions` under a data folder: where `npm run serve` keeps executions. */
export function executionsDir(dataDir: string): string {
  return join(dataDir, 'executions');
}

const load = async (handlers: LocalHandlers | (() => Promise<LocalHandlers>)) =>
  typeof handlers === 'function' ? handlers() : handlers;
