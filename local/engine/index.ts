/**
 * The local engine: the ASL file on aws-local-stepfunctions with every Task served in-process.
 * `definition` loads and fills in the file, `lambda-task` makes a handler behave as Lambda does
 * (context, timeout, errors), `execution` runs one execution and reads its event log,
 * `start-execution-task` serves the startExecution Tasks (continue as new, `.sync:2`), `machine` keeps the executions of
 * this process, `follow` waits for a run across its segments, `handlers` loads the real ones; `types` holds
 * what these parts say to each other, so they import it rather than each other.
 */
export * from './definition';
export * from './execution';
export * from './follow';
export * from './handlers';
export { asLambdaTask, type LocalHandler, type LocalLambdaContext } from './lambda-task';
export * from './machine';
export { START_EXECUTION_RESOURCE, START_EXECUTION_SYNC_RESOURCE } from './start-execution-task';
export * from './types';
