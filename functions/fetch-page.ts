import type { Cursor } from './lib/cursor';
import { requireEnv } from './lib/env';
import { fetchAndStorePage, parseFetchPageEvent } from './lib/page-loop';
import { documentClient } from './lib/store/dynamo';

const tableName = requireEnv('TABLE_NAME');

/**
 * Fetches one page (origin or continuation call), writes its items to DynamoDB and
 * returns the cursor only: the items never travel through the state machine.
 */
export const handler = async (event: unknown): Promise<Cursor> =>
  fetchAndStorePage(parseFetchPageEvent(event), { client: documentClient, tableName });
