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

/**
 * Awaits a conditional write: true when it was written, false when DynamoDB refused it because
 * its condition did not hold. Any other error is thrown.
 */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
