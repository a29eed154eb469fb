import type { Clock } from '@domain/clock';
import { Forbidden, LeadNotFound } from '@domain/errors';
import { hubspotUpdateOf, type HubspotMapping } from '@domain/hubspot-crm';
import { HUBSPOT_TOLERANCE_MS, hubspotDeliveryId, type HubspotSignedRequest, verifyHubspotSignature } from '@domain/hubspot-signature';
import type { Lead } from '@domain/lead';
import { pipedriveUpdateOf, type PipedriveMapping, verifyPipedriveRequest } from '@domain/pipedrive-crm';
import type { Pipeline } from '@domain/pipeline';
import { recordPipelineChange } from '@domain/pipeline-changes';
import type { LeadStore, SecretSource } from '@domain/ports';
import { recordCrmResponse, REMEMBERED_PAST_WINDOW_SECONDS, type RepResponseResult } from '@domain/rep-response';
import { salesforceMessageOf, type SalesforceMapping, verifySalesforceRequest } from '@domain/salesforce-crm';

/*
 * A CRM's own webhook, in its own format and signed its own way, recorded with the same
 * domain functions as our signed webhook: a rep's answer through recordCrmResponse (as the
 * email link's), a deal's stage through recordPipelineChange.
 */

/** The ids of the leads with this email, oldest first (the byDomain index). */
export interface LeadsByEmail {
  leadsOf(email: string): Promise<string[]>;
}

export interface CrmInboundDeps {
  store: LeadStore & LeadsByEmail;
  secrets: SecretSource;
  clock: Clock;
}

export interface CrmInboundResult {
  leadId: string;
  response?: Pick<RepResponseResult, 'outcome' | 'contactedAt' | 'replayed'>;
  pipeline?: Pick<Pipeline, 'stage' | 'stageAt' | 'amount' | 'currency'> & { changed: boolean };
}

/** What a route answers about the pipeline after a change: the stage, and the amount when there is one. */
const pipelineSummary = (pipeline: Pipeline, changed: boolean): NonNullable<CrmInboundResult['pipeline']> => ({
  stage: pipeline.stage,
  stageAt: pipeline.stageAt,
  ...(pipeline.amount !== undefined ? { amount: pipeline.amount, currency: pipeline.currency } : {}),
  changed,
});

/** The lead the CRM names: our id written into the CRM first, else the latest lead with that email. */
async function leadNamed(store: CrmInboundDeps['store'], named: { leadId?: string; email?: string }): Promise<Lead> {
  if (named.leadId) {
    const lead = named.leadId.length <= 80 ? await store.getLead(named.leadId) : undefined;
    if (lead) return lead;
  }
  if (named.email) {
    const ids = await store.leadsOf(named.email);
    const latest = ids.at(-1);
    const lead = latest ? await store.getLead(latest) : undefined;
    if (lead) return lead;
  }
  throw new LeadNotFound(named.leadId ?? '(by email)');
}

/**
 * POST /crm/hubspot: a HubSpot workflow's "Send a webhook" with the record's properties. The
 * signature (v3, over our public URL) is checked before the body is read (401), then the body
 * (400), then the lead (404: HubSpot's workflows do not retry a 4xx, and no retry would find
 * it). The delivery's signature is its id, so HubSpot's retry of the same request records
 * nothing twice. The time of the change is HubSpot's send time (the signed timestamp).
 */
export async function recordFromHubspot(deps: CrmInboundDeps, mapping: HubspotMapping, signed: HubspotSignedRequest, body: unknown): Promise<CrmInboundResult> {
  await verifyHubspotSignature(deps.secrets, signed, deps.clock.now());
  const update = hubspotUpdateOf(body, mapping);
  const lead = await leadNamed(deps.store, update);
  const sentAt = Number((signed.timestamp ?? '').trim());
  const deliveryId = hubspotDeliveryId(signed);
  const result: CrmInboundResult = { leadId: lead.leadId };

  if (update.response) {
    const answered = await recordCrmResponse(deps, lead.leadId, update.response, {
      claimId: deliveryId,
      rememberUntil: new Date(sentAt + HUBSPOT_TOLERANCE_MS + REMEMBERED_PAST_WINDOW_SECONDS * 1000),
      actor: 'crm:hubspot',
    });
    result.response = { outcome: answered.outcome, contactedAt: answered.contactedAt, ...(answered.replayed ? { replayed: true } : {}) };
  }
  if (update.pipeline) {
    const { pipeline, changed } = await recordPipelineChange(deps, lead.leadId, { ...update.pipeline, at: new Date(sentAt).toISOString(), source: 'hubspot', deliveryId });
    result.pipeline = pipelineSummary(pipeline, changed);
  }
  return result;
}

/**
 * POST /crm/pipedrive: a Pipedrive webhook (v2) for deals, with HTTP Basic auth, checked
 * before the body is read (401). A deal of one of our leads (its lead id field set) is a
 * pipeline change at the deal's update time, once per event id; any other event is answered
 * 200 with why it was ignored, and a deal naming a lead we do not have is a 404.
 */
export async function recordFromPipedrive(deps: CrmInboundDeps, mapping: PipedriveMapping, authorization: string | undefined, body: unknown): Promise<CrmInboundResult | { ignored: string }> {
  await verifyPipedriveRequest(deps.secrets, authorization);
  const update = pipedriveUpdateOf(body, mapping);
  if ('ignored' in update) return update;
  const lead = await leadNamed(deps.store, { leadId: update.leadId });
  const { pipeline, changed } = await recordPipelineChange(deps, lead.leadId, { ...update.pipeline, at: update.at, source: 'pipedrive', deliveryId: update.deliveryId });
  return { leadId: lead.leadId, pipeline: pipelineSummary(pipeline, changed) };
}

/** What a Salesforce message did: each notification is acknowledged, recorded or not. */
export interface SalesforceResult {
  recorded: number;
  /** Seen before (Salesforce resends until acknowledged): nothing changed. */
  repeated: number;
  /** No lead id on the record, or a lead we do not have: acknowledged, or Salesforce resends it for a day. */
  ignored: number;
}

const sameOrg = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);

/**
 * POST /crm/salesforce?token=: an Outbound Message. The token is checked before the body is
 * read (401), then the envelope (400), then the org (403 when config names another). Every
 * notification is then acknowledged, as the WSDL requires: a record of one of our leads is a
 * pipeline change at its LastModifiedDate (so Salesforce's out-of-order resends are put back
 * in order), once per notification id; others are counted as ignored.
 */
export async function recordFromSalesforce(deps: CrmInboundDeps, mapping: SalesforceMapping, token: string | undefined, rawBody: Buffer): Promise<SalesforceResult> {
  await verifySalesforceRequest(deps.secrets, token);
  const message = salesforceMessageOf(rawBody, mapping);
  if (mapping.organizationId && !sameOrg(message.organizationId, mapping.organizationId)) {
    throw new Forbidden(`Outbound messages are taken from the org ${mapping.organizationId} only`);
  }
  const result: SalesforceResult = { recorded: 0, repeated: 0, ignored: message.ignored };
  const now = deps.clock.now().toISOString();
  for (const change of message.changes) {
    try {
      const { changed } = await recordPipelineChange(deps, change.leadId, { ...change.pipeline, at: change.at ?? now, source: 'salesforce', deliveryId: change.deliveryId });
      result[changed ? 'recorded' : 'repeated'] += 1;
    } catch (error) {
      if (!(error instanceof LeadNotFound)) throw error;
      result.ignored += 1;
    }
  }
  return result;
}
