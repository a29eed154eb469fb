import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '@commons/logger';
import { type HttpResult, json } from '@commons/http-response';

/**
 * The wrapper for a route that serves a fixed asset (`GET /lead-form.js`): no body to parse,
 * no input to validate, no AWS call to trace and no metric to publish, so none of that
 * middleware is loaded. Through @commons/http the route carried zod, the body parsers, the
 * error pages and the X-Ray SDK: 629 KB and about 55 ms of cold start to return a constant.
 * Lambda's Active tracing still records every invocation (with its Initialization and
 * Invocation times); only the Powertools handler subsegment inside it, which would have nothing
 * under it, is left out. API Gateway's HTTP API already sends header names in lower case.
 */
export function staticHandler(handler: (event: APIGatewayProxyEventV2) => Promise<HttpResult>) {
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        logger.error('Unexpected error', { error: request.error as Error });
        request.response = json(500, { error: 'InternalError', message: 'Something went wrong on our side' });
      },
    })
    .handler(handler);
}

/** A strong ETag for a fixed body: its content's hash. */
export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** Whether the browser's If-None-Match already names this ETag (weak or strong), so a 304 will do. */
export const alreadyHas = (event: APIGatewayProxyEventV2, etag: string): boolean =>
  event.headers['if-none-match']?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false;
