import * as z from '@domain/zod';
import { BusinessHoursSchema, withinBusinessHours } from '@domain/business-hours';

/** Where a person's alerts go: email (as ever), Slack (email only when Slack fails), or both. */
export const ALERT_CHANNELS = ['email', 'slack', 'both'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** A person alerts can reach: a rep, or the team lead. */
export interface AlertContact {
  name: string;
  email: string;
  alerts?: AlertChannel;
  slackUserId?: string;
  /** The mobile number hot-lead alerts are also texted to (E.164); absent: no text messages. */
  smsAlertsTo?: string;
}

/** Who a person is in Slack and whether they want alerts there; without an id, the bot looks them up by email once. */
export const SlackContactShape = {
  /** Absent: email. */
  alerts: z.optional(z.enum(ALERT_CHANNELS, { error: 'must be "email", "slack" or "both"' })),
  slackUserId: z.optional(z.string().check(z.regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack member id such as "U024BE7LH" (profile, ⋮, Copy member ID)'))),
};

/** A number as SMS wants it (E.164: "+", the country code, the number; no spaces), as End User Messaging checks it. */
export const E164_NUMBER = /^\+[1-9][0-9]{6,14}$/;

/** A rep who opts in to text messages names their mobile; hot-lead alerts (and escalations to them) go there too. */
export const SmsContactShape = {
  smsAlertsTo: z.optional(z.string().check(z.regex(E164_NUMBER, 'a mobile number in international form, such as "+4915112345678" (a plus, the country code, then the digits, no spaces)'))),
};

/** A sales rep who can own leads. Inactive reps (on leave) get no new leads. */
export const RepSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, e.g. "rep-ana"')),
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  email: z.email(),
  active: z._default(z.boolean(), true),
  /** The rep's own working day (their zone as `defaultTimeZone`): escalations prefer reps at work. */
  workingHours: z.optional(BusinessHoursSchema),
  /** The rep's own scheduling page, offered to their hot leads on the form's thank-you (docs/booking.md). */
  scheduling: z.optional(
    z.strictObject({
      tool: z.enum(['calcom', 'calendly', 'hubspot'], { error: 'must be "calcom", "calendly" or "hubspot"' }),
      url: z.url({ protocol: /^https?$/, error: 'must be the page\'s https address, e.g. "https://cal.com/ana/30min"' }),
    }),
  ),
  ...SlackContactShape,
  ...SmsContactShape,
});

export type Rep = z.infer<typeof RepSchema>;

/** Whether the rep is at work at `now`; a rep without working hours always counts as reachable. */
export const isAtWork = (rep: Rep, now: Date): boolean =>
  !rep.workingHours || withinBusinessHours(now, undefined, rep.workingHours).getTime() === now.getTime();
