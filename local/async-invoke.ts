import { randomUUID } from 'node:crypto';

/**
 * Lambda's asynchronous invocation (`InvocationType: Event`, how EventBridge, SES or S3 call a
 * function), as Lambda runs it: the event is queued, the function is tried, a failed attempt
 * is retried after about one minute and again after two more (`MaximumRetryAttempts`, 0-2,
 * default 2), an event older than `MaximumEventAgeInSeconds` (default 6 h) is not tried
 * again, and after the last failure the event goes to the function's on-failure destination
 * (an invocation record) or its dead-letter queue (the event as it came). Without either it is
 * gone, which is what the template must never leave a function that matters to.
 *
 * The retry delays are scaled like the workflow's waits (`timeScale` simulated ms per real ms);
 * the function's run time counts toward the event's age as it is.
 */

/** Lambda's documented retry spacing for asynchronous invocations. */
export const asyncRetryDelaysMs = [60_000, 120_000] as const;

/** A function's EventInvokeConfig (and DeadLetterConfig), as the template states it. */
export interface AsyncInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** Receives Lambda's on-failure invocation record (DestinationConfig.OnFailure). */
  onFailure?: (record: AsyncFailureRecord) => Promise<void>;
  /** Receives the event itself (the function's DeadLetterConfig). */
  deadLetter?: (event: unknown, error: FunctionError) => Promise<void>;
}

/** Lambda's defaults when a function has no EventInvokeConfig. */
export const lambdaAsyncDefaults = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 6 * 3600 } as const;

export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

/** What Lambda sends an on-failure destination: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html */
export interface AsyncFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: 'RetriesExhausted' | 'EventAgeExceeded'; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  responsePayload?: FunctionError & { trace: string[] };
}

export type AsyncOutcome =
  | { requestId: string; status: 'succeeded'; attempts: number }
  | { requestId: string; status: 'failed'; attempts: number; condition: AsyncFailureRecord['requestContext']['condition']; error?: FunctionError; delivered: 'on-failure' | 'dead-letter' | 'nowhere' }
  | { requestId: string; status: 'abandoned'; attempts: number };

export interface AsyncInvokerOptions {
  functionArn: string;
  config: AsyncInvokeConfig;
  /** Runs the function once (its context, timeout and limits are the caller's). */
  run: (event: unknown) => Promise<unknown>;
  /** Simulated ms per real ms for the retry delays and the event's age. */
  timeScale: number;
  /** Told of each finished invocation (for logs). */
  onOutcome?: (outcome: AsyncOutcome) => void;
}

export interface AsyncInvoker {
  /** Queues the event and answers at once, as Lambda's 202 does; `done` settles after the last attempt. */
  invoke(event: unknown): { requestId: string; done: Promise<AsyncOutcome> };
  /** Resolves when no invocation is pending. */
  idle(): Promise<void>;
  /** Drops pending retries (the stack is shutting down). */
  close(): void;
}

const errorOf = (error: unknown): FunctionError =>
  error instanceof Error ? { errorType: error.name || 'Error', errorMessage: error.message } : { errorType: 'Error', errorMessage: String(error) };

