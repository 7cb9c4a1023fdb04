/**
 * The check `npm start` makes after an all-jobs sync, job by job, as it does after a drain:
 * the table holds exactly the items each job's run counted (at least as many where an
 * incremental sync stopped at what the last sync left), counted by DynamoDB.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RunRecords } from '../functions/lib/store/run-record';
import { SyncRecords } from '../functions/lib/sync/all-jobs-store';
import { countCollection } from './inspect';

/** A job whose stored items disagree with its run's count. */
export interface JobMismatch {
  readonly job: string;
  readonly counted: number;
  readonly stored: number;
}

export interface SyncCheck {
  /** Jobs whose run succeeded, each checked. */
  readonly jobs: number;
  /** Items stored under their collections. */
  readonly stored: number;
  readonly mismatches: readonly JobMismatch[];
}

/** Queries at once: enough to keep dynalite busy without flooding it. */
const CONCURRENCY = 8;

/** Checks every job of the sync `runId` whose run succeeded against the table. */
export async function checkSyncedJobs(
  client: DynamoDBDocumentClient,
  tableName: string,
  runId: string,
): Promise<SyncCheck> {
  const runs = new RunRecords(client, tableName);
  const succeeded = (await new SyncRecords(client, tableName).jobs(runId)).filter(
    (job) => job.status === 'succeeded',
  );
  const mismatches: JobMismatch[] = [];
  let stored = 0;
  let next = 0;
  const worker = async () => {
    for (let job = succeeded[next++]; job; job = succeeded[next++]) {
      const record = await runs.get(job.executionName);
      if (!record) {
        mismatches.push({ job: job.job, counted: job.items, stored: 0 });
        continue;
      }
      const count = await countCollection(client, tableName, record.collection);
      stored += count;
      const stoppedEarly = record.checkpoint.sync?.stoppedAt !== undefined;
      if (stoppedEarly ? count < record.items : count !== record.items) {
        mismatches.push({ job: job.job, counted: record.items, stored: count });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { jobs: succeeded.length, stored, mismatches };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Prints the check of the sync `runId` against the table; false when a job's items disagree. */
export async function reportSyncCheck(
  client: DynamoDBDocumentClient,
  tableName: string,
  runId: string,
  print: (line: string) => void,
): Promise<boolean> {
  const check = await checkSyncedJobs(client, tableName, runId);
  if (check.mismatches.length === 0) {
    print(
      `  Table ${tableName} holds ${fmt(check.stored)} items under the ${fmt(check.jobs)} jobs whose run succeeded: exactly what each run counted (counted by Query, job by job).`,
    );
    return true;
  }
  for (const m of check.mismatches.slice(0, 10)) {
    print(
      `  pagewalk: job ${m.job}: its run counted ${fmt(m.counted)} items but the table holds ${fmt(m.stored)}`,
    );
  }
  if (check.mismatches.length > 10) print(`  ... and ${fmt(check.mismatches.length - 10)} more jobs`);
  return false;
}
