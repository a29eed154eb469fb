import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The context Lambda hands a function, for handlers invoked in this process. */
export const lambdaContext = (name: string, timeoutMs = 30_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/** Lambda's limits on what one invocation carries, in bytes. */
export const lambdaPayloadLimits = {
  /** A synchronous (RequestResponse) invocation's request and its response. */
  synchronous: 6 * 1024 * 1024,
  /** An asynchronous (Event) invocation's request. */
  asynchronous: 256 * 1024,
};

/** A function still running at its timeout: what the Lambda runtime reports as the function's error. */
export class SandboxTimedOut extends Error {
  override name = 'Sandbox.Timedout';
  constructor(requestId: string, timeoutMs: number) {
    super(`RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    // Lambda's error document for a timeout has no stack trace: the runtime, not the code, ended it.
    this.stack = undefined;
  }
}

/** What Lambda's Invoke answers when a payload is over its limit (the function never runs, or its result is lost). */
export class RequestTooLarge extends Error {
  override name = 'Lambda.RequestTooLargeException';
}
export class ResponseTooLarge extends Error {
  override name = 'Lambda.ResponseSizeTooLarge';
}

export interface InvokeOptions {
  /** The function's timeout (its template's `Timeout`, Lambda's default 3 s). */
  timeoutMs: number;
  invocationType?: 'RequestResponse' | 'Event';
}

/**
 * Calls a handler the way Lambda invokes a function: with its context, refusing a request over
 * Lambda's payload limit before the function runs, failing a response over it, and failing the
 * invocation with `Sandbox.Timedout` once the function runs past its timeout. (Lambda then
 * ends the sandbox; here the handler's promise is only abandoned, since code in this process
 * cannot be stopped.)
 */
export async function invokeHandler<E, R>(
  name: string,
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  opts: InvokeOptions,
): Promise<R> {
  const limit = opts.invocationType === 'Event' ? lambdaPayloadLimits.asynchronous : lambdaPayloadLimits.synchronous;
  const requestBytes = jsonBytes(event);
  if (requestBytes > limit) {
    throw new RequestTooLarge(`${name}: request payload of ${requestBytes} bytes exceeds the ${limit}-byte limit of ${opts.invocationType ?? 'RequestResponse'} invocations`);
  }
  const context = lambdaContext(name, opts.timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    // One turn of the event loop first: in a process this busy, a handler whose own early
    // timeout (middy's) fired in the same timers phase has answered in time, as it would have
    // in a sandbox of its own.
    timer = setTimeout(() => setImmediate(() => reject(new SandboxTimedOut(context.awsRequestId, opts.timeoutMs))), opts.timeoutMs);
  });
  let result: R;
  try {
    result = await Promise.race([handler(event, context), timedOut]);
  } finally {
    clearTimeout(timer);
  }
  const responseBytes = jsonBytes(result);
  if (responseBytes > lambdaPayloadLimits.synchronous) {
    throw new ResponseTooLarge(`${name}: response payload of ${responseBytes} bytes exceeds the ${lambdaPayloadLimits.synchronous}-byte limit`);
  }
  return result;
}

/** Bytes of a value as JSON, the way Lambda measures a payload. */
function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}
