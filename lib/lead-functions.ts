import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { configurationSetName, type DeployConfig } from './config';
import type { SmsSettings } from '@domain/sms';
import { bundledLeadConfigFile, leadConfigFileName, shellWord, stagedLeadConfig } from './lead-config';
import { bundledEmailsFile, compileEmails, emailsFileName, stagedEmails } from './emails';
import { leadIndexes } from './lead-table';
import { bundledTeamAppDir, stagedTeamApp, teamAppFolderName } from './team-app-assets';
import type { TeamSignIn } from './team-sign-in';
import { acknowledgeNag } from './nag';
import { type EventHandlerName, eventHandlers, handlerMetadataKey, type RouteHandlerName, routeHandlers, type WorkflowStepName, workflowSteps } from './routes';
import { type StartQueue, startQueueSettings } from './start-queue';

export type FunctionName = RouteHandlerName | WorkflowStepName | EventHandlerName;

// In lib/routes.ts (no CDK there), so the local stack reads the template without loading the constructs.
export { handlerMetadataKey, routeHandlers } from './routes';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));


/** The DynamoDB actions the lead store's methods issue (functions/adapters/dynamodb-lead-store.ts). */
type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan' | 'BatchGetItem' | 'BatchWriteItem';

/**
 * What each function may do beyond writing its own logs. This table is the whole of the
 * grants (with the workflow's, in `letIntakeStart`): a function not marked here gets nothing
 * more. `usesLeads` also decides whether it gets the lead configuration and the table's name.
 * `table` is exactly the DynamoDB actions its code paths issue on the table (store methods:
 * getLead and the claims' re-reads GetItem; createLead, claimSubmission, appendEvent(Once),
 * claimWebhook PutItem; every other write UpdateItem, and so are the dashboard's digest writes
 * that go with a lead's: its place on the day's counter, its report record), `indexes` the
 * indexes it queries.
 * Scan, BatchWriteItem and DeleteItem are the ops CLIs' (erasure, reconciliation), no function's.
 * A missing action is an AccessDenied in AWS: the local stack enforces these grants too.
 */
