import * as z from '@domain/zod';

/**
 * Hot-lead alerts as text messages, for reps who opt in (`smsAlertsTo` in their rep record),
 * sent through AWS End User Messaging SMS from the stage's origination identity.
 */
export const SmsSettingsSchema = z.strictObject({
  /**
   * Who the texts come from: a phone number or pool of End User Messaging SMS, by id
   * ("phone-…", "pool-…") or ARN (a sender id only by its ARN, which names its country).
   */
  originationIdentity: z.string().check(
    z.regex(
      /^(?:(?:phone|pool)-[A-Za-z0-9]{8,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(?:phone-number\/phone|pool\/pool)-[A-Za-z0-9]{8,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:sender-id\/[A-Za-z0-9-]{1,11}\/[A-Z]{2})$/,
      'a phone number or pool id ("phone-…", "pool-…", from End User Messaging SMS → Phone numbers / Phone pools) or its ARN',
    ),
  ),
  /** Optional: a configuration set (delivery events, opt-outs). */
  configurationSetName: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'a configuration set name (letters, digits, "-" and "_")'))),
  /** Optional: the most one text may cost, in US dollars, e.g. "0.10"; a dearer destination is refused. */
  maxPrice: z.optional(z.string().check(z.regex(/^\d{1,2}\.\d{2,5}$/, 'US dollars with two to five decimals, e.g. "0.10"'))),
});

export type SmsSettings = z.infer<typeof SmsSettingsSchema>;

/** One text message to a rep. */
export interface OutgoingText {
  to: string;
  body: string;
  /** Seconds after which the carrier drops it undelivered: an alert that late is no use. */
  timeToLiveSeconds: number;
  /** Kept with the message's delivery events (not personal data). */
  context: { leadId: string; step: string };
}

/** End User Messaging's limits on a message's time to live. */
const TTL_SECONDS = { min: 5, max: 259_200 } as const;

export const timeToLive = (minutes: number): number => Math.min(TTL_SECONDS.max, Math.max(TTL_SECONDS.min, Math.round(minutes * 60)));
