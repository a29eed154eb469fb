import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A minimal server for the AWS JSON protocol (`POST /`, `X-Amz-Target: Prefix.Operation`,
 * JSON in and out). Enough for the real AWS SDK v3 clients to talk to local fakes through the
 * standard endpoint variables, so production code needs no "local" branch.
 */

/** An error the SDK turns into an exception whose `name` is `name` (from the `__type` field). */
export class AwsJsonError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export type Operation = (body: Record<string, unknown>) => unknown;

export interface AwsJsonEndpointOptions {
  /** `AWSStepFunctions`, `secretsmanager`, ... */
  targetPrefix: string;
  /** `1.0` or `1.1`, as the service's protocol says. */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, Operation>;
  port?: number;
  host?: string;
  /** Errors that are not AwsJsonError but carry an API error name (e.g. the runner's). */
  clientErrors?: ReadonlySet<string>;
  /** Plain JSON pages for tools beside the API (`GET /messages`), by path. */
  pages?: Record<string, () => unknown>;
}

export interface RunningEndpoint {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startAwsJsonEndpoint(opts: AwsJsonEndpointOptions): Promise<RunningEndpoint> {
  const contentType = `application/x-amz-json-${opts.jsonVersion}`;

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  };
  const replyError = (res: ServerResponse, status: number, type: string, message: string) =>
    reply(res, status, { __type: type, message });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const page = req.method === 'GET' ? opts.pages?.[new URL(req.url ?? '/', 'http://local').pathname] : undefined;
    if (page) {
      const text = JSON.stringify(page(), null, 2);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    if (req.method !== 'POST') return replyError(res, 404, 'UnknownOperationException', 'Only POST is supported');
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operationName] = splitTarget(target);
    const operation =
      prefix === opts.targetPrefix && Object.hasOwn(opts.operations, operationName) ? opts.operations[operationName] : undefined;
    if (!operation) return replyError(res, 400, 'UnknownOperationException', `Unknown operation ${target || '(none)'}`);

    let body: Record<string, unknown>;
    try {
      const text = await readBody(req);
      const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch (err) {
      if (err instanceof AwsJsonError) return replyError(res, err.statusCode, err.name, err.message);
      return replyError(res, 400, 'SerializationException', 'Request body is not a JSON object');
    }

    try {
      reply(res, 200, (await operation(body)) ?? {});
    } catch (err) {
      if (err instanceof AwsJsonError) return replyError(res, err.statusCode, err.name, err.message);
      if (err instanceof Error && opts.clientErrors?.has(err.name)) return replyError(res, 400, err.name, err.message);
      console.error(`[${opts.targetPrefix}] ${operationName} failed`, err);
      return replyError(res, 500, 'InternalServerError', err instanceof Error ? err.message : String(err));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only reachable if writing the reply itself failed; never leave the rejection unhandled.
      console.error(`[${opts.targetPrefix}] request failed`, err);
      if (!res.headersSent) replyError(res, 500, 'InternalServerError', 'Internal error');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function splitTarget(target: string): [string, string] {
  const dot = target.lastIndexOf('.');
  return dot < 0 ? [target, ''] : [target.slice(0, dot), target.slice(dot + 1)];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop buffering but keep reading, so the 413 can still be written on this socket.
        req.removeAllListeners('data');
        req.resume();
        reject(new AwsJsonError('ValidationException', 'Request body too large', 413));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** AWS JSON timestamps are epoch seconds. */
export const epochSeconds = (date: Date | number): number => (typeof date === 'number' ? date : date.getTime()) / 1000;

/** A required string member of a request, or the ValidationException the service would send. */
export function requireString(body: Record<string, unknown>, member: string): string {
  const value = body[member];
  if (typeof value !== 'string' || value === '') {
    throw new AwsJsonError('ValidationException', `1 validation error detected: '${member}' must not be null`);
  }
  return value;
}
