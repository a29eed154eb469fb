import { WebClient, type RetryOptions } from '@slack/web-api';
import type { PostedSlackMessage, SlackNotifier } from '@domain/ports';

/** How hard to try before a call counts as failed: what its caller can wait for. */
export interface SlackCallBudget {
  /** Per request, ms. */
  timeoutMs: number;
  /** Retries after the first attempt (Slack's client backs off between them). */
  retries: number;
}

/**
 * Slack's Web API through its official client. The bot token is read for each call from where
 * it is kept (Secrets Manager, cached by the secret source), so a new token needs no redeploy.
 * `apiUrl` is the client's `slackApiUrl`: Slack's own unless SLACK_API_URL names another (the
 * local stand-in), as the AWS SDK's endpoint variables do for AWS.
 *
 * The client's default retries span half an hour; a Lambda step has seconds. A rate-limited
 * call is not waited out either: it fails, and the alert goes by email.
 */
export class SlackWebNotifier implements SlackNotifier {
  private readonly client: WebClient;

  constructor(
    private readonly token: () => Promise<string>,
    budget: SlackCallBudget,
    apiUrl?: string,
  ) {
    const retryConfig: RetryOptions = { retries: budget.retries, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true };
    this.client = new WebClient(undefined, {
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      retryConfig,
      timeout: budget.timeoutMs,
      rejectRateLimitedCalls: true,
      // Quiet: its warnings (a missing `text` fallback) are ours to prevent, not to log per call.
      logLevel: 'error' as never,
    });
  }

  async postMessage(channel: string, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<PostedSlackMessage> {
    const result = await this.client.chat.postMessage({ token: await this.token(), channel, text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false });
    if (!result.channel || !result.ts) throw new Error('Slack answered chat.postMessage without the message (channel, ts)');
    return { channel: result.channel, ts: result.ts };
  }

  async updateMessage(posted: PostedSlackMessage, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void> {
    await this.client.chat.update({ token: await this.token(), channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks as never });
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ token: await this.token(), channel, user, text });
  }

  async userIdByEmail(email: string): Promise<string | undefined> {
    try {
      const result = await this.client.users.lookupByEmail({ token: await this.token(), email });
      return result.user?.id;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
      throw error;
    }
  }
}
