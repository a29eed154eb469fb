import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSchema } from '@commons/env';
import { followUpKey, scheduleFor } from '@domain/sequence';
import { sequenceTimeoutSeconds } from '@domain/sequence-span';
import { Match, Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { configurationSetName, type DeployConfig, DeployConfigSchema, loadConfig, loadScoringModel, scoringModelFile } from '../../lib/config';
import { sequencePath, sequenceFailedError, stateNames, transientErrorName } from '../../lib/lead-workflow';
import { eventHandlers, routes, workflowSteps } from '../../lib/routes';
import { SpeedToLeadStack } from '../../lib/speed-to-lead-stack';
import { synthTemplate } from '../../lib/synth';
import {
  asList,
  definitionOf,
  newApp,
  flatten,
  functionIdOf,
  handlersByLogicalId,
  onlyOfType,
  resourcesOfType,
  roleOf,
  statementsOfRole,
  type Template,
  walk,
} from './template';

const dev = loadConfig('dev');

/** A second stage that differs from dev in everything the stack takes from the config. */
const qa: DeployConfig = DeployConfigSchema.parse({
  ...dev,
  stage: 'qa',
  sender: { ...dev.sender, configurationSet: 'lead-mail' },
  publicBaseUrl: 'https://leads.example.org/',
  siteOrigins: ['https://forms.example.org'],
  sequence: { hotAlertAfterMinutes: 10, followUpDays: [2, 5] },
  throttling: { rateLimit: 3, burstLimit: 7 },
  logRetentionDays: 90,
  alarmEmail: 'ops@example.org',
});

const allHandlers = [...new Set<string>([...routes.map((r) => r.handler), ...workflowSteps, ...eventHandlers])];
const emailSenders = ['send-confirmation', 'alert-rep', 'escalate-lead', 'send-follow-up'];
const linkUsers = ['send-confirmation', 'alert-rep', 'escalate-lead', 'send-follow-up', 'rep-response', 'unsubscribe'];
/** Serve static files: no lead data, no lead configuration. */
const staticHandlers = ['lead-form', 'app-page'];

let devTemplate: Template;
let qaTemplate: Template;

/** Each case: name, its template (synthesized once, in beforeAll), its config. */
const stages = [
  ['dev', () => devTemplate, dev],
  ['qa (days 2 and 5, minute 10)', () => qaTemplate, qa],
] as const;

beforeAll(() => {
  devTemplate = synthTemplate(dev) as Template;
  qaTemplate = synthTemplate(qa) as Template;
}, 60_000);

const only = (template: Template, type: string) => onlyOfType(template, type)[1];

describe('workflow built from the sequence config', () => {
  it.each(stages)('%s: every timed step waits on its timestamp in the schedule', (_, template, config) => {
    const { States } = definitionOf(template());
    const schedule = scheduleFor(new Date('2025-01-01T00:00:00Z'), config.sequence);

    const hotWait = States[stateNames.waitHotAlert(config.sequence.hotAlertAfterMinutes)];
    expect(hotWait).toMatchObject({ Type: 'Wait', TimestampPath: '$.schedule.hotAlertAt' });
    expect(schedule.hotAlertAt).toBeDefined();

    for (const day of config.sequence.followUpDays) {
      expect(States[stateNames.waitFollowUp(day)]).toMatchObject({
        Type: 'Wait',
        TimestampPath: `$.schedule.followUps.${followUpKey(day)}`,
      });
      // The key the state machine reads is one intake writes.
      expect(Object.keys(schedule.followUps)).toContain(followUpKey(day));
    }
    // The hot-lead SLA: a hot lead nobody contacted is escalated when it ends.
    expect(States[stateNames.waitEscalation(config.slaMinutes.hot)]).toMatchObject({ Type: 'Wait', TimestampPath: '$.schedule.escalateAt' });
    expect(schedule.escalateAt).toBeDefined();
    const waits = Object.values(States).filter((s: any) => s.Type === 'Wait');
    expect(waits).toHaveLength(config.sequence.followUpDays.length + 2);
  });

  it.each(stages)('%s: states run in the order of the sequence', (_, template, config) => {
    const definition = definitionOf(template());
    const days = config.sequence.followUpDays;
    const never = () => false;

    // A lead nobody answers and no alert: every follow-up, then close.
    const cold = walk(definition, never);
    expect(cold).toEqual(sequencePath(config.sequence, { hot: false }, config.slaMinutes.hot));
    expect(cold).toEqual([
      'Score and route',
      'Disqualified?',
      'Send confirmation',
      'Hot lead to alert?',
      ...days.flatMap((d) => [`Wait until day ${d}`, `Send day-${d} follow-up`, `Rep responded by day ${d}?`]),
      'Close lead',
    ]);

    // A hot lead: the rep alert at minute N comes before the first follow-up.
    const hot = walk(definition, (variable) => variable === '$.routing.alert');
    expect(hot).toEqual(sequencePath(config.sequence, { hot: true }, config.slaMinutes.hot));
    expect(hot.slice(4, 9)).toEqual([
      `Wait until minute ${config.sequence.hotAlertAfterMinutes}`,
      'Alert rep',
      `Wait until minute ${config.slaMinutes.hot} (hot-lead SLA)`,
      'Escalate if not contacted',
      `Wait until day ${days[0]}`,
    ]);

    // A disqualified lead gets nothing: straight to close.
    const dropped = walk(definition, (variable) => variable === '$.routing.disqualified');
    expect(dropped).toEqual(['Score and route', 'Disqualified?', 'Close lead']);
    expect(dropped).toEqual(sequencePath(config.sequence, { hot: false, disqualified: true }, config.slaMinutes.hot));

    // The rep responds before the first follow-up: the sequence closes after it.
    const stopped = walk(definition, (variable, choice) =>
      variable === '$.routing.alert' ? true : choice === stateNames.stopAfter(days[0]!),
    );
    expect(stopped).toEqual(sequencePath(config.sequence, { hot: true, stopAtDay: days[0] }, config.slaMinutes.hot));
    expect(stopped.at(-2)).toBe(stateNames.stopAfter(days[0]!));
    expect(stopped.at(-1)).toBe('Close lead');
  });

  it('other follow-up days change the graph', () => {
    const devStates = Object.keys(definitionOf(devTemplate).States);
    const qaStates = Object.keys(definitionOf(qaTemplate).States);
    expect(devStates).toContain('Wait until day 14');
    expect(qaStates).not.toContain('Wait until day 1');
    expect(qaStates).toEqual(expect.arrayContaining(['Wait until day 2', 'Send day-5 follow-up', 'Wait until minute 10']));
    expect(qaStates).toHaveLength(4 + 2 + 2 + 3 * 2 + 1 + 2);
    // And so does the execution's timeout (see "outlives the latest follow-up" below).
    expect(definitionOf(qaTemplate).TimeoutSeconds).toBeLessThan(definitionOf(devTemplate).TimeoutSeconds!);
  });

  it('every task invokes its step through lambda:invoke, with retries and the failure path', () => {
    const { States } = definitionOf(devTemplate);
    const handlers = handlersByLogicalId(devTemplate);
    const tasks = Object.entries(States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBe(6 + dev.sequence.followUpDays.length);

    for (const [name, task] of tasks) {
      expect(task.Resource, name).toBe('arn:<Ref:AWS::Partition>:states:::lambda:invoke');
      const functionId = /^<(.+)\.Arn>$/.exec(task.Parameters.FunctionName)?.[1];
      expect(handlers.get(functionId!), name).toMatch(/^[a-z-]+$/);
      expect(workflowSteps as readonly string[]).toContain(handlers.get(functionId!));
      expect(task.Parameters.Payload['leadId.$'], name).toBe('$.leadId');

      const errors = (task.Retry as any[]).map((r) => r.ErrorEquals);
      expect(errors[0], name).toContain('Lambda.ServiceException'); // CDK's default, kept
      if (name === stateNames.recordFailure) {
        expect(task.Catch, name).toBeUndefined();
        expect(task.Next).toBe(stateNames.failed);
        expect(task.Retry.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 2 });
        continue;
      }
      expect(task.Retry[1], name).toEqual({
        ErrorEquals: [transientErrorName, 'Lambda.TooManyRequestsException'],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      });
      expect(task.Retry[2], name).toEqual({
        ErrorEquals: ['States.ALL'],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 2,
        JitterStrategy: 'FULL',
      });
      expect(task.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: stateNames.recordFailure }]);
    }

    expect(States[stateNames.recordFailure].Parameters.Payload).toEqual({
      'leadId.$': '$.leadId',
      'error.$': '$.failure.Error',
      'cause.$': '$.failure.Cause',
    });
    expect(States[stateNames.failed]).toMatchObject({ Type: 'Fail', Error: sequenceFailedError });
    expect(States[stateNames.scoreAndRoute]).toMatchObject({
      ResultSelector: {
        'score.$': '$.Payload.score',
        'grade.$': '$.Payload.grade',
        'ownerId.$': '$.Payload.ownerId',
        'alert.$': '$.Payload.alert',
        'disqualified.$': '$.Payload.disqualified',
      },
      ResultPath: '$.routing',
    });
    expect(States[stateNames.sendFollowUp(3)]).toMatchObject({
      Parameters: { Payload: { 'leadId.$': '$.leadId', day: 3 } },
      ResultSelector: { 'stop.$': '$.Payload.stop' },
      ResultPath: '$.followUp',
    });
    // Whether the alert went out stays in the execution's state, for the history and the local log.
    expect(States[stateNames.alertRep]).toMatchObject({ ResultSelector: { 'sent.$': '$.Payload.sent' }, ResultPath: '$.alert' });
    for (const name of [stateNames.sendConfirmation, stateNames.closeLead]) {
      expect(States[name].ResultPath, name).toBeNull();
    }
  });

  it('state machine: Standard, logs errors without execution data, traced, alarmed on failures', () => {
    const machine = only(devTemplate, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    // JSONPath: no JSONata anywhere (the local runner cannot run it).
    expect(flatten(machine.Properties.DefinitionString)).not.toMatch(/JSONata/);

    const alarm = resourcesOfType(devTemplate, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === 'ExecutionsFailed')![1];
    const machineId = resourcesOfType(devTemplate, 'AWS::StepFunctions::StateMachine')[0]![0];
    const topicId = resourcesOfType(devTemplate, 'AWS::SNS::Topic')[0]![0];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    const topicPolicy = only(devTemplate, 'AWS::SNS::TopicPolicy');
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(resourcesOfType(devTemplate, 'AWS::SNS::Subscription')).toHaveLength(0);
    expect(only(qaTemplate, 'AWS::SNS::Subscription').Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.org' });
  });

  it('state machine: outlives the latest follow-up business hours allow, and alarms when a sequence times out or is stopped', () => {
    // The issue's lead: Friday 17:30 in Berlin, its day-14 follow-up due on Monday 2026-06-22 at 09:00.
    const fridayEvening = scheduleFor(new Date('2026-06-05T15:30:00Z'), dev.sequence, 'Europe/Berlin');
    const lastFollowUpAfterMs = Date.parse(fridayEvening.followUps[followUpKey(14)]!) - Date.parse('2026-06-05T15:30:00Z');
    expect(definitionOf(devTemplate).TimeoutSeconds! * 1000).toBeGreaterThan(lastFollowUpAfterMs);
    expect(definitionOf(devTemplate).TimeoutSeconds).toBe(sequenceTimeoutSeconds(dev.sequence));
    // Without business hours: the last day, and a day for the steps after it.
    expect(definitionOf(qaTemplate).TimeoutSeconds).toBe((5 + 1) * 86_400);

    const machineId = resourcesOfType(devTemplate, 'AWS::StepFunctions::StateMachine')[0]![0];
    const topicId = resourcesOfType(devTemplate, 'AWS::SNS::Topic')[0]![0];
    const assertions = CdkTemplate.fromJSON(devTemplate);
    for (const metric of ['ExecutionsTimedOut', 'ExecutionsAborted']) {
      assertions.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
        AlarmDescription: Match.stringLikeRegexp('remaining follow-ups'),
      });
    }
  });
});

