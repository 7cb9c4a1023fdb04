import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientTimeouts } from '../timeouts';

/**
 * One document client per container. The endpoint comes from the SDK's standard
 * `AWS_ENDPOINT_URL_DYNAMODB` when set, so the same code talks to DynamoDB or to the
 * local dynalite without knowing which. Hard timeouts keep a stalled call from outliving the function.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(clientTimeouts()), {
  marshallOptions: { removeUndefinedValues: true },
});
