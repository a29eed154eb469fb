import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { type DeployConfig, loadConfig } from '../lib/config';
import { writeLeadConfig } from '../lib/lead-config';
import { compileEmails, writeEmails } from '../lib/emails';
import { asFunction, type DynamoDbEnforcement, dynamoDbGrants, enforceDynamoDbGrants } from './iam';
import { handlerMetadataKey } from '../lib/routes';
import type { RouteHandlerName } from '../lib/routes';
import { type ApiHandler, type HandlerTimeouts, INTEGRATION_TIMEOUT_MS, startLocalApi } from './api';
import { invokeHandler } from './lambda-context';
import type { RunningEndpoint } from './aws-json-endpoint';
import { ensureTable, startEmulators, tableDefinition, type RunningEmulator, type RunningEmulators } from './emulators';
import { startEventSourceMapping, type RunningEventSourceMapping } from './event-source-mapping';
import { startSecretsEndpoint } from './secrets-endpoint';
import { startSfnEndpoint } from './sfn-endpoint';
import { type QueueDefinition, type QueueStats, startSqsEndpoint } from './sqs-endpoint';
import { demoPageRoutes } from './demo-page';
import { findUnfinishedLeads, resumeInstant, workflowInputOf } from './resume';
import { type CfnTemplate, resolveIntrinsic, stateMachineDefinition } from './template';
import { LocalWorkflowRunner } from './workflow-runner';
import { type LocalTeamPool, startTeamPool } from './cognito';
import { appRedirectUrl } from '../lib/team-sign-in-settings';
import { stagedTeamApp } from '../lib/team-app-assets';
import { cachedTemplate } from './template-cache';
import { asyncInvoker, asyncSettingsOf, type AsyncInvoker } from './async-invoke';
import { startLambdaEndpoint, type LocalFunction } from './lambda-endpoint';
import { type RunningSlackStandIn, startSlackStandIn } from './stand-ins/slack';
import { type RunningSmsStandIn, startSmsStandIn } from './stand-ins/sms';

/**
 * The whole product on loopback: the template CDK synthesizes is read for the table, the
 * state machine, the functions' environment and the API's CORS, so what runs here is what
 * deploys. Handlers find the emulators only through the SDK's standard endpoint variables.
 */
