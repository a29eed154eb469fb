import { stateNames } from '../lib/lead-workflow';
import { startLocalStack } from './stack';
import type { EventLog } from './workflow-runner';

/**
 * `npm start`: the whole product on this machine, no AWS account, no Docker. Time runs
 * compressed (LOCAL_TIME_SCALE simulated seconds per real second; by default a day passes in
 * 5 seconds), and each lead's steps are printed as they happen, with simulated time.
 */
const number = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name} must be a positive number, got "${raw}"`);
    process.exit(1);
  }
  return value;
};

const timeScale = number('LOCAL_TIME_SCALE', 17_280);
const apiPort = number('PORT', 3000);
const sesPort = number('SES_PORT', 8005);

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
  [stateNames.scoreAndRoute]: (o) => `scored ${o.routing?.score}/${o.routing?.grade} -> ${o.routing?.ownerId}`,
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

async function main() {
  let stack;
  try {
    stack = await startLocalStack({ timeScale, apiPort, sesPort, logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN' });
  } catch (error) {
    const { code, port } = error as { code?: string; port?: number };
    if (code === 'EADDRINUSE') {
      console.error(`Port ${port} is already in use. Stop what uses it, or pick others: PORT=3001 SES_PORT=8006 npm start`);
      process.exit(1);
    }
    throw error;
  }
  const { runner } = stack;

  runner.onEvent((executionArn, event) => {
    const line = describeEvent(event);
    if (!line) return;
    const { input } = runner.describe(executionArn);
    const submittedAt = Date.parse((JSON.parse(input) as { submittedAt: string }).submittedAt);
    const simulated = runner.simulatedNow(executionArn, event.timestamp) - submittedAt;
    const lead = executionArn.split(':').pop()!.slice(0, 8);
    console.log(`${new Date(event.timestamp).toISOString().slice(11, 19)}  ${offset(simulated).padEnd(8)} lead ${lead}  ${line}`);
  });

  const day = 86_400 / timeScale;
  console.log(`Speed-to-lead, running locally (one simulated day = ${day.toFixed(1)} s; LOCAL_TIME_SCALE=${timeScale})`);
  console.log(`  API       ${stack.apiUrl}  (POST /leads)`);
  console.log(`  Inbox     ${stack.sesUrl}  (every email sent; GET /store for tools)`);
  console.log(`  Try it:   curl -s -XPOST ${stack.apiUrl}/leads -H 'content-type: application/json' \\`);
  console.log(`              -d '{"email":"dana@acme.io","name":"Dana Director","jobTitle":"Director of Sales","formId":"demo-request"}'`);
  console.log('Ctrl-C stops everything.\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
