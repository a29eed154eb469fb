import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateNames } from '../lib/workflow-states';
import { DataDirInUse, openLocalData, type LocalData } from './data-dir';
import { addDemoTeam, DEMO_PASSWORD } from './demo-team';
import { sampleLead } from './sample-leads';
import { startLocalStack, type LocalStack } from './stack';
import type { EventLog } from './workflow-runner';

/**
 * `npm start`: the whole product on this machine, no AWS account, no Docker. Time runs
 * compressed (LOCAL_TIME_SCALE simulated seconds per real second; by default a day passes in
 * 5 seconds), and each lead's steps are printed as they happen, with simulated time. Data is
 * kept in LOCAL_DATA_DIR (`.local/`), and sequences that a stop interrupted resume on start.
 */
const USAGE = `Usage: npm start [-- --fresh]

  --fresh   forget the leads kept in the data folder and start empty

Environment: PORT (3000), SES_PORT (8005), DYNAMODB_PORT (8000), COGNITO_PORT (9229), SLACK_PORT (8006), SMS_PORT (8007),
LOCAL_TIME_SCALE (17280:
a simulated day in 5 s), LOCAL_DATA_DIR (.local), POWERTOOLS_LOG_LEVEL (WARN), SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN
(the Slack app's secrets as the local stack holds them; random when unset), CALCOM_WEBHOOK_SECRET and
CALENDLY_SIGNING_KEY (the booking webhooks' secrets; random when unset).`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== '--fresh');
if (unknown.length) {
  console.error(`Unknown option ${unknown.join(' ')}\n\n${USAGE}`);
  process.exit(1);
}

const number = (name: string, fallback: number, { port = false } = {}) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (port && (!Number.isInteger(value) || value > 65_535))) {
    console.error(`${name} must be ${port ? 'a port number (1-65535)' : 'a positive number'}, got "${raw}"`);
    process.exit(1);
  }
  return value;
};

const timeScale = number('LOCAL_TIME_SCALE', 17_280);
const ports = {
  PORT: number('PORT', 3000, { port: true }),
  SES_PORT: number('SES_PORT', 8005, { port: true }),
  DYNAMODB_PORT: number('DYNAMODB_PORT', 8000, { port: true }),
  COGNITO_PORT: number('COGNITO_PORT', 9229, { port: true }),
  SLACK_PORT: number('SLACK_PORT', 8006, { port: true }),
  SMS_PORT: number('SMS_PORT', 8007, { port: true }),
};

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.LOCAL_DATA_DIR || resolve(repoRoot, '.local'));
const shownDataDir = relative(process.cwd(), dataDir).startsWith('..') ? dataDir : `${relative(process.cwd(), dataDir) || '.'}/`;

/** `+5m`, `+1d 2h`: how long after submission, on the lead's simulated clock. */
export function offset(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  if (d > 0) return `+${d}d${h ? ` ${h}h` : ''}`;
  if (h > 0) return `+${h}h${m ? ` ${m}m` : ''}`;
  return `+${m}m`;
}

const stateExits: Record<string, (output: Record<string, any>) => string | undefined> = {
  [stateNames.sendConfirmation]: () => 'confirmation sent to the lead',
  [stateNames.scoreAndRoute]: (o) =>
    o.routing?.disqualified ? `scored ${o.routing?.score}/${o.routing?.grade}: disqualified, no email` : `scored ${o.routing?.score}/${o.routing?.grade} -> ${o.routing?.ownerId}${o.routing?.alert === false && o.routing?.grade === 'hot' ? ' (nurture: no alert)' : ''}`,
  [stateNames.escalate]: (o) => (o.escalation?.escalated ? 'not contacted within the SLA: escalated to another rep, team lead told' : undefined),
  [stateNames.alertRep]: (o) => (o.alert?.sent ? 'hot-lead alert sent to the rep' : 'no alert: the rep already responded'),
  [stateNames.recordFailure]: (o) => `FAILED: ${o.failure?.Error ?? 'unknown error'}`,
};

function describeEvent(event: EventLog): string | undefined {
  if (event.type === 'ExecutionStarted') return 'submitted';
  if (event.type === 'ExecutionSucceeded') return 'sequence closed';
  if (event.type === 'ExecutionFailed') return `sequence failed: ${(event as { Error?: string }).Error}`;
  if (event.type !== 'StateExited') return undefined;
  const { name, output } = (event as { state: { name: string; output?: Record<string, any> } }).state;
  const followUp = /^Send day-(\d+) follow-up$/.exec(name);
  if (followUp) return output?.followUp?.stop ? `day-${followUp[1]} follow-up not sent: the lead left the sequence` : `day-${followUp[1]} follow-up sent`;
  return stateExits[name]?.(output ?? {});
}

