/**
 * The closing lines of `npm start` after the watch has said how the run ended: the engine's
 * counts (when the endpoint ran in this process) and the check that the table holds exactly
 * the items the run counted.
 */
import type { CliContext } from '../cli/context';
import { count } from '../cli/format';
import { readRunRecord } from '../cli/runs';
import type { TrackedExecution } from '../local/engine';
import { countCollection } from '../local/inspect';

/** Prints the summary; returns 1 when the table disagrees with the run's count, else `watchCode`. */
export async function printSummary(
  ctx: CliContext,
  runId: string,
  watchCode: number,
  executions: readonly TrackedExecution[] | undefined,
  /** How to reach the data afterwards, e.g. `npm run serve, then ...`; undefined when it is gone (in memory). */
  inspect: string | undefined,
  /** The local SP-API's quota scale, when it runs in this process. */
  quotaScale?: number,
): Promise<number> {
  const say = (line: string) => ctx.output.out(line);
  if (executions && executions.length > 0) {
    const results = await Promise.all(executions.map((e) => e.result));
    const transitions = results.reduce((n, r) => n + r.stats.transitions, 0);
    const retries = results.reduce((n, r) => n + r.stats.retries, 0);
    const events = Math.max(...results.map((r) => r.stats.historyEvents));
    say(
      `  ${results.length} execution(s); ${count(transitions)} state transitions, ${count(retries)} retries; at most about ${count(events)} AWS history events in one execution (the limit is 25,000).`,
    );
  }
  const table = await ctx.table();
  const record = await readRunRecord(ctx, runId);
  if (!table || !record) return watchCode;
  const stored = await countCollection(table.client, table.tableName, record.collection);
  say(
    `  Table ${table.tableName} holds ${count(stored)} items under pk "${record.collection}" (counted by Query).`,
  );
  say(
    `  Run record: pk "run#${runId}", sk "run"${inspect ? `; see it with: ${inspect} npm run pagewalk -- status ${runId}` : '.'}`,
  );
  const pacing = record.checkpoint.pacing;
  if (pacing) {
    const scale =
      quotaScale === undefined
        ? ''
        : ` (the local SP-API runs at ${count(quotaScale)} × Amazon's quotas, --sandbox-quota-scale)`;
    say(
      `  Paced at the source's quota: ${count(record.waits ?? 0)} wait(s) for quota in the state machine, ${count(pacing.throttles)} call(s) answered 429; rate ${Number(pacing.rate.toPrecision(4))}/s after a burst of ${pacing.burst}${scale}.`,
    );
  }
  // An incremental sync that stopped at what the last sync left read only the new pages.
  const stoppedAt = record.checkpoint.sync?.stoppedAt;
  if (stoppedAt) {
    say(`  Incremental sync: read the runs down to ${stoppedAt}, which the last sync had stored final.`);
  }
  // A drain that stopped early holds fewer; one that finished must hold exactly what it counted.
  if (record.status === 'succeeded' && (stoppedAt ? stored < record.items : stored !== record.items)) {
    ctx.output.err(
      `pagewalk: the run counted ${count(record.items)} items but the table holds ${count(stored)}`,
    );
    return 1;
  }
  return watchCode;
}
