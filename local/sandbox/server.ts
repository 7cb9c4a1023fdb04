/**
 * What every sandbox server (Glue, marketplace, SP-API, LWA, Secrets Manager) does the same way
 * around its own protocol: the request counters it starts with, the JSON server on loopback
 * (../aws-json.ts refuses a foreign Host or Origin before a handler reads anything), the
 * configured latency, `resetStats` and `close`, and the standalone entry point with the flags
 * every sandbox takes.
 *
 * Routing, error shapes and status codes stay in each server: every answer a caller sees is
 * still built by the server that owns its wire format.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeServer, createJsonServer, type JsonServerConfig, listen, ProtocolError } from '../aws-json';
import { checkCount, type RequestStats, resetRequestStats } from './common';

/** Counters at zero and an empty request log, as every sandbox starts. */
export function emptyRequestStats<Entry>(): RequestStats<Entry> {
  return { calls: 0, byOperation: {}, throttled: 0, errors: 0, requests: [] };
}

/**
 * `error` as a protocol error: itself when it is one, otherwise (a bug in the sandbox) a 500
 * named `name` carrying its message, so even a bug is answered in the server's wire format.
 */
export function protocolErrorOf(error: unknown, name: string): ProtocolError {
  if (error instanceof ProtocolError) return error;
  return new ProtocolError(name, error instanceof Error ? error.message : String(error), 500);
}

/** Where a sandbox listens and how slowly it answers; every sandbox's options carry these. */
export interface SandboxServerOptions {
  /** Interface to bind; a host that is not loopback is refused. @default 127.0.0.1 */
  readonly host?: string;
  /** Port to bind; 0 picks one. @default 0 */
  readonly port?: number;
  /** Milliseconds added to every answer. @default 0 */
  readonly latencyMs?: number;
}

/** The part of a started sandbox that every sandbox has. */
export interface SandboxServer<Stats> {
  /** Base URL, e.g. `http://127.0.0.1:4599`. */
  readonly url: string;
  readonly port: number;
  readonly stats: Stats;
  /** Changes the added latency (milliseconds) for the answers from now on. */
  setLatency(ms: number): void;
  /** Zeroes the counters and starts a new request log (fresh objects: earlier snapshots keep their values). */
  resetStats(): void;
  /** Stops listening, dropping open connections. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox's JSON server on loopback: `config.handle` answers, `config.onError` turns
 * what it throws into the protocol's error answer (each one counted in `stats.errors` first),
 * every answer delayed by the latency. Resolves once it is listening.
 */
export async function startSandboxServer<Stats extends RequestStats<unknown>>(
  options: SandboxServerOptions,
  stats: Stats,
  config: Omit<JsonServerConfig, 'latencyMs'>,
): Promise<SandboxServer<Stats>> {
  let latencyMs = checkCount(options.latencyMs ?? 0, 'latencyMs');
  const server = createJsonServer({
    ...config,
    onError: (error) => {
      stats.errors++;
      return config.onError(error);
    },
    latencyMs: () => latencyMs,
  });
  const { port, url } = await listen(server, options.host, options.port);
  return {
    url,
    port,
    stats,
    setLatency: (ms) => {
      latencyMs = checkCount(ms, 'latencyMs');
    },
    resetStats: () => resetRequestStats(stats),
    close: () => closeServer(server),
  };
}

/**
 * `parseArgs` options every standalone sandbox accepts. Each sandbox has its
 * own default port so all can run side by side.
 */
export function serverArgOptions(defaultPort: string) {
  return {
    port: { type: 'string', default: defaultPort },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
    seed: { type: 'string' },
  } as const;
}

/** Sandbox options from the values of {@link serverArgOptions}. */
export function serverOptionsFrom(values: {
  port: string;
  host: string;
  'latency-ms': string;
  seed?: string | undefined;
}): { host: string; port: number; latencyMs: number; seed: string | undefined } {
  return {
    host: values.host,
    port: Number(values.port),
    latencyMs: Number(values['latency-ms']),
    seed: values.seed,
  };
}

/**
 * The standalone entry point of a sandbox: when the module at `moduleUrl` (pass
 * `import.meta.url`) is the process entry, as with `npx tsx local/sandbox/glue.ts`, and not when
 * it is imported by tests, runs `start` and closes what it started on SIGINT or SIGTERM
 * (exit 0); exits 1 if `start` fails.
 */
export function runSandboxIfMain(moduleUrl: string, start: () => Promise<{ close(): Promise<void> }>): void {
  if (!isMainModule(moduleUrl)) return;
  start().then(
    (sandbox) => {
      const stop = (): void => {
        void sandbox.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // argv[1] may be relative or a symlink, while import.meta.url is the resolved real path.
    return moduleUrl === pathToFileURL(realpathSync(resolve(entry))).href;
  } catch {
    return false;
  }
}