/** Why the stack could not start, in words a person can act on; undefined for the unexpected. */
function startFailure(error: unknown): string | undefined {
  const { code, port } = error as { code?: string; port?: number };
  if (code === 'EADDRINUSE') {
    const variable = Object.entries(ports).find(([, value]) => value === port)?.[0];
    return `Port ${port} is already in use${variable ? ` (${variable})` : ''}: another \`npm start\` may be running. Stop what uses it, or move it, e.g. ${variable ?? 'PORT'}=${(port ?? 3000) + 1} npm start`;
  }
  if (error instanceof Error && error.name === 'EmailTemplateError') return `Cannot start: the email templates have problems (npm run emails shows them too):\n${error.message}`;
  if (error instanceof DataDirInUse) {
    return `The data in ${shownDataDir} is in use by another \`npm start\` (process ${error.pid}). Stop it first, or use another folder: LOCAL_DATA_DIR=/tmp/leads npm start`;
  }
  return undefined;
}

/** `follow-up-3` -> `day-3 follow-up`, as the other log lines say it. */
const stepInWords = (step: string) => {
  const day = /^follow-up-(\d+)$/.exec(step)?.[1];
  return day ? `day-${day} follow-up` : step === 'hot-alert' ? 'hot-lead alert' : step;
};
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const shortId = (executionArn: string) => executionArn.split(':').pop()!.slice(0, 8);

