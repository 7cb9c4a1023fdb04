/**
 * The job-listing operations of the sandbox Glue endpoint, `ListJobs` and `GetJobs`, in
 * Glue's AWS JSON 1.1 wire format: NextToken-paginated, jobs in name order (real Glue
 * promises no order; a fixed one keeps pages stable while jobs are added).
 */
import type { TokenCodec } from './common';

/** ListJobs and GetJobs accept MaxResults 1..1000 (API reference). */
export const MAX_JOBS_PER_PAGE = 1000;
/** Page size when a request omits MaxResults; Glue does not document its default. */
export const DEFAULT_JOBS_PER_PAGE = 100;
/** CreatedOn of every sandbox job: 2023-12-01T00:00:00Z, in epoch seconds. */
const JOB_CREATED_EPOCH_SECONDS = 1_701_388_800;

/** A job as GetJobs serialises it on the wire (timestamps are epoch seconds). */
export interface WireJob {
  Name: string;
  JobMode: string;
  Role: string;
  CreatedOn: number;
  LastModifiedOn: number;
  ExecutionProperty: { MaxConcurrentRuns: number };
  Command: { Name: string; ScriptLocation: string; PythonVersion: string };
  DefaultArguments: Record<string, string>;
  MaxRetries: number;
  AllocatedCapacity: number;
  Timeout: number;
  MaxCapacity: number;
  WorkerType: string;
  NumberOfWorkers: number;
  GlueVersion: string;
  ExecutionClass: string;
}

/** The job definition the sandbox serves for `name`: the same every time. */
export function synthesizeJob(name: string): WireJob {
  return {
    Name: name,
    JobMode: 'SCRIPT',
    Role: 'arn:aws:iam::123456789012:role/service-role/AWSGlueServiceRole-pagewalk',
    CreatedOn: JOB_CREATED_EPOCH_SECONDS,
    LastModifiedOn: JOB_CREATED_EPOCH_SECONDS,
    ExecutionProperty: { MaxConcurrentRuns: 1 },
    Command: {
      Name: 'glueetl',
      ScriptLocation: `s3://aws-glue-assets-123456789012-us-east-1/scripts/${name}.py`,
      PythonVersion: '3',
    },
    DefaultArguments: { '--job-language': 'python', '--enable-metrics': 'true' },
    MaxRetries: 0,
    AllocatedCapacity: 10,
    Timeout: 2880,
    MaxCapacity: 10,
    WorkerType: 'G.1X',
    NumberOfWorkers: 10,
    GlueVersion: '4.0',
    ExecutionClass: 'STANDARD',
  };
}

/** How the operations build Glue's errors (the class lives with the server that sends them). */
export type GlueErrorFactory = (status: number, type: string, message: string) => Error;

/** ListJobs and GetJobs over the sandbox's current job names. */
export function glueJobOperations(jobNames: () => string[], tokens: TokenCodec, error: GlueErrorFactory) {
  const invalidToken = () => error(400, 'InvalidInputException', 'Invalid NextToken');

  /** The page of names after the token's last name, and the token for the page after it. */
  const page = (body: Record<string, unknown>, operation: string) => {
    const { MaxResults, NextToken } = body;
    if (MaxResults !== undefined && MaxResults !== null && !Number.isInteger(MaxResults)) {
      throw error(400, 'SerializationException', 'MaxResults must be an integer');
    }
    if (NextToken !== undefined && NextToken !== null && typeof NextToken !== 'string') {
      throw error(400, 'SerializationException', 'NextToken must be a string');
    }
    if (typeof MaxResults === 'number' && (MaxResults < 1 || MaxResults > MAX_JOBS_PER_PAGE)) {
      const bound =
        MaxResults < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_JOBS_PER_PAGE}`;
      throw error(
        400,
        'ValidationException',
        `1 validation error detected: Value '${MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${bound}`,
      );
    }
    let after: string | undefined;
    if (typeof NextToken === 'string' && NextToken !== '') {
      const state = tokens.decode(NextToken, invalidToken) as { o?: unknown; a?: unknown } | null;
      if (state?.o !== operation || typeof state.a !== 'string') throw invalidToken();
      after = state.a;
    }
    const size = typeof MaxResults === 'number' ? MaxResults : DEFAULT_JOBS_PER_PAGE;
    const names = jobNames()
      .sort()
      .filter((name) => after === undefined || name > after);
    const served = names.slice(0, size);
    const last = served[served.length - 1];
    const next =
      names.length > size && last !== undefined ? tokens.encode({ o: operation, a: last }) : undefined;
    return { served, next };
  };

  return {
    ListJobs(body: Record<string, unknown>): unknown {
      const { served, next } = page(body, 'ListJobs');
      return next ? { JobNames: served, NextToken: next } : { JobNames: served };
    },
    GetJobs(body: Record<string, unknown>): unknown {
      const { served, next } = page(body, 'GetJobs');
      const Jobs = served.map(synthesizeJob);
      return next ? { Jobs, NextToken: next } : { Jobs };
    },
  };
}
