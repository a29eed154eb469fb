import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { emailSteps, type Sequence } from '@domain/sequence';
import { FIREWALL_REGION, type FirewallMetrics } from './lead-firewall';
import type { StartQueue } from './start-queue';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

export interface LeadObservabilityProps {
  readonly stage: string;
  readonly sequence: Sequence;
  readonly api: HttpApi;
  readonly stateMachine: StateMachine;
  readonly functions: ReadonlyArray<[string, NodejsFunction]>;
  /** Workflow starts waiting out Step Functions' throttling, and those that never started. */
  readonly startQueue: StartQueue;
  /** SES bounce and complaint events the sender-events function could not record. */
  readonly senderEventsDeadLetters: IQueue;
  readonly alarmTopic: ITopic;
  /** The web ACL in front of the API, when the stage has a firewall: its blocks and counts are graphed. */
  readonly firewall?: FirewallMetrics;
}

const GRADES = ['hot', 'warm', 'cold'] as const;

/** SES reviews an account around 5% bounces and 0.1% complaints: we want to hear well before. */
export const senderReputationLimits = { bounceRate: 0.02, complaintRate: 0.0005 } as const;

/**
 * The firewall's work: requests each rule blocked (the rate limits answer 429) or, for a rule
 * set in count mode, would have blocked, against all it allowed. CloudFront's web ACLs report
 * in us-east-1, whatever the stage's region: the graph reads them there.
 */
function firewallWidget({ webAcl, rules }: FirewallMetrics): GraphWidget {
  const waf = (metricName: string, rule: string, label: string) =>
    new Metric({ namespace: 'AWS/WAFV2', metricName, dimensionsMap: { WebACL: webAcl, Rule: rule }, statistic: 'Sum', period: Duration.minutes(5), region: FIREWALL_REGION, label });
  return new GraphWidget({
    title: 'Firewall: requests blocked or counted per rule (allowed on the right)',
    left: rules.flatMap(({ rule, metricName }) => [waf('BlockedRequests', metricName, `${rule} blocked`), waf('CountedRequests', metricName, `${rule} counted`)]),
    right: [waf('AllowedRequests', 'ALL', 'allowed')],
    width: 8,
  });
}

/**
 * What ops watch without watching: the funnel and the speed on one dashboard, and alarms to
 * the stack's topic for failed sequences, function errors, API 5xx, sender reputation, hot
 * leads nobody called within their SLA, leads whose workflow could not be started, and SES
 * bounces or complaints the sender-events function could not record.
 */
export class LeadObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: LeadObservabilityProps) {
    super(scope, id);
    const { api, stateMachine, functions, sequence, startQueue } = props;
    const hourly = { period: Duration.hours(1), statistic: 'Sum' };