async function main() {
  let data: LocalData | undefined;
  let stack: LocalStack;
  try {
    data = openLocalData(dataDir, { fresh: args.includes('--fresh') });
    stack = await startLocalStack({
      timeScale,
      apiPort: ports.PORT,
      sesPort: ports.SES_PORT,
      dynamoPort: ports.DYNAMODB_PORT,
      cognitoPort: ports.COGNITO_PORT,
      cognitoDataDir: data.cognitoPath,
      dataPath: data.dynamoPath,
      queuePath: data.queuePath,
      linkSecret: data.linkSecret,
      // Given, tools can sign requests as a CRM would (docs/crm.md); otherwise random per run,
      // but for our own webhook's, kept in the data folder for `npm run seed`.
      webhookSecret: process.env.CRM_WEBHOOK_SECRET || data.webhookSecret,
      ...(process.env.HUBSPOT_CLIENT_SECRET ? { hubspotClientSecret: process.env.HUBSPOT_CLIENT_SECRET } : {}),
      ...(process.env.SALESFORCE_ENDPOINT_TOKEN ? { salesforceToken: process.env.SALESFORCE_ENDPOINT_TOKEN } : {}),
      ...(process.env.PIPEDRIVE_WEBHOOK_USER && process.env.PIPEDRIVE_WEBHOOK_PASSWORD ? { pipedriveCredentials: { user: process.env.PIPEDRIVE_WEBHOOK_USER, password: process.env.PIPEDRIVE_WEBHOOK_PASSWORD } } : {}),
      slackPort: ports.SLACK_PORT,
      smsPort: ports.SMS_PORT,
      ...(process.env.SLACK_SIGNING_SECRET ? { slackSigningSecret: process.env.SLACK_SIGNING_SECRET } : {}),
      ...(process.env.CALCOM_WEBHOOK_SECRET ? { calcomWebhookSecret: process.env.CALCOM_WEBHOOK_SECRET } : {}),
      ...(process.env.CALENDLY_SIGNING_KEY ? { calendlySigningKey: process.env.CALENDLY_SIGNING_KEY } : {}),
      ...(process.env.SLACK_BOT_TOKEN ? { slackBotToken: process.env.SLACK_BOT_TOKEN } : {}),
      logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // Submissions that start no sequence would otherwise leave no trace in the log.
      onRequest: ({ method, path, status }) => {
        if (method !== 'POST' || path !== '/leads' || status === 202) return;
        const what = status === 200 ? 'a repeat of an earlier submission: same lead, no second sequence' : status === 400 ? 'refused: invalid fields (the form shows them)' : 'refused';
        console.log(`${clock(Date.now())}  POST /leads ${status}: ${what}`);
      },
    });
  } catch (error) {
    data?.release();
    const reason = startFailure(error);
    if (!reason) throw error;
    console.error(reason);
    process.exit(1);
  }
  const { rep: demoRep, manager: demoManager } = await addDemoTeam(stack);
  const readyMs = performance.now();
  const { runner } = stack;

  const line = (executionArn: string, at: number, text: string) => {
    const { input } = runner.describe(executionArn);
    const submittedAt = Date.parse((JSON.parse(input) as { submittedAt: string }).submittedAt);
    const simulated = runner.simulatedNow(executionArn, at) - submittedAt;
    console.log(`${clock(at)}  ${offset(simulated).padEnd(8)} lead ${shortId(executionArn)}  ${text}`);
  };
  // A resumed execution first replays the steps its lead had done (each finds its work done
  // and skips it) at the instant it resumed; those lines would only repeat the earlier run's.
  const resumedAt = new Map<string, number>();
  const isReplay = (executionArn: string, at: number) => {
    const from = resumedAt.get(executionArn);
    return from !== undefined && runner.simulatedNow(executionArn, at) < from + 60_000;
  };
  runner.onEvent((executionArn, event) => {
    if (event.type !== 'ExecutionSucceeded' && event.type !== 'ExecutionFailed' && isReplay(executionArn, event.timestamp)) return;
    const text = describeEvent(event);
    if (text) line(executionArn, event.timestamp, text);
  });

  const day = 86_400 / timeScale;
  const lastDay = Math.max(...stack.config.sequence.followUpDays);
  console.log(`Speed-to-lead, running locally: one simulated day = ${day.toFixed(1)} s, a ${lastDay}-day sequence ≈ ${Math.round(lastDay * day)} s (LOCAL_TIME_SCALE=${timeScale})`);
  console.log(`  Demo form ${stack.apiUrl}/  (a "Request a demo" page using ${stack.apiUrl}/lead-form.js)`);
  console.log(`  Team app  ${stack.apiUrl}/app/  sign in as the rep ${demoRep.email} or the manager ${demoManager.email}, password ${DEMO_PASSWORD} (on the page, or through its company login button)`);
  console.log(`  API       ${stack.apiUrl}  (POST /leads)`);
  console.log(`  Inbox     ${stack.sesUrl}  (every email sent; GET /store for tools)`);
  console.log(`  DynamoDB  ${stack.dynamoUrl}  (table ${stack.tableName}; data in ${shownDataDir}, \`npm start -- --fresh\` wipes it)`);
  console.log(`  Slack     ${stack.slack.url}  (a stand-in: ${demoRep.email}'s hot-lead alerts, with working buttons; GET /messages for tools)`);
  const texted = stack.config.reps.filter((rep) => rep.smsAlertsTo).map((rep) => rep.email);
  if (texted.length) console.log(`  SMS       ${stack.sms.url}/messages  (a stand-in for End User Messaging SMS: the hot-lead texts to ${texted.join(', ')})`);
  console.log(`  Cognito   ${stack.teamPool.url}  (user pool ${stack.teamPool.userPoolId}: the team's users; its login form stands in for the company login)`);
  console.log(`  More:     npm run seed  (a mix of hot, warm and cold leads)`);
  console.log(`Ready in ${(readyMs / 1000).toFixed(1)} s. Ctrl-C stops everything.\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping... unfinished sequences resume on the next `npm start`.');
    await stack.close();
    data.release();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const picked = await stack.resumeUnfinished((lead) => {
    resumedAt.set(lead.executionArn, lead.resumedAt);
    line(lead.executionArn, Date.now(), `resumed${lead.after ? ` after the ${stepInWords(lead.after)}` : ''}`);
  });
  if (picked.length) console.log(`${clock(Date.now())}  resumed ${picked.length} unfinished lead${picked.length === 1 ? '' : 's'} from ${shownDataDir}`);

  if (data.isNew) {
    // A first start should show the product working without another step: one lead's whole sequence.
    const lead = sampleLead();
    console.log(`${clock(Date.now())}  empty data folder: submitting a sample lead (${lead.name} <${lead.email}>) to show a whole sequence; watch the inbox`);
    const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead) });
    if (response.status !== 202) console.error(`The sample lead was refused (${response.status}): ${await response.text()}`);
  }
}

await main();
