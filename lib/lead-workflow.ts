import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IChainable,
  Succeed,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  type TaskStateBase,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { nurtureKey, type Sequence, type Touch, type TouchTask, touchesOf } from '@domain/sequence';
import { sequenceTimeoutSeconds } from '@domain/sequence-span';
import { acknowledgeNag, nagArn } from './nag';
import type { WorkflowStepName } from './routes';
import { sequenceFailedError, stateNames, touchStates, transientErrorName } from './workflow-states';

export { sequenceFailedError, sequencePath, stateNames, touchStates, transientErrorName } from './workflow-states';

export interface LeadWorkflowProps {
  readonly sequence: Sequence;
  /** A hot lead not contacted this many minutes after submission is escalated. */
  readonly hotSlaMinutes: number;
  /** The Lambda behind each step. */
  readonly step: (name: WorkflowStepName) => IFunction;
  readonly logRetentionDays: number;
  /** Where the failure alarm notifies. */
  readonly alarmTopic: ITopic;
}

/** The last retry of a task, for any error: one slower attempt before the failure path. */
const retryAnything = {
  errors: ['States.ALL'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 2,
  jitterStrategy: JitterType.FULL,
};

const leadIdOnly = TaskInput.fromObject({ leadId: JsonPath.stringAt('$.leadId') });

/** The function behind a touch's task, what it is given and where its answer goes. */
function touchTask(touch: Touch): { fn: WorkflowStepName; props: Omit<LambdaInvokeProps, 'lambdaFunction'> } {
  const kind: TouchTask = touch.task;
  if (kind === 'confirmation') return { fn: 'send-confirmation', props: { payload: leadIdOnly, resultPath: JsonPath.DISCARD } };
  if (kind === 'hot-alert') {
    return { fn: 'alert-rep', props: { payload: leadIdOnly, resultSelector: { sent: JsonPath.objectAt('$.Payload.sent') }, resultPath: '$.alert' } };
  }
  // The escalation is a step of the sequence, not a cron job: it runs when the SLA ends.
  if (kind === 'escalate') {
    return { fn: 'escalate-lead', props: { payload: leadIdOnly, resultSelector: { escalated: JsonPath.objectAt('$.Payload.escalated') }, resultPath: '$.escalation' } };
  }
  return {
    fn: 'send-follow-up',
    props: {
      payload: TaskInput.fromObject({ leadId: JsonPath.stringAt('$.leadId'), day: touch.day }),
      // The "stop?" choice after it reads this.
      resultSelector: { stop: JsonPath.objectAt('$.Payload.stop') },
      resultPath: '$.followUp',
    },
  };
}

/**
 * The lead's timed sequence as a Step Functions Standard workflow (JSONPath, so the local
 * runner executes this exact definition), built from the sequence config.
 */
export class LeadWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly failedAlarm: Alarm;
  /** An execution outlived its TimeoutSeconds: its remaining follow-ups and "Close lead" never ran. */
  readonly timedOutAlarm: Alarm;
  /** An execution was stopped (StopExecution) before it finished: nothing in the product does that. */
  readonly abortedAlarm: Alarm;
  private readonly invoked = new Set<IFunction>();

  constructor(scope: Construct, id: string, private readonly props: LeadWorkflowProps) {
    super(scope, id);
    const { sequence } = props;

    const recordFailure = this.invoke('record-failure', stateNames.recordFailure, {
      payload: TaskInput.fromObject({
        leadId: JsonPath.stringAt('$.leadId'),
        error: JsonPath.stringAt('$.failure.Error'),
        cause: JsonPath.stringAt('$.failure.Cause'),
      }),
      resultPath: JsonPath.DISCARD,
    }).addRetry(retryAnything);
    recordFailure.next(
      new Fail(this, stateNames.failed, { error: sequenceFailedError, cause: 'A step failed after its retries; see the lead timeline' }),
    );

    // Any step that still fails after its retries records why, then fails the execution.
    const step = (name: WorkflowStepName, stateName: string, props: Omit<LambdaInvokeProps, 'lambdaFunction'>) =>
      this.withRetries(this.invoke(name, stateName, props)).addCatch(recordFailure, { resultPath: '$.failure' });

    const closeLead = sequence.nurture
      ? step('close-lead', stateNames.closeLead, { payload: leadIdOnly, resultSelector: { nurture: JsonPath.objectAt('$.Payload.nurture') }, resultPath: '$.closed' })
      : step('close-lead', stateNames.closeLead, { payload: leadIdOnly, resultPath: JsonPath.DISCARD });
    if (sequence.nurture) closeLead.next(this.nurtureTrack(sequence.nurture, step));

    // Built from the last touch backwards, each continuing to the chain after it. A follow-up's
    // "stop?" choice ends the sequence when the lead has answered or left; the hot-only touches
    // (the minute-5 alert, the escalation at the SLA) are behind one "Hot lead to alert?" choice.
    const touches = touchesOf(sequence, props.hotSlaMinutes);
    let next: IChainable = closeLead;
    let afterHot: IChainable = closeLead;
    for (let i = touches.length - 1; i >= 0; i--) {
      const touch = touches[i]!;
      if (touch.hotOnly && !touches[i + 1]?.hotOnly) afterHot = next;
      const names = touchStates(touch);
      const { fn, props: taskProps } = touchTask(touch);
      const task = step(fn, names.task, taskProps);
      task.next(names.endChoice ? new Choice(this, names.endChoice).when(Condition.booleanEquals('$.followUp.stop', true), closeLead).otherwise(next) : next);
      let head: IChainable = task;
      if (touch.dueAt) head = new Wait(this, names.wait ?? `Wait for ${names.task}`, { time: WaitTime.timestampPath(`$.schedule.${touch.dueAt}`) }).next(task);
      if (touch.hotOnly && !touches[i - 1]?.hotOnly) {
        head = new Choice(this, stateNames.shouldAlert).when(Condition.booleanEquals('$.routing.alert', true), head).otherwise(afterHot);
      }
      next = head;
    }
    const firstTouch = next;

    // Scoring comes first (milliseconds): a disqualified address (a competitor, `noreply@`)
    // gets no email at all, not even the confirmation.
    const definition = step('score-and-route', stateNames.scoreAndRoute, {
      payload: leadIdOnly,
      resultSelector: {
        score: JsonPath.numberAt('$.Payload.score'),
        grade: JsonPath.stringAt('$.Payload.grade'),
        ownerId: JsonPath.objectAt('$.Payload.ownerId'),
        alert: JsonPath.objectAt('$.Payload.alert'),
        disqualified: JsonPath.objectAt('$.Payload.disqualified'),
      },
      resultPath: '$.routing',
    }).next(
      new Choice(this, stateNames.isDisqualified)
        .when(Condition.booleanEquals('$.routing.disqualified', true), closeLead)
        .otherwise(firstTouch),
    );

    const timeoutSeconds = sequenceTimeoutSeconds(sequence);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      // The latest the last follow-up can be due once business hours move it (a Friday-evening
      // lead's day 14 waits for Monday), and a day for the steps after it.
      timeout: Duration.seconds(timeoutSeconds),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: props.logRetentionDays }),
        level: LogLevel.ERROR,
        // Execution data is the lead (PII): keep it in the execution history, not in logs.
        includeExecutionData: false,
      },
    });

    this.acknowledgeNagFindings();

    // A sequence that failed, or ended early without failing, pages: each of them at the first one.
    const pageOn = (id: string, metric: Metric, alarmDescription: string) => {
      const alarm = new Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      return alarm;
    };
    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    this.failedAlarm = pageOn('FailedAlarm', this.stateMachine.metricFailed(period),
      `A lead's sequence failed after retries (${sequenceFailedError}): see "${stateNames.recordFailure}" in the lead timeline`);
    this.timedOutAlarm = pageOn('TimedOutAlarm', this.stateMachine.metricTimedOut(period),
      `A lead's sequence timed out (TimeoutSeconds ${timeoutSeconds}) before it finished: its remaining follow-ups and "${stateNames.closeLead}" never ran`);
    this.abortedAlarm = pageOn('AbortedAlarm', this.stateMachine.metricAborted(period),
      `A lead's sequence was stopped (StopExecution) before it finished: its remaining follow-ups and "${stateNames.closeLead}" never ran`);
  }

  /**
   * Recycling: after "Close lead", a lead returned to nurture (a "not now" rejection) gets the
   * nurture emails on their days, each sent only while it is still in nurture (an answer, an
   * unsubscribe or a bounce ends the track); the send-follow-up function sends them.
   */
  private nurtureTrack(nurture: NonNullable<Sequence['nurture']>, step: (name: WorkflowStepName, stateName: string, props: Omit<LambdaInvokeProps, 'lambdaFunction'>) => TaskStateBase): IChainable {
    const done = new Succeed(this, stateNames.nurtureDone);
    let next: IChainable = done;
    for (let i = nurture.afterDays.length; i >= 1; i--) {
      const send = step('send-follow-up', stateNames.sendNurture(i), {
        payload: TaskInput.fromObject({ leadId: JsonPath.stringAt('$.leadId'), nurture: i }),
        resultSelector: { stop: JsonPath.objectAt('$.Payload.stop') },
        resultPath: '$.nurtureEmail',
      });
      send.next(new Choice(this, stateNames.stillInNurture(i)).when(Condition.booleanEquals('$.nurtureEmail.stop', true), done).otherwise(next));
      next = new Wait(this, stateNames.waitNurture(i, nurture.afterDays[i - 1]!), { time: WaitTime.timestampPath(`$.schedule.nurture.${nurtureKey(i)}`) }).next(send);
    }
    return new Choice(this, stateNames.returnedToNurture)
      .when(Condition.booleanEquals('$.closed.nurture', true), next)
      .otherwise(new Succeed(this, stateNames.sequenceDone));
  }

  private invoke(name: WorkflowStepName, stateName: string, props: Omit<LambdaInvokeProps, 'lambdaFunction'>): LambdaInvoke {
    // payloadResponseOnly stays false: `arn:aws:states:::lambda:invoke` with FunctionName/Payload,
    // which the local runner understands, and CDK's retry on Lambda service exceptions.
    const lambdaFunction = this.props.step(name);
    this.invoked.add(lambdaFunction);
    return new LambdaInvoke(this, stateName, { lambdaFunction, ...props });
  }

  private acknowledgeNagFindings(): void {
    for (const fn of this.invoked) {
      acknowledgeNag(this.stateMachine, `IAM5[Resource::${nagArn(fn)}:*]`,
        "CDK's LambdaInvoke grants invoke on the step function and its versions/aliases (`<arn>:*`); it is still only that function.");
    }
    acknowledgeNag(this.stateMachine, 'IAM5[Resource::*]',
      'Log delivery (logs:*LogDelivery*, logs:PutResourcePolicy, logs:Describe*) and X-Ray support no resource-level permissions; the infra test asserts that no other action gets "*".');
    acknowledgeNag(this.stateMachine, 'SF1',
      'Logging is ERROR without execution data on purpose: execution data is the lead (PII), and the execution history already records every state.');
  }

  /** Fast retries for throttling and transient faults, then one slow retry of anything. */
  private withRetries(task: LambdaInvoke): TaskStateBase {
    return task
      .addRetry({
        errors: [transientErrorName, 'Lambda.TooManyRequestsException'],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(30),
        jitterStrategy: JitterType.FULL,
      })
      .addRetry(retryAnything);
  }
}
