import * as z from '@domain/zod';
import type { Clock } from '@domain/clock';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import type { Lead, RepOutcome, RepResponse } from '@domain/lead';
import type { LeadStore, SecretSource, SlackNotifier, SlackUserDirectory } from '@domain/ports';
import type { AlertContact, Rep } from '@domain/rep';
import { respondInSlack, type RepResponseResult } from '@domain/rep-response';
import { answeredMessage, LEAD_BLOCK_PREFIX, SLACK_ACTIONS, type SlackBlock, type StandingAnswer } from '@domain/slack-messages';
import { type SlackSignedRequest, SLACK_TOLERANCE_SECONDS, slackSignatureId, verifySlackSignature } from '@domain/slack-signature';
import { slackUserIdOf } from '@domain/slack-users';
import { parseWith } from '@domain/validation';

/**
 * A click on a hot-lead alert's button in Slack (POST /slack/interactions): Slack's signature
 * first (401, nothing read), then the same signed request is refused if it came before (a
 * replay, 401), then the payload (400), then who clicked: only the lead's rep or the team lead
 * may answer; anyone else is told so in a note only they see, and nothing changes. The answer
 * is recorded as the email link and the app record theirs (respondInSlack), and the message is
 * updated to say who answered what and when, without its buttons. A lead answered before keeps
 * its answer: the message is updated to show the answer that stands.
 */
export interface SlackInteractionDeps {
  store: LeadStore;
  secrets: Pick<SecretSource, 'slackSigningSecrets'>;
  clock: Clock;
  slack: SlackNotifier;
  directory: SlackUserDirectory;
  reps: readonly Rep[];
  /** The team lead (the stage's routing): a manager, who may answer any lead. */
  teamLead?: AlertContact;
}

/** What a click led to: the handler answers Slack 200 in every case but a refused signature or a malformed payload. */
export type SlackClickResult =
  | { kind: 'answered'; result: RepResponseResult; messageUpdated: boolean }
  | { kind: 'already-answered'; lead: Lead; messageUpdated: boolean }
  | { kind: 'not-yours'; leadId: string }
  | { kind: 'unknown-lead'; leadId: string }
  /** A click on "Open in the app" (a link button: Slack tells us of it too) or on something not ours. */
  | { kind: 'nothing-to-do' };

const ActionSchema = z.object({
  action_id: z.string({ error: 'is required' }),
  block_id: z.optional(z.string()),
  value: z.optional(z.string()),
  selected_option: z.optional(z.object({ value: z.string() })),
});

/** The parts of Slack's block_actions payload we read (Slack sends many more). */
const BlockActionsSchema = z.object({
  type: z.literal('block_actions', { error: 'must be "block_actions": only button clicks are handled here' }),
  user: z.object({ id: z.string({ error: 'is required' }).check(z.minLength(1)) }, { error: 'is required' }),
  channel: z.optional(z.object({ id: z.string() })),
  container: z.optional(z.object({ channel_id: z.optional(z.string()), message_ts: z.optional(z.string()) })),
  message: z.optional(z.object({ ts: z.string(), blocks: z.optional(z.array(z.record(z.string(), z.unknown()))) })),
  actions: z.array(ActionSchema).check(z.minLength(1, { error: 'must hold the action clicked' })),
});

type BlockActions = z.infer<typeof BlockActionsSchema>;

/** Slack posts `payload=<JSON>` as a form; both are read only once the signature over their bytes is checked. */
function parsePayload(rawBody: Buffer): BlockActions {
  const raw = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (raw === null) throw new ValidationError('Invalid payload: a form field "payload" holding JSON is required', [{ path: 'payload', message: 'is required (a JSON string)' }]);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError('Invalid payload: not JSON', [{ path: 'payload', message: 'must be JSON' }]);
  }
  return parseWith(BlockActionsSchema, json);
}

const OUTCOME_OF: Record<string, RepOutcome> = { [SLACK_ACTIONS.contacted]: 'contacted', [SLACK_ACTIONS.accepted]: 'accepted', [SLACK_ACTIONS.rejected]: 'rejected' };

/** The lead and the decision a click names; undefined for a click that decides nothing (Open in the app). */
function decisionOf(action: BlockActions['actions'][number]): { leadId: string; outcome: RepOutcome; reason?: string } | undefined {
  const outcome = OUTCOME_OF[action.action_id];
  if (!outcome) return undefined;
  const leadId = action.block_id?.startsWith(LEAD_BLOCK_PREFIX) ? action.block_id.slice(LEAD_BLOCK_PREFIX.length) : '';
  if (!leadId) throw new ValidationError('Invalid actions.0.block_id: not a lead\'s buttons', [{ path: 'actions.0.block_id', message: `must be "${LEAD_BLOCK_PREFIX}<lead id>"` }]);
  const reason = outcome === 'rejected' ? action.selected_option?.value : undefined;
  return { leadId, outcome, ...(reason ? { reason } : {}) };
}

/** Where the clicked message is: its channel and timestamp. */
const postedOf = (payload: BlockActions) => {
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  return channel && ts ? { channel, ts } : undefined;
};

