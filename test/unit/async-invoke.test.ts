import { describe, expect, it } from 'vitest';
import { eventOf } from '../../bin/redrive-sender-events';
import { asyncInvoker, asyncSettingsOf, lambdaAsyncDefaults, type AsyncFailureRecord } from '../../local/async-invoke';

/** The local model of Lambda's asynchronous invocation: tries, spacing, age and where a failed event goes. */
const failing = (times: number) => {
  let calls = 0;
  return {
    run: async () => {
      calls += 1;
      if (calls <= times) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
      return 'ok';
    },
    calls: () => calls,
  };
};

// A minute of Lambda's retry delay in 0.1 ms.
const timeScale = 600_000;

describe("Lambda's asynchronous invocation, locally", () => {
  it('retries a failing function twice by default, then hands Lambda\'s on-failure record to the destination', async () => {
    const fn = failing(Infinity);
    const records: AsyncFailureRecord[] = [];
    const invoker = asyncInvoker({ functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', config: { ...lambdaAsyncDefaults, onFailure: async (r) => void records.push(r) }, run: fn.run, timeScale });
    const outcome = await invoker.invoke({ id: 1 }).done;
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3, condition: 'RetriesExhausted', delivered: 'on-failure' });
    expect(fn.calls()).toBe(3);
    expect(records).toEqual([
      {
        version: '1.0',
        timestamp: expect.any(String),
        requestContext: { requestId: outcome.requestId, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
        requestPayload: { id: 1 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'ServiceUnavailable', errorMessage: 'Service Unavailable', trace: [] },
      },
    ]);
  });

  it('succeeds on a retry when the cause went away, and sends nothing anywhere', async () => {
    const fn = failing(1);
    const sent: unknown[] = [];
    const invoker = asyncInvoker({ functionArn: 'f', config: { ...lambdaAsyncDefaults, onFailure: async (r) => void sent.push(r) }, run: fn.run, timeScale });
    expect(await invoker.invoke({}).done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(sent).toEqual([]);
  });

  it('gives up before a retry the event would be too old for (MaximumEventAgeInSeconds), and a dead-letter queue gets the event itself', async () => {
    const fn = failing(Infinity);
    const dead: unknown[] = [];
    // 90 s: the first retry (after a minute) fits, the second (two more) does not.
    const invoker = asyncInvoker({ functionArn: 'f', config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 90, deadLetter: async (event) => void dead.push(event) }, run: fn.run, timeScale });
    expect(await invoker.invoke({ id: 2 }).done).toMatchObject({ status: 'failed', attempts: 2, condition: 'EventAgeExceeded', delivered: 'dead-letter' });
    expect(dead).toEqual([{ id: 2 }]);
  });

  it("without a destination the event is gone: what the template must not leave a function that matters to", async () => {
    const invoker = asyncInvoker({ functionArn: 'f', config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 }, run: failing(Infinity).run, timeScale });
    expect(await invoker.invoke({}).done).toMatchObject({ status: 'failed', attempts: 1, delivered: 'nowhere' });
  });

  it("reads a function's settings from the template, Lambda's defaults where it states none", () => {
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function' },
        Other: { Type: 'AWS::Lambda::Function' },
        Dlq: { Type: 'AWS::SQS::Queue' },
        Config: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Fn' }, Qualifier: '$LATEST', MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } } } },
      },
    };
    expect(asyncSettingsOf(template, 'Fn')).toEqual({ maximumRetryAttempts: 1, maximumEventAgeSeconds: 600, onFailureQueue: 'Dlq' });
    expect(asyncSettingsOf(template, 'Other')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 });
  });
});

describe('the sender-events redrive', () => {
  it("reads the event from Lambda's on-failure record and from EventBridge's dead letter alike", () => {
    const event = { source: 'aws.ses', detail: { eventType: 'Bounce' } };
    expect(eventOf(JSON.stringify({ version: '1.0', requestContext: { functionArn: 'arn:aws:lambda:us-east-1:1:function:f:$LATEST' }, requestPayload: event }))).toEqual(event);
    expect(eventOf(JSON.stringify(event))).toEqual(event);
    expect(eventOf('not json')).toBeUndefined();
    expect(eventOf('42')).toBeUndefined();
  });
});
