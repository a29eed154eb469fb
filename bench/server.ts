/**
 * The system under test, in its own process so the load generator (the bench process) does
 * not share its event loop. `node --import tsx bench/server.ts <mode>`; it answers over IPC.
 *
 * - intake:  the local stack + a second local API serving the floor handler on POST /leads.
 *            Both intake and floor start executions on one SFN endpoint whose runner runs a
 *            trivial one-state definition (see RESULTS.md: same background for both).
 * - confirm: the local stack (real runner, real time) with a recording proxy in front of SES.
 * - paths:   the local stack with counting proxies (DynamoDB, SES); runs each lead path.
 * - scale:   the local stack; N leads in flight; peak RSS and emails per lead.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalApi } from '../local/api';
import { startLocalStack } from '../local/stack';
import { startSfnEndpoint } from '../local/sfn-endpoint';
import { LocalWorkflowRunner } from '../local/workflow-runner';
import { recordingSes, type SentEmail } from './proxy';
import { runPaths, runScale } from './paths';

const mode = process.argv[2];
const send = (message: unknown) => process.send!(message);

async function intakeMode() {
  const stack = await startLocalStack({ timeScale: 1, logLevel: 'ERROR' });
  const stateMachineArn = stack.runner.stateMachineArn;
  const trivial = new LocalWorkflowRunner({
    definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    stateMachineArn,
    timeScale: 1,
    resolveTask: () => async () => ({}),
  });
  // Latency against its floor, not the start quota (800, 150/s): at c=32 both would pass it,
  // and the floor has no queue to fall back on. The quota has its own test (start-burst).
  const sfn = await startSfnEndpoint(trivial, { startQuota: { capacity: Number.MAX_SAFE_INTEGER, refillPerSecond: 0 } });
  // Handlers build their clients on first use, after this.
  process.env.AWS_ENDPOINT_URL_SFN = sfn.url;

  // The floor: the same SDK clients, one PutItem and one StartExecution, nothing else.
  let clients: { doc: DynamoDBDocumentClient; sfn: SFNClient } | undefined;
  const floor = async (event: APIGatewayProxyEventV2) => {
    clients ??= { doc: DynamoDBDocumentClient.from(new DynamoDBClient({})), sfn: new SFNClient({}) };
    const leadId = randomUUID();
    const body = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
    await clients.doc.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: `LEAD#${leadId}`, sk: 'PROFILE', ...body }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name: leadId, input: JSON.stringify({ leadId }) }));
    return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leadId, status: 'accepted' }) };
  };
  const floorApi = await startLocalApi({ loadHandler: async () => floor as never });
  send({ ready: true, apiUrl: stack.apiUrl, floorUrl: floorApi.url });
  process.on('message', async (message: { cmd: string }) => {
    if (message.cmd === 'stats') send({ executions: trivial.list().length, rss: process.memoryUsage().rss });
    if (message.cmd === 'close') {
      await floorApi.close();
      await sfn.close();
      await stack.close();
      process.exit(0);
    }
  });
}

async function confirmMode() {
  const sent: SentEmail[] = [];
  const stack = await startLocalStack({ timeScale: 1, logLevel: 'ERROR', sesEndpoint: recordingSes(sent) });
  send({ ready: true, apiUrl: stack.apiUrl, sesUrl: stack.sesUrl });
  process.on('message', async (message: { cmd: string }) => {
    if (message.cmd === 'sent') send({ sent });
    if (message.cmd === 'close') {
      await stack.close();
      process.exit(0);
    }
  });
}

async function main() {
  if (mode === 'intake') return intakeMode();
  if (mode === 'confirm') return confirmMode();
  // These two report once and are done.
  const done = (result: unknown) => process.send!({ result }, () => process.exit(0));
  if (mode === 'paths') return done(await runPaths(JSON.parse(process.argv[3] ?? '{}')));
  if (mode === 'scale') return done(await runScale(JSON.parse(process.argv[3] ?? '{}')));
  throw new Error(`Unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
