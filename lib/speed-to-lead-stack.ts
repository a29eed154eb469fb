import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { ConfigurationSet, EmailSendingEvent, EventDestination, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Secret, type SecretStringGenerator } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { configurationSetName, type DeployConfig, loadScoringModel } from './config';
import { awsLimitIssues } from './aws-limits';
import { LeadApi } from './lead-api';
import { LeadEdge } from './lead-firewall';
import { LeadFunctions } from './lead-functions';
import { LeadObservability } from './lead-observability';
import { LeadTable } from './lead-table';
import { LeadWorkflow } from './lead-workflow';
import { SenderEventsDelivery } from './sender-events';
import { StartQueue } from './start-queue';
import { TeamSignIn } from './team-sign-in';
import { acknowledgeNag } from './nag';

export interface SpeedToLeadStackProps extends StackProps {
  readonly config: DeployConfig;
}

/** Everything one stage of speed-to-lead runs on: API, functions, workflow, table, alarms. */
export class SpeedToLeadStack extends Stack {
  readonly table: LeadTable;
  readonly api: LeadApi;
  /** CloudFront + AWS WAF in front of the API, when the stage's config has a `firewall`. */
  readonly edge?: LeadEdge;
  readonly observability: LeadObservability;
  readonly functions: LeadFunctions;
  readonly workflow: LeadWorkflow;
  /** Workflow starts Step Functions throttled at intake, retried from SQS. */
  readonly startQueue: StartQueue;
  /** The team app's users (Cognito) and the JWT authorizer of its API routes. */
  readonly teamSignIn: TeamSignIn;

