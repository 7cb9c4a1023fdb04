import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PaginationLoopDetected } from '../errors';
import { conditionally, epochSeconds } from './conditions';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './table-schema';

/** Token rows are only needed while a run lasts; DynamoDB's TTL removes them after this. */
const TOKEN_ROW_DAYS = 30;

/** Where a token was first seen. */
export interface TokenSighting {
  readonly pass: number;
  readonly page: number;
  readonly fetch: number;
}

/**
 * Remembers every token a run receives (a hash, written conditionally), so a source that
 * returns the same token twice or cycles A → B → A fails the run instead of looping forever.
 * Tokens are remembered per pass: a restart from the origin call may legitimately see the
 * same tokens again.
 */
export class TokenGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records `token` as returned at `seen`; PaginationLoopDetected if an earlier page returned it. */
  async remember(runId: string, token: string, seen: TokenSighting): Promise<void> {
    const key = {
      [PARTITION_KEY]: `tokens#${runId}`,
      [SORT_KEY]: `${seen.pass}#${createHash('sha256').update(token).digest('base64url')}`,
    };
    const wrote = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, ...seen, [TTL_ATTRIBUTE]: epochSeconds(this.now()) + TOKEN_ROW_DAYS * 86_400 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (wrote) return;
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const first = out.Item as TokenSighting | undefined;
    // The same fetch writing again is a retried invocation, not a loop.
    if (first?.fetch === seen.fetch) return;
    throw new PaginationLoopDetected(
      `page ${seen.page} returned a NextToken that page ${first?.page ?? '?'} already returned in this pass: the source is going round in a loop, so the run stops instead of reading forever`,
    );
  }
}
