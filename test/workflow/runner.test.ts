process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { lambdaLogicalIdFromArn, stateMachineDefinition } from '../../local/template';
import type { CfnTemplate } from '../../local/template';
import { ExecutionAlreadyExists, LocalWorkflowRunner } from '../../local/workflow-runner';
import type { LocalWorkflowOptions, TaskContext } from '../../local/workflow-runner';
import { startSfnEndpoint } from '../../local/sfn-endpoint';
import { startSecretsEndpoint } from '../../local/secrets-endpoint';
import { invokeHandler } from '../../local/lambda-context';
import { stepFunctionsLimits } from '../../local/workflow-runner';
import { scheduleFor } from '@domain/sequence';
import { loadConfig } from '../../lib/config';
import { handlerMetadataKey } from '../../lib/lead-functions';
import { sequencePath, stateNames } from '../../lib/lead-workflow';
import { synthTemplate } from '../../lib/synth';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:RunnerTest`;
const DAY_MS = 86_400_000;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A small workflow with every feature the lead workflow relies on: tasks, a timestamp wait, retry, catch. */
function synthesize(): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RunnerTest', { env: { account: ACCOUNT, region: REGION } });
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });

  const score = new tasks.LambdaInvoke(stack, 'Score', {
    lambdaFunction: fn('ScoreFn'),
    payload: sfn.TaskInput.fromObject({ leadId: sfn.JsonPath.stringAt('$.leadId'), step: 'score' }),
    resultSelector: { 'score.$': '$.Payload.score' },
    resultPath: '$.scored',
  });
  const wait = new sfn.Wait(stack, 'WaitUntilDue', { time: sfn.WaitTime.timestampPath('$.schedule.at') });
  const followUp = new tasks.LambdaInvoke(stack, 'FollowUp', {
    lambdaFunction: fn('FollowUpFn'),
    payload: sfn.TaskInput.fromObject({
      leadId: sfn.JsonPath.stringAt('$.leadId'),
      score: sfn.JsonPath.numberAt('$.scored.score'),
    }),
    resultSelector: { 'sent.$': '$.Payload.sent' },
    resultPath: '$.followUp',
  });
  // 30 s between attempts: the test only finishes quickly because retryIntervalMs overrides it.
  followUp.addRetry({ errors: ['Transient'], interval: Duration.seconds(30), maxAttempts: 2 });
  followUp.addCatch(new sfn.Fail(stack, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }), {
    resultPath: '$.error',
  });

  new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(score.next(wait).next(followUp).next(new sfn.Succeed(stack, 'Done'))),
  });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

type Behaviour = 'ok' | 'transient-once' | 'permanent';

describe('local workflow runner', () => {
  let template: CfnTemplate;
  let definition: object;
  const calls: { logicalId: string; payload: unknown; context: TaskContext }[] = [];
  const behaviour = new Map<string, Behaviour>();
  const failedOnce = new Set<string>();

  const resolveTask: LocalWorkflowOptions['resolveTask'] = (logicalId) => async (payload, context) => {
    calls.push({ logicalId, payload, context });
    const { leadId } = payload as { leadId: string };
    if (logicalId.startsWith('ScoreFn')) return { score: 42 };
    const mode = behaviour.get(leadId) ?? 'ok';
    if (mode === 'permanent' || (mode === 'transient-once' && !failedOnce.has(leadId))) {
      failedOnce.add(leadId);
      const err = new Error(`follow-up of ${leadId} failed`);
      err.name = mode === 'permanent' ? 'Permanent' : 'Transient';
      throw err;
    }
    return { sent: true };
  };

  const newRunner = (overrides: Partial<LocalWorkflowOptions> = {}) =>
    new LocalWorkflowRunner({
      definition,
      stateMachineArn: STATE_MACHINE_ARN,
      resolveTask,
      timeScale: 864_000, // one simulated day per 100 ms
      retryIntervalMs: 1,
      ...overrides,
    });
  const input = (leadId: string, atMs = Date.now()) => ({ leadId, schedule: { at: new Date(atMs).toISOString() } });

  beforeAll(() => {
    template = synthesize();
    definition = stateMachineDefinition(template, { region: REGION, accountId: ACCOUNT }).definition;
  });

  it('refuses a definition that is not valid ASL, every time (only valid ones are remembered as checked)', () => {
    const broken = { ...(definition as object), StartAt: 'No such state' } as typeof definition;
    for (let i = 0; i < 2; i++) expect(() => newRunner({ definition: broken })).toThrow(/State machine definition is invalid/);
    expect(() => newRunner()).not.toThrow();
  });

  it('resolves the synthesized definition, Lambda ARNs keeping the logical id', () => {
    const def = definition as { StartAt: string; States: Record<string, { Resource?: string; Parameters?: { FunctionName?: string } }> };
    expect(def.StartAt).toBe('Score');
    expect(def.States.Score?.Resource).toBe('arn:aws:states:::lambda:invoke');
    const functionArn = def.States.Score?.Parameters?.FunctionName ?? '';
    expect(functionArn).toMatch(/^arn:aws:lambda:us-east-1:000000000000:function:ScoreFn/);
    const logicalId = lambdaLogicalIdFromArn(functionArn);
    expect(template.Resources[logicalId!]?.Type).toBe('AWS::Lambda::Function');
  });

  it('dispatches tasks with their payload and waits a simulated day in about 100 ms', async () => {
    const runner = newRunner();
    const events: string[] = [];
    runner.onEvent((_arn, event) => events.push(event.type));
    const dueAt = Date.now() + DAY_MS;
    const { executionArn } = runner.start('lead-1', input('lead-1', dueAt));

    const result = await runner.waitFor(executionArn);
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toMatchObject({ leadId: 'lead-1', scored: { score: 42 }, followUp: { sent: true } });

    const mine = calls.filter((call) => call.context.executionArn === executionArn);
    expect(mine.map((call) => [call.logicalId.replace(/[0-9A-F]{8}$/, ''), call.payload])).toEqual([
      ['ScoreFn', { leadId: 'lead-1', step: 'score' }],
      ['FollowUpFn', { leadId: 'lead-1', score: 42 }],
    ]);
    // The follow-up runs on the simulated clock: at or after the due time, real time barely moved.
    expect(mine[1]!.context.now()).toBeGreaterThanOrEqual(dueAt);

    const history = runner.history(executionArn);
    const entered = history.find((e) => e.type === 'StateEntered' && e.state.name === 'WaitUntilDue')!;
    const exited = history.find((e) => e.type === 'StateExited' && e.state.name === 'WaitUntilDue')!;
    expect(exited.timestamp - entered.timestamp).toBeGreaterThan(0);
    expect(exited.timestamp - entered.timestamp).toBeLessThan(5_000);
    expect(events).toEqual(history.map((e) => e.type));
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('retries an error named in Retry and succeeds', async () => {
    behaviour.set('lead-retry', 'transient-once');
    const runner = newRunner();
    const { executionArn } = runner.start('lead-retry', input('lead-retry'));
    expect((await runner.waitFor(executionArn)).status).toBe('SUCCEEDED');
    const retried = runner.history(executionArn).filter((e) => e.type === 'StateRetried');
    expect(retried.map((e) => e.state.name)).toEqual(['FollowUp']);
  });

  it('sends an error that is not retried to Catch and Fail, keeping its name', async () => {
    behaviour.set('lead-fail', 'permanent');
    const runner = newRunner();
    const { executionArn } = runner.start('lead-fail', input('lead-fail'));
    const result = await runner.waitFor(executionArn);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Permanent');
    // Like the real lambda:invoke integration, Cause is the Lambda error document.
    expect(JSON.parse(result.cause!)).toMatchObject({ errorType: 'Permanent', errorMessage: 'follow-up of lead-fail failed' });
    expect(runner.history(executionArn).some((e) => e.type === 'StateCaught' && e.state.name === 'FollowUp')).toBe(true);
  });

  it('starts idempotently for the same name and input, and refuses other reuse of a name', async () => {
    const runner = newRunner({ timeScale: 1 });
    const first = runner.start('lead-dup', input('lead-dup', Date.now() + DAY_MS));
    expect(runner.start('lead-dup', input('lead-dup', Date.parse(JSON.parse(runner.describe(first.executionArn).input).schedule.at)))).toEqual(first);
    expect(() => runner.start('lead-dup', { other: true })).toThrow(ExecutionAlreadyExists);
    expect(() => runner.start('bad name!', {})).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    runner.stop(first.executionArn, 'Test', 'done');
    expect(runner.describe(first.executionArn)).toMatchObject({ status: 'ABORTED', error: 'Test', cause: 'done' });
    await runner.idle();
    // A finished execution's name stays taken, even with the same input.
    expect(() => runner.start('lead-dup', JSON.parse(runner.describe(first.executionArn).input))).toThrow(ExecutionAlreadyExists);
  });

  it('runs at most maxConcurrentTasks task invocations at once; the others wait their turn and all finish', async () => {
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const runner = newRunner({
      maxConcurrentTasks: 2,
      resolveTask: (logicalId) => async () => {
        running++;
        most = Math.max(most, running);
        // Each call holds its slot until the test lets it go.
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return logicalId.startsWith('ScoreFn') ? { score: 1 } : { sent: true };
      },
    });
    const arns = ['lead-slot-1', 'lead-slot-2', 'lead-slot-3', 'lead-slot-4', 'lead-slot-5'].map((name) => runner.start(name, input(name)).executionArn);
    while (releases.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runner.counts()).toMatchObject({ executions: 5, running: 5, tasksRunning: 2, tasksQueued: 3 });
    // Let every call go as it comes, until all five sequences are done.
    const pump = setInterval(() => releases.splice(0).forEach((release) => release()), 5);
    const results = await Promise.all(arns.map((arn) => runner.waitFor(arn)));
    clearInterval(pump);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(most).toBe(2);
    expect(runner.counts()).toMatchObject({ running: 0, tasksRunning: 0, tasksQueued: 0 });
    expect(() => newRunner({ maxConcurrentTasks: 0 })).toThrow(/maxConcurrentTasks/);
  });

  it('never runs the waiting step of an execution stopped meanwhile; the running one finishes', async () => {
    const called: string[] = [];
    let release!: () => void;
    const runner = newRunner({
      maxConcurrentTasks: 1,
      resolveTask: () => async (payload) => {
        called.push((payload as { leadId: string }).leadId);
        await new Promise<void>((resolve) => (release = resolve));
        return { score: 1 };
      },
    });
    const first = runner.start('lead-running', input('lead-running', Date.now() + 365 * DAY_MS));
    const second = runner.start('lead-queued', input('lead-queued'));
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runner.counts()).toMatchObject({ tasksRunning: 1, tasksQueued: 1 });
    runner.stop(first.executionArn);
    runner.stop(second.executionArn);
    release();
    await runner.idle();
    expect(called).toEqual(['lead-running']);
    expect([runner.describe(first.executionArn).status, runner.describe(second.executionArn).status]).toEqual(['ABORTED', 'ABORTED']);
  });

  it('keeps the whole history, with each state\'s data, of executions that waited and finished', async () => {
    const runner = newRunner();
    const { executionArn } = runner.start('lead-history', input('lead-history', Date.now() + DAY_MS));
    await runner.waitFor(executionArn);
    const history = runner.history(executionArn);
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateExited',
      'ExecutionSucceeded',
    ]);
    // Events from before the wait (kept compacted while it slept) still carry their data.
    const scored = history.find((e) => e.type === 'StateExited' && e.state.name === 'Score');
    expect(scored).toMatchObject({ state: { input: { leadId: 'lead-history' }, output: { leadId: 'lead-history', scored: { score: 42 } } } });
    expect(history.every((e, i) => i === 0 || e.timestamp >= history[i - 1]!.timestamp)).toBe(true);
  });

  it('keeps simulated time continuous when the time scale changes', async () => {
    const runner = newRunner({ timeScale: 1 });
    const { executionArn } = runner.start('lead-clock', input('lead-clock', Date.now() + DAY_MS));
    const before = runner.simulatedNow(executionArn);
    runner.setTimeScale(1000);
    // Continuous: at most a few real ms (x1000) passed, not a jump.
    expect(runner.simulatedNow(executionArn) - before).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runner.simulatedNow(executionArn) - before).toBeGreaterThanOrEqual(15_000);
    runner.stop(executionArn);
    expect((await runner.waitFor(executionArn)).status).toBe('ABORTED');
  });

  it('starts the simulated clock where it is told: a resumed lead waits only for what is left', async () => {
    // 20 simulated days per real second: a wait from a fresh clock to a due time 10 days ahead
    // would take 500 ms; starting the clock at day 9.5 leaves half a day, 25 ms.
    const runner = newRunner({ timeScale: 1_728_000 });
    const dueAt = Date.now() + 10 * DAY_MS;
    const simulatedStart = dueAt - DAY_MS / 2;
    const { executionArn } = runner.start('lead-resumed', input('lead-resumed', dueAt), { simulatedStart });
    // Steps run in real time: right after the start, the clock is where it was set.
    expect(Math.abs(runner.simulatedNow(executionArn) - simulatedStart)).toBeLessThan(1_000);
    expect((await runner.waitFor(executionArn)).status).toBe('SUCCEEDED');
    const history = runner.history(executionArn);
    const entered = history.find((e) => e.type === 'StateEntered' && e.state.name === 'WaitUntilDue')!;
    const exited = history.find((e) => e.type === 'StateExited' && e.state.name === 'WaitUntilDue')!;
    expect(exited.timestamp - entered.timestamp).toBeLessThan(250);
    const followUp = calls.find((call) => call.context.executionArn === executionArn && call.logicalId.startsWith('FollowUpFn'))!;
    expect(followUp.context.now()).toBeGreaterThanOrEqual(dueAt);
    expect(() => newRunner().start('lead-bad-clock', input('x'), { simulatedStart: Number.NaN })).toThrow(/simulatedStart/);
  });

  it("fails a step still running at its function's timeout as Lambda does (Sandbox.Timedout), which Catch sees", async () => {
    const runner = newRunner({
      // As the local stack invokes a step's handler: with its function's timeout (50 ms here).
      resolveTask: (logicalId) => (payload) =>
        invokeHandler(logicalId, async () => (logicalId.startsWith('ScoreFn') ? { score: 1 } : new Promise(() => undefined)), payload, { timeoutMs: 50 }),
    });
    const { executionArn } = runner.start('lead-slow-step', input('lead-slow-step'));
    const result = await runner.waitFor(executionArn);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout' });
    expect(JSON.parse(result.cause!)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.05 seconds$/) });
    expect(runner.history(executionArn).some((e) => e.type === 'StateCaught' && e.state.name === 'FollowUp')).toBe(true);
  });

  it('ends a Task at its own TimeoutSeconds with States.Timeout', async () => {
    const withTimeout = structuredClone(definition) as { States: Record<string, { TimeoutSeconds?: number }> };
    withTimeout.States.FollowUp!.TimeoutSeconds = 1;
    const runner = newRunner({
      definition: withTimeout,
      resolveTask: (logicalId) => async () => (logicalId.startsWith('ScoreFn') ? { score: 1 } : new Promise((resolve) => setTimeout(() => resolve({ sent: true }), 3_000))),
    });
    const { executionArn } = runner.start('lead-task-timeout', input('lead-task-timeout'));
    expect(await runner.waitFor(executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('fails an execution whose data outgrows 256 KB with States.DataLimitExceeded, past any Catch', async () => {
    const big = (bytes: number) => 'x'.repeat(bytes);
    const runner = newRunner({
      resolveTask: (logicalId) => async (payload) => {
        const { leadId } = payload as { leadId: string };
        if (logicalId.startsWith('ScoreFn')) return { score: leadId === 'lead-grows' ? big(150_000) : 1 };
        return { sent: leadId === 'lead-big-result' ? big(300_000) : big(150_000) };
      },
    });
    // A task result over the limit (a Lambda may return 6 MB; the state may not take it).
    const result = runner.start('lead-big-result', input('lead-big-result')).executionArn;
    // Each result fits, the state holding both does not.
    const grows = runner.start('lead-grows', input('lead-grows')).executionArn;
    for (const arn of [result, grows]) {
      const described = await runner.waitFor(arn);
      expect(described).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: expect.stringContaining("'FollowUp'") });
      // Not caught: the Catch on FollowUp (States.ALL) never ran.
      expect(runner.history(arn).some((e) => e.type === 'StateEntered' && e.state.name === 'Failed')).toBe(false);
      expect(runner.history(arn).at(-1)).toMatchObject({ type: 'ExecutionFailed', Error: 'States.DataLimitExceeded' });
    }
    // The execution input itself.
    expect(() => runner.start('lead-big-input', { ...input('lead-big-input'), note: big(stepFunctionsLimits.payloadBytes) })).toThrow(
      expect.objectContaining({ name: 'InvalidExecutionInput', message: expect.stringMatching(/exceeds the maximum of 262144 bytes/) }),
    );
  });

  it('fails an execution at 25,000 history events', async () => {
    const loop = {
      StartAt: 'Count',
      States: {
        Count: { Type: 'Pass', Next: 'Again?' },
        'Again?': { Type: 'Choice', Choices: [{ Variable: '$.again', BooleanEquals: true, Next: 'Count' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const runner = newRunner({ definition: loop });
    const { executionArn } = runner.start('endless', { again: true });
    expect(await runner.waitFor(executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining('25000 events') });
    const history = runner.history(executionArn);
    expect(history.length).toBeLessThanOrEqual(stepFunctionsLimits.historyEvents + 1);
    expect(history.at(-1)).toMatchObject({ type: 'ExecutionFailed' });
  });

  describe('through the AWS SDK', () => {
    let runner: LocalWorkflowRunner;
    let sfnEndpoint: { url: string; close(): Promise<void> };
    let secretsEndpoint: { url: string; close(): Promise<void> };
    let client: SFNClient;

    beforeAll(async () => {
      runner = newRunner();
      sfnEndpoint = await startSfnEndpoint(runner, {});
      secretsEndpoint = await startSecretsEndpoint({ 'lead-link-key': 's3cret' }, {});
      client = new SFNClient({ endpoint: sfnEndpoint.url, region: REGION, credentials });
    });
    afterAll(async () => {
      client?.destroy();
      await runner?.idle();
      await sfnEndpoint?.close();
      await secretsEndpoint?.close();
    });

    it('starts, describes, lists and reads the history of an execution', async () => {
      // Due in a simulated day (~100 ms), so it is still running for the repeated start.
      const body = JSON.stringify(input('lead-sdk', Date.now() + DAY_MS));
      const started = await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'lead-sdk', input: body }));
      expect(started.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:RunnerTest:lead-sdk`);
      expect(started.startDate).toBeInstanceOf(Date);

      // Same name and input while running: the same execution, not an error.
      const again = await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'lead-sdk', input: body }));
      expect(again.executionArn).toBe(started.executionArn);

      await runner.waitFor(started.executionArn!);
      const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'lead-sdk', stateMachineArn: STATE_MACHINE_ARN });
      expect(JSON.parse(described.output!)).toMatchObject({ followUp: { sent: true } });
      expect(described.stopDate).toBeInstanceOf(Date);

      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'SUCCEEDED' }));
      expect(listed.executions?.map((e) => e.name)).toContain('lead-sdk');

      const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
      const types = history.events?.map((e) => e.type);
      expect(types?.[0]).toBe('ExecutionStarted');
      expect(types).toContain('WaitStateEntered');
      expect(types?.at(-1)).toBe('ExecutionSucceeded');
      const entered = history.events?.find((e) => e.type === 'TaskStateEntered');
      expect(entered?.stateEnteredEventDetails?.name).toBe('Score');
      expect(JSON.parse(entered?.stateEnteredEventDetails?.input ?? 'null')).toMatchObject({ leadId: 'lead-sdk' });
    });

    it('maps errors to the exceptions the SDK models', async () => {
      const start = (name: string, inputText: string, stateMachineArn = STATE_MACHINE_ARN) =>
        client.send(new StartExecutionCommand({ stateMachineArn, name, input: inputText }));
      await start('lead-sdk-2', JSON.stringify(input('lead-sdk-2')));
      await expect(start('lead-sdk-2', '{"different":true}')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      await expect(start('x', '{}', `${STATE_MACHINE_ARN}Nope`)).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
      await expect(start('x', 'not json')).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
      await expect(
        client.send(new DescribeExecutionCommand({ executionArn: `${STATE_MACHINE_ARN.replace('stateMachine', 'execution')}:nope` })),
      ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    });

    it('stops a running execution', async () => {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'lead-stop', input: JSON.stringify(input('lead-stop', Date.now() + 365 * DAY_MS)) }),
      );
      const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Unsubscribed' }));
      expect(stopped.stopDate).toBeInstanceOf(Date);
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({ status: 'ABORTED', error: 'Unsubscribed' });
    });

    it('answers GetSecretValue by name and by ARN', async () => {
      const secrets = new SecretsManagerClient({ endpoint: secretsEndpoint.url, region: REGION, credentials });
      try {
        const byName = await secrets.send(new GetSecretValueCommand({ SecretId: 'lead-link-key' }));
        expect(byName).toMatchObject({ Name: 'lead-link-key', SecretString: 's3cret' });
        const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
        expect(byArn.SecretString).toBe('s3cret');
        await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'missing' }))).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
        });
      } finally {
        secrets.destroy();
      }
    });
  });
});

