/**
 * Tags the local endpoint puts on its state machine (ListTagsForResource), so a client that
 * knows only the endpoint finds what the handlers write to. A deployed stack may carry the
 * same table tag.
 */
export const TABLE_TAG = 'pagewalk:table';
/** Where the local handlers' DynamoDB listens; it changes on every restart of the server. */
export const DYNAMODB_ENDPOINT_TAG = 'pagewalk:local-dynamodb-endpoint';
