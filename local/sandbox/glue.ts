/**
 * Sandbox AWS Glue endpoint that speaks the AWS JSON 1.1 protocol, so the real
 * `@aws-sdk/client-glue` `GlueClient` can drain `GetJobRuns` against it unchanged
 * (point it here with `endpoint` or `AWS_ENDPOINT_URL_GLUE`).
 *
 * Runs are synthesised on demand from `sha256(job#index)`, so jobs with 100k+
 * runs cost nothing until a page is read, and every run is identical across
 * restarts. Fault switches (throttling, 500s, timeouts, outages, latency) let
 * tests and the local CLI exercise the retry paths of the drain loop.
 *
 * It also lists jobs (`ListJobs`, `GetJobs`, see glue-jobs.ts), and grows a job while it runs:
 * `addRuns` in-process, or `POST /_sandbox/add-runs` with `{"JobName", "Count", "JobRunState"}`.
 *
 * Run standalone: `npx tsx local/sandbox/glue.ts --port 4599 --latency-ms 20`.
 */
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { awsJsonError, ProtocolError, parseJsonBody, readBody, targetOperation } from '../aws-json';
import { Countdown, checkCount, createTokenCodec, randomSecret, recordRequest, sha256 } from './common';
import { glueJobOperations } from './glue-jobs';
import { JOB_RUN_STATES, runIdOf, synthesizeJobRun, type WireJobRun, withState } from './glue-runs';
import {
  emptyRequestStats,
  protocolErrorOf,
  runSandboxIfMain,
  serverArgOptions,
  serverOptionsFrom,
  startSandboxServer,
} from './server';

export { BASE_EPOCH_SECONDS, synthesizeJobRun, type WireJobRun } from './glue-runs';
export * from './glue-types';

import {
  DEFAULT_GLUE_JOBS,
  DEFAULT_MAX_RESULTS,
  type GlueSandbox,
  type GlueSandboxOptions,
  type GlueSandboxStats,
  MAX_MAX_RESULTS,
} from './glue-types';

/** Marks an injected fault that is answered with an HTML page instead of Glue's JSON error. */
const HTML_ERROR = 'html';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSGlue.';
const OPERATIONS = ['GetJobRuns', 'ListJobs', 'GetJobs'];
/** Deterministic PRNG (mulberry32) so seeded random throttling replays identically. */
function seededRandom(seed: string): () => number {
  let state = sha256(seed).readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const serviceUnavailable = (): ProtocolError =>
  new ProtocolError(
    'ServiceUnavailable',
    'The request has failed due to a temporary failure of the server.',
    503,
  );
const invalidToken = (): ProtocolError => new ProtocolError('InvalidInputException', 'Invalid NextToken');

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`throttleRate must be within 0..1, got ${rate}`);
  return rate;
}