const capabilities: Record<FunctionName, { usesLeads: boolean; sendsEmail: boolean; usesLinks: boolean; table: readonly TableAction[]; indexes?: readonly (keyof typeof leadIndexes)[] }> = {
  // Dedupe guard (put, re-read on a repeat), the lead and its `submitted` event; the lead's place
  // in the dashboard's digest (the day's counter) and its report record are UpdateItems.
  intake: { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Reads the lead, claims a CRM request (put, re-read when taken, update when done), records the response, appends.
  // A CRM that names a lead by email (HubSpot's workflow) is matched through byDomain.
  'rep-response': { usesLeads: true, sendsEmail: false, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['byDomain'] },
  unsubscribe: { usesLeads: true, sendsEmail: false, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Serves a static script: no lead data, no secrets.
  'lead-form': { usesLeads: false, sendsEmail: false, usesLinks: false, table: [] },
  // Each send: read the lead, claim the step (re-read when the claim is refused), mark it, append.
  'send-confirmation': { usesLeads: true, sendsEmail: true, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // The lead's history comes from the byDomain index; the routing cursor and the rep's daily
  // count are UpdateItems; the team and today's counts are Queries of the table (TEAM,
  // REPDAY#<day>), seeded by PutItem on the first read.
  'score-and-route': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], indexes: ['byDomain'] },
  'alert-rep': { usesLeads: true, sendsEmail: true, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Routes again: reads the team and today's counts (Query, seeding by PutItem), counts the move (UpdateItem).
  'escalate-lead': { usesLeads: true, sendsEmail: true, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'] },
  // A nurture email first looks (byDomain) whether the person has submitted again since: then the new lead's sequence is theirs.
  'send-follow-up': { usesLeads: true, sendsEmail: true, usesLinks: true, table: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['byDomain'] },
  // Conditional updates of the lead, then a timeline event: no reads.
  // Reads the lead (GetItem): a "not now" rejection goes to the nurture track instead of being closed.
  'close-lead': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  'record-failure': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['PutItem', 'UpdateItem'] },
  // Bounces and complaints from SES: marks the lead, sends nothing.
  'sender-events': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['PutItem', 'UpdateItem'] },
  // Starts queued leads' workflows: reads the lead, appends `sequence-started` to its timeline.
  'start-workflow': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem'] },
  // The team app's API: a rep's queue (byOwner), the dashboard (the digest's day counters and
  // parts, BatchGetItem), a lead and its timeline (GetItem, Query), a response (as rep-response
  // records it), the team's reps and their changes.
  'app-api': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchGetItem'], indexes: ['byOwner'] },
  // Slack's clicks: claims the signed request (put, re-read when taken, update when done), reads
  // the lead and the kept Slack ids (GetItem), keeps one found by email (PutItem), records the response.
  'slack-interactions': { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Bookings from Cal.com and Calendly: claims the signed delivery (put, re-read when taken,
  // update when done), reads the lead, records the contact and the meeting, appends.
  booking: { usesLeads: true, sendsEmail: false, usesLinks: false, table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Serves the app's page and assets: no lead data, no secrets.
  'app-page': { usesLeads: false, sendsEmail: false, usesLinks: false, table: [] },
};

/** What the public functions may reserve in all without a warning: Lambda's default account limit (1,000) less the 100 it keeps unreserved. */
const unreservedHeadroom = 900;

/**
 * Memory, and with it CPU: Lambda gives a function CPU in proportion (a full vCPU at 1,769 MB).
 * The team app's API decodes and counts up to 100,000 report records in process for one
 * dashboard (about half a second of a core here, bench/RESULTS.md section 6): at 256 MB, a
 * seventh of a core, that alone would be seconds. The others wait on DynamoDB and SES.
 */
const memoryOf = (name: FunctionName): number => (name === 'app-api' ? 1769 : 256);

/** Lambda timeouts: the API's are short (a form is waiting), the queue consumer's sets its queue's visibility. */
const timeoutOf = (name: FunctionName): Duration =>
  name === 'start-workflow' ? startQueueSettings.consumerTimeout : (routeHandlers as readonly string[]).includes(name) ? Duration.seconds(10) : Duration.seconds(30);

export interface LeadFunctionsProps {
  readonly config: DeployConfig;
  readonly table: ITable;
  /** Secret whose string signs rep and unsubscribe links. */
  readonly linkSecret: ISecret;
  /** Base of the links in emails (the API endpoint unless the config names one). */
  readonly publicBaseUrl: string;
  /**
   * Behind the firewall: the secret whose value CloudFront adds to every request it forwards.
   * The form intake reads it at cold start and refuses leads without it (ones posted to the
   * execute-api URL, around the web ACL); only its ARN is in the intake's environment.
   */
  readonly originVerifySecret?: ISecret;
}

const pascalCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** Puts the team app's built assets beside the app-page bundle (built only when CDK bundles). */
const teamAppHooks = (): ICommandHooks => ({
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [`cp -R ${shellWord(`${inputDir}/${stagedTeamApp(repoRoot)}`)} ${shellWord(`${outputDir}/${teamAppFolderName}`)}`],
});

/** One Lambda per API handler and per workflow step, each with its own role, logs and grants. */
export class LeadFunctions extends Construct {
  private readonly functions = new Map<FunctionName, NodejsFunction>();

  constructor(scope: Construct, id: string, private readonly props: LeadFunctionsProps) {
    super(scope, id);
    for (const name of [...routeHandlers, ...workflowSteps, ...eventHandlers]) this.functions.set(name, this.leadFunction(name, timeoutOf(name)));
    const reserved = Object.values(props.config.reservedConcurrency ?? {}).reduce((sum, n) => sum + n, 0);
    if (reserved > unreservedHeadroom) {
      Annotations.of(this).addWarning(
        `reservedConcurrency reserves ${reserved} concurrent executions in total: Lambda keeps at least 100 of the account's concurrency unreserved, so this deploys only where the account's limit is above ${reserved + 100} (the default is 1,000; new accounts may have less: see Service Quotas).`,
      );
    }
  }

  /** The function behind an API handler or a workflow step. */
  get(name: FunctionName): NodejsFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`No function named "${name}"`);
    return fn;
  }

  /** All functions, by name. */
  all(): ReadonlyArray<[FunctionName, NodejsFunction]> {
    return [...this.functions.entries()];
  }

  /**
   * Intake starts one execution per lead, and queues the start when Step Functions throttles
   * it: intake gets StartExecution on this machine and SendMessage on this queue, nothing
   * more. The start-workflow function consumes the queue (batches, partial failures, bounded
   * concurrency) and gets StartExecution on this machine.
   */
  letIntakeStart(stateMachine: IStateMachine, startQueue: StartQueue): void {
    const intake = this.get('intake');
    const starter = this.get('start-workflow');
    for (const fn of [intake, starter]) {
      fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
      stateMachine.grantStartExecution(fn);
    }
    intake.addEnvironment('START_QUEUE_URL', startQueue.queue.queueUrl);
    // Not grantSendMessages: that adds GetQueueAttributes and GetQueueUrl, which intake never calls.
    intake.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [startQueue.queue.queueArn] }));
    // The event source grants the consumer what polling needs (receive, delete, change visibility, attributes).
    starter.addEventSource(
      new SqsEventSource(startQueue.queue, {
        batchSize: startQueueSettings.batchSize,
        maxConcurrency: startQueueSettings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** CRMs sign webhook requests with this secret: only rep-response learns where it is and may read it. */
  letCrmsRespond(webhookSecret: ISecret, hubspotClientSecret: ISecret, pipedriveCredentials: ISecret, salesforceToken: ISecret): void {
    const repResponse = this.get('rep-response');
    repResponse.addEnvironment('WEBHOOK_SECRET_ID', webhookSecret.secretArn);
    webhookSecret.grantRead(repResponse);
    repResponse.addEnvironment('HUBSPOT_CLIENT_SECRET_ID', hubspotClientSecret.secretArn);
    hubspotClientSecret.grantRead(repResponse);
    repResponse.addEnvironment('PIPEDRIVE_CREDENTIALS_ID', pipedriveCredentials.secretArn);
    pipedriveCredentials.grantRead(repResponse);
    repResponse.addEnvironment('SALESFORCE_TOKEN_ID', salesforceToken.secretArn);
    salesforceToken.grantRead(repResponse);
  }

  /**
   * The scheduling tools sign their booking webhooks with these: only the booking function
   * learns where they are and may read them. Its own function, not rep-response's: that one
   * names five secrets already, and Lambda caps a function's environment at 4 KB.
   */
  letBookingsIn(calcomWebhookSecret: ISecret, calendlySigningKey: ISecret): void {
    const booking = this.get('booking');
    booking.addEnvironment('CALCOM_WEBHOOK_SECRET_ID', calcomWebhookSecret.secretArn);
    calcomWebhookSecret.grantRead(booking);
    booking.addEnvironment('CALENDLY_SIGNING_KEY_ID', calendlySigningKey.secretArn);
    calendlySigningKey.grantRead(booking);
  }

  /**
   * Slack: the functions that alert reps post with the bot token; the clicks' function checks
   * Slack's signature with the signing secret, and updates the message with the token.
   */
  letSlackIn(signingSecret: ISecret, botToken: ISecret): void {
    const clicks = this.get('slack-interactions');
    clicks.addEnvironment('SLACK_SIGNING_SECRET_ID', signingSecret.secretArn);
    signingSecret.grantRead(clicks);
    for (const name of ['slack-interactions', 'alert-rep', 'escalate-lead'] as const) {
      const fn = this.get(name);
      fn.addEnvironment('SLACK_BOT_TOKEN_ID', botToken.secretArn);
      botToken.grantRead(fn);
    }
  }

  /**
   * Texts: the functions that alert reps may send from the stage's one origination identity
   * (and through its configuration set), nothing else.
   */
  letTextsOut(sms: SmsSettings): void {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sms-voice', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const identity = sms.originationIdentity;
    const from = identity.startsWith('arn:') ? identity : arn(identity.startsWith('pool-') ? 'pool' : 'phone-number', identity);
    const resources = [from, ...(sms.configurationSetName ? [arn('configuration-set', sms.configurationSetName)] : [])];
    for (const name of ['alert-rep', 'escalate-lead'] as const) {
      this.get(name).addToRolePolicy(new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources }));
    }
  }

  /**
   * The team app: its page tells the browser which user pool and client to sign in with; its
   * API trusts the claims the JWT authorizer checked and needs nothing from Cognito itself.
   */
  letTeamSignIn(signIn: TeamSignIn): void {
    const page = this.get('app-page');
    page.addEnvironment('USER_POOL_ID', signIn.userPool.userPoolId);
    page.addEnvironment('USER_POOL_CLIENT_ID', signIn.client.userPoolClientId);
    // The hosted sign-in's buttons, when the stage connects a company identity provider.
    if (signIn.domain) {
      page.addEnvironment('SIGN_IN_DOMAIN_URL', signIn.domain.baseUrl());
      page.addEnvironment('SIGN_IN_REDIRECT_URL', signIn.redirectUrl);
      page.addEnvironment('SIGN_IN_PROVIDERS', JSON.stringify(signIn.hostedProviders));
    }
  }

  private leadFunction(name: FunctionName, timeout: Duration): NodejsFunction {
    const { config, table, linkSecret, publicBaseUrl, originVerifySecret } = this.props;
    const { usesLeads, sendsEmail, usesLinks, table: tableActions, indexes = [] } = capabilities[name];
    const id = pascalCase(name);
    const reservedConcurrency = config.reservedConcurrency?.[name as RouteHandlerName];

    const logGroup = new LogGroup(this, `${id}Logs`, { retention: config.logRetentionDays });
    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may create and
    // write any log group, this one writes only the function's own.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `speed-to-lead ${name}`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, id, {
      description: `speed-to-lead ${name}`,
      entry: join(repoRoot, 'functions', name, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: memoryOf(name),
      timeout,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a copy of every source (the SDK's included).
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // Bundle the AWS SDK too: a minified bundle starts faster than the runtime's copy.
        externalModules: [],
        forceDockerBundling: false,
        tsconfig: join(repoRoot, 'tsconfig.json'),
        ...(usesLeads ? { commandHooks: this.leadConfigHooks(sendsEmail) } : name === 'app-page' ? { commandHooks: teamAppHooks() } : {}),
      },
      // The public functions' share of the account's concurrency (the stage config's
      // `reservedConcurrency`): a flood of form posts throttles there, not the workflow's steps.
      ...(reservedConcurrency !== undefined ? { reservedConcurrentExecutions: reservedConcurrency } : {}),
      environment: {
        ...(usesLeads
          ? {
              TABLE_NAME: table.tableName,
              SENDER: `${config.sender.name} <${config.sender.email}>`,
              SENDER_POSTAL_ADDRESS: config.sender.postalAddress,
              PUBLIC_BASE_URL: publicBaseUrl,
              LINK_SECRET_ID: linkSecret.secretArn,
              LINK_TTL_DAYS: String(config.linkTtlDays),
              // Sequence, reps, routing and SLA: a file in the bundle (lib/lead-config.ts), not values here.
              LEAD_CONFIG_FILE: bundledLeadConfigFile,
              // The messages' compiled templates (lib/emails.ts), beside the bundle of each function that sends email.
              ...(sendsEmail ? { EMAILS_FILE: bundledEmailsFile } : {}),
              // Per stage, so a test stage's leads never blend into production's figures.
              POWERTOOLS_METRICS_NAMESPACE: `SpeedToLead/${config.stage}`,
              RETENTION_DAYS: String(config.retentionDays),
              SES_CONFIGURATION_SET: configurationSetName(config),
            }
          : {}),
        // The form intake only: it is what abuse aims at. The links' routes still answer on the
        // API's own URL, so links emailed before the firewall keep working; their signed token,
        // not the firewall, is what lets a request change anything there.
        ...(originVerifySecret && name === 'intake' ? { ORIGIN_VERIFY_SECRET_ID: originVerifySecret.secretArn } : {}),
        ...(name === 'app-page' ? { APP_ASSETS_DIR: bundledTeamAppDir } : {}),
        POWERTOOLS_SERVICE_NAME: 'speed-to-lead',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    (fn.node.defaultChild as CfnFunction).addMetadata(handlerMetadataKey, name);

    if (tableActions.length > 0) fn.addToRolePolicy(new PolicyStatement({ actions: tableActions.map((action) => `dynamodb:${action}`), resources: [table.tableArn] }));
    if (indexes.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes.map((index) => `${table.tableArn}/index/${leadIndexes[index]}`) }));
    }
    if (usesLinks) linkSecret.grantRead(fn);
    // Only the value's read: no DescribeSecret, no other secret.
    if (originVerifySecret && name === 'intake') fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [originVerifySecret.secretArn] }));
    if (sendsEmail) fn.addToRolePolicy(this.sendEmailStatement());

    acknowledgeNag(role, 'IAM5[Resource::*]',
      'X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords, added by active tracing) has no resource-level permissions; the infra test asserts that no other action gets "*".');
    acknowledgeNag(fn, 'L1',
      'Node.js 22 is pinned on purpose: the bundles target node22 and the handlers are tested on it; moving to a newer runtime is a deliberate upgrade with its own test run, not a side effect of a new release.');
    return fn;
  }

  /**
   * Puts the stage's lead configuration beside the bundle (`lead-config.json`, part of the
   * asset, so a changed rep deploys new code). The copy's source is named by its content
   * inside the project, so the command (which CDK hashes when bundling is skipped) is the same
   * on every synth of the same config, and Docker bundling would find it under its input too.
   */
  private leadConfigHooks(sendsEmail: boolean): ICommandHooks {
    const source = stagedLeadConfig(this.props.config, repoRoot);
    // Checked and compiled at synth: a broken template fails here, naming its file and line.
    const emails = sendsEmail ? stagedEmails(compileEmails(this.props.config), repoRoot) : undefined;
    return {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [
        `cp ${shellWord(`${inputDir}/${source}`)} ${shellWord(`${outputDir}/${leadConfigFileName}`)}`,
        ...(emails ? [`cp ${shellWord(`${inputDir}/${emails}`)} ${shellWord(`${outputDir}/${emailsFileName}`)}`] : []),
      ],
    };
  }

  /** `ses:SendEmail` through the sender's identity (and configuration set) only. */
  private sendEmailStatement(): PolicyStatement {
    const { sender } = this.props.config;
    const stack = Stack.of(this);
    const sesArn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const resources = [sesArn('identity', sender.identity)];
    resources.push(sesArn('configuration-set', configurationSetName(this.props.config)));
    return new PolicyStatement({ actions: ['ses:SendEmail'], resources });
  }
}
