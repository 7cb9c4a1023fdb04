/**
 * An all-jobs sync on the local stack, as `npm start -- --all-jobs` runs it: the all-jobs
 * state machine starts one pagewalk child per sandbox job, and a line per job is printed as
 * each child's run ends.
 */
import type { SyncSummary } from '../functions/lib/finish-sync';
import { createSyncMachines } from './all-jobs';
import {
  followRun,
  type LocalEvent,
  type LocalExecutionResult,
  type LocalStateMachine,
  loadPagewalkHandlers,
} from './engine';

const fmt = (n: number) => n.toLocaleString('en-US');

/** What to sync: the all-jobs input's options. */
export interface AllJobsRunOptions {
  readonly name: string;
  /** Options of the all-jobs input: sync, maxConcurrency, ifBusy and any run option for the children. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly print?: (line: string) => void;
  /** The pagewalk machine the children run on; a new one by default. */
  readonly pagewalk?: LocalStateMachine;
  /**
   * The all-jobs machine to run on (the local endpoint's, so the console and the API list the
   * sync); its events must then reach `events` (see {@link jobLine}). A new one by default.
   */
  readonly allJobs?: LocalStateMachine;
}

/** The line an all-jobs event prints, if any: one per job, as the job's outcome is recorded. */
export function jobLine(event: LocalEvent): string | undefined {
  // The Map's events reach the sync's log.
  if (event.type !== 'StateExited' || event.state?.name !== 'Read job run') return undefined;
  const output = event.state.output as { job?: { name?: string }; outcome?: { status?: string } };
  return output?.outcome?.status !== 'running'
    ? `  ${output?.job?.name}: ${output?.outcome?.status}`
    : undefined;
}

/** The lines that describe how an all-jobs sync ended; `startedAt`: when its first execution started. */
export function describeSync(result: LocalExecutionResult, startedAt: Date = result.startedAt): string[] {
  if (result.status !== 'SUCCEEDED')
    return [`Sync ${result.status.toLowerCase()}: ${result.error}`, `  ${result.cause ?? ''}`];
  const output = result.output as SyncSummary | { status: 'skipped'; message: string };
  if (output.status === 'skipped') return [`Sync skipped: ${(output as { message: string }).message}`];
  const summary = output as SyncSummary;
  const seconds = (result.stoppedAt.getTime() - startedAt.getTime()) / 1000;
  const width = Math.max(3, ...summary.jobs.map((job) => job.job.length));
  return [
    `Sync ${summary.status} in ${seconds.toFixed(1)} s: ${summary.totals.jobs} jobs, ${fmt(summary.totals.items)} runs read in ${fmt(summary.totals.pages)} pages.`,
    ...summary.jobs.map(
      (job) =>
        `  ${job.job.padEnd(width)}  ${job.status.padEnd(10)} ${fmt(job.items).padStart(8)} runs ${fmt(job.pages).padStart(5)} pages${job.error ? `  ${job.error.error}: ${job.error.message}` : ''}`,
    ),
    ...(summary.jobsNotListed
      ? [`  ... and ${summary.jobsNotListed} more in the sync record sync-run#${summary.runId}`]
      : []),
  ];
}

/** The most executions that ran at once, from when each started and stopped. */
export function mostAtOnce(executions: readonly LocalExecutionResult[]): number {
  const edges = executions.flatMap((e) => [
    { at: e.startedAt.getTime(), step: 1 },
    { at: e.stoppedAt.getTime(), step: -1 },
  ]);
  // At a tie the one that stopped is gone before the one that started.
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.step;
    most = Math.max(most, running);
  }
  return most;
}

/** What a sync cost the engine: its executions and its children's, their transitions and history. */
export function describeEngineCounts(
  segments: readonly LocalExecutionResult[],
  children: readonly LocalExecutionResult[],
): string[] {
  const sum = (list: readonly LocalExecutionResult[], pick: (r: LocalExecutionResult) => number) =>
    list.reduce((n, r) => n + pick(r), 0);
  const transitions = (r: LocalExecutionResult) => r.stats.transitions;
  const events = (list: readonly LocalExecutionResult[]) =>
    Math.max(0, ...list.map((r) => r.stats.historyEvents));
  return [
    `  ${fmt(segments.length)} sync execution(s), ${fmt(children.length)} child execution(s), at most ${fmt(mostAtOnce(children))} children at once; ${fmt(sum(segments, transitions) + sum(children, transitions))} state transitions (${fmt(sum(segments, transitions))} in the sync), ${fmt(sum([...segments, ...children], (r) => r.stats.retries))} retries.`,
    `  At most about ${fmt(events(segments))} AWS history events in a sync execution and ${fmt(events(children))} in a child's (the limit is 25,000).`,
  ];
}

/** Runs an all-jobs sync to its end on the local engine and prints how each job ended. */
export async function runAllJobsSync(run: AllJobsRunOptions): Promise<LocalExecutionResult> {
  const print = run.print ?? console.log;
  const { allJobs, pagewalk } = run.allJobs
    ? { allJobs: run.allJobs, pagewalk: run.pagewalk }
    : await createSyncMachines(run.pagewalk ?? (await loadPagewalkHandlers()), {
        onEvent: (event) => {
          const line = jobLine(event);
          if (line) print(line);
        },
      });
  const before = pagewalk?.startedCount ?? 0;
  const first = allJobs.start(run.name, { source: 'glue.allJobs', params: {}, options: run.options });
  const { segments, last: result } = await followRun(allJobs, first);
  for (const line of describeSync(result, first.startDate)) print(line);
  const children = await Promise.all((pagewalk?.startedSince(before) ?? []).map((child) => child.result));
  for (const line of describeEngineCounts(segments, children)) print(line);
  return result;
}