/** Starts a sandbox Glue endpoint; resolves once it is listening. */
export async function startGlueSandbox(options: GlueSandboxOptions = {}): Promise<GlueSandbox> {
  const jobs = new Map<string, number>();
  const runStates = new Map<string, string>();
  const failingJobs = new Map<string, string>();
  for (const [name, count] of Object.entries(options.jobs ?? DEFAULT_GLUE_JOBS)) {
    jobs.set(name, checkCount(count, `run count of ${name}`));
  }
  let throttleRate = checkRate(options.throttleRate ?? 0);
  const throttles = new Countdown('throttleNext');
  const failures = new Countdown('failNext');
  const timeouts = new Countdown('timeoutNext');
  const htmlErrors = new Countdown('htmlErrorNext');
  let htmlStatus = 502;
  let isDown = false;
  const random = seededRandom(options.seed ?? 'pagewalk');
  let tokenSecret = options.tokenSecret ?? randomSecret();
  const requestLogLimit = options.requestLogLimit ?? 1000;

  const stats: GlueSandboxStats = { ...emptyRequestStats(), serverErrors: 0 };

  // Read through a closure so expireTokens() can swap the secret.
  const tokens = createTokenCodec(() => tokenSecret);

  // The token carries the index of the next run to return, walking down from the
  // newest. Appended runs get higher indices, so they never shift a drain in flight.
  const encodeToken = (jobName: string, nextIndex: number): string =>
    tokens.encode({ v: 1, j: jobName, n: nextIndex });

  const decodeToken = (token: string, jobName: string, runCount: number): number => {
    const parsed = tokens.decode(token, invalidToken);
    const { j, n } = (parsed ?? {}) as { j?: unknown; n?: unknown };
    if (j !== jobName || typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= runCount)
      throw invalidToken();
    return n;
  };

  const getJobRuns = (body: Record<string, unknown>): unknown => {
    const { JobName, MaxResults, NextToken } = body;
    // Wrong JSON types fail deserialisation before any validation, as on the real service.
    if (JobName !== undefined && JobName !== null && typeof JobName !== 'string') {
      throw new ProtocolError('SerializationException', 'JobName must be a string');
    }
    if (MaxResults !== undefined && MaxResults !== null && !Number.isInteger(MaxResults)) {
      throw new ProtocolError('SerializationException', 'MaxResults must be an integer');
    }
    if (NextToken !== undefined && NextToken !== null && typeof NextToken !== 'string') {
      throw new ProtocolError('SerializationException', 'NextToken must be a string');
    }

    // Constraint violations are reported together, in the Coral wording Glue uses.
    const violations: string[] = [];
    if (typeof JobName !== 'string') {
      violations.push("Value null at 'jobName' failed to satisfy constraint: Member must not be null");
    } else if (JobName.length < 1) {
      violations.push(
        `Value '${JobName}' at 'jobName' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      );
    } else if (JobName.length > 255) {
      violations.push(
        `Value '${JobName}' at 'jobName' failed to satisfy constraint: Member must have length less than or equal to 255`,
      );
    }
    if (typeof MaxResults === 'number' && MaxResults < 1) {
      violations.push(
        `Value '${MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    } else if (typeof MaxResults === 'number' && MaxResults > MAX_MAX_RESULTS) {
      violations.push(
        `Value '${MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_MAX_RESULTS}`,
      );
    }
    if (violations.length > 0 || typeof JobName !== 'string') {
      const count = `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected`;
      throw new ProtocolError('ValidationException', `${count}: ${violations.join('; ')}`);
    }

    const runCount = jobs.get(JobName);
    if (runCount === undefined) {
      throw new ProtocolError('EntityNotFoundException', `Job with name: ${JobName} not found.`);
    }
    const failure = failingJobs.get(JobName);
    if (failure) throw new ProtocolError(failure, `${failure} for job ${JobName} (sandbox failJob)`);
    // An empty string is what some clients send for "first page"; treat it as absent.
    const start =
      typeof NextToken === 'string' && NextToken !== ''
        ? decodeToken(NextToken, JobName, runCount)
        : runCount - 1;

    const pageSize = typeof MaxResults === 'number' ? MaxResults : DEFAULT_MAX_RESULTS;
    const end = Math.max(start - pageSize, -1);
    const JobRuns: WireJobRun[] = [];
    for (let i = start; i > end; i--) {
      const run = synthesizeJobRun(JobName, i);
      const state = runStates.get(run.Id);
      JobRuns.push(state ? withState(run, state) : run);
    }
    // No token once the oldest run has been served: the drain ends on this page.
    return end >= 0 ? { JobRuns, NextToken: encodeToken(JobName, end) } : { JobRuns };
  };

  const injectedFault = (): ProtocolError | undefined => {
    if (htmlErrors.take()) return new ProtocolError(HTML_ERROR, 'Bad Gateway', htmlStatus);
    if (throttles.take()) return new ProtocolError('ThrottlingException', 'Rate exceeded');
    if (timeouts.take()) return new ProtocolError('OperationTimeoutException', 'Operation timed out');
    if (failures.take()) {
      return new ProtocolError('InternalServiceException', 'An internal service error occurred.', 500);
    }
    // Draw only when enabled so toggling the rate does not perturb the sequence otherwise.
    if (throttleRate > 0 && random() < throttleRate) {
      return new ProtocolError('ThrottlingException', 'Rate exceeded');
    }
    return undefined;
  };

  const jobOperations = glueJobOperations(
    () => [...jobs.keys()],
    tokens,
    (status, type, message) => new ProtocolError(type, message, status),
  );
  const checkState = (state: unknown): string => {
    if (typeof state !== 'string' || !JOB_RUN_STATES.has(state)) {
      throw new ProtocolError(
        'InvalidInputException',
        `JobRunState must be one of ${[...JOB_RUN_STATES].join(', ')}; got ${JSON.stringify(state)}`,
      );
    }
    return state;
  };
  const addRuns = (jobName: string, n: number, state?: string): void => {
    const before = jobs.get(jobName) ?? 0;
    jobs.set(jobName, before + checkCount(n, 'addRuns count'));
    if (state === undefined) return;
    const checked = checkState(state);
    for (let i = before; i < before + n; i++) runStates.set(runIdOf(jobName, i), checked);
  };
  // Not a Glue operation: how a test or a person grows a job while the sandbox runs.
  const admin = (url: string, body: unknown): unknown => {
    const { JobName, Count, JobRunState } = (body ?? {}) as Record<string, unknown>;
    if (url !== '/_sandbox/add-runs')
      throw new ProtocolError('NotFound', `No sandbox admin call ${url}`, 404);
    if (typeof JobName !== 'string' || JobName === '' || !Number.isInteger(Count) || (Count as number) < 0) {
      throw new ProtocolError(
        'InvalidInputException',
        'add-runs takes {"JobName": a job name, "Count": a non-negative integer, "JobRunState"?: a state}',
      );
    }
    addRuns(JobName, Count as number, JobRunState === undefined ? undefined : checkState(JobRunState));
    return { JobName, RunCount: jobs.get(JobName) };
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const rawBody = await readBody(
      req,
      () => new ProtocolError('RequestEntityTooLargeException', 'Request entity too large', 413),
    );
    if (req.url?.startsWith('/_sandbox/')) return admin(req.url, parseJsonBody(rawBody).body);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = targetOperation(req, TARGET_PREFIX) ?? (target || '(none)');

    // A body that is not JSON is logged raw; it is rejected as SerializationException
    // (not an object) once auth and target pass.
    const { body } = parseJsonBody(rawBody);
    recordRequest(stats, operation, { target, body }, requestLogLimit);

    // An outage hits before authentication, like a load balancer with no healthy hosts.
    if (isDown) throw serviceUnavailable();
    if (!req.headers.authorization) {
      throw new ProtocolError(
        'MissingAuthenticationTokenException',
        'Request is missing Authentication Token',
      );
    }
    if (req.method !== 'POST' || !OPERATIONS.includes(operation)) {
      throw new ProtocolError(
        'UnknownOperationException',
        `Unknown operation: ${target || '(missing X-Amz-Target)'}`,
      );
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ProtocolError('SerializationException', 'Request body is not a JSON object');
    }
    if (operation === 'ListJobs') return jobOperations.ListJobs(body as Record<string, unknown>);
    if (operation === 'GetJobs') return jobOperations.GetJobs(body as Record<string, unknown>);
    const fault = injectedFault();
    if (fault) throw fault;
    return getJobRuns(body as Record<string, unknown>);
  };

  const server = await startSandboxServer(options, stats, {
    contentType: JSON_CONTENT_TYPE,
    handle,
    onError: (error) => {
      const glueError = protocolErrorOf(error, 'InternalServiceException');
      if (glueError.name === 'ThrottlingException') stats.throttled++;
      if (glueError.status >= 500) stats.serverErrors++;
      if (glueError.name === HTML_ERROR) {
        const text = `<html><head><title>${glueError.status} ${glueError.message}</title></head><body><center><h1>${glueError.status} ${glueError.message}</h1></center></body></html>`;
        return { status: glueError.status, payload: null, raw: { contentType: 'text/html', text } };
      }
      return awsJsonError(glueError, 'Message');
    },
  });

  const requireJob = (jobName: string): number => {
    const count = jobs.get(jobName);
    if (count === undefined) throw new Error(`Unknown Glue sandbox job: ${jobName}`);
    return count;
  };

  return {
    ...server,
    throttleNext: (n) => throttles.arm(n),
    failNext: (n) => failures.arm(n),
    timeoutNext: (n) => timeouts.arm(n),
    htmlErrorNext: (n, status = 502) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new Error(`htmlErrorNext status must be an HTTP error status from 400 to 599; got ${status}`);
      }
      htmlStatus = status;
      htmlErrors.arm(n);
    },
    down: (value) => {
      isDown = value;
    },
    setThrottleRate: (rate) => {
      throttleRate = checkRate(rate);
    },
    addRuns,
    setRunState: (jobName, runId, state) => {
      requireJob(jobName);
      runStates.set(runId, checkState(state));
    },
    failJob: (jobName, errorType = 'AccessDeniedException') => {
      requireJob(jobName);
      failingJobs.set(jobName, errorType);
    },
    runCount: requireJob,
    jobRunIds: (jobName) => {
      const count = requireJob(jobName);
      const ids: string[] = [];
      for (let i = count - 1; i >= 0; i--) ids.push(runIdOf(jobName, i));
      return ids;
    },
    resetStats: () => {
      server.resetStats();
      stats.serverErrors = 0;
    },
    expireTokens: () => {
      tokenSecret = randomSecret();
    },
  };
}

runSandboxIfMain(import.meta.url, async () => {
  const { values } = parseArgs({
    options: {
      ...serverArgOptions('4599'),
      'throttle-rate': { type: 'string', default: '0' },
      // Repeatable `--job name=count`; replaces the default jobs when given.
      job: { type: 'string', multiple: true },
    },
  });
  let jobs: Record<string, number> | undefined;
  if (values.job && values.job.length > 0) {
    jobs = {};
    for (const spec of values.job) {
      const eq = spec.lastIndexOf('=');
      if (eq <= 0) throw new Error(`--job expects name=count, got ${spec}`);
      jobs[spec.slice(0, eq)] = Number(spec.slice(eq + 1));
    }
  }
  const sandbox = await startGlueSandbox({
    jobs,
    ...serverOptionsFrom(values),
    throttleRate: Number(values['throttle-rate']),
  });
  const served = jobs ?? DEFAULT_GLUE_JOBS;
  console.log(`Glue sandbox listening on ${sandbox.url}`);
  console.log(`  export AWS_ENDPOINT_URL_GLUE=${sandbox.url}`);
  for (const [name, count] of Object.entries(served)) console.log(`  job ${name}: ${count} runs`);
  return sandbox;
});