describe('functions', () => {
  it.each(stages)('%s: one per handler, Node 22 on arm64, traced, logging to its own group', (_, template, config) => {
    const t = template();
    const functions = resourcesOfType(t, 'AWS::Lambda::Function');
    expect(functions.map(([, fn]) => fn.Metadata?.['SpeedToLead:Handler']).sort()).toEqual([...allHandlers].sort());

    for (const [id, fn] of functions) {
      const handler = String(fn.Metadata?.['SpeedToLead:Handler']);
      const isRoute = routes.some((r) => r.handler === handler);
      // The start queue's consumer is short, so failed starts come back soon (visibility = 6 x timeout).
      // The team app's API gets a full vCPU: its dashboard counts up to 100,000 report records in process.
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: handler === 'app-api' ? 1769 : 256,
        Timeout: isRoute || handler === 'start-workflow' ? 10 : 30,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(t.Resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(t.Resources[logGroupId]?.Properties.RetentionInDays).toBe(config.logRetentionDays);
    }
  });

  it.each(stages)('%s: environment satisfies the functions’ own EnvSchema', (_, template, config) => {
    const t = template();
    for (const [id, fn] of resourcesOfType(t, 'AWS::Lambda::Function')) {
      const handler = String(fn.Metadata?.['SpeedToLead:Handler']);
      const raw: Record<string, unknown> = fn.Properties.Environment.Variables;
      if (staticHandlers.includes(handler)) {
        // The app page also learns where its assets are and which user pool and client the browser signs in with.
        const appPage = handler === 'app-page' ? { APP_ASSETS_DIR: '/var/task/app', USER_POOL_ID: expect.anything(), USER_POOL_CLIENT_ID: expect.anything() } : {};
        expect(raw, handler).toEqual({ POWERTOOLS_SERVICE_NAME: 'speed-to-lead', NODE_OPTIONS: '--enable-source-maps', ...appPage });
        continue;
      }
      // References stand in for what CloudFormation will put there (an endpoint is a URL).
      const resolved = (v: unknown) =>
        typeof v === 'string'
          ? v
          : flatten(v).replace(/<[^>]+\.ApiEndpoint>/g, 'https://api.example.com').replace(/<[^>]+>/g, 'placeholder');
      const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, resolved(v)]));
      const parsed = EnvSchema.safeParse(env);
      expect(parsed.error?.issues, `${id} (${handler})`).toBeUndefined();

      expect(env.SENDER).toBe(`${config.sender.name} <${config.sender.email}>`);
      // Sequence, reps, routing and SLA come in the bundled file, not in the environment (4 KB).
      expect(env.LEAD_CONFIG_FILE).toBe('/var/task/lead-config.json');
      for (const gone of ['SEQUENCE', 'REPS', 'ROUTING', 'SLA_MINUTES']) expect(raw[gone], `${handler} ${gone}`).toBeUndefined();
      expect(env.SES_CONFIGURATION_SET).toBe(configurationSetName(config));
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('speed-to-lead');
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(flatten(raw.LINK_SECRET_ID)).toMatch(/^<Ref:LinkSigningSecret/);
      expect(flatten(raw.TABLE_NAME)).toMatch(/^<Ref:LeadsTable/);
      if (handler === 'intake' || handler === 'start-workflow') expect(flatten(raw.STATE_MACHINE_ARN), handler).toMatch(/^<Ref:WorkflowStateMachine/);
      else expect(raw.STATE_MACHINE_ARN, handler).toBeUndefined();
      if (handler === 'intake') expect(flatten(raw.START_QUEUE_URL)).toMatch(/^<Ref:StartQueue[0-9A-F]{8}>$/);
      else expect(raw.START_QUEUE_URL, handler).toBeUndefined();
    }
  });

  it('links point at the API endpoint unless the config names a public URL', () => {
    const [, intakeDev] = resourcesOfType(devTemplate, 'AWS::Lambda::Function')[0]!;
    expect(flatten(intakeDev.Properties.Environment.Variables.PUBLIC_BASE_URL)).toMatch(/^<ApiHttpApi[0-9A-F]+\.ApiEndpoint>$/);
    const [, intakeQa] = resourcesOfType(qaTemplate, 'AWS::Lambda::Function')[0]!;
    expect(intakeQa.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://leads.example.org');
  });
});

