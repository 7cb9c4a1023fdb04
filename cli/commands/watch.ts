/**
 * `pagewalk watch <executionArn|runId>`: follows a run until it ends, across continue-as-new
 * segments, showing pages, items, rate, the current state, segments, restarts and polls.
 * Exit code 0 when the run's last execution succeeded, 1 otherwise.
 */
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { causeMessage } from '../../functions/lib/errors';
import type { RunRecord } from '../../functions/lib/store/run-record';
import type { CliContext } from '../context';
import { count, duration, isRecord, parseJson, rate } from '../format';
import { ProgressDisplay, type ProgressSnapshot } from '../progress';
import { continuedAs, describe, executionName, readRunRecord, resolveExecution, runIdOf } from '../runs';

export interface WatchOptions {
  /** Seconds between polls. @default 1 */
  readonly interval?: number;
  /** The command that resumes a run, for the closing lines. @default `pagewalk resume <runId>` */
  readonly resumeCommand?: (runId: string) => string;
}

/**
 * When the run was started or last resumed, and what it had written then: rates and
 * durations count from there, as the limits do.
 */
function sinceStart(record: RunRecord): { at: number; written: number } | undefined {
  const starts = Object.values(record.segments ?? {})
    .filter((s) => s.startedAs !== 'continued')
    .map((s) => Date.parse(s.startedAt))
    .filter((at) => !Number.isNaN(at));
  if (starts.length === 0) return undefined;
  return { at: Math.max(...starts), written: record.since?.written ?? 0 };
}

/** The cursor fields progress needs, as the state carries them. */
interface CursorView {
  readonly page: number;
  readonly items: number;
  readonly written?: number;
  readonly restarts: number;
  readonly polls: number;
  readonly waits?: number;
  readonly pacing?: { readonly nextCallAt?: string | null } | null;
}

/** The latest state entered and the latest cursor in a page of newest-first events. */
interface Position {
  state?: string;
  cursor?: CursorView;
}

const isCursor = (value: unknown): value is CursorView =>
  isRecord(value) && typeof value.page === 'number' && typeof value.items === 'number';

/** Reads where the execution is from its latest history events (newest first). */
async function position(ctx: CliContext, executionArn: string): Promise<Position> {
  const out = await ctx.sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 30 }),
  );
  const found: Position = {};
  for (const event of out.events ?? []) {
    if (!found.state && event.type?.endsWith('StateEntered'))
      found.state = event.stateEnteredEventDetails?.name;
    if (!found.cursor) {
      const text =
        event.stateEnteredEventDetails?.input ??
        event.stateExitedEventDetails?.output ??
        event.lambdaFunctionSucceededEventDetails?.output;
      const data = parseJson(text);
      if (isRecord(data) && isCursor(data.cursor)) found.cursor = data.cursor;
      else if (isCursor(data)) found.cursor = data;
    }
    if (found.state && found.cursor) break;
  }
  return found;
}

/** While the execution is in a quota wait: how long until the call it waits for. */
function nextCallIn(
  state: string | undefined,
  pacing: CursorView['pacing'],
  now: number,
): number | undefined {
  if (!state?.startsWith('Wait for quota') || !pacing?.nextCallAt) return undefined;
  const at = Date.parse(pacing.nextCallAt);
  return Number.isNaN(at) ? undefined : at - now;
}

