/**
 * The fetch-page handler with its SDK clients mocked at the boundary, and the events its
 * unit tests send (one page per invocation: each test is about one page).
 */
import { GlueClient, type JobRun, JobRunState } from '@aws-sdk/client-glue';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { DEFAULT_OPTIONS, glueRun } from './fixtures';

// Read by the handler's module scope, so set before it is imported.
process.env.TABLE_NAME = 'pagewalk-unit';
process.env.AWS_REGION = 'us-east-1';
export const { handler } = await import('../../functions/fetch-page');

export const glue = mockClient(GlueClient);
export const dynamo = mockClient(DynamoDBDocumentClient);

export const run = glueRun({ options: { ...DEFAULT_OPTIONS, pagesPerInvocation: 1 } });
export const jobRun = (i: number, extra: Partial<JobRun> = {}): JobRun => ({
  Id: `jr_${String(i).padStart(4, '0')}`,
  JobName: 'nightly-etl',
  // Newest first, as GetJobRuns lists them: run i started i minutes before run 0.
  StartedOn: new Date(Date.UTC(2026, 0, 1, 0, -i)),
  JobRunState: JobRunState.SUCCEEDED,
  ...extra,
});
export const runs = (n: number) => Array.from({ length: n }, (_, i) => jobRun(i));
export const firstPage = (overrides = {}) => ({
  call: 'origin',
  run,
  cursor: initialCursor('tokenPresence'),
  ...overrides,
});
export const nextPage = (token: string, cursor = {}) => ({
  call: 'continuation',
  run,
  cursor: {
    ...initialCursor('tokenPresence'),
    nextToken: token,
    page: 1,
    items: 200,
    iterations: 1,
    fetches: 1,
    ...cursor,
  },
});

/** Before each test of the calling file: fresh mocks that accept every page write and checkpoint. */
export function freshMocksBeforeEach(): void {
  beforeEach(() => {
    glue.reset();
    dynamo.reset();
    dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    dynamo.on(UpdateCommand).resolves({});
  });
}
