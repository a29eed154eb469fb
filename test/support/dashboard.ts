import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dashboardLeads, writeLeads } from '../../bench/dashboard-data';
import type { LocalStack } from '../../local/stack';

/**
 * Seeded leads in a closed past period (September and October 2026), apart from the leads a
 * test submits today, and `npm run report` over them: what the dashboard must agree with.
 */
export const seededPeriod = { from: '2026-09-01', to: '2026-10-31' };

export async function seedPastLeads(stack: Pick<LocalStack, 'dynamoUrl' | 'tableName' | 'config'>, count: number, seed: number): Promise<void> {
  const leads = dashboardLeads(count, { days: 61, now: new Date('2026-11-01T00:00:00Z'), seed, reps: stack.config.reps, sla: stack.config.slaMinutes });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  try {
    await writeLeads({ db, tableName: stack.tableName }, leads);
  } finally {
    db.destroy();
  }
}

/** `npm run report -- --json` over the stack's table for the seeded period, as a process, as ops run it. */
export async function reportJson(stack: Pick<LocalStack, 'dynamoUrl' | 'tableName'>, args: string[] = []): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/report.ts', '--from', seededPeriod.from, '--to', seededPeriod.to, '--json', '--endpoint', stack.dynamoUrl, '--table', stack.tableName, ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return JSON.parse(stdout) as Record<string, any>;
}
