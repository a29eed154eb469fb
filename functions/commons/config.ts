import { BookingOfferSchema, type BookingOffer } from '@domain/booking';
import { defaultHubspotMapping, type HubspotMapping } from '@domain/hubspot-crm';
import { PipedriveMappingSchema, type PipedriveMapping } from '@domain/pipedrive-crm';
import { roundRobinOver } from '@domain/routing';
import { SalesforceMappingSchema, type SalesforceMapping } from '@domain/salesforce-crm';
import type { EmailCatalog } from '@domain/email-catalog';
import { type Env, type LeadConfig, readEmails, readEnv, readLeadConfig } from '@commons/env';

/** The environment's settings and, under the names they had there, the lead configuration file's. */
export type FunctionConfig = Env & {
  SEQUENCE: LeadConfig['sequence'];
  REPS: LeadConfig['reps'];
  ROUTING: LeadConfig['routing'];
  SLA_MINUTES: LeadConfig['slaMinutes'];
  /** What HubSpot's properties mean here: the stage's crm.hubspot, or HubSpot's default values. */
  HUBSPOT: HubspotMapping;
  PIPEDRIVE: PipedriveMapping;
  SALESFORCE: SalesforceMapping;
  /** Where reps' alert texts come from; absent: no texts. */
  SMS: LeadConfig['sms'];
  /** Which leads the thank-you offers a meeting: the stage's bookingOffer, or hot leads. */
  BOOKING_OFFER: BookingOffer;
};

let loaded: FunctionConfig | undefined;

function load(): FunctionConfig {
  const env = readEnv();
  const lead = readLeadConfig(env.LEAD_CONFIG_FILE);
  return { ...env, SEQUENCE: lead.sequence, REPS: lead.reps, ROUTING: lead.routing, SLA_MINUTES: lead.slaMinutes, HUBSPOT: lead.crm?.hubspot ?? defaultHubspotMapping(), PIPEDRIVE: lead.crm?.pipedrive ?? PipedriveMappingSchema.parse({}), SALESFORCE: lead.crm?.salesforce ?? SalesforceMappingSchema.parse({}), SMS: lead.sms, BOOKING_OFFER: lead.bookingOffer ?? BookingOfferSchema.parse({}) };
}

/** The function's configuration, read and validated once per cold start. */
export const config = (): FunctionConfig => (loaded ??= load());

/** Who the reps are and how leads reach them: the stage's routing, or every rep in turn. */
export const routingOf = () => config().ROUTING ?? roundRobinOver(config().REPS);

let emailCatalog: EmailCatalog | undefined;

/** The messages' templates (EMAILS_FILE), read once per cold start by the functions that send email. */
export const emails = (): EmailCatalog => (emailCatalog ??= readEmails(config().EMAILS_FILE));