/** Who may answer this lead from Slack: its rep now, or the team lead. */
async function answererOf(deps: SlackInteractionDeps, lead: Lead, slackUserId: string): Promise<{ repId?: string; actor: string; name: string } | undefined> {
  const owner = deps.reps.find((rep) => rep.id === lead.ownerId);
  if (owner && (await slackUserIdOf(deps, owner)) === slackUserId) return { repId: owner.id, actor: `rep:${owner.id}`, name: owner.name };
  const { teamLead } = deps;
  if (teamLead && (await slackUserIdOf(deps, teamLead)) === slackUserId) return { actor: `manager:${teamLead.email.toLowerCase()}`, name: teamLead.name };
  return undefined;
}

/** A responder's name from the timeline's actor (`rep:<id>`, `manager:<email>`, `crm:<id>`). */
function nameOf(deps: Pick<SlackInteractionDeps, 'reps' | 'teamLead'>, response: Pick<RepResponse, 'actor' | 'repId'>): string {
  const rep = deps.reps.find((r) => r.id === response.repId);
  if (rep) return rep.name;
  const [kind, who] = response.actor.split(/:(.*)/s);
  if (kind === 'manager' && deps.teamLead && who === deps.teamLead.email.toLowerCase()) return deps.teamLead.name;
  if (kind === 'crm') return 'The CRM';
  return who || response.actor;
}

/** The lead's answer that stands: its first response (what stopped the sequence), with the outcome it has now. */
function standingAnswerOf(deps: Pick<SlackInteractionDeps, 'reps' | 'teamLead'>, lead: Lead): StandingAnswer | undefined {
  const first = lead.firstResponse;
  if (!first) return undefined;
  const outcome = lead.outcome ?? first.outcome;
  const reason = outcome === 'rejected' ? (lead.rejectReason ?? first.reason) : undefined;
  return { outcome, ...(reason ? { reason } : {}), by: nameOf(deps, first), at: first.at, via: first.via };
}

/** A signed click is remembered until Slack's tolerance for it has passed, and a minute more for our clocks. */
const rememberedUntil = (signed: SlackSignedRequest) => new Date((Number((signed.timestamp ?? '').trim()) + SLACK_TOLERANCE_SECONDS + 60) * 1000);
/** Longer than the function may run (10 s): only a crashed attempt's lock passes. */
const CLAIM_SECONDS = 15;

export async function answerSlackClick(deps: SlackInteractionDeps, signed: SlackSignedRequest): Promise<SlackClickResult> {
  const now = deps.clock.now();
  await verifySlackSignature(deps.secrets, signed, now);
  // Exactly once per signed request: the same bytes again, within their five minutes, are a replay.
  const id = slackSignatureId(signed);
  const claim = await deps.store.claimWebhook(id, { now, lockUntil: new Date(now.getTime() + CLAIM_SECONDS * 1000), rememberUntil: rememberedUntil(signed) });
  if (claim.kind !== 'claimed') throw new SignatureInvalid('replayed', 'slack');
  let result: SlackClickResult;
  try {
    result = await handleClick(deps, parsePayload(signed.rawBody));
  } catch (error) {
    // A malformed payload stays malformed; anything else failed part-way and may be tried again.
    if (!(error instanceof ValidationError)) {
      await deps.store.releaseWebhook(id, claim.claimToken).catch(() => undefined);
      throw error;
    }
    await deps.store.completeWebhook(id, claim.claimToken);
    throw error;
  }
  await deps.store.completeWebhook(id, claim.claimToken);
  return result;
}

async function handleClick(deps: SlackInteractionDeps, payload: BlockActions): Promise<SlackClickResult> {
  const action = payload.actions[0]!;
  const decision = decisionOf(action);
  if (!decision) return { kind: 'nothing-to-do' };
  const posted = postedOf(payload);
  const clicker = payload.user.id;
  const tell = async (text: string) => {
    // Only a courtesy: what matters (nothing recorded) holds whether Slack shows it or not.
    if (posted) await deps.slack.postEphemeral(posted.channel, clicker, text).catch(() => undefined);
  };

  const lead = await deps.store.getLead(decision.leadId);
  if (!lead) {
    await tell('This lead is no longer in Speed-to-lead (it may have been erased): nothing was recorded.');
    return { kind: 'unknown-lead', leadId: decision.leadId };
  }
  const answerer = await answererOf(deps, lead, clicker);
  if (!answerer) {
    const owner = deps.reps.find((rep) => rep.id === lead.ownerId);
    await tell(`Only ${owner ? `${owner.name}, the lead's rep,` : "the lead's rep"} or the team lead can answer this lead: nothing was recorded.`);
    return { kind: 'not-yours', leadId: lead.leadId };
  }
  const update = async (forLead: Lead, answer: StandingAnswer) => {
    if (!posted) return false;
    // The answer is recorded: a message Slack did not take now shows it on the next click.
    return deps.slack
      .updateMessage(posted, answeredMessage(payload.message?.blocks as SlackBlock[] | undefined, forLead, answer))
      .then(() => true)
      .catch(() => false);
  };

  const standing = standingAnswerOf(deps, lead);
  if (standing) return { kind: 'already-answered', lead, messageUpdated: await update(lead, standing) };

  const result = await respondInSlack(deps, lead.leadId, { outcome: decision.outcome, ...(decision.reason ? { reason: decision.reason } : {}) }, { ...(answerer.repId ? { repId: answerer.repId } : {}), actor: answerer.actor });
  const answer = standingAnswerOf(deps, result.lead) ?? { outcome: result.outcome, by: answerer.name, at: result.contactedAt, via: 'slack' };
  return { kind: 'answered', result, messageUpdated: await update(result.lead, answer) };
}