describe('stateMachineDefinition', () => {
  const opts = { region: 'eu-west-1', accountId: '123456789012' };
  const withDefinition = (definitionString: unknown): CfnTemplate => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function' },
      Table: { Type: 'AWS::DynamoDB::Table' },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definitionString } },
    },
  });

  it('resolves Fn::Join, pseudo parameters and GetAtt', () => {
    const { logicalId, definition } = stateMachineDefinition(
      withDefinition({
        'Fn::Join': [
          '',
          [
            '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"fn":"',
            { 'Fn::GetAtt': ['Fn', 'Arn'] },
            '","table":"',
            { 'Fn::GetAtt': ['Table', 'Arn'] },
            '","where":"',
            { Ref: 'AWS::Partition' },
            ':',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':',
            { Ref: 'AWS::URLSuffix' },
            '"},"End":true}}}',
          ],
        ],
      }),
      opts,
    );
    expect(logicalId).toBe('Machine');
    expect((definition.States.A as { Result: unknown }).Result).toEqual({
      fn: 'arn:aws:lambda:eu-west-1:123456789012:function:Fn',
      table: expect.stringContaining('Table'),
      where: 'aws:eu-west-1:123456789012:amazonaws.com',
    });
  });

  it('refuses what it cannot resolve', () => {
    expect(() => stateMachineDefinition(withDefinition({ 'Fn::Sub': 'x' }), opts)).toThrow(/unsupported intrinsic Fn::Sub/);
    const two = withDefinition('{}');
    two.Resources.Other = { ...two.Resources.Machine! };
    expect(() => stateMachineDefinition(two, opts)).toThrow(/exactly one/);
    expect(lambdaLogicalIdFromArn('arn:aws:lambda:us-east-1:1:function:Fn:live')).toBe('Fn');
    expect(lambdaLogicalIdFromArn('arn:aws:sqs:us-east-1:1:queue')).toBeUndefined();
  });
});