describe('the start queue (workflow starts Step Functions throttled at intake)', () => {
  it.each(stages)('%s: encrypted, TLS only, redriven to an alarmed dead-letter queue, consumed by start-workflow in bounded batches', (_, template) => {
    const t = template();
    const queues = resourcesOfType(t, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('StartQueue'));
    expect(queues).toHaveLength(2);
    const [queueId, queue] = queues.find(([, q]) => q.Properties.RedrivePolicy)!;
    const [dlqId, dlq] = queues.find(([id]) => id !== queueId)!;
    for (const [id, q] of [[queueId, queue], [dlqId, dlq]] as const) {
      expect(q.Properties, id).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      const policy = resourcesOfType(t, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues.some((ref: { Ref: string }) => ref.Ref === id));
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    // Six times the consumer's timeout, as AWS advises for SQS event sources.
    expect(queue.Properties.VisibilityTimeout).toBe(60);
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 10 });

    const mapping = only(t, 'AWS::Lambda::EventSourceMapping').Properties;
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionIdOf(t, 'start-workflow') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });

    const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const deadLetters = alarms.filter((a) => a.Namespace === 'AWS/SQS' && a.Dimensions[0].Value['Fn::GetAtt'][0] === dlqId);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('SES bounce and complaint events (never lost)', () => {
  it.each(stages)('%s: EventBridge and Lambda both give up into one encrypted, TLS-only, alarmed dead-letter queue', (_, template) => {
    const t = template();
    const fnId = functionIdOf(t, 'sender-events');
    const one = (type: string, which: (entry: [string, any]) => boolean) => {
      const found = resourcesOfType(t, type).filter(which);
      expect(found, type).toHaveLength(1);
      return found[0]!;
    };
    const [dlqId, dlq] = one('AWS::SQS::Queue', ([id]) => id.startsWith('SenderEventsDelivery'));
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    const dlqArn = { 'Fn::GetAtt': [dlqId, 'Arn'] };
    const policy = resourcesOfType(t, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues.some((ref: { Ref: string }) => ref.Ref === dlqId))![1];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));

    // EventBridge's failures to deliver to Lambda: its target's retries, then the queue.
    const [, rule] = one('AWS::Events::Rule', ([, r]) => r.Properties.EventPattern?.source?.[0] === 'aws.ses');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, DeadLetterConfig: { Arn: dlqArn }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 } }),
    ]);
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }));
    // The function's own failures on an event Lambda accepted: Lambda's async retries, then the same queue.
    const [, invokeConfig] = onlyOfType(t, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties).toEqual({ FunctionName: { Ref: fnId }, Qualifier: '$LATEST', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600, DestinationConfig: { OnFailure: { Destination: dlqArn } } });
    expect(statementsOfRole(t, roleOf(t, fnId))).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: dlqArn }));

    const alarm = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).filter((a) => a.Namespace === 'AWS/SQS' && a.Dimensions[0].Value['Fn::GetAtt'][0] === dlqId);
    expect(alarm).toEqual([expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmDescription: expect.stringContaining('npm run redrive-sender-events') })]);
  });
});

