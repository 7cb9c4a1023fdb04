import type { Context } from 'aws-lambda';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { logger, withLambdaContext } from './lib/observability';
import { type EndedExecutionStatus, type Reconciled, reconcileEnding } from './lib/reconcile';
import { documentClient } from './lib/store/dynamo';
import { CollectionLeases } from './lib/store/lease';
import { RunRecords } from './lib/store/run-record';
import { SyncRecords } from './lib/sync/all-jobs-store';
import { isRecord } from './lib/validate';

const tableName = requireEnv('TABLE_NAME');
const deps = {
  runs: new RunRecords(documentClient, tableName),
  leases: new CollectionLeases(documentClient, tableName),
  syncs: new SyncRecords(documentClient, tableName),
};

const ENDED: readonly string[] = ['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'];
const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * The target of the EventBridge rule on "Step Functions Execution Status Change": records on
 * the run (a pagewalk execution) or the sync (an all-jobs execution) an ending the execution
 * could not record itself (a stop from the console, a timeout, a failure while the table was
 * down) and releases its lease (see `reconcileEnding`). Locally, the endpoint calls it with
 * the same event.
 */
export const handler = async (event: unknown, context?: Context): Promise<Reconciled> => {
  withLambdaContext(context);
  const detail = isRecord(event) ? event.detail : undefined;
  if (
    !isRecord(detail) ||
    typeof detail.executionArn !== 'string' ||
    typeof detail.status !== 'string' ||
    !ENDED.includes(detail.status)
  ) {
    throw new InvalidInput(
      `the reconcile event must be a "Step Functions Execution Status Change" with detail.executionArn and detail.status one of: ${ENDED.join(', ')}`,
    );
  }
  const result = await reconcileEnding(
    {
      executionArn: detail.executionArn,
      status: detail.status as EndedExecutionStatus,
      input: detail.input,
      error: optionalString(detail.error),
      cause: optionalString(detail.cause),
    },
    deps,
  );
  logger.info('execution reconciled', {
    executionArn: detail.executionArn,
    executionStatus: detail.status,
    ...result,
  });
  return result;
};
