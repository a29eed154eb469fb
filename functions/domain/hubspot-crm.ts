import * as z from '@domain/zod';
import { ValidationError } from '@domain/errors';
import type { PipelineStage } from '@domain/pipeline';
import type { RepOutcome } from '@domain/lead';
import { REJECT_REASONS, type RejectReason } from '@domain/reject-reasons';

/**
 * What a HubSpot record's properties mean here. A workflow in HubSpot ("Send a webhook", POST,
 * with the contact's or deal's properties in the body) tells us when the rep sets a lead
 * status, a contact becomes an opportunity or a customer, or a deal moves stage. Which values
 * mean what is config (`crm.hubspot` in the stage's deploy config), with HubSpot's own default
 * internal values as the defaults, because every portal renames its stages.
 */
const text = z.string().check(z.minLength(1));
const values = z.array(text);

export const HubspotMappingSchema = z.strictObject({
  /** The contact or deal property that holds our lead id (written by the handoff, or by the form): the first way to find the lead. */
  leadIdProperty: z._default(text, 'speed_to_lead_id'),
  /** `dealstage` values that close a deal; any other stage of a deal is an open opportunity. */
  dealStages: z._default(z.strictObject({ won: values, lost: values }), { won: ['closedwon'], lost: ['closedlost'] }),
  /** `lifecyclestage` values that mean an opportunity, or a customer (won). */
  lifecycleStages: z._default(z.strictObject({ opportunity: values, won: values }), { opportunity: ['opportunity'], won: ['customer'] }),
  /** `hs_lead_status` values that are a rep's answer, with a reject reason for rejections. */
  leadStatuses: z._default(
    z.record(text, z.strictObject({ outcome: z.enum(['contacted', 'accepted', 'rejected', 'opportunity']), reason: z.optional(z.enum(REJECT_REASONS)) })),
    {
      ATTEMPTED_TO_CONTACT: { outcome: 'contacted' },
      CONNECTED: { outcome: 'contacted' },
      IN_PROGRESS: { outcome: 'accepted' },
      OPEN_DEAL: { outcome: 'opportunity' },
      UNQUALIFIED: { outcome: 'rejected', reason: 'bad-fit' },
      BAD_TIMING: { outcome: 'rejected', reason: 'no-timeline' },
    },
  ),
  /** The currency of an amount when the record carries none (`deal_currency_code`). */
  defaultCurrency: z._default(z.string().check(z.regex(/^[A-Z]{3}$/, { error: 'must be a three-letter ISO 4217 code such as EUR' })), 'USD'),
});

export type HubspotMapping = z.infer<typeof HubspotMappingSchema>;

export const defaultHubspotMapping = (): HubspotMapping => HubspotMappingSchema.parse({});

/** What one HubSpot delivery says, in our terms: which lead, a rep's answer, a pipeline stage. */
export interface HubspotUpdate {
  leadId?: string;
  email?: string;
  response?: { outcome: Exclude<RepOutcome, never>; reason?: RejectReason };
  pipeline?: { stage: PipelineStage; amount?: number; currency?: string; lostReason?: string };
}

// A property arrives as a string, a number, or (HubSpot's legacy contact format) { value }.
const PropertyValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.object({ value: z.optional(z.union([z.string(), z.number(), z.boolean(), z.null()])) })]);
const WorkflowBody = z.object({ properties: z.optional(z.record(z.string(), PropertyValue)) });

const valueOf = (raw: unknown): string | undefined => {
  const value = raw !== null && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
  if (value === undefined || value === null) return undefined;
  const textValue = String(value).trim();
  return textValue === '' ? undefined : textValue;
};

/**
 * Reads a workflow webhook's body: the record's properties either at the top level (a
 * customized body) or under `properties` (all properties, in either of HubSpot's shapes).
 * Throws ValidationError (400) for a body that names no lead or says nothing we map.
 */
export function hubspotUpdateOf(body: unknown, mapping: HubspotMapping): HubspotUpdate {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Invalid HubSpot webhook: the body must be a JSON object of the record\'s properties', [{ path: '(body)', message: 'must be a JSON object: in the workflow\'s "Send a webhook", include the record\'s properties' }]);
  }
  const wrapped = WorkflowBody.safeParse(body);
  const properties: Record<string, unknown> = { ...(body as Record<string, unknown>), ...(wrapped.success ? (wrapped.data.properties ?? {}) : {}) };
  const property = (name: string) => valueOf(properties[name]);

  const leadId = property(mapping.leadIdProperty);
  const email = property('email')?.toLowerCase();
  if (!leadId && !email) {
    throw new ValidationError('Invalid HubSpot webhook: no lead named', [{ path: mapping.leadIdProperty, message: `is required (or email): the record's ${mapping.leadIdProperty} or email property, so the lead can be found` }]);
  }

  const update: HubspotUpdate = { ...(leadId ? { leadId } : {}), ...(email ? { email } : {}) };
  const amountText = property('amount');
  const amount = amountText !== undefined ? Number(amountText) : undefined;
  if (amount !== undefined && !(Number.isFinite(amount) && amount >= 0)) {
    throw new ValidationError('Invalid HubSpot webhook: amount', [{ path: 'amount', message: 'must be a number of at least 0, e.g. 12000' }]);
  }
  const money = amount !== undefined ? { amount, currency: (property('deal_currency_code') ?? mapping.defaultCurrency).toUpperCase() } : {};

  const dealStage = property('dealstage');
  const lifecycle = property('lifecyclestage');
  const status = property('hs_lead_status');
  const statusMeaning = status !== undefined ? mapping.leadStatuses[status] : undefined;

  if (dealStage !== undefined) {
    const stage: PipelineStage = mapping.dealStages.won.includes(dealStage) ? 'won' : mapping.dealStages.lost.includes(dealStage) ? 'lost' : 'opportunity';
    const lostReason = stage === 'lost' ? property('closed_lost_reason') : undefined;
    update.pipeline = { stage, ...money, ...(lostReason ? { lostReason: lostReason.slice(0, 200) } : {}) };
  } else if (lifecycle !== undefined && (mapping.lifecycleStages.won.includes(lifecycle) || mapping.lifecycleStages.opportunity.includes(lifecycle))) {
    update.pipeline = { stage: mapping.lifecycleStages.won.includes(lifecycle) ? 'won' : 'opportunity', ...money };
  } else if (statusMeaning?.outcome === 'opportunity') {
    update.pipeline = { stage: 'opportunity', ...money };
  }
  if (statusMeaning && statusMeaning.outcome !== 'opportunity') {
    update.response = { outcome: statusMeaning.outcome, ...(statusMeaning.reason ? { reason: statusMeaning.reason } : {}) };
  }
  if (!update.pipeline && !update.response) {
    throw new ValidationError('Invalid HubSpot webhook: nothing to record', [
      { path: '(body)', message: 'must carry dealstage, lifecyclestage or hs_lead_status with a value the mapping knows (crm.hubspot in the deploy config)' },
    ]);
  }
  return update;
}
