import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type DeployConfig, loadConfig } from '../lib/config';
import { handlerMetadataKey } from '../lib/lead-functions';
import type { RouteHandlerName } from '../lib/routes';
import { synthTemplate } from '../lib/synth';
import { type ApiHandler, startLocalApi } from './api';
import { lambdaContext } from './lambda-context';
import type { RunningEndpoint } from './aws-json-endpoint';
import { ensureTable, startDynamoDb, startSes, tableDefinition, type RunningEmulator } from './emulators';
import { startSecretsEndpoint } from './secrets-endpoint';
import { startSfnEndpoint } from './sfn-endpoint';
import { demoPageRoutes } from './demo-page';
import { findUnfinishedLeads, resumeInstant, workflowInputOf } from './resume';
import { type CfnTemplate, resolveIntrinsic, stateMachineDefinition } from './template';
import { LocalWorkflowRunner } from './workflow-runner';

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
  apiPort?: number;
  sesPort?: number;
  /** A fixed port lets tools outside the process (a CLI, a DynamoDB GUI) find the table. */
  dynamoPort?: number;
  /** Keep DynamoDB data in this folder across restarts (in memory when absent). */
  dataPath?: string;
  /** The link-signing secret; random when absent (links die with the process). */
  linkSecret?: string;
  /** The secret CRMs sign webhook requests with; random when absent. */
  webhookSecret?: string;
  /** Put something between the SES client and the emulator (a fault injector in tests). */
  sesEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  /** The same for the functions' DynamoDB client (the stack's own setup talks to the emulator directly). */
  dynamoEndpoint?: (emulatorUrl: string) => Promise<string> | string;
  logLevel?: string;
  /** Told of every API request (for the `npm start` log). */
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

export interface LocalStack {
  apiUrl: string;
  sesUrl: string;
  dynamoUrl: string;
  sfnUrl: string;
  tableName: string;
  linkSecret: string;
  webhookSecret: string;
  config: DeployConfig;
  template: CfnTemplate;
  runner: LocalWorkflowRunner;
  /**
   * Starts again the sequences of leads that had not finished when a previous run stopped
   * (data kept with `dataPath`), each on a simulated clock continuing where it was; see
   * local/resume.ts. `onResume` hears of each before its first event.
   */
  resumeUnfinished(onResume?: (lead: ResumedLead) => void): Promise<ResumedLead[]>;
  close(): Promise<void>;
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
const ACCOUNT = '000000000000';
const LOCAL = { tableName: 'speed-to-lead-local', secretName: 'speed-to-lead-link-secret', webhookSecretName: 'speed-to-lead-webhook-secret', stateMachine: 'speed-to-lead-lead-workflow' };

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
    handler = import(`../functions/${name}/handler.ts`).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(name, handler);
  }
  return handler;
};


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

function corsOf(template: CfnTemplate) {
  const [apiId] = logicalIdsOfType(template, 'AWS::ApiGatewayV2::Api');
  const cors = apiId ? template.Resources[apiId]?.Properties?.CorsConfiguration : undefined;
  return cors ? { allowOrigins: cors.AllowOrigins ?? [], allowMethods: cors.AllowMethods ?? [], allowHeaders: cors.AllowHeaders ?? [] } : undefined;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const config = options.config ?? loadConfig('dev');
  const template = synthTemplate(config) as CfnTemplate;
  const linkSecret = options.linkSecret ?? randomBytes(32).toString('hex');
  const webhookSecret = options.webhookSecret ?? randomBytes(32).toString('hex');
  const running: Array<RunningEmulator | RunningEndpoint | { close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const service of running.reverse()) await service.close().catch(() => undefined);
  };

  try {
    const dynamo = await startDynamoDb({
      ...(options.dataPath ? { path: options.dataPath } : {}),
      ...(options.dynamoPort !== undefined ? { port: options.dynamoPort } : {}),
    });
    running.push(dynamo);
    await ensureTable(dynamo.url, tableDefinition(template, LOCAL.tableName));
    const ses = await startSes({ ...(options.sesPort !== undefined ? { port: options.sesPort } : {}) });
    running.push(ses);
    const secrets = await startSecretsEndpoint({ [LOCAL.secretName]: linkSecret, [LOCAL.webhookSecretName]: webhookSecret }, { region: REGION, accountId: ACCOUNT });
    running.push(secrets);

    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${LOCAL.stateMachine}`;
    const runner = new LocalWorkflowRunner({
      definition: stateMachineDefinition(template, { region: REGION, accountId: ACCOUNT }).definition,
      stateMachineArn,
      timeScale: options.timeScale,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      resolveTask: (logicalId) => {
        const name = handlerName(template, logicalId);
        return async (payload) => (await loadHandler(name))(payload, lambdaContext(name));
      },
    });
    const sfn = await startSfnEndpoint(runner);
    running.push(sfn);

    const api = await startLocalApi({
      ...(options.apiPort !== undefined ? { port: options.apiPort } : {}),
      loadHandler: (name: RouteHandlerName) => loadHandler(name) as Promise<ApiHandler>,
      cors: corsOf(template),
      // The demo page is a stand-in for a customer's website: local only, never deployed.
      extraRoutes: demoPageRoutes({ inboxUrl: ses.url }),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    running.push(api);

    const refs: Record<string, string> = {};
    for (const id of logicalIdsOfType(template, 'AWS::DynamoDB::Table')) refs[id] = LOCAL.tableName;
    for (const id of logicalIdsOfType(template, 'AWS::SecretsManager::Secret')) refs[id] = id.startsWith('WebhookSigningSecret') ? LOCAL.webhookSecretName : LOCAL.secretName;
    for (const id of logicalIdsOfType(template, 'AWS::StepFunctions::StateMachine')) refs[id] = stateMachineArn;
    for (const id of logicalIdsOfType(template, 'AWS::ApiGatewayV2::Api')) refs[`${id}.ApiEndpoint`] = api.url;

    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint ? await options.dynamoEndpoint(dynamo.url) : dynamo.url,
      AWS_ENDPOINT_URL_SESV2: options.sesEndpoint ? await options.sesEndpoint(ses.url) : ses.url,
      AWS_ENDPOINT_URL_SFN: sfn.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      // Metrics are EMF lines on stdout: quiet here unless asked for (POWERTOOLS_METRICS_DISABLED=false).
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      ...functionEnvironment(template, refs),
    });

    return {
      apiUrl: api.url,
      sesUrl: ses.url,
      dynamoUrl: dynamo.url,
      sfnUrl: sfn.url,
      tableName: LOCAL.tableName,
      linkSecret,
      webhookSecret,
      config,
      template,
      runner,
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
