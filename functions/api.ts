import { randomUUID } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireEnv } from './lib/env';
import { InvalidInput } from './lib/errors';
import { logger, withLambdaContext } from './lib/observability';
import { parseStartInput } from './lib/run-config';
import { documentClient } from './lib/store/dynamo';
import { RunRecords } from './lib/store/run-record';
import { clientTimeouts } from './lib/timeouts';
import { isRecord } from './lib/validate';

const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const runs = new RunRecords(documentClient, requireEnv('TABLE_NAME'));
const sfn = new SFNClient(clientTimeouts());

type Result = APIGatewayProxyStructuredResultV2;

const json = (statusCode: number, body: unknown): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Step Functions errors that are the caller's to fix or to retry, with the status that says so. */
const START_ERRORS: Record<string, number> = {
  InvalidExecutionInput: 400,
  ExecutionAlreadyExists: 409,
  ExecutionLimitExceeded: 429,
};

/**
 * `POST /runs`: validates the body (an execution input, as in the console) with the same
 * code as the state machine's first state, starts an execution, and answers 202 with the
 * run id and the execution ARN. A bad body answers 400 naming the field; nothing starts.
 */
async function startRun(body: string | undefined, isBase64: boolean): Promise<Result> {
  let input: unknown;
  try {
    input = JSON.parse(isBase64 ? Buffer.from(body ?? '', 'base64').toString('utf8') : (body ?? ''));
  } catch {
    return json(400, { error: 'InvalidInput', message: 'the body must be a JSON execution input' });
  }
  const name = randomUUID();
  let runId: string = name;
  try {
    if (isRecord(input) && input.continue !== undefined) {
      throw new InvalidInput('continue is written by the state machine itself; start a run or resume one');
    }
    const request = parseStartInput(input, name);
    if (request.kind === 'resume') runId = request.runId;
  } catch (error) {
    if (error instanceof InvalidInput) return json(400, { error: error.name, message: error.message });
    throw error;
  }
  try {
    const out = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    logger.info('run requested', { runId, executionArn: out.executionArn });
    return json(202, { runId, executionArn: out.executionArn, startDate: out.startDate?.toISOString() });
  } catch (error) {
    const status = START_ERRORS[(error as Error).name];
    if (status === undefined) throw error;
    return json(status, { error: (error as Error).name, message: (error as Error).message });
  }
}

/** `GET /runs/{runId}`: the run record, or 404. */
async function getRun(runId: string | undefined): Promise<Result> {
  const record = runId ? await runs.get(runId) : undefined;
  if (!record) return json(404, { error: 'RunNotFound', message: `no run named ${runId ?? ''}` });
  const { pk: _pk, sk: _sk, ...rest } = record as typeof record & { pk?: string; sk?: string };
  return json(200, rest);
}

/**
 * The HTTP API behind IAM authorization (payload format 2.0). It only starts executions of
 * this state machine and reads run records: both through the same validation and store
 * code the state machine uses.
 */
export const handler = async (event: APIGatewayProxyEventV2, context?: Context): Promise<Result> => {
  withLambdaContext(context);
  switch (event.routeKey) {
    case 'POST /runs':
      return startRun(event.body, event.isBase64Encoded);
    case 'GET /runs/{runId}':
      return getRun(event.pathParameters?.runId);
    default:
      return json(404, { error: 'NotFound', message: `no route ${event.routeKey}` });
  }
};