export interface LocalStackOptions {
  config?: DeployConfig;
  /** Simulated seconds per real second for the workflow's waits. */
  timeScale: number;
  /** Real ms every Retry waits (tests); default: as the definition says. */
  retryIntervalMs?: number;
  /** Simulated ms per real ms for Lambda's asynchronous retries (1 and 2 minutes apart); default: `timeScale`. */
  asyncRetryTimeScale?: number;
  apiPort?: number;
  sesPort?: number;
  /** A fixed port lets tools outside the process (a CLI, a DynamoDB GUI) find the table. */
  dynamoPort?: number;
  /** Keep DynamoDB data in this folder across restarts (in memory when absent). */
  dataPath?: string;
  /** Keep queued messages (the start queue's) in this file across restarts (in memory when absent). */
  queuePath?: string;
  /** cognito-local's port (the team's sign-in); a free one when absent. */
  cognitoPort?: number;
  /** Keep the team's users in this folder across restarts (a temporary folder when absent). */
  cognitoDataDir?: string;
  /** Every queue's visibility timeout in seconds instead of the template's (tests: failed messages come back sooner). */
  queueVisibilitySeconds?: number;
  /** The link-signing secret; random when absent (links die with the process). */
  linkSecret?: string;
  /** The secret CRMs sign webhook requests with; random when absent. */
  webhookSecret?: string;
  /** The HubSpot app's client secret HubSpot signs its webhooks with; random when absent. */
  hubspotClientSecret?: string;
  /** Pipedrive's webhook HTTP Auth; the user `speed-to-lead` and a random password when absent. */
  pipedriveCredentials?: { user: string; password: string };
  /** The token in Salesforce's outbound message URL; random when absent. */
  salesforceToken?: string;
  /** The Cal.com webhook's secret and the Calendly subscription's signing key (bookings); random when absent. */
  calcomWebhookSecret?: string;
  calendlySigningKey?: string;
  /** The Slack app's signing secret and bot token, as the Slack stand-in uses them; random when absent. */
  slackSigningSecret?: string;
  slackBotToken?: string;
  /** The Slack stand-in's port (local/stand-ins/slack.ts); a free one when absent. */
  slackPort?: number;
  /** The SMS stand-in's port (local/stand-ins/sms.ts); a free one when absent. */
  smsPort?: number;
  /** Put something between the SES client and the emulator (a fault injector in tests). */
  sesEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  /** The same for the functions' DynamoDB client (the stack's own setup talks to the emulator directly). */
  dynamoEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  /** The same for the functions' Step Functions client (StartExecution faults in tests). */
  sfnEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  /** The same for the functions' SQS client and queue URLs (the local event source mapping talks to the emulator directly). */
  sqsEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  logLevel?: string;
  /** Told of every API request (for the `npm start` log). */
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

export interface LocalStack {
  apiUrl: string;
  sesUrl: string;
  dynamoUrl: string;
  sfnUrl: string;
  /** dynalite and the SES emulator (their process's memory and CPU, for the bench). */
  emulators: RunningEmulators;
  sqsUrl: string;
  /** Lambda's Invoke API for the template's functions, by handler name (`Event` invocations retry as Lambda's do). */
  lambdaUrl: string;
  /** Where SES reports the sender-events function could not record end up (EventBridge's and Lambda's dead letters). */
  senderEventsDeadLetterQueue: LocalQueue;
  /** The queue of workflow starts Step Functions throttled at intake, and its dead-letter queue. */
  startQueue: LocalQueue;
  startDeadLetterQueue: LocalQueue;
  tableName: string;
  linkSecret: string;
  webhookSecret: string;
  hubspotClientSecret: string;
  pipedriveCredentials: { user: string; password: string };
  salesforceToken: string;
  calcomWebhookSecret: string;
  calendlySigningKey: string;
  /** Slack's stand-in: what the bot posted, its page, clicks signed as Slack signs them. */
  slack: RunningSlackStandIn;
  slackSigningSecret: string;
  /** End User Messaging SMS's stand-in: the texts the functions sent to reps. */
  sms: RunningSmsStandIn;
  config: DeployConfig;
  template: CfnTemplate;
  runner: LocalWorkflowRunner;
  /** The functions' DynamoDB calls, checked against their roles: what each called, and what was refused. */
  iam: DynamoDbEnforcement;
  /** The team app's user pool (cognito-local): add users, and the JWT check the API applies. */
  teamPool: LocalTeamPool;
  /**
   * Starts again the sequences of leads that had not finished when a previous run stopped
   * (data kept with `dataPath`), each on a simulated clock continuing where it was; see
   * local/resume.ts. `onResume` hears of each before its first event.
   */
  resumeUnfinished(onResume?: (lead: ResumedLead) => void): Promise<ResumedLead[]>;
  close(): Promise<void>;
}

export interface LocalQueue {
  /** As the functions see it (through `sqsEndpoint` when given). */
  url: string;
  stats(): QueueStats;
}

export interface ResumedLead {
  leadId: string;
  executionArn: string;
  /** The simulated instant the execution resumes at (ms since epoch). */
  resumedAt: number;
  /** The latest step the lead had been sent, if any beyond its submission. */
  after?: string;
}

const REGION = 'us-east-1';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNT = '000000000000';
const LOCAL = {
  tableName: 'speed-to-lead-local',
  secretName: 'speed-to-lead-link-secret',
  webhookSecretName: 'speed-to-lead-webhook-secret',
  hubspotSecretName: 'speed-to-lead-hubspot-client-secret',
  pipedriveSecretName: 'speed-to-lead-pipedrive-credentials',
  salesforceSecretName: 'speed-to-lead-salesforce-token',
  slackSigningSecretName: 'speed-to-lead-slack-signing-secret',
  calcomSecretName: 'speed-to-lead-calcom-webhook-secret',
  calendlyKeyName: 'speed-to-lead-calendly-signing-key',
  slackBotTokenName: 'speed-to-lead-slack-bot-token',
  stateMachine: 'speed-to-lead-lead-workflow',
};
/** The template's secrets by the start of their logical id, as the local secrets endpoint names them. */
const secretNames: Array<[string, string]> = [
  ['WebhookSigningSecret', LOCAL.webhookSecretName],
  ['HubSpotClientSecret', LOCAL.hubspotSecretName],
  ['PipedriveWebhookCredentials', LOCAL.pipedriveSecretName],
  ['SalesforceEndpointToken', LOCAL.salesforceSecretName],
  ['SlackSigningSecret', LOCAL.slackSigningSecretName],
  ['CalcomWebhookSecret', LOCAL.calcomSecretName],
  ['CalendlySigningKey', LOCAL.calendlyKeyName],
  ['SlackBotToken', LOCAL.slackBotTokenName],
];
/** The lead workflow's ARN in the local stack (the functions' STATE_MACHINE_ARN). */
export const localStateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${LOCAL.stateMachine}`;

const logicalIdsOfType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type).map(([id]) => id);

function handlerName(template: CfnTemplate, logicalId: string): string {
  const name = template.Resources[logicalId]?.Metadata?.[handlerMetadataKey];
  if (typeof name !== 'string') throw new Error(`Function ${logicalId} has no ${handlerMetadataKey} metadata: cannot find its handler`);
  return name;
}

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const loaded = new Map<string, Promise<LambdaHandler>>();
/** Imports `functions/<name>/handler.ts` once, as Lambda would load the bundle once per container. */
const loadHandler = (name: string): Promise<LambdaHandler> => {
  if (!/^[a-z-]+$/.test(name)) throw new Error(`Not a handler name: ${name}`);
  let handler = loaded.get(name);
  if (!handler) {
    // Each invocation runs as its function, so its DynamoDB calls are checked against its role (local/iam.ts).
    handler = import(`../functions/${name}/handler.ts`).then(
      (module: { handler: LambdaHandler }): LambdaHandler => (event, context) => asFunction(name, () => module.handler(event, context)),
    );
    loaded.set(name, handler);
  }
  return handler;
};


/** A function's timeout as Lambda applies it: the template's `Timeout`, Lambda's default 3 s. */
const functionTimeoutMs = (template: CfnTemplate, logicalId: string): number =>
  ((template.Resources[logicalId]?.Properties?.Timeout as number | undefined) ?? 3) * 1000;

/** Each API handler's function timeout and its HTTP API integration's (TimeoutInMillis, default 30 s). */
function apiTimeouts(template: CfnTemplate): (name: RouteHandlerName) => HandlerTimeouts {
  const byHandler = new Map<string, HandlerTimeouts>();
  for (const id of logicalIdsOfType(template, 'AWS::ApiGatewayV2::Integration')) {
    const props = template.Resources[id]?.Properties ?? {};
    const functionId = (props.IntegrationUri as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!functionId || template.Resources[functionId]?.Type !== 'AWS::Lambda::Function') continue;
    byHandler.set(handlerName(template, functionId), {
      functionMs: functionTimeoutMs(template, functionId),
      integrationMs: (props.TimeoutInMillis as number | undefined) ?? INTEGRATION_TIMEOUT_MS,
    });
  }
  return (name) => {
    const timeouts = byHandler.get(name);
    if (!timeouts) throw new Error(`No API integration invokes ${name}`);
    return timeouts;
  };
}

/**
 * The functions' environment as CloudFormation would resolve it, with the stack's resources
 * standing for their local twins. All functions share one process here, so a variable that
 * two functions set differently is an error rather than a silent pick.
 */
function functionEnvironment(template: CfnTemplate, refs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const id of logicalIdsOfType(template, 'AWS::Lambda::Function')) {
    const variables: Record<string, unknown> = template.Resources[id]?.Properties?.Environment?.Variables ?? {};
    for (const [name, value] of Object.entries(variables)) {
      const resolved = String(resolveIntrinsic(value, template, { region: REGION, accountId: ACCOUNT, refs }, `${id}.Environment.${name}`));
      if (env[name] !== undefined && env[name] !== resolved) throw new Error(`Functions disagree on ${name}: "${env[name]}" vs "${resolved}"`);
      env[name] = resolved;
    }
  }
  return env;
}

/**
 * The template's SQS queues as local queues, named after their logical ids, with the
 * visibility timeout, retention and redrive policy CDK gave them.
 */
function queueDefinitions(template: CfnTemplate, visibilityOverride?: number): QueueDefinition[] {
  return logicalIdsOfType(template, 'AWS::SQS::Queue').map((id) => {
    const props = template.Resources[id]?.Properties ?? {};
    const redrive = props.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt'?: [string, string] }; maxReceiveCount?: number } | undefined;
    const deadLetterQueue = redrive?.deadLetterTargetArn?.['Fn::GetAtt']?.[0];
    if (redrive && (!deadLetterQueue || typeof redrive.maxReceiveCount !== 'number')) throw new Error(`${id}: unsupported RedrivePolicy ${JSON.stringify(redrive)}`);
    return {
      name: id,
      // SQS's defaults when the template leaves them out.
      visibilityTimeoutSeconds: visibilityOverride ?? (props.VisibilityTimeout as number | undefined) ?? 30,
      retentionSeconds: (props.MessageRetentionPeriod as number | undefined) ?? 4 * 86_400,
      ...(redrive ? { redrive: { deadLetterQueue: deadLetterQueue!, maxReceiveCount: redrive.maxReceiveCount! } } : {}),
    };
  });
}

/** The template's SQS event source mappings: which function reads which queue, and how. */
function sqsEventSources(template: CfnTemplate) {
  return logicalIdsOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap((id) => {
    const props = template.Resources[id]?.Properties ?? {};
    const queueId = (props.EventSourceArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    const functionId = (props.FunctionName as { Ref?: string } | undefined)?.Ref;
    if (!queueId || template.Resources[queueId]?.Type !== 'AWS::SQS::Queue') return [];
    if (!functionId) throw new Error(`${id}: FunctionName is not a Ref to a function of the template`);
    return [{
      queueId,
      handler: handlerName(template, functionId),
      // The function's own timeout: an invocation still running at it fails, as in Lambda.
      timeoutMs: functionTimeoutMs(template, functionId),
      // Lambda's defaults for SQS when the template leaves them out.
      batchSize: (props.BatchSize as number | undefined) ?? 10,
      maxConcurrency: (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 5,
      reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      enabled: props.Enabled !== false,
    }];
  });
}

function corsOf(template: CfnTemplate) {
  const [apiId] = logicalIdsOfType(template, 'AWS::ApiGatewayV2::Api');
  const cors = apiId ? template.Resources[apiId]?.Properties?.CorsConfiguration : undefined;
  return cors ? { allowOrigins: cors.AllowOrigins ?? [], allowMethods: cors.AllowMethods ?? [], allowHeaders: cors.AllowHeaders ?? [] } : undefined;
}

/** The button `npm start` offers when the stage config connects no identity provider: the emulator's own login form. */
export const localCompanyLogin = [{ id: 'COGNITO', label: 'the company login (local)' }];

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const config = options.config ?? loadConfig('dev');
  // Checked first, as synth checks them: a broken template stops the start before anything runs.
  const emails = compileEmails(config);
  // What lib/synth.ts synthesizes for this config, synthesized again only when its inputs change.
  const template = await cachedTemplate(repoRoot, config);
  const linkSecret = options.linkSecret ?? randomBytes(32).toString('hex');
  const webhookSecret = options.webhookSecret ?? randomBytes(32).toString('hex');
  const hubspotClientSecret = options.hubspotClientSecret ?? randomBytes(32).toString('hex');
  const pipedriveCredentials = options.pipedriveCredentials ?? { user: 'speed-to-lead', password: randomBytes(24).toString('hex') };
  const salesforceToken = options.salesforceToken ?? randomBytes(24).toString('hex');
  const slackSigningSecret = options.slackSigningSecret ?? randomBytes(16).toString('hex');
  const calcomWebhookSecret = options.calcomWebhookSecret ?? randomBytes(24).toString('hex');
  const calendlySigningKey = options.calendlySigningKey ?? randomBytes(24).toString('hex');
  const slackBotToken = options.slackBotToken ?? `xoxb-local-${randomBytes(12).toString('hex')}`;
  const running: Array<RunningEmulator | RunningEndpoint | { close(): Promise<void> }> = [];
  // Closed first, so that nothing starts new work while the rest shuts down.
  const mappings: RunningEventSourceMapping[] = [];
  const closeAll = async () => {
    for (const mapping of mappings.splice(0)) await mapping.close().catch(() => undefined);
    for (const service of running.reverse()) await service.close().catch(() => undefined);
  };

  try {
    // In a process of their own by default: the emulators get one core, the runner and handlers the other.
    // The team's user pool starts meanwhile, in its own process too.
    const teamPoolStarting = startTeamPool({
      ...(options.cognitoPort !== undefined ? { port: options.cognitoPort } : {}),
      ...(options.cognitoDataDir ? { dataDir: options.cognitoDataDir } : {}),
    });
    const emulatorsStarting = startEmulators({
      dynamo: { ...(options.dataPath ? { path: options.dataPath } : {}), ...(options.dynamoPort !== undefined ? { port: options.dynamoPort } : {}) },
      ses: { ...(options.sesPort !== undefined ? { port: options.sesPort } : {}) },
    });
    const started = await Promise.allSettled([teamPoolStarting, emulatorsStarting]);
    for (const service of started) if (service.status === 'fulfilled') running.push(service.value);
    for (const service of started) if (service.status === 'rejected') throw service.reason;
    const team = await teamPoolStarting;
    const emulators = await emulatorsStarting;
    const { dynamo, ses } = emulators;
    await ensureTable(dynamo.url, tableDefinition(template, LOCAL.tableName));
    const secrets = await startSecretsEndpoint(
      { [LOCAL.secretName]: linkSecret, [LOCAL.webhookSecretName]: webhookSecret, [LOCAL.hubspotSecretName]: hubspotClientSecret, [LOCAL.pipedriveSecretName]: JSON.stringify(pipedriveCredentials), [LOCAL.salesforceSecretName]: salesforceToken, [LOCAL.slackSigningSecretName]: slackSigningSecret, [LOCAL.slackBotTokenName]: slackBotToken, [LOCAL.calcomSecretName]: calcomWebhookSecret, [LOCAL.calendlyKeyName]: calendlySigningKey },
      { region: REGION, accountId: ACCOUNT },
    );
    running.push(secrets);

    const stateMachineArn = localStateMachineArn;
    const runner = new LocalWorkflowRunner({
      definition: stateMachineDefinition(template, { region: REGION, accountId: ACCOUNT }).definition,
      stateMachineArn,
      timeScale: options.timeScale,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      resolveTask: (logicalId) => {
        const name = handlerName(template, logicalId);
        const timeoutMs = functionTimeoutMs(template, logicalId);
        // Step Functions invokes synchronously: 6 MB each way, and the function's own timeout.
        return async (payload) => invokeHandler(name, await loadHandler(name), payload, { timeoutMs });
      },
    });
    // With AWS's StartExecution quota (800, then 150/s): a burst past it is throttled here as there.
    const sfn = await startSfnEndpoint(runner);
    running.push(sfn);

    const queues = queueDefinitions(template, options.queueVisibilitySeconds);
    const sqs = await startSqsEndpoint(queues, {
      region: REGION,
      accountId: ACCOUNT,
      ...(options.queuePath ? { persistPath: options.queuePath } : {}),
    });
    running.push(sqs);
    // Queue URLs name the origin the functions' client uses: the SDK sends to a queue URL's host.
    const functionsSqsUrl = options.sqsEndpoint ? await options.sqsEndpoint(sqs.url) : sqs.url;
    const localQueue = (name: string): LocalQueue => ({ url: sqs.queueUrl(name, functionsSqsUrl), stats: () => sqs.stats(name) });

    const api = await startLocalApi({
      ...(options.apiPort !== undefined ? { port: options.apiPort } : {}),
      loadHandler: (name: RouteHandlerName) => loadHandler(name) as Promise<ApiHandler>,
      cors: corsOf(template),
      timeouts: apiTimeouts(template),
      // API Gateway's JWT authorizer, against the emulator's pool and keys.
      verifyTeamToken: team.verifyTeamToken,
      // The demo page is a stand-in for a customer's website: local only, never deployed.
      extraRoutes: demoPageRoutes({ inboxUrl: ses.url }),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    running.push(api);
    // Slack, as the functions' @slack/web-api reaches it (SLACK_API_URL); its clicks go to the API.
    const slack = await startSlackStandIn({
      ...(options.slackPort !== undefined ? { port: options.slackPort } : {}),
      botToken: slackBotToken,
      signingSecret: slackSigningSecret,
      interactionsUrl: `${api.url}/slack/interactions`,
    });
    running.push(slack);
    // Texts, as the functions' End User Messaging client reaches them; only the stage's sender exists.
    const sms = await startSmsStandIn({ ...(options.smsPort !== undefined ? { port: options.smsPort } : {}), originationIdentities: config.sms ? [config.sms.originationIdentity] : [] });
    running.push(sms);

    const refs: Record<string, string> = {};
    for (const id of logicalIdsOfType(template, 'AWS::DynamoDB::Table')) {
      refs[id] = LOCAL.tableName;
      refs[`${id}.Arn`] = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LOCAL.tableName}`;
    }
    for (const id of logicalIdsOfType(template, 'AWS::SecretsManager::Secret')) refs[id] = secretNames.find(([prefix]) => id.startsWith(prefix))?.[1] ?? LOCAL.secretName;
    for (const id of logicalIdsOfType(template, 'AWS::StepFunctions::StateMachine')) refs[id] = stateMachineArn;
    for (const id of logicalIdsOfType(template, 'AWS::ApiGatewayV2::Api')) refs[`${id}.ApiEndpoint`] = api.url;
    for (const id of logicalIdsOfType(template, 'AWS::Cognito::UserPool')) refs[id] = team.userPoolId;
    for (const id of logicalIdsOfType(template, 'AWS::Cognito::UserPoolClient')) refs[id] = team.clientId;
    for (const id of logicalIdsOfType(template, 'AWS::SQS::Queue')) {
      refs[id] = sqs.queueUrl(id, functionsSqsUrl);
      refs[`${id}.Arn`] = `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
      refs[`${id}.QueueName`] = id;
    }

    const templateEnvironment = functionEnvironment(template, refs);
    // The emulator serves the hosted sign-in on its own URL, so it is the domain here whatever the
    // stage names; with no identity provider in the config, its login form stands in for the
    // company's (so `npm start` offers the button and the same browser code runs end to end).
    const appUrl = appRedirectUrl(api.url);
    await team.allowRedirect(appUrl);
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint ? await options.dynamoEndpoint(dynamo.url) : dynamo.url,
      AWS_ENDPOINT_URL_SESV2: options.sesEndpoint ? await options.sesEndpoint(ses.url) : ses.url,
      AWS_ENDPOINT_URL_SFN: options.sfnEndpoint ? await options.sfnEndpoint(sfn.url) : sfn.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ENDPOINT_URL_SQS: functionsSqsUrl,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: team.url,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.url,
      SLACK_API_URL: slack.apiUrl,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      // Metrics are EMF lines on stdout: quiet here unless asked for (POWERTOOLS_METRICS_DISABLED=false).
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      // Tracing is off outside Lambda, but the X-Ray SDK's automatic mode still hooks every
      // promise of the process (cls-hooked): a fifth of the runner's CPU at scale.
      AWS_XRAY_MANUAL_MODE: 'true',
      ...templateEnvironment,
      SIGN_IN_DOMAIN_URL: team.url,
      SIGN_IN_REDIRECT_URL: appUrl,
      SIGN_IN_PROVIDERS: templateEnvironment.SIGN_IN_PROVIDERS ?? JSON.stringify(localCompanyLogin),
    });
    // Each function may call on the table only what its role allows, as in AWS.
    const iam = enforceDynamoDbGrants(dynamoDbGrants(template, { region: REGION, accountId: ACCOUNT, refs }), { region: REGION, accountId: ACCOUNT });
    running.push({ close: async () => iam.stop() });
    // The lead configuration file the template names in the bundle (LEAD_CONFIG_FILE), written
    // by the same function CDK bundles it with, in a folder standing for the task root.
    if (process.env.LEAD_CONFIG_FILE) {
      const taskRoot = mkdtempSync(join(tmpdir(), 'speed-to-lead-task-'));
      running.push({ close: async () => rmSync(taskRoot, { recursive: true, force: true }) });
      process.env.LEAD_CONFIG_FILE = writeLeadConfig(config, taskRoot, basename(process.env.LEAD_CONFIG_FILE));
    }
    // The compiled emails the template names beside the email functions' bundles (EMAILS_FILE).
    if (process.env.EMAILS_FILE) {
      const taskRoot = mkdtempSync(join(tmpdir(), 'speed-to-lead-emails-'));
      running.push({ close: async () => rmSync(taskRoot, { recursive: true, force: true }) });
      process.env.EMAILS_FILE = writeEmails(emails, taskRoot, basename(process.env.EMAILS_FILE));
    }
    // The team app's assets, built as CDK builds them for the app-page bundle (APP_ASSETS_DIR).
    if (process.env.APP_ASSETS_DIR) process.env.APP_ASSETS_DIR = join(repoRoot, stagedTeamApp(repoRoot));

    // Lambda's event source mappings: the function runs on what its queue holds, as in AWS.
    const sources = sqsEventSources(template);
    for (const source of sources.filter((s) => s.enabled)) {
      mappings.push(
        startEventSourceMapping({
          sqsUrl: sqs.url,
          queueUrl: sqs.queueUrl(source.queueId),
          queueArn: refs[`${source.queueId}.Arn`]!,
          region: REGION,
          batchSize: source.batchSize,
          maxConcurrency: source.maxConcurrency,
          reportBatchItemFailures: source.reportBatchItemFailures,
          // The mapping invokes synchronously, with the function's timeout.
          invoke: async (event) => invokeHandler(source.handler, await loadHandler(source.handler), event, { timeoutMs: source.timeoutMs }) as Promise<SQSBatchResponse | void>,
          onBatch: ({ error }) => {
            if (error) console.error(`[${source.handler}] batch failed:`, error);
          },
        }),
      );
    }
    const startSource = sources.find((s) => s.handler === 'start-workflow');
    if (!startSource) throw new Error('The template has no SQS event source for start-workflow: the start queue would never drain');
    const startDeadLetters = queues.find((q) => q.name === startSource.queueId)?.redrive?.deadLetterQueue;
    if (!startDeadLetters) throw new Error(`${startSource.queueId}: the start queue has no dead-letter queue`);

    // Lambda's Invoke API: what EventBridge does to sender-events (asynchronously, with Lambda's
    // retries and on-failure destination from the template), and what ops tools call.
    const lambdaSqs = new SQSClient({ endpoint: sqs.url, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    running.push({ close: async () => lambdaSqs.destroy() });
    const toQueue = (queueId: string) => async (body: unknown) => {
      await lambdaSqs.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl(queueId), MessageBody: JSON.stringify(body) }));
    };
    const invokers: AsyncInvoker[] = [];
    running.push({ close: async () => invokers.forEach((invoker) => invoker.close()) });
    const functions = new Map<string, LocalFunction>();
    const deadLetterQueues = new Map<string, string>();
    for (const id of logicalIdsOfType(template, 'AWS::Lambda::Function')) {
      if (typeof template.Resources[id]?.Metadata?.[handlerMetadataKey] !== 'string') continue;
      const name = handlerName(template, id);
      const timeoutMs = functionTimeoutMs(template, id);
      const run = async (event: unknown, invocationType: 'Event' | 'RequestResponse') => invokeHandler(name, await loadHandler(name), event, { timeoutMs, invocationType });
      const settings = asyncSettingsOf(template, id);
      const invoker = asyncInvoker({
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
        config: {
          maximumRetryAttempts: settings.maximumRetryAttempts,
          maximumEventAgeSeconds: settings.maximumEventAgeSeconds,
          ...(settings.onFailureQueue ? { onFailure: toQueue(settings.onFailureQueue) } : {}),
          ...(settings.deadLetterQueue ? { deadLetter: toQueue(settings.deadLetterQueue) } : {}),
        },
        run: (event) => run(event, 'Event'),
        timeScale: options.asyncRetryTimeScale ?? options.timeScale,
      });
      invokers.push(invoker);
      functions.set(name, { invoke: (event) => run(event, 'RequestResponse'), invokeAsync: (event) => invoker.invoke(event) });
      const deadLetters = settings.onFailureQueue ?? settings.deadLetterQueue;
      if (deadLetters) deadLetterQueues.set(name, deadLetters);
    }
    const lambda = await startLambdaEndpoint(functions);
    running.push(lambda);
    const senderDeadLetters = deadLetterQueues.get('sender-events');
    if (!senderDeadLetters) throw new Error('The template gives the sender-events function no on-failure destination or dead-letter queue: a bounce it fails on would be lost');

    return {
      apiUrl: api.url,
      sesUrl: ses.url,
      dynamoUrl: dynamo.url,
      sfnUrl: sfn.url,
      emulators,
      sqsUrl: sqs.url,
      lambdaUrl: lambda.url,
      senderEventsDeadLetterQueue: localQueue(senderDeadLetters),
      startQueue: localQueue(startSource.queueId),
      startDeadLetterQueue: localQueue(startDeadLetters),
      tableName: LOCAL.tableName,
      linkSecret,
      webhookSecret,
      hubspotClientSecret,
      pipedriveCredentials,
      salesforceToken,
      calcomWebhookSecret,
      calendlySigningKey,
      slack,
      slackSigningSecret,
      sms,
      config,
      template,
      runner,
      iam,
      teamPool: team,
      resumeUnfinished: async (onResume) => {
        const unfinished = await findUnfinishedLeads(dynamo.url, LOCAL.tableName);
        // Executions this run already knows (leads submitted since it started) are left alone;
        // read after the scan, with no await before the starts below, so none slips in between.
        const known = new Set(runner.list().map((e) => e.name));
        const resumed: ResumedLead[] = [];
        for (const lead of unfinished) {
          if (known.has(lead.leadId)) continue;
          const { at, after } = resumeInstant(lead);
          const { executionArn } = runner.start(lead.leadId, workflowInputOf(lead), { simulatedStart: at });
          // Events reach listeners asynchronously, so this is heard before the execution's first one.
          const entry: ResumedLead = { leadId: lead.leadId, executionArn, resumedAt: at, ...(after ? { after } : {}) };
          onResume?.(entry);
          resumed.push(entry);
        }
        return resumed;
      },
      close: async () => {
        // The start queue's consumer first: it would start executions while they are stopped.
        for (const mapping of mappings.splice(0)) await mapping.close();
        for (const execution of runner.list()) if (execution.status === 'RUNNING') runner.stop(execution.executionArn);
        // A stopped execution may still be inside a step: let it finish before its database goes.
        await runner.idle();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
