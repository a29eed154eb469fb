import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEndpoint } from './aws-json-endpoint';
import { lambdaPayloadLimits } from './lambda-context';

/**
 * The slice of the Lambda API that ops tools use, `Invoke` (REST-JSON, `POST
 * /2015-03-31/functions/{name}/invocations`), as @aws-sdk/client-lambda speaks it: a
 * `RequestResponse` invocation answers the function's result (or its error document with
 * `X-Amz-Function-Error`), an `Event` invocation answers 202 and runs asynchronously, with
 * Lambda's retries and on-failure destination (local/async-invoke.ts). Functions are named
 * by their handler's name, as a name or an ARN.
 */
export interface LocalFunction {
  /** Runs the function once and returns its result. */
  invoke(event: unknown): Promise<unknown>;
  /** Queues an asynchronous invocation. */
  invokeAsync(event: unknown): { requestId: string };
}

const MAX_BODY_BYTES = lambdaPayloadLimits.synchronous;

/** "sender-events", "arn:aws:lambda:us-east-1:000000000000:function:sender-events[:$LATEST]" or "000000000000:sender-events". */
const functionNameOf = (raw: string): string => {
  const name = decodeURIComponent(raw);
  const arn = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/.exec(name);
  if (arn) return arn[1]!;
  return name.includes(':') ? name.split(':')[1]! : name;
};

export async function startLambdaEndpoint(functions: ReadonlyMap<string, LocalFunction>, opts: { port?: number; host?: string } = {}): Promise<RunningEndpoint> {
  const reply = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID(), ...headers });
    res.end(body);
  };
  const error = (res: ServerResponse, status: number, type: string, message: string) =>
    reply(res, status, JSON.stringify({ Type: 'User', message }), { 'x-amzn-errortype': type });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const route = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?.*)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !route) return error(res, 404, 'UnknownOperationException', `Unsupported: ${req.method} ${req.url}`);
    const name = functionNameOf(route[1]!);
    const fn = functions.get(name);
    if (!fn) return error(res, 404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return error(res, 413, 'RequestTooLargeException', `Request must be smaller than ${MAX_BODY_BYTES} bytes for the InvokeFunction operation`);
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let event: unknown;
    try {
      event = text === '' ? {} : JSON.parse(text);
    } catch {
      return error(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }

    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type === 'Event') {
      if (size > lambdaPayloadLimits.asynchronous) return error(res, 413, 'RequestTooLargeException', `Request must be smaller than ${lambdaPayloadLimits.asynchronous} bytes for the InvokeAsync operation`);
      const { requestId } = fn.invokeAsync(event);
      return reply(res, 202, '', { 'x-amzn-requestid': requestId });
    }
    if (type === 'DryRun') return reply(res, 204, '');
    if (type !== 'RequestResponse') return error(res, 400, 'InvalidParameterValueException', `Unsupported invocation type: ${type}`);
    try {
      const result = await fn.invoke(event);
      return reply(res, 200, JSON.stringify(result ?? null), { 'x-amz-executed-version': '$LATEST' });
    } catch (failure) {
      const { name: errorType, message } = failure instanceof Error ? failure : { name: 'Error', message: String(failure) };
      // The function failed, not the call: 200 with Lambda's error document, as Lambda answers.
      return reply(res, 200, JSON.stringify({ errorType, errorMessage: message, trace: [] }), { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((failure: unknown) => {
      if (!res.headersSent) error(res, 500, 'ServiceException', String(failure));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