describe('least privilege', () => {
  const tableActions = (s: { Action: string | string[] }) => asList(s.Action).every((a) => a.startsWith('dynamodb:'));
  /**
   * What each function's code issues on the table, read from the store methods its handler's
   * domain calls: getLead (and a refused claim's re-read) GetItem; createLead, claimSubmission,
   * appendEvent(Once), claimWebhook PutItem; every other write UpdateItem (a new lead's place
   * in the dashboard's digest and its report record too); leadHistory a Query of byDomain; the
   * dashboard's digest BatchGetItem. The local stack enforces these grants, so a missing one fails its tests.
   */
  const tableAccess: Record<string, { actions: string[]; indexes?: string[] }> = {
    intake: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    'rep-response': { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['byDomain'] },
    unsubscribe: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    'lead-form': { actions: [] },
    'send-confirmation': { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    // The team and today's counts (readTeam, countLeadsToday) are Queries of the table.
    'score-and-route': { actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: ['byDomain'] },
    'alert-rep': { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    'escalate-lead': { actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'] },
    // A nurture email first looks whether the person submitted again (byDomain).
    'send-follow-up': { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['byDomain'] },
    // Reads the lead: a "not now" rejection returns it to nurture.
    'close-lead': { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    'record-failure': { actions: ['PutItem', 'UpdateItem'] },
    'sender-events': { actions: ['PutItem', 'UpdateItem'] },
    'start-workflow': { actions: ['GetItem', 'PutItem'] },
    // A rep's queue (byOwner), the dashboard (the digest, BatchGetItem), a lead and its timeline, an answer, the team.
    'app-api': { actions: ['BatchGetItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: ['byOwner'] },
    'app-page': { actions: [] },
    // Claims the signed click (put, re-read, update), reads the lead and kept Slack ids, keeps one, records the answer.
    'slack-interactions': { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    // Claims the signed booking (put, re-read, update), reads the lead, records the contact and the meeting.
    booking: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
  };

  it('covers every function', () => {
    expect(Object.keys(tableAccess).sort()).toEqual([...allHandlers].sort());
  });

  it.each(stages)('%s: each function gets exactly its grants', (_, template, config) => {
    const t = template();
    const identityArn = `arn:<Ref:AWS::Partition>:ses:<Ref:AWS::Region>:<Ref:AWS::AccountId>:identity/${config.sender.identity}`;
    const configSetArn = `arn:<Ref:AWS::Partition>:ses:<Ref:AWS::Region>:<Ref:AWS::AccountId>:configuration-set/${configurationSetName(config)}`;
    const tableId = resourcesOfType(t, 'AWS::DynamoDB::Table')[0]![0];
    const secretIdOf = (prefix: string) => resourcesOfType(t, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith(prefix))![0];
    const secretId = secretIdOf('LinkSigningSecret');
    // Only rep-response verifies CRM webhooks (ours and HubSpot's), so only it may read their secrets.
    const webhookSecretId = secretIdOf('WebhookSigningSecret');
    const hubspotSecretId = secretIdOf('HubSpotClientSecret');
    const pipedriveSecretId = secretIdOf('PipedriveWebhookCredentials');
    const salesforceSecretId = secretIdOf('SalesforceEndpointToken');
    // Only the clicks' function checks Slack's signature; the ones that post to Slack hold the bot token.
    const slackSigningId = secretIdOf('SlackSigningSecret');
    const slackBotId = secretIdOf('SlackBotToken');
    // Only the booking function checks the scheduling tools' signatures.
    const calcomSecretId = secretIdOf('CalcomWebhookSecret');
    const calendlyKeyId = secretIdOf('CalendlySigningKey');
    const secretsRead: Record<string, string[]> = {
      'rep-response': [secretId, webhookSecretId, hubspotSecretId, pipedriveSecretId, salesforceSecretId],
      'alert-rep': [secretId, slackBotId],
      'escalate-lead': [secretId, slackBotId],
      'slack-interactions': [slackSigningId, slackBotId],
      booking: [calcomSecretId, calendlyKeyId],
    };
    const machineId = resourcesOfType(t, 'AWS::StepFunctions::StateMachine')[0]![0];
    const startQueueId = resourcesOfType(t, 'AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)![0];

    for (const handler of allHandlers) {
      const functionId = functionIdOf(t, handler);
      const roleId = roleOf(t, functionId);
      expect(t.Resources[roleId]!.Properties.ManagedPolicyArns, handler).toBeUndefined();
      const statements = statementsOfRole(t, roleId);

      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const action of asList(s.Action)) expect(action, handler).not.toMatch(/\*/);
        // "*" only where the service has no resource-level permissions (X-Ray).
        if (asList(s.Resource).includes('*')) expect(asList(s.Action).every((a) => a.startsWith('xray:')), handler).toBe(true);
      }

      const logs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
      expect(logs.map((s) => flatten(s.Resource)), handler).toEqual([`<${t.Resources[functionId]!.Properties.LoggingConfig.LogGroup.Ref}.Arn>`]);

      // Exactly the actions its code issues, on the table itself; Query on an index only for the index it reads.
      const table = statements.filter(tableActions).map((s) => ({ actions: asList(s.Action).sort(), resources: asList(s.Resource).map(flatten) }));
      const { actions, indexes = [] } = tableAccess[handler]!;
      const expected = [
        ...(actions.length ? [{ actions: actions.map((a) => `dynamodb:${a}`), resources: [`<${tableId}.Arn>`] }] : []),
        ...(indexes.length ? [{ actions: ['dynamodb:Query'], resources: indexes.map((index) => `<${tableId}.Arn>/index/${index}`) }] : []),
      ];
      expect(table, handler).toEqual(expected);
      // The ops CLIs' actions (erasure, reconciliation, the digest's backfill) are no function's;
      // BatchGetItem is only the dashboard's read of its digest.
      for (const action of table.flatMap((s) => s.actions)) expect(action, handler).not.toMatch(handler === 'app-api' ? /^dynamodb:(Scan|BatchWriteItem|DeleteItem|\w*Stream\w*|Describe\w*)$/ : /^dynamodb:(Scan|BatchWriteItem|DeleteItem|BatchGetItem|\w*Stream\w*|Describe\w*)$/);

      const ses = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('ses:')));
      if (emailSenders.includes(handler)) {
        expect(ses, handler).toHaveLength(1);
        expect(ses[0]!.Action).toBe('ses:SendEmail');
        const expected = [identityArn, configSetArn];
        expect(asList(ses[0]!.Resource).map(flatten), handler).toEqual(expected);
      } else {
        expect(ses, handler).toHaveLength(0);
      }

      const secret = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
      if (linkUsers.includes(handler) || secretsRead[handler]) {
        const readable = (secretsRead[handler] ?? [secretId]).map((id) => `<Ref:${id}>`);
        expect(secret.map((s) => flatten(s.Resource)).sort(), handler).toEqual(readable.sort());
        for (const s of secret) expect(asList(s.Action).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      } else {
        expect(secret, handler).toHaveLength(0);
      }

      const states = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('states:')));
      if (handler === 'intake' || handler === 'start-workflow') {
        expect(states.map((s) => [s.Action, flatten(s.Resource)])).toEqual([['states:StartExecution', `<Ref:${machineId}>`]]);
      } else {
        expect(states, handler).toHaveLength(0);
      }

      // Intake may only send to the start queue; its consumer only what polling it needs.
      const sqs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('sqs:')));
      if (handler === 'intake') {
        expect(sqs.map((s) => [s.Action, flatten(s.Resource)])).toEqual([['sqs:SendMessage', `<${startQueueId}.Arn>`]]);
      } else if (handler === 'start-workflow') {
        expect(sqs.map((s) => asList(s.Resource).map(flatten))).toEqual([[`<${startQueueId}.Arn>`]]);
        expect(asList(sqs[0]!.Action).sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
      } else if (handler === 'sender-events') {
        // Lambda sends an event the function failed on to its on-failure destination as the function's role.
        expect(sqs.map((s) => asList(s.Resource).map(flatten))).toEqual([[expect.stringMatching(/^<SenderEventsDeliveryDeadLetters[0-9A-F]{8}\.Arn>$/)]]);
        expect(sqs[0]!.Action).toBe('sqs:SendMessage');
      } else {
        expect(sqs, handler).toHaveLength(0);
      }

      // Texts: only the functions that alert reps, only from the stage's number or pool.
      const sms = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('sms-voice:')));
      if (config.sms && (handler === 'alert-rep' || handler === 'escalate-lead')) {
        expect(sms.map((s) => [s.Action, flatten(s.Resource)]), handler).toEqual([['sms-voice:SendTextMessage', `arn:<Ref:AWS::Partition>:sms-voice:<Ref:AWS::Region>:<Ref:AWS::AccountId>:pool/${config.sms.originationIdentity}`]]);
      } else {
        expect(sms, handler).toHaveLength(0);
      }

      // Nothing beyond logs, X-Ray, the table, and the grants above.
      const services = new Set(statements.flatMap((s) => asList(s.Action).map((a) => a.split(':')[0])));
      const allowed = new Set(['logs', 'xray', 'dynamodb', 'ses', 'secretsmanager', 'states', 'sqs', 'sms-voice']);
      for (const service of services) expect(allowed.has(service!), `${handler}: ${service}`).toBe(true);
    }
  });

  it.each(stages)('%s: the public functions run on concurrency reserved from the stage config, the workflow\'s steps on the rest', (_, template, config) => {
    const t = template();
    const reserved = config.reservedConcurrency!;
    expect(Object.keys(reserved).sort()).toEqual([...new Set(routes.map((r) => r.handler))].sort());
    for (const handler of allHandlers) {
      const fn = t.Resources[functionIdOf(t, handler)]!;
      expect(fn.Properties.ReservedConcurrentExecutions, handler).toBe(reserved[handler as keyof typeof reserved]);
    }
  });

  it('reserved concurrency: whole positive numbers for public functions only, and a warning past the default account limit', () => {
    const issues = (reservedConcurrency: unknown) =>
      DeployConfigSchema.safeParse({ ...dev, reservedConcurrency }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ intake: 0 })).toEqual(['reservedConcurrency.intake: must be at least 1 (0 would refuse every request)']);
    expect(issues({ intake: 2.5 })).toEqual(['reservedConcurrency.intake: must be a whole number of concurrent executions']);
    expect(issues({ 'send-follow-up': 5 })).toEqual(['reservedConcurrency.send-follow-up: must be a public function: intake, rep-response, unsubscribe, lead-form, slack-interactions, booking, app-api, app-page']);
    expect(issues({ intake: 50 })).toBeUndefined();

    const app = newApp();
    const stack = new SpeedToLeadStack(app, 'speed-to-lead-big', { config: DeployConfigSchema.parse({ ...dev, stage: 'big', reservedConcurrency: { intake: 800, 'rep-response': 150 } }) });
    const warnings = (scope: SpeedToLeadStack) => scope.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings(stack).filter((w) => w.includes('reservedConcurrency'))).toEqual([
      expect.stringContaining("reserves 950 concurrent executions in total: Lambda keeps at least 100 of the account's concurrency unreserved, so this deploys only where the account's limit is above 1050"),
    ]);
    expect(warnings(new SpeedToLeadStack(newApp(), 'speed-to-lead-dev', { config: dev })).filter((w) => w.includes('reservedConcurrency'))).toEqual([]);
  });

  it('the state machine may invoke its step functions and nothing else', () => {
    const t = devTemplate;
    const machine = only(t, 'AWS::StepFunctions::StateMachine');
    const statements = statementsOfRole(t, machine.Properties.RoleArn['Fn::GetAtt'][0]);
    const handlers = handlersByLogicalId(t);
    const invoked = new Set<string>();
    for (const s of statements) {
      const actions = asList(s.Action);
      if (actions.includes('lambda:InvokeFunction')) {
        expect(actions).toEqual(['lambda:InvokeFunction']);
        for (const resource of asList(s.Resource).map(flatten)) {
          const id = /^<(.+)\.Arn>(:\*)?$/.exec(resource)?.[1];
          invoked.add(handlers.get(id!)!);
        }
      } else {
        // Log delivery and X-Ray: no resource-level permissions exist for these.
        expect(s.Resource).toBe('*');
        expect(actions.every((a) => a.startsWith('xray:') || /^logs:(\w*LogDeliver\w*|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/.test(a)), actions.join()).toBe(true);
      }
    }
    expect([...invoked].sort()).toEqual([...workflowSteps].sort());
  });

  it('no policy anywhere allows every action', () => {
    for (const [id, policy] of [...resourcesOfType(devTemplate, 'AWS::IAM::Policy'), ...resourcesOfType(devTemplate, 'AWS::IAM::Role')]) {
      const json = JSON.stringify(policy.Properties);
      expect(json, id).not.toMatch(/"Action":"\*"|"Action":\["\*"\]/);
    }
  });
});

