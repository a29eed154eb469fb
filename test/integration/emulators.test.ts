import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { startEmulators } from '../../local/emulators';

/**
 * dynalite and the SES emulator run in a child process of their own (the second core), which
 * must never outlive its parent: not after close(), and not when the parent just exits.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number) {
  for (let waited = 0; isAlive(pid) && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return !isAlive(pid);
}

describe('the emulators process', () => {
  it('serves DynamoDB and SES, counts emails by recipient, and is gone after close()', async () => {
    const emulators = await startEmulators();
    const { pid } = (await emulators.usage())!;
    expect(pid).not.toBe(process.pid);
    const dynamo = new DynamoDBClient({ endpoint: emulators.dynamo.url, region: 'us-east-1', credentials });
    const ses = new SESv2Client({ endpoint: emulators.ses.url, region: 'us-east-1', credentials });
    try {
      await dynamo.send(
        new CreateTableCommand({ TableName: 'leads', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
      );
      expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['leads']);
      const send = (to: string) =>
        ses.send(new SendEmailCommand({ FromEmailAddress: 'sales@example.com', Destination: { ToAddresses: [to] }, Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } } }));
      await send('dana@acme.example');
      await send('dana@acme.example');
      await send('sam@beta.example');
      expect(await emulators.emailCounts()).toEqual({ 'dana@acme.example': 2, 'sam@beta.example': 1 });
    } finally {
      dynamo.destroy();
      ses.destroy();
      await emulators.close();
    }
    expect(await gone(pid)).toBe(true);
  });

  it('passes a port in use on as EADDRINUSE with the port, leaving no process behind', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      for (const which of ['dynamo', 'ses'] as const) {
        await expect(startEmulators({ [which]: { port } })).rejects.toMatchObject({ code: 'EADDRINUSE', port });
      }
    } finally {
      taken.close();
    }
  });

  it('ends with a parent that exits without closing it', async () => {
    // A parent that starts the emulators, prints the child's pid and simply ends.
    const script = `import { startEmulators } from ${JSON.stringify(`${root}local/emulators.ts`)}; const e = await startEmulators(); console.log((await e.usage()).pid);`;
    const pid = await new Promise<number>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }, (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim())))),
    );
    expect(pid).toBeGreaterThan(0);
    expect(await gone(pid)).toBe(true);
  });

  it('runs in this process when asked to', async () => {
    const emulators = await startEmulators({ inProcess: true });
    try {
      expect(await emulators.usage()).toBeUndefined();
      expect((await fetch(`${emulators.ses.url}/store`)).status).toBe(200);
    } finally {
      await emulators.close();
    }
  });
});
