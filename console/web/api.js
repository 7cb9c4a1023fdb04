// @ts-check
/**
 * What the page asks the local endpoint: the Step Functions API itself (POST / with
 * X-Amz-Target, AWS JSON 1.0, the calls any SDK makes) for state machines and for starting,
 * describing and stopping executions, and the console's own routes (/console/api/) for what
 * that API does not offer: lists searched by name, a history read per state, events 25 at a
 * time, run records, input checks. Both read the endpoint's one registry.
 */

/** An error the endpoint answered with: its name (`__type`, or the console's `error`) and message. */
export class ApiError extends Error {
  /**
   * @param {string} name
   * @param {string} message
   * @param {number} status
   */
  constructor(name, message, status) {
    super(message);
    this.name = name;
    this.status = status;
  }
}

/**
 * @param {Response} response
 * @returns {Promise<any>}
 */
async function answer(response) {
  const text = await response.text();
  /** @type {any} */
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    const type = String(body?.__type ?? body?.error ?? `HTTP ${response.status}`);
    throw new ApiError(
      type.slice(type.lastIndexOf('#') + 1),
      String(body?.message ?? body?.Message ?? text),
      response.status,
    );
  }
  return body;
}

/**
 * Calls a Step Functions API operation on the endpoint.
 * @param {string} operation e.g. `DescribeExecution`
 * @param {Record<string, unknown>} request
 * @returns {Promise<any>}
 */
export async function sfn(operation, request) {
  const response = await fetch('/', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
    },
    body: JSON.stringify(request),
  });
  return answer(response);
}

/**
 * GETs a console route with query parameters.
 * @param {string} path under /console/api/
 * @param {Record<string, string | number | undefined>} [query]
 * @returns {Promise<any>}
 */
export async function get(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const response = await fetch(`/console/api/${path}?${params}`, { headers: { accept: 'application/json' } });
  return answer(response);
}

/**
 * POSTs JSON to a console route.
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<any>}
 */
export async function post(path, body) {
  const response = await fetch(`/console/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return answer(response);
}

/**
 * A date as the API gives it (epoch seconds) in epoch milliseconds.
 * @param {unknown} seconds
 */
export const ms = (seconds) => (typeof seconds === 'number' ? seconds * 1000 : undefined);

/**
 * The console link of an execution.
 * @param {string} arn
 */
export const executionHref = (arn) => `#/executions/${encodeURIComponent(arn)}`;

/**
 * The console link of a state machine (by name).
 * @param {string} name
 */
export const machineHref = (name) => `#/machines/${encodeURIComponent(name)}`;
