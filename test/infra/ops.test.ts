import { describe, expect, it } from 'vitest';
import { emailSteps } from '@domain/sequence';
import { DeployConfigSchema, loadConfig } from '../../lib/config';
import { senderReputationLimits } from '../../lib/lead-observability';
import { synthTemplate } from '../../lib/synth';
import { resourcesOfType } from './template';

/** What ops rely on after `cdk deploy -c stage=prod`: dashboard, alarms, sender reputation, tracing. */
const prod = loadConfig('prod');
const template = synthTemplate(prod) as { Resources: Record<string, any> };
const only = (type: string) => {
  const found = resourcesOfType(template as never, type);
  expect(found, type).toHaveLength(1);
  return found[0]![1];
};
const alarms = resourcesOfType(template as never, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
const topicId = resourcesOfType(template as never, 'AWS::SNS::Topic')[0]![0];

describe('the prod stage', () => {
  it('has a dashboard with the funnel, the speed and the health of every part', () => {
    const body = JSON.stringify(only('AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const title of ['Leads per hour by grade', 'Time to first contact', '% contacted within SLA', 'Emails sent by step', 'Unsubscribes, bounces, complaints', 'Sequences failed', 'Lambda errors', 'Lambda throttles', 'API 4xx / 5xx and latency', 'Workflow starts queued']) {
      expect(body).toContain(title);
    }
    expect(body).toContain('SpeedToLead/prod');
    expect(body).toContain('TimeToFirstContact');
    expect(body).toContain('p95');
  });

  it('alarms to the topic on failed sequences, function errors, API 5xx, SES reputation and hot leads past SLA', () => {
    expect(alarms.every((alarm) => JSON.stringify(alarm.AlarmActions) === JSON.stringify([{ Ref: topicId }]))).toBe(true);
    const by = (metric: string) => alarms.filter((alarm) => alarm.MetricName === metric);
    expect(by('ExecutionsFailed')).toHaveLength(1);
    expect(by('Errors')).toHaveLength(resourcesOfType(template as never, 'AWS::Lambda::Function').length);
    expect(by('5xx')).toHaveLength(1);
    expect(by('Reputation.BounceRate')[0]).toMatchObject({ Namespace: 'AWS/SES', Threshold: senderReputationLimits.bounceRate, ComparisonOperator: 'GreaterThanThreshold' });
    expect(by('Reputation.ComplaintRate')[0]).toMatchObject({ Namespace: 'AWS/SES', Threshold: 0.0005 });
    expect(by('HotLeadPastSla')[0]).toMatchObject({ Namespace: 'SpeedToLead/prod', Threshold: 1 });
    // A lead whose workflow never started (the start queue gave up on it), and an SES report the sender-events function could not record.
    const deadLetters = expect.objectContaining({ Namespace: 'AWS/SQS', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(by('ApproximateNumberOfMessagesVisible')).toEqual([deadLetters, deadLetters]);
    expect(only('AWS::SNS::Subscription').Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('sends through a configuration set whose bounces and complaints reach the sender-events function', () => {
    expect(only('AWS::SES::ConfigurationSet').Properties).toMatchObject({
      Name: 'speed-to-lead-prod',
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const destination = only('AWS::SES::ConfigurationSetEventDestination').Properties.EventDestination;
    expect(destination.MatchingEventTypes.sort()).toEqual(['bounce', 'complaint']);
    expect(destination.EventBridgeDestination).toBeDefined();
    const rule = only('AWS::Events::Rule').Properties;
    expect(rule.EventPattern).toMatchObject({ source: ['aws.ses'], 'detail-type': ['Email Bounced', 'Email Complaint Received'] });
    const target = rule.Targets[0].Arn['Fn::GetAtt'][0];
    expect(template.Resources[target].Metadata['SpeedToLead:Handler']).toBe('sender-events');
    for (const [, fn] of resourcesOfType(template as never, 'AWS::Lambda::Function')) {
      if (fn.Properties.Environment?.Variables?.SES_CONFIGURATION_SET !== undefined) expect(fn.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBe('speed-to-lead-prod');
    }
  });

  it('throttles the public form tighter than the rest of the API, per route', () => {
    const stage = only('AWS::ApiGatewayV2::Stage').Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(stage.RouteSettings).toEqual({ 'POST /leads': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } });
    const wrong = DeployConfigSchema.safeParse({ ...prod, throttling: { ...prod.throttling, routes: { 'GET /admin': { rateLimit: 1, burstLimit: 1 } } } });
    expect(wrong.error?.issues[0]?.message).toMatch(/^must be a route of the API: POST \/leads, /);
  });

  it('traces every function and the state machine', () => {
    for (const [id, fn] of resourcesOfType(template as never, 'AWS::Lambda::Function')) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
    expect(only('AWS::StepFunctions::StateMachine').Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('synthesizes the same template every time', () => {
    // What each part of the template must be is asserted where that part is tested; a whole-
    // template snapshot would break on every config edit and be updated without being read.
    expect(JSON.stringify(synthTemplate(prod))).toBe(JSON.stringify(template));
  });

  it('graphs every email the sequence can send, by step', () => {
    const body = JSON.stringify(only('AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const step of emailSteps(prod.sequence)) expect(body, step).toContain(`\\"step\\",\\"${step}\\"`);
    expect(emailSteps(prod.sequence)).toContain('team-lead-notice');
  });
});
