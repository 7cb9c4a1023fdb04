/**
 * `pagewalk history <executionArn|runId>`: a summary of the execution history (every
 * segment, for a run id with a run record; `--follow` follows continue-as-new from an ARN).
 * Pages through GetExecutionHistory, 1,000 events at a time.
 */
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { causeMessage } from '../../functions/lib/errors';
import type { CliContext } from '../context';
import { count, duration } from '../format';
import { type HistorySummary, summarizeHistory } from '../history-summary';
import { executionName, runExecutions } from '../runs';

/** Every event of an execution, oldest first. */
export async function readHistory(ctx: CliContext, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

const byName = (counts: Record<string, number>) => {
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return total === 0 ? '0' : `${total} (${entries.map(([name, n]) => `${name} ${n}`).join(', ')})`;
};

/** One execution's summary as labelled lines. */
export function formatSummary(name: string, s: HistorySummary): string[] {
  const took =
    s.startedAt && s.stoppedAt ? ` in ${duration(s.stoppedAt.getTime() - s.startedAt.getTime())}` : '';
  const calls = Object.entries(s.pagesByCall)
    .map(([call, n]) => `${call} ${n}`)
    .join(', ');
  const lines = [
    `execution ${name}: ${s.status ?? 'RUNNING'}${took}, ${count(s.events)} events`,
    `  pages        ${count(s.pages)}${calls ? ` (${calls})` : ''}${s.items === undefined ? '' : `, ${count(s.items)} items so far`}`,
    `  retries      ${byName(s.retries)}`,
    `  caught       ${byName(s.caught)}`,
    `  restarts     ${s.restarts}`,
    `  waits        ${s.waits}${s.waits ? ` (${duration(s.waitedMs)} waiting)` : ''}`,
    `  transitions  ${count(s.transitions)}`,
  ];
  if (s.failure && (s.failure.error || s.failure.cause)) {
    lines.push(
      `  ${s.status === 'ABORTED' ? 'stopped' : 'failure'}      ${s.failure.error ?? ''}: ${causeMessage(s.failure.cause)}`,
    );
  }
  if (s.continuedAs) lines.push(`  continued as ${executionName(s.continuedAs)}`);
  return lines;
}

export interface HistoryOptions {
  readonly follow?: boolean;
  readonly json?: boolean;
}

export async function history(ctx: CliContext, reference: string, options: HistoryOptions): Promise<number> {
  const queue = await runExecutions(ctx, reference);
  const summaries: Array<{ executionArn: string; summary: HistorySummary }> = [];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const executionArn = queue.shift() as string;
    if (seen.has(executionArn)) continue;
    seen.add(executionArn);
    const summary = summarizeHistory(await readHistory(ctx, executionArn));
    summaries.push({ executionArn, summary });
    if (options.follow && summary.continuedAs && queue.length === 0) queue.push(summary.continuedAs);
  }
  if (options.json) {
    ctx.output.out(JSON.stringify(summaries, null, 2));
    return 0;
  }
  for (const { executionArn, summary } of summaries) {
    for (const line of formatSummary(executionName(executionArn), summary)) ctx.output.out(line);
  }
  if (summaries.length > 1) {
    const total = (pick: (s: HistorySummary) => number) =>
      summaries.reduce((n, { summary }) => n + pick(summary), 0);
    const retries = total((s) => Object.values(s.retries).reduce((a, b) => a + b, 0));
    ctx.output.out(
      `total over ${summaries.length} executions: ${count(total((s) => s.pages))} pages, ${retries} retries, ${total((s) => s.restarts)} restarts, ${total((s) => s.waits)} waits, ${count(total((s) => s.events))} events`,
    );
  }
  return 0;
}