export function asyncInvoker(opts: AsyncInvokerOptions): AsyncInvoker {
  const { config } = opts;
  const pending = new Set<Promise<AsyncOutcome>>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  /** Waits `simulatedMs`, scaled; false when the invoker closed meanwhile. */
  const wait = (simulatedMs: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!closed);
      }, simulatedMs / opts.timeScale);
      timers.set(timer, () => resolve(false));
    });

  const fail = async (requestId: string, event: unknown, attempts: number, condition: AsyncFailureRecord['requestContext']['condition'], error?: FunctionError): Promise<AsyncOutcome> => {
    let delivered: 'on-failure' | 'dead-letter' | 'nowhere' = 'nowhere';
    try {
      delivered = await deliverFailure(requestId, event, attempts, condition, error);
    } catch (deliveryError) {
      // Lambda would retry the destination; here the loss is at least loud.
      console.error(`[${opts.functionArn}] could not deliver failed event ${requestId}:`, deliveryError);
    }
    return { requestId, status: 'failed', attempts, condition, ...(error ? { error } : {}), delivered };
  };

  const deliverFailure = async (requestId: string, event: unknown, attempts: number, condition: AsyncFailureRecord['requestContext']['condition'], error?: FunctionError) => {
    if (config.onFailure) {
      await config.onFailure({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: { requestId, functionArn: `${opts.functionArn}:$LATEST`, condition, approximateInvokeCount: attempts },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(error ? { functionError: 'Unhandled' as const } : {}) },
        ...(error ? { responsePayload: { ...error, trace: [] } } : {}),
      });
      return 'on-failure' as const;
    }
    if (config.deadLetter) {
      await config.deadLetter(event, error ?? { errorType: 'EventAgeExceeded', errorMessage: 'The event expired before it could be processed' });
      return 'dead-letter' as const;
    }
    return 'nowhere' as const;
  };

  const attemptAll = async (requestId: string, event: unknown): Promise<AsyncOutcome> => {
    // The event's age on Lambda's clock: the retry delays scaled, the function's own run time as it was.
    const queuedAt = Date.now();
    let waited = { simulatedMs: 0, realMs: 0 };
    const ageMs = () => Date.now() - queuedAt - waited.realMs + waited.simulatedMs;
    let attempts = 0;
    let lastError: FunctionError | undefined;
    for (;;) {
      attempts += 1;
      try {
        await opts.run(event);
        return { requestId, status: 'succeeded', attempts };
      } catch (error) {
        lastError = errorOf(error);
      }
      if (attempts > config.maximumRetryAttempts) return fail(requestId, event, attempts, 'RetriesExhausted', lastError);
      const delay = asyncRetryDelaysMs[Math.min(attempts - 1, asyncRetryDelaysMs.length - 1)]!;
      if (ageMs() + delay > config.maximumEventAgeSeconds * 1000) return fail(requestId, event, attempts, 'EventAgeExceeded', lastError);
      const waitStart = Date.now();
      if (!(await wait(delay))) return { requestId, status: 'abandoned', attempts };
      waited = { simulatedMs: waited.simulatedMs + delay, realMs: waited.realMs + Date.now() - waitStart };
    }
  };

  return {
    invoke(event) {
      const requestId = randomUUID();
      const done = attemptAll(requestId, event).then((outcome) => {
        opts.onOutcome?.(outcome);
        return outcome;
      });
      pending.add(done);
      void done.finally(() => pending.delete(done));
      return { requestId, done };
    },
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close() {
      closed = true;
      for (const [timer, abandon] of timers) {
        clearTimeout(timer);
        abandon();
      }
      timers.clear();
    },
  };
}

interface TemplateResources {
  Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
}

/** The queue (logical id) a template ARN points at: `{"Fn::GetAtt": [queueId, "Arn"]}`. */
const queueIdOf = (template: TemplateResources, arn: unknown, where: string): string => {
  const id = (arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!id || template.Resources[id]?.Type !== 'AWS::SQS::Queue') throw new Error(`${where}: only a queue of the template is supported here, got ${JSON.stringify(arn)}`);
  return id;
};

/**
 * A function's asynchronous invocation settings as the template states them (its
 * AWS::Lambda::EventInvokeConfig for `$LATEST` and its DeadLetterConfig), Lambda's defaults
 * where it states none. Destinations are queues of the template, by logical id.
 */
export function asyncSettingsOf(template: TemplateResources, functionId: string): { maximumRetryAttempts: number; maximumEventAgeSeconds: number; onFailureQueue?: string; deadLetterQueue?: string } {
  const config = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties?.FunctionName?.Ref === functionId && (r.Properties?.Qualifier ?? '$LATEST') === '$LATEST',
  );
  const props = config?.[1].Properties ?? {};
  const onFailure = props.DestinationConfig?.OnFailure?.Destination;
  const deadLetter = template.Resources[functionId]?.Properties?.DeadLetterConfig?.TargetArn;
  return {
    maximumRetryAttempts: props.MaximumRetryAttempts ?? lambdaAsyncDefaults.maximumRetryAttempts,
    maximumEventAgeSeconds: props.MaximumEventAgeInSeconds ?? lambdaAsyncDefaults.maximumEventAgeSeconds,
    ...(onFailure ? { onFailureQueue: queueIdOf(template, onFailure, `${config![0]}.DestinationConfig.OnFailure`) } : {}),
    ...(deadLetter ? { deadLetterQueue: queueIdOf(template, deadLetter, `${functionId}.DeadLetterConfig`) } : {}),
  };
}
