import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The answers every API route shapes, with the headers they all carry. Kept apart from the
 * middleware (@commons/http) so a route that needs only these (the static form script) does not
 * load the body parsers, the schemas and the error pages with them.
 */
export type HttpResult = APIGatewayProxyStructuredResultV2;

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/** A SOAP answer (Salesforce's outbound message Ack). */
export const xml = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'text/xml; charset=utf-8', ...SECURITY_HEADERS },
  body,
});

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
  body: JSON.stringify(body),
});

export const html = (statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'referrer-policy': 'no-referrer',
    ...SECURITY_HEADERS,
    ...headers,
  },
  body,
});
