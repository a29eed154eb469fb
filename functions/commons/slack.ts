import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSlackUsers } from '@adapters/dynamodb-slack-users';
import { type SlackCallBudget, SlackWebNotifier } from '@adapters/slack-web-notifier';
import type { SlackNotifier, SlackUserDirectory } from '@domain/ports';
import { config } from '@commons/config';
import { signingSecrets } from '@commons/secrets';
import { tracer } from '@commons/tracer';

/**
 * What a workflow step may spend on one Slack call before the alert goes by email instead
 * (three attempts of 3 s within the step's 30 s), and what a click may (Slack wants our answer
 * within 3 s: one attempt of a second).
 */
export const SLACK_BUDGETS = { alert: { timeoutMs: 3000, retries: 2 }, click: { timeoutMs: 1000, retries: 0 } } as const satisfies Record<string, SlackCallBudget>;

const notifiers = new Map<keyof typeof SLACK_BUDGETS, SlackNotifier>();
let directory: SlackUserDirectory | undefined;

/** Slack for this function, when CDK gave it the bot token; undefined otherwise (its alerts stay email). */
export function slack(budget: keyof typeof SLACK_BUDGETS): { slack: SlackNotifier; directory: SlackUserDirectory } | undefined {
  if (!config().SLACK_BOT_TOKEN_ID) return undefined;
  let notifier = notifiers.get(budget);
  if (!notifier) notifiers.set(budget, (notifier = new SlackWebNotifier(() => signingSecrets().slackBotToken(), SLACK_BUDGETS[budget], config().SLACK_API_URL)));
  directory ??= new DynamoDbSlackUsers(DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))), config().TABLE_NAME);
  return { slack: notifier, directory };
}
