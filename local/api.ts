import { randomUUID } from 'node:crypto';
import { invokeHandler, RequestTooLarge } from './lambda-context';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { isTeamRoute, routes, type RouteHandlerName } from '../lib/routes';

/**
 * The route table served on loopback the way API Gateway's HTTP API would: each request
 * becomes a payload-format-2.0 event for the real handler, and CORS answers come from the same
 * settings CDK gives the deployed API.
 */
export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

export interface LocalApiOptions {
  port?: number;
  host?: string;
  /** Loads the handler of a route by its folder name in functions/. */
  loadHandler: (name: RouteHandlerName) => Promise<ApiHandler>;
  cors?: { allowOrigins: string[]; allowMethods: string[]; allowHeaders: string[] };
  /** Extra pages served before the route table (the demo form, the embed script). */
  extraRoutes?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Told of every request, for the local log. */
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
  /** Each handler's function timeout and its integration's timeout, as the template sets them. */
  timeouts?: (name: RouteHandlerName) => HandlerTimeouts;
  /**
   * The JWT authorizer of the team's routes: the claims of a valid bearer token, as API
   * Gateway passes them to the function, or undefined (the API answers 401 and the function
   * never runs). Without it, team routes answer 401 to everyone.
   */
  verifyTeamToken?: (authorization: string | undefined) => Promise<Record<string, string> | undefined>;
}

export interface HandlerTimeouts {
  /** The function's own timeout: past it Lambda fails the invocation (Sandbox.Timedout). */
  functionMs: number;
  /** The HTTP API integration's (TimeoutInMillis, 30 s at most and by default): past it the API answers 503. */
  integrationMs: number;
}

/** HTTP API's integration timeout when the integration sets none, and its maximum. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** API Gateway refuses payloads over 10 MB before any function runs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

const compiled = routes.map((route) => ({
  ...route,
  // Literal dots (`/lead-form.js`) escaped; `{name}` becomes a named group, `{name+}` a greedy one.
  pattern: new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/\{(\w+)\+\}/g, '(?<$1>.+)').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
}));

/**
 * A path parameter as the function receives it: percent-decoded, or as sent when that is not
 * valid UTF-8 (`%80`), so the function, not the gateway, answers it (a 404 for no such lead).
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function matchRoute(method: string, path: string): { route: (typeof compiled)[number]; pathParameters: Record<string, string> } | undefined {
  // API Gateway's HTTP API ignores a trailing slash: `/app/` is the route `/app`.
  if (path.length > 1 && path.endsWith('/')) return matchRoute(method, path.slice(0, -1));
  for (const route of compiled) {
    const match = route.pattern.exec(path);
    if (match && route.method === method) {
      const pathParameters = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodePathSegment(v)]));
      return { route, pathParameters };
    }
  }
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}


function toEvent(request: IncomingMessage, url: URL, routeKey: string, pathParameters: Record<string, string>, body: Buffer, claims?: Record<string, string>): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body.length ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: request.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      // What the JWT authorizer hands the function: the token's claims, as strings.
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

const INTEGRATION_TIMED_OUT = Symbol('integration timed out');

/** The function's answer, or INTEGRATION_TIMED_OUT when the integration gives up first. */
async function withinIntegrationTimeout<T>(invocation: Promise<T>, ms: number): Promise<T | typeof INTEGRATION_TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<typeof INTEGRATION_TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(INTEGRATION_TIMED_OUT), Math.min(ms, INTEGRATION_TIMEOUT_MS));
  });
  try {
    return await Promise.race([invocation, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

function send(response: ServerResponse, status: number, headers: Record<string, string | number | boolean>, body?: string) {
  response.writeHead(status, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  response.end(body);
}

function corsHeaders(cors: LocalApiOptions['cors'], origin: string | undefined): Record<string, string> {
  if (!cors || !origin || !(cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin))) return {};
  return { 'access-control-allow-origin': cors.allowOrigins.includes('*') ? '*' : origin, vary: 'origin' };
}

export async function startLocalApi(options: LocalApiOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const method = request.method ?? 'GET';
    const finish = (status: number) => options.onRequest?.({ method, path: url.pathname, status, ms: performance.now() - started });
    try {
      if (options.extraRoutes?.(request, response)) return finish(response.statusCode);
      const cors = corsHeaders(options.cors, request.headers.origin);
      if (method === 'OPTIONS' && options.cors) {
        send(response, 204, { ...cors, 'access-control-allow-methods': options.cors.allowMethods.join(','), 'access-control-allow-headers': options.cors.allowHeaders.join(',') });
        return finish(204);
      }
      const matched = matchRoute(method, url.pathname);
      if (!matched) {
        send(response, 404, { 'content-type': 'application/json', ...cors }, JSON.stringify({ message: 'Not Found' }));
        return finish(404);
      }
      const body = await readBody(request);
      if (body === 'too-large') {
        send(response, 413, { 'content-type': 'application/json', connection: 'close', ...cors }, JSON.stringify({ message: 'Request Entity Too Large' }));
        request.destroy();
        return finish(413);
      }
      const routeKey = `${matched.route.method} ${matched.route.path}`;
      let claims: Record<string, string> | undefined;
      if (isTeamRoute(matched.route)) {
        // As API Gateway's JWT authorizer: no valid token, no invocation.
        claims = await options.verifyTeamToken?.(request.headers.authorization);
        if (!claims) {
          send(response, 401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer', ...cors }, JSON.stringify({ message: 'Unauthorized' }));
          return finish(401);
        }
      }
      const handler = await options.loadHandler(matched.route.handler);
      const timeouts = options.timeouts?.(matched.route.handler) ?? { functionMs: 10_000, integrationMs: INTEGRATION_TIMEOUT_MS };
      const event = toEvent(request, url, routeKey, matched.pathParameters, body, claims);
      const invocation = invokeHandler(matched.route.handler, handler, event, { timeoutMs: timeouts.functionMs });
      const result = await withinIntegrationTimeout(invocation, timeouts.integrationMs);
      if (result === INTEGRATION_TIMED_OUT) {
        // The function may still be running (as in AWS); the client is told now.
        invocation.catch(() => undefined);
        send(response, 503, { 'content-type': 'application/json', ...cors }, JSON.stringify({ message: 'Service Unavailable' }));
        return finish(503);
      }
      const structured = typeof result === 'object' && result !== null ? result : { statusCode: 200, body: result ?? '' };
      const status = structured.statusCode ?? 200;
      const responseBody = structured.isBase64Encoded && structured.body ? Buffer.from(structured.body, 'base64').toString() : structured.body;
      send(response, status, { ...(structured.headers ?? {}), ...cors }, responseBody);
      finish(status);
    } catch (error) {
      // An event over Lambda's 6 MB (a body under the API's 10 MB can be): Lambda refuses it, the function never runs.
      if (error instanceof RequestTooLarge && !response.headersSent) {
        send(response, 413, { 'content-type': 'application/json', connection: 'close' }, JSON.stringify({ message: 'Request Entity Too Large' }));
        return finish(413);
      }
      // What API Gateway answers when the function itself crashes or runs past its timeout.
      console.error(`[local api] ${method} ${url.pathname} failed:`, error);
      if (!response.headersSent) send(response, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
      finish(500);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
