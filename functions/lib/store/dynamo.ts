import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One document client per container. The endpoint comes from the SDK's standard
 * `AWS_ENDPOINT_URL_DYNAMODB` when set, so the same code talks to DynamoDB or to the
 * local dynalite without knowing which.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
