/** `pagewalk status <runId>`: the run record from DynamoDB, readable (or as JSON). */
import { RESUMABLE_STATUSES, type RunRecord } from '../../functions/lib/store/run-record';
import type { CliContext } from '../context';
import { columns, count, time } from '../format';
import { requireRunRecord } from '../runs';

const RESUMABLE = new Set<string>(RESUMABLE_STATUSES);

/** The run record as labelled lines. */
export function formatRunRecord(r: RunRecord): string[] {
  const segments = Object.entries(r.segments ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  const options = Object.entries(r.options ?? {})
    .map(([k, v]) => `${k} ${v === null ? 'none' : v}`)
    .join(', ');
  const rows: string[][] = [
    ['status', r.status],
    ['source', `${r.source} ${JSON.stringify(r.params)}`],
    ['collection', r.collection],
    [
      'progress',
      `${count(r.pages)} pages, ${count(r.items)} items (${count(r.written)} written), ${r.restarts} restarts, ${r.polls} polls, ${count(r.fetches)} fetches${r.waits ? `, ${count(r.waits)} waits for quota` : ''}`,
    ],
    ...(r.checkpoint?.pacing
      ? [
          [
            'quota',
            `${r.checkpoint.pacing.rate.toPrecision(3)} calls/s, burst ${r.checkpoint.pacing.burst}, ${r.checkpoint.pacing.throttles} throttled${r.checkpoint.pacing.nextCallAt && r.status === 'running' ? `, next call at ${time(r.checkpoint.pacing.nextCallAt)}` : ''}`,
          ],
        ]
      : []),
    [
      'checkpoint',
      `page ${count(r.checkpoint?.page)}, ${r.checkpoint?.nextToken ? 'a token to continue from' : 'no token'}${r.checkpoint?.limit ? `, stopped at ${r.checkpoint.limit}` : ''}`,
    ],
    ['options', options],
    ['started', time(r.startedAt)],
    ['updated', time(r.updatedAt)],
    ...(r.completedAt ? [['completed', time(r.completedAt)]] : []),
    ...(r.lastError ? [['last error', `${r.lastError.error}: ${r.lastError.message}`]] : []),
    ['execution', r.executionArn],
    ...segments.map(([n, s], i) => [
      i === 0 ? 'segments' : '',
      `${n}. ${s.startedAs.padEnd(9)} ${time(s.startedAt)}  ${s.executionArn}`,
    ]),
  ];
  const lines = [`run ${r.runId}`, ...columns(rows.map(([label, value]) => [`  ${label}`, value ?? '']))];
  if (RESUMABLE.has(r.status)) lines.push(`resume it with: pagewalk resume ${r.runId}`);
  return lines;
}

export async function status(ctx: CliContext, runId: string, options: { json?: boolean }): Promise<number> {
  const record = await requireRunRecord(ctx, runId);
  if (options.json) ctx.output.out(JSON.stringify(record, null, 2));
  else for (const line of formatRunRecord(record)) ctx.output.out(line);
  return 0;
}
