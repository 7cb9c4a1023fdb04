/**
 * Runs and executions as a person names them: an execution ARN, or a run id (the name of
 * the run's first execution). A run id is looked up in the run record, which knows every
 * segment; without a table, it is taken as an execution name.
 */
import { DescribeExecutionCommand, type DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { type RunRecord, RunRecords } from '../functions/lib/store/run-record';
import { type CliContext, CliError } from './context';

const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d+:execution:[^:]+:[^:]+$/;

export const isExecutionArn = (value: string) => EXECUTION_ARN.test(value);

/** The name at the end of an execution ARN. */
export const executionName = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

/** The ARN of execution `name` of a state machine, as Step Functions builds it. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The run record of `runId`, or undefined when there is no table or no such run. */
export async function readRunRecord(ctx: CliContext, runId: string): Promise<RunRecord | undefined> {
  const table = await ctx.table();
  return table ? new RunRecords(table.client, table.tableName).get(runId) : undefined;
}

/** The run record, or a clear error saying why it cannot be read. */
export async function requireRunRecord(ctx: CliContext, runId: string): Promise<RunRecord> {
  if (!(await ctx.table())) {
    throw new CliError('no run table known: pass --table or set PAGEWALK_TABLE_NAME');
  }
  const record = await readRunRecord(ctx, runId);
  if (!record) throw new CliError(`no run record for run id ${runId}`);
  return record;
}

export interface ResolvedExecution {
  readonly executionArn: string;
  /** Present when the reference was a run id with a run record. */
  readonly record?: RunRecord;
}

/**
 * An execution ARN as given; a run id becomes the execution running (or last running) the
 * run, per its run record, or the execution named like it when no record can be read.
 */
export async function resolveExecution(ctx: CliContext, reference: string): Promise<ResolvedExecution> {
  if (isExecutionArn(reference)) return { executionArn: reference };
  if (reference.startsWith('arn:')) throw new CliError(`not an execution ARN: ${reference}`);
  const record = await readRunRecord(ctx, reference).catch(() => undefined);
  if (record) return { executionArn: record.executionArn, record };
  const executionArn = executionArnFor(await ctx.stateMachineArn(), reference);
  try {
    await describe(ctx, executionArn);
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') {
      throw new CliError(`no run or execution named ${reference}; pagewalk list shows the executions`);
    }
    throw error;
  }
  return { executionArn };
}

/** Every execution of a run, in segment order (from the run record), or just the one named. */
export async function runExecutions(ctx: CliContext, reference: string): Promise<string[]> {
  const { executionArn, record } = await resolveExecution(ctx, reference);
  if (!record) return [executionArn];
  return Object.entries(record.segments)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, segment]) => segment.executionArn);
}

export async function describe(ctx: CliContext, executionArn: string): Promise<DescribeExecutionOutput> {
  return ctx.sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** The execution an execution's output says it continued as (continue as new), if any. */
export function continuedAs(output: string | undefined): string | undefined {
  if (!output) return undefined;
  try {
    const arn = (JSON.parse(output) as { continuedAs?: { executionArn?: unknown } }).continuedAs
      ?.executionArn;
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run an execution works on, from its input alone: the run it resumes or continues, or
 * (a new run) the execution's own name.
 */
export function runIdOf(executionArn: string, input: string | undefined): string {
  try {
    const parsed = JSON.parse(input ?? '') as { resume?: unknown; continue?: { runId?: unknown } };
    if (typeof parsed.resume === 'string') return parsed.resume;
    if (typeof parsed.continue?.runId === 'string') return parsed.continue.runId;
  } catch {
    // not JSON: a new run's input was refused; the name is still its run id
  }
  return executionName(executionArn);
}