describe('table', () => {
  it('keys, on-demand billing, PITR, TTL, GSIs, retained', () => {
    const table = only(devTemplate, 'AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(['pk', 'sk', 'ownerId', 'submittedAt', 'submittedDay', 'emailDomain'].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    );
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byOwner',
        KeySchema: [
          { AttributeName: 'ownerId', KeyType: 'HASH' },
          { AttributeName: 'submittedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byDomain',
        KeySchema: [
          { AttributeName: 'emailDomain', KeyType: 'HASH' },
          { AttributeName: 'submittedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'leadId'] },
      },
      {
        IndexName: 'byDay',
        KeySchema: [
          { AttributeName: 'submittedDay', KeyType: 'HASH' },
          { AttributeName: 'submittedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('link, webhook, CRM, Slack and booking secrets: generated, 48 characters, no punctuation (until ops put the vendors\' values in)', () => {
    const secrets = resourcesOfType(devTemplate, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['CalcomWebhookSecret', 'CalendlySigningKey', 'HubSpotClientSecret', 'LinkSigningSecret', 'PipedriveWebhookCredentials', 'SalesforceEndpointToken', 'SlackBotToken', 'SlackSigningSecret', 'WebhookSigningSecret']);
    for (const [id, secret] of secrets) {
      // Pipedrive's is a user and a password: the password is generated into the JSON.
      const pair = id.startsWith('PipedriveWebhookCredentials') ? { SecretStringTemplate: '{"user":"speed-to-lead"}', GenerateStringKey: 'password' } : {};
      expect(secret.Properties.GenerateSecretString).toEqual({ PasswordLength: 48, ExcludePunctuation: true, ...pair });
    }
  });
});

describe('API', () => {
  it.each(stages)('%s: routes equal the route table, each to its handler with payload 2.0', (_, template, _config) => {
    const t = template();
    const handlers = handlersByLogicalId(t);
    const integrations = new Map(resourcesOfType(t, 'AWS::ApiGatewayV2::Integration'));
    const deployed = resourcesOfType(t, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const integrationId = /^integrations\/<Ref:(.+)>$/.exec(flatten(route.Properties.Target))?.[1];
      const integration = integrations.get(integrationId!)!;
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      const functionId = /^<(.+)\.Arn>$/.exec(flatten(integration.Properties.IntegrationUri))?.[1];
      return { routeKey: route.Properties.RouteKey, handler: handlers.get(functionId!) };
    });
    expect(deployed.sort((a, b) => a.routeKey.localeCompare(b.routeKey))).toEqual(
      routes.map((r) => ({ routeKey: `${r.method} ${r.path}`, handler: r.handler })).sort((a, b) => a.routeKey.localeCompare(b.routeKey)),
    );
    // The team's routes, and only they, behind the JWT authorizer of the team's user pool and app client.
    const [authorizerId, authorizer] = onlyOfType(t, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    const [poolId] = onlyOfType(t, 'AWS::Cognito::UserPool');
    const [clientId] = onlyOfType(t, 'AWS::Cognito::UserPoolClient');
    expect(flatten(authorizer.Properties.JwtConfiguration.Issuer)).toBe(`https://cognito-idp.<Ref:AWS::Region>.amazonaws.com/<Ref:${poolId}>`);
    expect(authorizer.Properties.JwtConfiguration.Audience.map(flatten)).toEqual([`<Ref:${clientId}>`]);
    const authorization = Object.fromEntries(resourcesOfType(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType === 'JWT' ? flatten(r.Properties.AuthorizerId) : r.Properties.AuthorizationType]));
    expect(authorization).toEqual(Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, 'auth' in r ? `<Ref:${authorizerId}>` : 'NONE'])));
    expect(Object.keys(authorization).filter((key) => key.startsWith('GET /app/api') || key.includes('/app/api/')).length).toBeGreaterThan(0);
  });

  it('the team signs in to its own user pool: invited only, groups reps and managers, short-lived tokens', () => {
    const t = devTemplate;
    const [poolId, pool] = onlyOfType(t, 'AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, UsernameAttributes: ['email'] });
    expect(pool.Properties.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    const groups = resourcesOfType(t, 'AWS::Cognito::UserPoolGroup').map(([, g]) => ({ name: g.Properties.GroupName, pool: flatten(g.Properties.UserPoolId) }));
    expect(groups.sort((a, b) => a.name.localeCompare(b.name))).toEqual([{ name: 'managers', pool: `<Ref:${poolId}>` }, { name: 'reps', pool: `<Ref:${poolId}>` }]);
    const [, client] = onlyOfType(t, 'AWS::Cognito::UserPoolClient');
    // A browser app: no secret; ID tokens good for half an hour, refreshed within a working day.
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties).toMatchObject({ IdTokenValidity: 30, AccessTokenValidity: 30, RefreshTokenValidity: 720, TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' } });
    expect(client.Properties.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']));
    // The app page is told which pool and client to sign in with.
    const page = [...handlersByLogicalId(t)].find(([, name]) => name === 'app-page')![0];
    expect(Object.keys(t.Resources[page]!.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'APP_ASSETS_DIR']));
  });

  it.each(stages)('%s: CORS, throttling and access logs come from the config', (_, template, config) => {
    const t = template();
    expect(only(t, 'AWS::ApiGatewayV2::Api').Properties.CorsConfiguration).toEqual({
      AllowOrigins: config.siteOrigins,
      AllowMethods: ['GET', 'POST', 'OPTIONS'],
      AllowHeaders: ['content-type', 'idempotency-key'],
      MaxAge: 3600,
    });
    const stage = only(t, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: config.throttling.rateLimit, ThrottlingBurstLimit: config.throttling.burstLimit },
    });
    const logGroupId = /^<(.+)\.Arn>$/.exec(flatten(stage.Properties.AccessLogSettings.DestinationArn))?.[1];
    expect(t.Resources[logGroupId!]?.Properties.RetentionInDays).toBe(config.logRetentionDays);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      responseLength: '$context.responseLength',
    });
    // Leads are PII: no caller IPs, user agents or bodies in access logs.
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/sourceIp|userAgent|identity|body/i);
  });

  it('outputs the API URL', () => {
    const outputs = Object.entries(devTemplate.Outputs ?? {}).filter(([id]) => id.startsWith('ApiUrl'));
    expect(outputs).toHaveLength(1);
    expect(flatten(outputs[0]![1].Value)).toMatch(
      /^https:\/\/<Ref:ApiHttpApi[0-9A-F]+>\.execute-api\.<Ref:AWS::Region>\.<Ref:AWS::URLSuffix>\/$/,
    );
  });
});

describe('loadConfig', () => {
  let dir: string;
  const write = (stage: string, content: unknown) =>
    writeFileSync(join(dir, `${stage}.json`), typeof content === 'string' ? content : JSON.stringify(content));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'speed-to-lead-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads lib/config/dev.json with defaults applied', () => {
    expect(dev.stage).toBe('dev');
    expect(dev.linkTtlDays).toBe(30);
    expect(dev.reps.map((r) => r.id)).toEqual(['rep-ana', 'rep-ben', 'rep-cho', 'rep-dee', 'rep-eve']);
  });

  it('names the file, the field and what is wrong', () => {
    write('prod', { ...dev, stage: 'prod', sender: { ...dev.sender, email: 'not-an-email' } });
    expect(() => loadConfig('prod', dir)).toThrow(`${join(dir, 'prod.json')}: sender.email: Invalid email address`);

    write('prod', { ...dev, stage: 'prod', logRetentionDays: 42 });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: logRetentionDays: must be one of CDK's RetentionDays: 1, 3, 5, 7, 14, 30/);

    write('prod', { ...dev, stage: 'prod', sender: { ...dev.sender, identity: 'other.org' } });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: sender\.identity: must be sender\.email or its domain \(e\.g\. "example\.com"\)/);

    // CAN-SPAM: every commercial email carries the sender's postal address, so no stage deploys without one.
    const { postalAddress: _, ...withoutAddress } = dev.sender;
    write('prod', { ...dev, stage: 'prod', sender: withoutAddress });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: sender\.postalAddress: is required: CAN-SPAM requires a physical postal address/);
    write('prod', { ...dev, stage: 'prod', sender: { ...dev.sender, postalAddress: 'x'.repeat(301) } });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: sender\.postalAddress: must be at most 300 characters/);

    write('prod', { ...dev, stage: 'prod', sender: { ...dev.sender, name: 'Sales <team>' } });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: sender\.name: must not contain quotes, angle brackets or line breaks/);

    write('prod', { ...dev, stage: 'prod', sequence: { hotAlertAfterMinutes: 5, followUpDays: [3, 1] } });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: sequence\.followUpDays: follow-up days must be strictly increasing/);

    write('prod', { ...dev, stage: 'prod', siteOrigins: ['https://www.example.com/contact'] });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: siteOrigins\.0: must be an origin/);

    write('prod', { ...dev, stage: 'prod', reps: [{ id: 'Rep Ana', name: 'Ana', email: 'ana@example.com' }] });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: reps\.0\.id: lowercase letters, digits and dashes/);

    write('prod', { ...dev, stage: 'prod', throtling: dev.throttling });
    expect(() => loadConfig('prod', dir)).toThrow(/prod\.json: \(root\): Unrecognized key: "throtling"/);
  });

  it('reports a missing file, bad JSON and a stage mismatch', () => {
    expect(() => loadConfig('staging', dir)).toThrow(/staging\.json: not found; copy lib\/config\/dev\.json/);
    write('broken', '{ "stage": ');
    expect(() => loadConfig('broken', dir)).toThrow(/broken\.json: not valid JSON/);
    write('uat', { ...dev });
    expect(() => loadConfig('uat', dir)).toThrow(/uat\.json: stage: is "dev" but the file is for stage "uat"/);
    expect(() => loadConfig('../etc/passwd', dir)).toThrow(/use lowercase letters, digits and dashes/);
  });

  it('shows repo files relative to the repo', () => {
    expect(() => loadConfig('no-such-stage')).toThrow(/^lib\/config\/no-such-stage\.json: not found/);
  });
});

