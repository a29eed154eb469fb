import { createHash, timingSafeEqual } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import * as z from '@domain/zod';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import type { PipelineStage } from '@domain/pipeline';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/**
 * Salesforce's Outbound Messages (a Flow's or workflow rule's "Send Outbound Message"): a SOAP
 * `notifications` call of up to 100 records, repeated until we answer with the `Ack` the WSDL
 * defines, for up to 24 hours, and not in order. Salesforce signs nothing; the endpoint URL ops
 * give it carries a token the stack generates (`?token=`, compared in constant time before the
 * body is read; API Gateway's access log has the route, not the query), and the message's
 * OrganizationId must be the org in the config when one is set. Each notification's `Id` is
 * what Salesforce resends under, so it is the delivery's id.
 */
export const SALESFORCE_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Throws SignatureInvalid (401, scheme `salesforce`) unless the URL's token is the stack's (or the one before a rotation). */
export function verifySalesforceToken(token: string | undefined, tokens: SecretVersions): void {
  const refuse = (reason: ConstructorParameters<typeof SignatureInvalid>[0]) => new SignatureInvalid(reason, 'salesforce');
  if (!token) throw refuse('missing-signature');
  const given = digest(token);
  const matches = (expected: string) => timingSafeEqual(given, digest(expected));
  if (!matches(tokens.current) && !(tokens.previous !== undefined && matches(tokens.previous))) throw refuse('mismatch');
}

/** verifySalesforceToken with the token as held, and on a mismatch once more read again (a rotation not read yet). */
export const verifySalesforceRequest = (secrets: Pick<SecretSource, 'salesforceTokens'>, token: string | undefined): Promise<void> =>
  checkAgainstSecret((read) => secrets.salesforceTokens(read), (versions) => verifySalesforceToken(token, versions));

const text = z.string().check(z.minLength(1));

export const SalesforceMappingSchema = z.strictObject({
  /** The org allowed to send (its 15- or 18-character id); any org with the token when absent. */
  organizationId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, { error: 'must be a Salesforce org id (15 or 18 letters and digits, starting 00D)' }))),
  /** The Opportunity (or Lead) field holding our lead id. */
  leadIdField: z._default(text, 'Speed_to_Lead_Id__c'),
  /** StageName values that close a deal, when the message does not carry IsWon and IsClosed. */
  wonStages: z._default(z.array(text), ['Closed Won']),
  lostStages: z._default(z.array(text), ['Closed Lost']),
  /** The field with why a deal was lost, if the org has one. */
  lostReasonField: z.optional(text),
});

export type SalesforceMapping = z.infer<typeof SalesforceMappingSchema>;

export interface SalesforceChange {
  leadId: string;
  deliveryId: string;
  at?: string;
  pipeline: { stage: PipelineStage; amount?: number; currency?: string; lostReason?: string };
}

export interface SalesforceMessage {
  organizationId: string;
  changes: SalesforceChange[];
  /** Notifications that say nothing for us (no lead id): acknowledged all the same. */
  ignored: number;
}

// XML's own entities (&amp;) decoded, strings kept as strings (an id is never a number). A
// document type is refused before parsing: Salesforce never sends one, and its entities are
// how an "XML bomb" or an external entity gets in.
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, processEntities: true, htmlEntities: false, parseTagValue: false, parseAttributeValue: false, isArray: (name) => name === 'Notification' });

const invalid = (message: string, path = '(body)') => new ValidationError(`Invalid Salesforce outbound message: ${message}`, [{ path, message }]);

const stringOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() || undefined;
  if (value && typeof value === 'object' && '#text' in value) return stringOf((value as { '#text': unknown })['#text']);
  return undefined;
};

/** Reads the SOAP envelope's notifications; ValidationError (400) for XML that is not one. */
export function salesforceMessageOf(raw: Buffer, mapping: SalesforceMapping): SalesforceMessage {
  const source = raw.toString('utf8');
  if (/<!DOCTYPE/i.test(source)) throw invalid('must not declare a document type (Salesforce sends none)');
  let document: Record<string, any>;
  try {
    document = parser.parse(source, true) as Record<string, any>;
  } catch {
    throw invalid('must be the SOAP envelope Salesforce sends (text/xml)');
  }
  const notifications = document?.Envelope?.Body?.notifications;
  if (!notifications || typeof notifications !== 'object') throw invalid('must be a SOAP envelope with a notifications element', 'Envelope.Body.notifications');
  const organizationId = stringOf(notifications.OrganizationId);
  if (!organizationId) throw invalid('is required', 'notifications.OrganizationId');
  const list = (notifications.Notification ?? []) as Array<Record<string, any>>;
  if (list.length > 100) throw invalid('must be at most 100, as Salesforce sends them', 'notifications.Notification');

  const changes: SalesforceChange[] = [];
  let ignored = 0;
  list.forEach((notification, index) => {
    const id = stringOf(notification.Id);
    const record = notification.sObject as Record<string, unknown> | undefined;
    if (!id || !record) throw invalid('must have an Id and an sObject', `notifications.Notification.${index}`);
    const leadId = stringOf(record[mapping.leadIdField]);
    if (!leadId) {
      ignored += 1;
      return;
    }
    const stageName = stringOf(record.StageName);
    const closed = stringOf(record.IsClosed) === 'true';
    const won = stringOf(record.IsWon) === 'true' || (stageName !== undefined && mapping.wonStages.includes(stageName));
    const lost = (closed && !won) || (stageName !== undefined && mapping.lostStages.includes(stageName));
    const stage: PipelineStage = won ? 'won' : lost ? 'lost' : 'opportunity';
    const amountText = stringOf(record.Amount);
    const amount = amountText !== undefined ? Number(amountText) : undefined;
    if (amount !== undefined && !(Number.isFinite(amount) && amount >= 0)) throw invalid('must be a number of at least 0', `notifications.Notification.${index}.sObject.Amount`);
    const currency = stringOf(record.CurrencyIsoCode);
    const modified = stringOf(record.LastModifiedDate);
    const at = modified && Number.isFinite(Date.parse(modified)) ? new Date(modified).toISOString() : undefined;
    const lostReason = stage === 'lost' && mapping.lostReasonField ? stringOf(record[mapping.lostReasonField]) : undefined;
    changes.push({
      leadId,
      deliveryId: `salesforce:${id}`,
      ...(at ? { at } : {}),
      pipeline: { stage, ...(amount !== undefined ? { amount, ...(currency ? { currency: currency.toUpperCase() } : {}) } : {}), ...(lostReason ? { lostReason: lostReason.slice(0, 200) } : {}) },
    });
  });
  return { organizationId, changes, ignored };
}

/** The answer the outbound messaging WSDL defines: without it, Salesforce sends the message again. */
export const SALESFORCE_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="${SALESFORCE_NAMESPACE}"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>`;