describe('the lead workflow CDK synthesizes, run with stand-in steps', () => {
  const config = loadConfig('dev');
  let template: CfnTemplate;
  let leadDefinition: { TimeoutSeconds?: number };
  beforeAll(() => {
    template = synthTemplate(config) as CfnTemplate;
    leadDefinition = stateMachineDefinition(template, { region: REGION, accountId: ACCOUNT }).definition as { TimeoutSeconds?: number };
  });

  /** Each step as its function would answer for a warm lead nobody contacts. */
  const answers: Record<string, unknown> = {
    'score-and-route': { score: 50, grade: 'warm', ownerId: 'rep-ana', alert: false, disqualified: false },
    'send-follow-up': { stop: false },
  };
  const runnerFor = (definition: object) =>
    new LocalWorkflowRunner({
      definition,
      stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:LeadWorkflow`,
      timeScale: 864_000, // a simulated day per 100 ms
      resolveTask: (logicalId) => async () => answers[String(template.Resources[logicalId]?.Metadata?.[handlerMetadataKey])] ?? {},
    });

  it("gives a Friday-evening Berlin lead its day-14 follow-up and closes it, where the old timeout (day 14 + 2) ended it TIMED_OUT", async () => {
    // The lead: submitted Friday 17:30 in Berlin; business hours move day 14 to Monday 2026-06-22 09:00, +16.65 days.
    const submittedAt = new Date('2026-06-05T15:30:00Z');
    const schedule = scheduleFor(submittedAt, config.sequence, 'Europe/Berlin', config.slaMinutes.hot);
    expect(schedule.followUps.day14).toBe('2026-06-22T07:00:00.000Z');
    const start = (runner: LocalWorkflowRunner, name: string) =>
      runner.start(name, { leadId: name, submittedAt: submittedAt.toISOString(), schedule }, { simulatedStart: submittedAt.getTime() }).executionArn;
    const entered = (runner: LocalWorkflowRunner, arn: string) =>
      runner.history(arn).flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));

    const synthesized = runnerFor(leadDefinition);
    const old = runnerFor({ ...leadDefinition, TimeoutSeconds: (14 + 2) * 86_400 });
    const [now, before] = [start(synthesized, 'friday-evening'), start(old, 'friday-evening-old')];

    const ran = await synthesized.waitFor(now);
    expect(ran.status).toBe('SUCCEEDED');
    expect(entered(synthesized, now)).toEqual(sequencePath(config.sequence, { hot: false }, config.slaMinutes.hot));
    expect(entered(synthesized, now)).toEqual(expect.arrayContaining([stateNames.sendFollowUp(14), stateNames.closeLead]));

    const timedOut = await old.waitFor(before);
    expect(timedOut).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(entered(old, before)).not.toContain(stateNames.sendFollowUp(14));
    expect(entered(old, before)).not.toContain(stateNames.closeLead);
  });
});