describe('configuration ops edit', () => {
  it('a scoring model that does not validate stops the synth, naming the file, the path and the fix', () => {
    const model = JSON.parse(readFileSync(scoringModelFile, 'utf8'));
    const file = join(mkdtempSync(join(tmpdir(), 'model-')), 'scoring-model.json');
    writeFileSync(file, JSON.stringify({ ...model, intent: { ...model.intent, forms: [{ pattern: 'demo(', points: 40, label: 'asked for a demo' }] } }));
    expect(() => loadScoringModel(file)).toThrow(/scoring-model\.json: intent\.forms\.0\.pattern: must be a valid regular expression/);
    expect(loadScoringModel().version).toBe(model.version);
  });

  it('routing that names an unknown rep, or an SLA outside the sequence, is refused', () => {
    const parsed = DeployConfigSchema.safeParse({ ...dev, routing: { pools: { default: ['rep-nobody'] } }, slaMinutes: { ...dev.slaMinutes, hot: 2 } });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'routing: names rep "rep-nobody", which is not in reps',
      `slaMinutes.hot: must be after the alert (minute ${dev.sequence.hotAlertAfterMinutes}) and before the first follow-up (day ${dev.sequence.followUpDays[0]})`,
    ]);
  });

  it("a rep's mobile without a number to text from, or a Slack channel for a pool that does not exist, is refused, naming the field", () => {
    const reps = dev.reps.map((rep, i) => (i === 1 ? { ...rep, smsAlertsTo: '+4915112345678' } : rep));
    const { sms: _sms, ...withoutSms } = dev;
    const parsed = DeployConfigSchema.safeParse({ ...withoutSms, reps, routing: { ...dev.routing, slackChannels: { emea: 'C0EMEA' } } });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'routing.slackChannels.emea: is not a pool: the pools are "default", "dach"',
      'reps.0.smsAlertsTo: needs "sms": { "originationIdentity": "<phone or pool id>" } in the stage config, the number texts are sent from',
      'reps.1.smsAlertsTo: needs "sms": { "originationIdentity": "<phone or pool id>" } in the stage config, the number texts are sent from',
    ]);
    const badNumber = DeployConfigSchema.safeParse({ ...dev, reps: dev.reps.map((rep, i) => (i === 0 ? { ...rep, smsAlertsTo: '0151 1234 5678' } : rep)), sms: { originationIdentity: '+15555550100' } });
    expect(badNumber.error?.issues.map((i) => i.path.join('.'))).toEqual(['reps.0.smsAlertsTo', 'sms.originationIdentity']);
  });

  it("keeps every function's environment under Lambda's 4 KB", () => {
    for (const [id, fn] of resourcesOfType(devTemplate, 'AWS::Lambda::Function')) {
      const size = JSON.stringify(fn.Properties.Environment?.Variables ?? {}).length;
      expect(size, id).toBeLessThan(4096);
    }
  });
});
