import { signSlackRequest } from '@domain/slack-signature';
import type { LocalStack } from '../../local/stack';
import type { SlackPost } from '../../local/stand-ins/slack';

/** The Slack channel of the DACH pool in `slackConfig`: its hot leads are posted there too. */
export const DACH_CHANNEL = 'C0DACHLEADS';

/**
 * The stage config with these Slack settings for every rep and the team lead, and `rep-ana` the
 * only rep of both pools (the default, and DACH with its channel): the alerts stay hers through
 * the escalation.
 */
export function slackConfig(config: LocalStack['config'], alerts: 'slack' | 'both') {
  return {
    ...config,
    reps: config.reps.map((rep) => ({ ...rep, alerts })),
    routing: {
      ...config.routing!,
      accountOwners: {},
      territories: [{ name: 'dach', countries: ['DE', 'AT', 'CH'], pool: 'dach' }],
      pools: { default: ['rep-ana'], dach: ['rep-ana'] },
      slackChannels: { dach: DACH_CHANNEL },
      teamLead: { ...config.routing!.teamLead!, alerts },
    },
  };
}

/** The lead's alerts the bot posted (the message whose buttons name the lead). */
export const postsAbout = (stack: Pick<LocalStack, 'slack'>, leadId: string): SlackPost[] =>
  stack.slack.messages().filter((post) => post.blocks.some((block) => block.block_id === `lead:${leadId}`) || post.text.includes(leadId));

/** Waits until `done` holds for what Slack holds about the lead. */
export async function waitForPosts(stack: Pick<LocalStack, 'slack'>, leadId: string, done: (posts: SlackPost[]) => boolean, timeoutMs = 20_000): Promise<SlackPost[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const posts = postsAbout(stack, leadId);
    if (done(posts)) return posts;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for Slack messages about lead ${leadId}; have ${posts.length}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A block_actions payload for a click on the lead's message, as Slack sends it. */
export function clickPayload(post: Pick<SlackPost, 'channel' | 'ts' | 'blocks'>, user: string, actionId: string, selected?: string) {
  const actions = post.blocks.find((block) => block.type === 'actions');
  return {
    type: 'block_actions',
    user: { id: user },
    container: { type: 'message', channel_id: post.channel, message_ts: post.ts },
    channel: { id: post.channel },
    message: { ts: post.ts, blocks: post.blocks },
    actions: [{ action_id: actionId, block_id: actions?.block_id, ...(selected ? { selected_option: { value: selected } } : {}) }],
  };
}

export interface InteractionCall {
  /** The form body sent (its bytes are what is signed unless `signedBody` says otherwise). */
  body: string;
  timestamp?: number;
  secret?: string;
  signedBody?: string;
  headers?: Record<string, string | undefined>;
}

export const formOf = (payload: unknown) => new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

/** POSTs to /slack/interactions, signed as Slack signs (with the stack's signing secret) unless told otherwise. */
export async function postInteraction(stack: Pick<LocalStack, 'apiUrl' | 'slackSigningSecret'>, call: InteractionCall) {
  const timestamp = call.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(call.signedBody ?? call.body, timestamp, call.secret ?? stack.slackSigningSecret),
    ...call.headers,
  };
  const response = await fetch(`${stack.apiUrl}/slack/interactions`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    body: call.body,
  });
  return { status: response.status, body: await response.text() };
}