    const byGrade = (name: string, options: { statistic: string; period?: Duration }) =>
      GRADES.map((grade) => this.product(name, { grade }, { ...options, label: `${grade}` }));
    const withinSla = GRADES.map(
      (grade) =>
        new MathExpression({
          // Ids are per graph: each grade's pair needs its own.
          expression: `100 * met_${grade} / (met_${grade} + missed_${grade})`,
          usingMetrics: { [`met_${grade}`]: this.product('SlaMet', { grade }, hourly), [`missed_${grade}`]: this.product('SlaMissed', { grade }, hourly) },
          label: `${grade} within SLA %`,
          period: Duration.hours(1),
        }),
    );
    const steps = emailSteps(sequence);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `speed-to-lead-${props.stage}`,
      widgets: [
        [
          new GraphWidget({ title: 'Leads per hour by grade', left: byGrade('LeadScored', hourly), width: 8 }),
          new GraphWidget({
            title: 'Time to first contact (s), p50 / p95',
            left: byGrade('TimeToFirstContact', { statistic: 'p50' }),
            right: byGrade('TimeToFirstContact', { statistic: 'p95' }),
            width: 8,
          }),
          new GraphWidget({ title: '% contacted within SLA', left: withinSla, width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Emails sent by step', left: steps.map((step) => this.product('EmailSent', { step }, { ...hourly, label: step })), width: 8 }),
          new GraphWidget({
            title: 'Unsubscribes, bounces, complaints, hot leads past SLA',
            left: [
              this.product('LeadUnsubscribed', {}, { ...hourly, label: 'unsubscribed' }),
              this.product('SenderProblem', { problem: 'bounced' }, { ...hourly, label: 'bounced' }),
              this.product('SenderProblem', { problem: 'complained' }, { ...hourly, label: 'complained' }),
              this.product('HotLeadPastSla', {}, { ...hourly, label: 'hot past SLA' }),
            ],
            width: 8,
          }),
          new GraphWidget({ title: 'Sequences failed', left: [stateMachine.metricFailed({ period: Duration.minutes(5) })], width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Lambda errors', left: functions.map(([name, fn]) => fn.metricErrors({ label: name, period: Duration.minutes(5) })), width: 8 }),
          new GraphWidget({ title: 'Lambda throttles', left: functions.map(([name, fn]) => fn.metricThrottles({ label: name, period: Duration.minutes(5) })), width: 8 }),
          new GraphWidget({
            title: 'API 4xx / 5xx and latency',
            left: [api.metricClientError({ label: '4xx' }), api.metricServerError({ label: '5xx' })],
            right: [api.metricLatency({ statistic: 'p95', label: 'latency p95' })],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Workflow starts queued (throttled at intake), waiting, dead letters',
            left: [
              startQueue.queue.metricNumberOfMessagesSent({ label: 'queued', period: Duration.minutes(5) }),
              startQueue.queue.metricApproximateNumberOfMessagesVisible({ label: 'waiting', period: Duration.minutes(5), statistic: 'Maximum' }),
              startQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'dead letters', period: Duration.minutes(5), statistic: 'Maximum' }),
            ],
            right: [startQueue.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest waiting (s)', period: Duration.minutes(5), statistic: 'Maximum' })],
            width: 8,
          }),
          new GraphWidget({
            title: 'SES bounce / complaint reports not recorded (dead letters)',
            left: [props.senderEventsDeadLetters.metricApproximateNumberOfMessagesVisible({ label: 'waiting for redrive', period: Duration.minutes(5), statistic: 'Maximum' })],
            width: 8,
          }),
          ...(props.firewall ? [firewallWidget(props.firewall)] : []),
        ],
      ],
    });

    for (const [name, fn] of functions) {
      this.alarm(`${name}-errors`, fn.metricErrors({ period: Duration.minutes(5) }), 1, `${name} failed: see its logs (correlation id = lead id)`);
    }
    this.alarm('api-5xx', api.metricServerError({ period: Duration.minutes(5) }), 1, 'The public API answered 5xx: forms or rep links are failing');
    const ses = (metricName: string) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    this.alarm('ses-bounce-rate', ses('Reputation.BounceRate'), senderReputationLimits.bounceRate, `SES bounce rate over ${senderReputationLimits.bounceRate * 100}%: clean the lists before SES reviews the account`, ComparisonOperator.GREATER_THAN_THRESHOLD);
    this.alarm('ses-complaint-rate', ses('Reputation.ComplaintRate'), senderReputationLimits.complaintRate, `SES complaint rate over ${senderReputationLimits.complaintRate * 100}%: check what is being sent to whom`, ComparisonOperator.GREATER_THAN_THRESHOLD);
    this.alarm(
      'start-queue-dead-letters',
      startQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      1,
      'A lead is stored but its workflow never started (the start queue gave up on it): fix the cause, then redrive the dead-letter queue to the start queue',
    );
    this.alarm(
      'sender-events-dead-letters',
      props.senderEventsDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      1,
      'A bounce or complaint from SES could not be recorded: the lead may still be emailed. Fix the cause, then run npm run redrive-sender-events (README)',
    );
    this.alarm('hot-leads-past-sla', this.product('HotLeadPastSla', {}, { period: Duration.minutes(15), statistic: 'Sum' }), 1, 'A hot lead was not contacted within its SLA and was escalated');
  }

  /** A metric the functions publish (EMF, namespace per stage, Powertools' service dimension). */
  private product(metricName: string, dimensions: Record<string, string>, options: { statistic: string; period?: Duration; label?: string }): IMetric {
    return new Metric({
      namespace: `SpeedToLead/${this.props.stage}`,
      metricName,
      dimensionsMap: { service: 'speed-to-lead', ...dimensions },
      statistic: options.statistic,
      period: options.period ?? Duration.hours(1),
      ...(options.label ? { label: options.label } : {}),
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: comparison,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.props.alarmTopic));
    this.alarms.push(alarm);
  }
}
