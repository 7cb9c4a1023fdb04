import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { isErrorNamed } from '../errors';

/** True when DynamoDB refused a write because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || isErrorNamed(error, 'ConditionalCheckFailedException')
  );
}

/** Epoch seconds, the unit DynamoDB's TTL reads. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