/** Follows a run to its end; returns the exit code. */
export async function watch(ctx: CliContext, reference: string, options: WatchOptions = {}): Promise<number> {
  const intervalMs = Math.max(0.1, options.interval ?? 1) * 1000;
  const display = new ProgressDisplay(ctx.output);
  let { executionArn, record } = await resolveExecution(ctx, reference);
  let runId = record?.runId;
  let segment = record ? record.segmentCount : 1;
  const watchStarted = ctx.now();
  const resumeCommand = options.resumeCommand ?? ((id: string) => `pagewalk resume ${id}`);
  let firstSample: { at: number; written: number } | undefined;
  let runStarted: number | undefined;

  for (;;) {
    const execution = await describe(ctx, executionArn);
    const at = ctx.now();
    runStarted ??= execution.startDate?.getTime() ?? watchStarted;
    const where = await position(ctx, executionArn);
    runId ??= runIdOf(executionArn, execution.input);
    record = await readRunRecord(ctx, runId).catch(() => undefined);
    // Until "Start run" has recorded this execution, the record still shows the last start.
    const base = record ? sinceStart(record) : undefined;
    if (base) runStarted = base.at;
    segment = record?.segmentCount ?? segment;
    const progress = record ?? where.cursor;
    const total = progress?.written ?? progress?.items ?? 0;
    const written = total - (base?.written ?? 0);
    firstSample ??= { at, written: total };
    const snapshot: ProgressSnapshot = {
      runId,
      execution: executionName(executionArn),
      executionStatus: execution.status ?? 'UNKNOWN',
      segment,
      state: where.state,
      pages: (record ? record.pages : where.cursor?.page) ?? 0,
      items: progress?.items ?? 0,
      restarts: progress?.restarts ?? 0,
      polls: progress?.polls ?? 0,
      waits: record?.waits ?? where.cursor?.waits,
      nextCallInMs: nextCallIn(where.state, record?.checkpoint.pacing ?? where.cursor?.pacing, at),
      rate:
        at - firstSample.at >= 1000
          ? rate(total - firstSample.written, at - firstSample.at)
          : rate(written, (execution.stopDate?.getTime() ?? at) - runStarted),
      elapsedMs: (execution.stopDate?.getTime() ?? at) - runStarted,
      runStatus: record?.status,
    };
    display.show(snapshot);

    if (execution.status === 'RUNNING') {
      await ctx.sleep(intervalMs);
      continue;
    }
    const next = execution.status === 'SUCCEEDED' ? continuedAs(execution.output) : undefined;
    if (next) {
      display.note(`${executionName(executionArn)} continued as ${executionName(next)}`);
      executionArn = next;
      segment += 1;
      continue;
    }
    for (const line of ending(execution, snapshot, record, resumeCommand)) display.note(line);
    return execution.status === 'SUCCEEDED' ? 0 : 1;
  }
}

/** How the run ended, in words, with what to do next. */
function ending(
  execution: { status?: string; output?: string; error?: string; cause?: string },
  s: ProgressSnapshot,
  record: RunRecord | undefined,
  resumeCommand: (runId: string) => string,
): string[] {
  if (execution.status === 'SUCCEEDED') {
    const out = parseJson(execution.output);
    const summary = isRecord(out) ? out : {};
    if (summary.status === 'alreadyComplete') return [`Run ${s.runId} had already succeeded; nothing to do.`];
    const items = typeof summary.items === 'number' ? summary.items : s.items;
    const verdict =
      summary.status === 'caughtUp'
        ? `caught up after ${summary.polls} polls (resumable: ${resumeCommand(s.runId)})`
        : summary.status === 'stoppedAtLimit'
          ? `stopped at its ${summary.limit ?? ''} limit (resumable: ${resumeCommand(s.runId)})`
          : 'succeeded';
    return [
      `Run ${s.runId} ${verdict}: ${count(summary.pages as number | undefined)} pages, ${count(items)} items in ${duration(s.elapsedMs)}, ${count(summary.restarts as number | undefined)} restarts, ${s.segment} segment(s).`,
    ];
  }
  const why = execution.error ? `${execution.error}: ${causeMessage(execution.cause)}` : 'no error given';
  const lines = [`Run ${s.runId} ${execution.status?.toLowerCase()}: ${why}`];
  if (record) {
    lines.push(
      `  checkpoint after page ${count(record.pages)} (${count(record.items)} items); resume with: ${resumeCommand(s.runId)}`,
    );
  }
  return lines;
}
