/**
 * The console, as the local runtime mounts it beside the Step Functions API: the page
 * (`GET /`, `/console/...`, ./static-files.ts) and what the page reads that the API does not
 * offer, under `/console/api/`:
 *
 *   GET  executions?stateMachineArn=&status=&name=&page=   a machine's executions, 25 a page
 *   GET  execution/states?arn=                           each state's status and counts
 *   GET  execution/state?arn=&name=                      one state's last visit
 *   GET  execution/events?arn=&page=&order=asc|desc      25 events of the history
 *   GET  execution/run?arn=                              the run or sync record, child executions
 *   GET  execution/export?arn=                           the execution and its history, as a file
 *   GET  examples?stateMachineArn=                       example inputs for Start execution
 *   POST check-input {stateMachineArn, name?, input}     the checks the input will meet
 *
 * Starting, describing and stopping executions and reading definitions the page does through
 * the Step Functions API itself (POST / with X-Amz-Target), like any SDK.
 */

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { isRecord } from '../functions/lib/validate';
import { type JsonReply, ProtocolError, type Route, readBody } from '../local/aws-json';
import type { RuntimeMountContext } from '../local/runtime';
import {
  eventsPage,
  executionStates,
  exportExecution,
  HistoryReader,
  listExecutions,
  runOf,
  stateDetail,
} from './execution-views';
import { checkInput, checkName, exampleInputs } from './inputs';
import { contentSecurityPolicy, securityHeaders, staticFile, WEB_DIR } from './static-files';

/** A console API error: its HTTP status and a message naming what was wrong. */
class ConsoleError extends ProtocolError {}

const csp = () => contentSecurityPolicy(readFileSync(join(WEB_DIR, 'index.html'), 'utf8'));

const json = (status: number, payload: unknown, headers: Record<string, string> = {}): JsonReply => ({
  status,
  payload: null,
  headers: { ...securityHeaders(csp()), ...headers },
  raw: { contentType: 'application/json; charset=utf-8', text: JSON.stringify(payload) },
});

const required = (url: URL, name: string): string => {
  const value = url.searchParams.get(name);
  if (!value) throw new ConsoleError('ValidationException', `the query parameter ${name} is required`, 400);
  return value;
};

/** Mounts the console on the local runtime. */
export function consoleRoutes(context: RuntimeMountContext): readonly Route[] {
  const { registry, stack } = context;
  const reader = new HistoryReader(registry);

  const execution = (url: URL) => {
    const arn = required(url, 'arn');
    const entry = registry.get(arn);
    if (!entry) throw new ConsoleError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, 404);
    return entry;
  };
  const machine = (url: URL) => {
    const arn = required(url, 'stateMachineArn');
    const served = registry.machineByArn(arn);
    if (!served)
      throw new ConsoleError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, 404);
    return served;
  };
  const page = (url: URL) => Number(url.searchParams.get('page') ?? '1');

  const get: Record<string, (url: URL) => Promise<unknown> | unknown> = {
    executions: (url) =>
      listExecutions(registry, machine(url).arn, {
        status: url.searchParams.get('status') ?? undefined,
        name: url.searchParams.get('name') ?? undefined,
        page: page(url),
      }),
    'execution/states': (url) => executionStates(reader, execution(url)),
    'execution/state': (url) => {
      const name = required(url, 'name');
      const detail = stateDetail(reader, execution(url), name);
      if (!detail) throw new ConsoleError('StateDoesNotExist', `no state named ${JSON.stringify(name)}`, 404);
      return detail;
    },
    'execution/events': (url) =>
      eventsPage(reader, execution(url), page(url), url.searchParams.get('order') === 'desc'),
    'execution/run': (url) => runOf(registry, stack, execution(url)),
    examples: (url) => exampleInputs(machine(url).name),
  };

  const api: Route = async (req, url) => {
    if (!url.pathname.startsWith('/console/api/')) return undefined;
    const path = url.pathname.slice('/console/api/'.length);
    try {
      if (req.method === 'GET' && path === 'execution/export') {
        const entry = execution(url);
        return {
          ...json(200, null, {
            'content-disposition': `attachment; filename="${encodeURIComponent(entry.description.name)}.json"`,
          }),
          raw: { contentType: 'application/json; charset=utf-8', text: exportExecution(reader, entry) },
        };
      }
      if (req.method === 'POST' && path === 'check-input') return json(200, await check(req));
      const answer = req.method === 'GET' ? get[path] : undefined;
      if (!answer)
        throw new ConsoleError('NotFound', `no console route ${req.method} /console/api/${path}`, 404);
      return json(200, await answer(url));
    } catch (error) {
      if (error instanceof ProtocolError)
        return json(error.status, { error: error.name, message: error.message });
      throw error;
    }
  };

  /** The checks an input meets at StartExecution and in the first state; `{ok: true}` when it passes them. */
  const check = async (req: IncomingMessage) => {
    const text = await readBody(req, () => new ConsoleError('ValidationException', 'Request too large', 413));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!isRecord(body))
      throw new ConsoleError('SerializationException', 'the request body is not a JSON object', 400);
    const served =
      typeof body.stateMachineArn === 'string' ? registry.machineByArn(body.stateMachineArn) : undefined;
    if (!served)
      throw new ConsoleError('StateMachineDoesNotExist', 'stateMachineArn names no state machine here', 404);
    const name = typeof body.name === 'string' && body.name !== '' ? body.name : undefined;
    const problem =
      (name === undefined ? undefined : checkName(name)) ??
      checkInput(served.name, typeof body.input === 'string' ? body.input : '', name ?? 'console-check');
    return problem ? { ok: false, ...problem } : { ok: true };
  };

  const files: Route = async (req, url) => staticFile(req.method ?? 'GET', url.pathname);
  return [api, files];
}