  constructor(scope: Construct, id: string, props: SpeedToLeadStackProps) {
    super(scope, id, {
      description: `speed-to-lead (${props.config.stage}): website leads confirmed, scored, routed and followed up`,
      ...props,
    });
    const { config } = props;
    // The functions bundle the scoring model: a file that does not validate stops the synth.
    loadScoringModel();
    Tags.of(this).add('project', 'speed-to-lead');
    Tags.of(this).add('stage', config.stage);

    this.table = new LeadTable(this, 'Leads');

    const linkSecret = new Secret(this, 'LinkSigningSecret', {
      description: 'Signs the rep and unsubscribe links in lead emails',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledgeNag(linkSecret, 'SMG4',
      'Rotating the link secret would invalidate every rep and unsubscribe link already emailed; rotation is a documented ops procedure (dual-key window), not a schedule.');

    // The API exists before the functions so they can link to its endpoint; its routes,
    // which need the functions, are added last. Function -> Api and Route -> Function: no cycle.
    this.api = new LeadApi(this, 'Api', { config });
    if (config.firewall) {
      this.edge = new LeadEdge(this, 'Edge', { stage: config.stage, firewall: config.firewall, apiEndpoint: this.api.endpoint, publicBaseUrl: config.publicBaseUrl });
    }

    this.functions = new LeadFunctions(this, 'Functions', {
      config,
      table: this.table.table,
      linkSecret,
      // Behind the firewall, links go through it too, and only what came through it is served.
      publicBaseUrl: this.edge?.url ?? config.publicBaseUrl ?? this.api.endpoint,
      ...(this.edge ? { originVerifySecret: this.edge.originSecret } : {}),
    });

    const alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `speed-to-lead ${config.stage} alarms`, enforceSSL: true });
    if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    this.workflow = new LeadWorkflow(this, 'Workflow', {
      sequence: config.sequence,
      hotSlaMinutes: config.slaMinutes.hot,
      step: (name) => this.functions.get(name),
      logRetentionDays: config.logRetentionDays,
      alarmTopic,
    });
    // A burst past Step Functions' start quota waits here instead of failing the form.
    this.startQueue = new StartQueue(this, 'StartQueue');
    this.functions.letIntakeStart(this.workflow.stateMachine, this.startQueue);

    // Each CRM authenticates its requests its own way, with a secret it holds a copy of (README, docs/crm.md).
    const crmSecret = (id: string, description: string, holder: string, generate: Partial<SecretStringGenerator> = {}) => {
      const secret = new Secret(this, id, { description, generateSecretString: { passwordLength: 48, excludePunctuation: true, ...generate } });
      acknowledgeNag(secret, 'SMG4', `${holder} holds a copy of this secret, so rotating it is a coordinated change on both sides (documented in the README, docs/crm.md and docs/booking.md), not a schedule that would break the integration.`);
      return secret;
    };
    const webhookSecret = crmSecret('WebhookSigningSecret', 'Shared with the CRM: signs its webhook requests to POST /leads/{id}/contact', 'The CRM');
    const hubspotClientSecret = crmSecret('HubSpotClientSecret', "The HubSpot app's client secret: HubSpot signs its webhook requests to POST /crm/hubspot with it (put the app's value here)", 'HubSpot (it issues it as the app\'s client secret)');
    const pipedriveCredentials = crmSecret('PipedriveWebhookCredentials', 'Pipedrive\'s webhook HTTP Auth for POST /crm/pipedrive: {"user", "password"}', 'Pipedrive (the webhook\'s HTTP Auth)', {
      secretStringTemplate: JSON.stringify({ user: 'speed-to-lead' }),
      generateStringKey: 'password',
    });
    // Salesforce signs nothing: its Outbound Messages go to <api>/crm/salesforce?token=<this>.
    const salesforceToken = crmSecret('SalesforceEndpointToken', "The token in the endpoint URL of Salesforce's outbound messages: POST /crm/salesforce?token=<value>", 'Salesforce (in the outbound message\'s endpoint URL)');
    this.functions.letCrmsRespond(webhookSecret, hubspotClientSecret, pipedriveCredentials, salesforceToken);

    // The scheduling tools sign the bookings made on the thank-you (docs/booking.md): ops give
    // Cal.com's webhook this secret, and Calendly's subscription this signing key.
    const calcomWebhookSecret = crmSecret('CalcomWebhookSecret', "The Cal.com webhook's secret: Cal.com signs POST /booking/calcom with it (X-Cal-Signature-256)", "Cal.com (the webhook's secret)");
    const calendlySigningKey = crmSecret('CalendlySigningKey', "The Calendly webhook subscription's signing key: Calendly signs POST /booking/calendly with it", "Calendly (the subscription's signing key)");
    this.functions.letBookingsIn(calcomWebhookSecret, calendlySigningKey);

    // The Slack app's two secrets (docs/slack.md): ops put Slack's values in after the deploy;
    // until then the generated ones fail every Slack call, and alerts go by email.
    const slackSigningSecret = new Secret(this, 'SlackSigningSecret', {
      description: "The Slack app's signing secret (Basic Information): checks that button clicks come from Slack",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const slackBotToken = new Secret(this, 'SlackBotToken', {
      description: "The Slack app's bot token (xoxb-..., OAuth & Permissions): posts the hot-lead alerts",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    for (const secret of [slackSigningSecret, slackBotToken]) {
      acknowledgeNag(secret, 'SMG4', 'Slack issues this value, not AWS: it is rotated in the Slack app and put here (docs/slack.md), which no rotation Lambda can do.');
    }
    this.functions.letSlackIn(slackSigningSecret, slackBotToken);
    if (config.sms) this.functions.letTextsOut(config.sms);

    this.teamSignIn = new TeamSignIn(this, 'TeamSignIn', {
      stage: config.stage,
      // The app is served where the links point: behind the firewall, through it.
      appBaseUrl: this.edge?.url ?? config.publicBaseUrl ?? this.api.endpoint,
      ...(config.teamSignIn ? { hosted: config.teamSignIn } : {}),
    });
    this.functions.letTeamSignIn(this.teamSignIn);
    this.api.addRoutes((name) => this.functions.get(name), this.teamSignIn.authorizer);
    // `cdk synth` refuses what AWS would refuse at deploy (a function's 4 KB environment, ...).
    this.node.addValidation({ validate: () => awsLimitIssues(this) });

    // Sender reputation: every email goes through this configuration set; SES's own
    // suppression list keeps bounced and complaining addresses out, and its bounce and
    // complaint events mark the lead so our sequence stops too.
    const sending = new ConfigurationSet(this, 'Sending', {
      configurationSetName: configurationSetName(config),
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    sending.addEventDestination('ToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    // A report that cannot be recorded is kept, alarmed and redriven, never lost (lib/sender-events.ts).
    const senderEvents = new SenderEventsDelivery(this, 'SenderEventsDelivery', { fn: this.functions.get('sender-events') });
    new Rule(this, 'SenderEvents', {
      description: 'SES bounces and complaints of this stage: the lead stops getting email',
      eventPattern: {
        source: ['aws.ses'],
        detailType: ['Email Bounced', 'Email Complaint Received'],
        detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName(config)] } } },
      },
      targets: [senderEvents.target],
    });

    this.observability = new LeadObservability(this, 'Observability', {
      stage: config.stage,
      sequence: config.sequence,
      api: this.api.httpApi,
      stateMachine: this.workflow.stateMachine,
      functions: this.functions.all(),
      startQueue: this.startQueue,
      senderEventsDeadLetters: senderEvents.deadLetterQueue,
      alarmTopic,
      ...(this.edge ? { firewall: this.edge.firewallStack.metrics } : {}),
    });

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    new CfnOutput(this, 'SenderEventsDeadLetterQueueUrl', { description: 'Bounce and complaint reports not recorded: npm run redrive-sender-events (see the README)', value: senderEvents.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SenderEventsFunctionName', { value: this.functions.get('sender-events').functionName });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'LinkSecretArn', { description: 'Signs rep and unsubscribe links (rotate: see the README)', value: linkSecret.secretArn });
    new CfnOutput(this, 'SalesforceEndpointTokenArn', { description: "Salesforce outbound messages go to <api>/crm/salesforce?token=<this secret's value>", value: salesforceToken.secretArn });
    new CfnOutput(this, 'PipedriveWebhookCredentialsArn', { description: "Pipedrive's webhook HTTP Auth: give the webhook this secret's user and password", value: pipedriveCredentials.secretArn });
    new CfnOutput(this, 'HubSpotClientSecretArn', { description: "Put the HubSpot app's client secret here (HubSpot signs POST /crm/hubspot with it)", value: hubspotClientSecret.secretArn });
    new CfnOutput(this, 'SlackSigningSecretArn', { description: "Put the Slack app's signing secret here (docs/slack.md)", value: slackSigningSecret.secretArn });
    new CfnOutput(this, 'SlackBotTokenArn', { description: "Put the Slack app's bot token here (docs/slack.md)", value: slackBotToken.secretArn });
    new CfnOutput(this, 'CalcomWebhookSecretArn', { description: "Give the Cal.com webhook to <api>/booking/calcom this secret's value (docs/booking.md)", value: calcomWebhookSecret.secretArn });
    new CfnOutput(this, 'CalendlySigningKeyArn', { description: "Create the Calendly subscription to <api>/booking/calendly with this secret's value as signing_key (docs/booking.md)", value: calendlySigningKey.secretArn });
    new CfnOutput(this, 'WebhookSecretArn', { description: 'The secret a CRM signs webhook requests with', value: webhookSecret.secretArn });
  }
}
