/**
 * The stack's run API (`POST /runs`, `GET /runs/{runId}`) on the local endpoint: each request
 * becomes the event API Gateway's HTTP API sends (payload format 2.0) and goes to the real
 * handler, `functions/api.ts`, which starts executions through the local Step Functions
 * endpoint and reads run records from the local table. On AWS the API is IAM-authorized;
 * here, like the rest of the loopback endpoint, it is not.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type JsonReply, ProtocolError, type Route, readBody } from './aws-json';
import { LOCAL_ACCOUNT, LOCAL_STATE_MACHINE_ARN } from './engine';

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The routes the stack's HTTP API declares (infra/constructs/run-api.ts). */
function routeKeyOf(method: string, path: string): { routeKey: string; runId?: string } | undefined {
  if (method === 'POST' && path === '/runs') return { routeKey: 'POST /runs' };
  const match = /^\/runs\/([^/]+)$/.exec(path);
  if (method === 'GET' && match) {
    try {
      return { routeKey: 'GET /runs/{runId}', runId: decodeURIComponent(match[1] as string) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** API Gateway's own answers, which never reach the function. */
const gatewayAnswer = (status: number, message: string): JsonReply => ({
  status,
  payload: { message },
  headers: { 'apigw-requestid': randomUUID() },
});

/** The event API Gateway's HTTP API (payload format 2.0) sends for this request. */
export function httpApiEvent(
  req: IncomingMessage,
  url: URL,
  route: { routeKey: string; runId?: string },
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const method = req.method ?? 'GET';
  const domainName = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    ...(route.runId === undefined ? {} : { pathParameters: { runId: route.runId } }),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(method === 'GET' ? {} : { body }),
    isBase64Encoded: false,
  };
}

/**
 * The run API as a route of the local endpoint. The handler is imported at the first request,
 * once the endpoint variables and `TABLE_NAME` are set; `STATE_MACHINE_ARN` is set to the
 * local pagewalk machine's, as the stack sets it to the deployed one's.
 */
export function runApiRoute(log?: (line: string) => void): Route {
  let handler: Promise<ApiHandler> | undefined;
  const load = () => {
    handler ??= (async () => {
      process.env.STATE_MACHINE_ARN = LOCAL_STATE_MACHINE_ARN;
      return (await import('../functions/api')).handler;
    })();
    return handler;
  };
  return async (req, url) => {
    if (url.pathname !== '/runs' && !url.pathname.startsWith('/runs/')) return undefined;
    const route = routeKeyOf(req.method ?? 'GET', url.pathname);
    if (!route) return gatewayAnswer(404, 'Not Found');
    const body = await readBody(req, () => new ProtocolError('PayloadTooLarge', 'Request too large', 413));
    try {
      const result = await (await load())(httpApiEvent(req, url, route, body));
      const headers = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
      );
      return {
        status: result.statusCode ?? 200,
        payload: null,
        headers,
        raw: { contentType: headers['content-type'] ?? 'application/json', text: result.body ?? '' },
      };
    } catch (error) {
      // What API Gateway answers when the function fails; the error goes to the log, as to CloudWatch.
      log?.(
        `run API ${route.routeKey}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
      return gatewayAnswer(500, 'Internal Server Error');
    }
  };
}
