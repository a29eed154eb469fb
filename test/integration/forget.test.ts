import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { postLead } from '../support/leads';
import { storeOf } from '../support/store';

/** `npm run forget -- <email>`: a person's data erased (GDPR), and proven gone. */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 86_400 * 28 });
});

afterAll(async () => {
  await stack?.close();
});

async function everyItem(): Promise<string[]> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map((item) => JSON.stringify(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('erasing a person', () => {
  it('deletes every lead, timeline and guard of theirs, and nothing of anyone else', async () => {
    const person = `erase.me.${Date.now()}@forgetful.example`;
    const neighbour = `keep.me.${Date.now()}@forgetful.example`;
    const ids = [
      (await postLead(stack, { email: person, name: 'Erin Erase', formId: 'demo-request', phone: '+1 555 010 0100' })).body.leadId,
      (await postLead(stack, { email: person, name: 'Erin Erase', formId: 'pricing' }, { 'Idempotency-Key': `key-${Date.now()}` })).body.leadId,
    ] as string[];
    const kept = (await postLead(stack, { email: neighbour, name: 'Kim Keep', formId: 'demo-request' })).body.leadId as string;
    await stack.runner.idle();
    expect((await everyItem()).filter((item) => ids.some((id) => item.includes(id))).length).toBeGreaterThan(6);

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/forget.ts', person, '--endpoint', stack.dynamoUrl, '--table', stack.tableName], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(stdout).toMatch(/^Erased 2 lead\(s\) and \d+ item\(s\) for this address .*; none remain\.$/m);

    const left = await everyItem();
    expect(left.filter((item) => item.includes(person) || item.includes('Erin') || ids.some((id) => item.includes(id)))).toEqual([]);
    expect(await storeOf(stack).leads.getLead(kept)).toMatchObject({ email: neighbour });
  });

  it('refuses something that is not an address', async () => {
    await expect(promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/forget.ts', 'nobody', '--endpoint', stack.dynamoUrl])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run forget') });
  });
});
