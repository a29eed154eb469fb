import Handlebars from 'handlebars/runtime';
import { firstName, type Lead, requestedThing } from '@domain/lead';
import { escapeHtml, headerSafe } from '@domain/markup';
import { telUriOf } from '@domain/phone';
import type { CompiledEmail, EmailCatalog, FormResources } from '@domain/email-catalog';

export type { CompiledEmail, EmailCatalog, FormResources } from '@domain/email-catalog';

/**
 * The emails, rendered from the template files in `lib/config/emails/` (one per message, with
 * variants by campaign or form). Synth compiles each file's MJML to HTML once, keeping its
 * Handlebars placeholders, derives its text part from the same source, and precompiles the
 * Handlebars of each part (`lib/emails.ts`); the functions only run them, with Handlebars'
 * runtime (18 KB, not its 110 KB compiler). Handlebars escapes every value in the HTML part,
 * and subjects are folded to one line, so nothing a lead typed adds markup or a header.
 */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** Who reads a message: a lead gets commercial email (unsubscribe link and postal address); a rep or team lead gets internal mail. */
export type Audience = 'lead' | 'team';

/** The messages, each a file `<message>.mjml` (follow-ups one per day of the sequence: `follow-up-3.mjml`). */
export const teamMessages = ['hot-alert', 'escalation', 'team-lead-notice'] as const;
export const leadMessages = ['confirmation'] as const;

export const followUpMessage = (day: number): string => `follow-up-${day}`;

/** The nurture track's emails (a "not now" rejection, sequence.nurture): one file, `nurture.mjml`, for every one of them. */
export const nurtureMessage = 'nurture';

export const audienceOfMessage = (message: string): Audience => ((teamMessages as readonly string[]).includes(message) ? 'team' : 'lead');

/** The follow-up for any day without a file of its own (`follow-up.mjml`). */
export const anyDayFollowUp = 'follow-up';

/** The files a message may come from, most specific first: the day's own, then the follow-up for any day. */
export const templateNamesOf = (message: string): string[] => (/^follow-up-\d+$/.test(message) ? [message, anyDayFollowUp] : [message]);

/**
 * The template for a message to this lead: the campaign's variant (`follow-up-3.<utm_campaign>`),
 * else the form's (`follow-up-3.<formId>`), else the message's own; a follow-up then falls back
 * to `follow-up.*` in the same order.
 */
export function templateFor(catalog: EmailCatalog, message: string, lead: Pick<Lead, 'formId' | 'utm_campaign'>): CompiledEmail {
  for (const name of templateNamesOf(message)) {
    for (const variant of [lead.utm_campaign, lead.formId]) {
      const template = variant ? catalog.templates[`${name}.${variant}`] : undefined;
      if (template) return template;
    }
    const template = catalog.templates[name];
    if (template) return template;
  }
  throw new Error(`No email template for "${message}": synth checks that lib/config/emails/${message}.mjml (or follow-up.mjml) exists`);
}

/** The form's resources over the default ones. */
export const resourcesFor = (catalog: Pick<EmailCatalog, 'resources'>, lead: Pick<Lead, 'formId'>): FormResources => ({
  ...catalog.resources.default,
  ...(lead.formId ? catalog.resources[lead.formId] : {}),
});

// ---------------------------------------------------------------------------------------------
// Variables: what a template may use. Each is documented here once; synth refuses any other.

/** The lead's fields as the templates see them: text, '' when the lead did not give it. */
const leadVariables = {
  'lead.firstName': 'the first word of the name',
  'lead.name': 'the name as typed',
  'lead.company': 'the company, or empty',
  'lead.jobTitle': 'the job title, or empty',
  'lead.email': 'the email address',
  'lead.phone': 'the phone as typed, or empty',
  'lead.message': 'what they wrote in the form, or empty (use {{quote lead.message}} to quote it)',
  'lead.formId': 'the form they used, or empty',
  'lead.campaign': 'utm_campaign, or empty',
} as const;

/** What only the team's emails show: the score and why. */
const scoreVariables = {
  'lead.score': 'the score, or "?"',
  'lead.grade': 'hot, warm or cold ("ungraded" before scoring)',
  'lead.reasons': 'the scoring reasons, joined by "; " ("no signals" when none)',
  'lead.who': 'name, job title and company, joined by ", "',
  'lead.accountActivity': "the account's recent activity, or empty",
} as const;

const resourceVariables = Object.fromEntries(
  (['caseStudy', 'guide', 'pricing'] as const).flatMap((kind) => [
    [`resources.${kind}`, `the form's ${kind} from the stage config's resources (use in {{#if}})`],
    [`resources.${kind}.title`, `its title`],
    [`resources.${kind}.url`, `its link`],
  ]),
);

const leadEmailVariables = {
  ...leadVariables,
  'owner.name': "the lead's rep, or empty",
  requested: 'what they asked for, in words ("a demo", "pricing information", ...)',
  ...resourceVariables,
  'links.unsubscribe': 'the signed unsubscribe link (required in every lead email)',
  'sender.postalAddress': "the sender's postal address (required: use {{lines sender.postalAddress}})",
  'sender.name': "the sender's name",
};

const teamEmailVariables = {
  ...leadVariables,
  ...scoreVariables,
  'owner.name': "the rep's name, or empty",
  'owner.rule': 'why this rep ("territory dach (round-robin)", ...)',
  requested: 'what they asked for, in words',
  'links.contact': "the rep's signed link to mark the lead contacted",
  'links.call': "the lead's phone as a tel: link, when it could be read as a full number (use in {{#if}})",
  'links.call.url': 'the tel: link',
  'links.call.label': '"Call <phone as typed>"',
  'alert.nextAction': 'the recommended next action',
};

/** The variables each message may use, with what each holds. */
export function variablesOf(message: string): Record<string, string> {
  if (message === 'confirmation') return leadEmailVariables;
  if (message === anyDayFollowUp || /^follow-up-\d+$/.test(message)) return { ...leadEmailVariables, day: 'the day of the sequence (1, 3, 7, 14)' };
  if (message === nurtureMessage) {
    return { ...leadEmailVariables, 'nurture.touch': 'which nurture email this is (1, 2, ...)', 'nurture.total': 'how many the track has', 'nurture.last': 'set on the last one (use in {{#if}})' };
  }
  if (message === 'hot-alert') {
    return { ...teamEmailVariables, 'alert.afterMinutes': 'minutes since the lead asked', 'alert.meetingFor': 'the meeting the lead booked on the thank-you ("Tue 10:30 (Europe/Berlin)"), or empty' };
  }
  if (message === 'escalation') return { ...teamEmailVariables, 'alert.slaMinutes': 'the SLA in minutes', 'alert.previousOwner': 'the rep who did not respond' };
  if (message === 'team-lead-notice') {
    return {
      ...teamEmailVariables,
      'alert.slaMinutes': 'the SLA in minutes',
      'alert.teamLead': "the team lead's name",
      'alert.from': 'the rep who did not respond',
      'alert.to': 'the rep it went to, or empty when nobody else was available',
    };
  }
  return {};
}

/** Helpers a template may call; any other is refused at synth (and at compile, knownHelpersOnly). */
export const emailHelpers = {
  lines: '{{lines value}}: the value with its line breaks kept (<br> in HTML)',
  quote: '{{quote value}}: the value quoted as a block (a blockquote in HTML, "> " lines in text)',
} as const;

// ---------------------------------------------------------------------------------------------
// Rendering

export type Part = 'html' | 'text';

const QUOTE_STYLE = 'border-left:3px solid #cccccc;margin:0 0 12px;padding-left:12px;color:#444444';

function environment(part: Part): typeof Handlebars {
  const env = Handlebars.create();
  const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
  if (part === 'html') {
    const lines = (value: unknown) => Handlebars.escapeExpression(text(value)).replace(/\r?\n/g, '<br>');
    env.registerHelper('lines', (value: unknown) => new Handlebars.SafeString(lines(value)));
    env.registerHelper('quote', (value: unknown) => new Handlebars.SafeString(`<blockquote style="${QUOTE_STYLE}">${lines(value)}</blockquote>`));
  } else {
    env.registerHelper('lines', (value: unknown) => text(value));
    env.registerHelper('quote', (value: unknown) =>
      text(value)
        .split(/\r?\n/)
        .map((line) => `> ${line}`)
        .join('\n'),
    );
  }
  return env;
}

const environments: Record<Part, typeof Handlebars> = { html: environment('html'), text: environment('text') };

/** How synth precompiles each part: the text part and the subject unescaped (they are not HTML), only our helpers. */
export const compileOptionsOf = (part: Part) => ({
  noEscape: part === 'text',
  knownHelpers: Object.fromEntries(Object.keys(emailHelpers).map((name) => [name, true])) as Record<string, boolean>,
  knownHelpersOnly: true,
  strict: false,
});

type Render = (context: unknown) => string;
const revived = new Map<string, Render>();

/**
 * A precompiled template made a function, once per function instance. The spec is JavaScript
 * that synth wrote from our own template files into the bundle's emails.json, the same code
 * Handlebars' own compile would have made here with `new Function` (it is how it compiles).
 */
function template(part: Part, spec: string): Render {
  const key = `${part}\0${spec}`;
  let render = revived.get(key);
  if (!render) {
    render = environments[part].template(new Function(`return ${spec};`)() as TemplateSpecification) as Render;
    revived.set(key, render);
  }
  return render;
}

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

/** A text part as a person reads it: no indentation from the source, paragraphs one blank line apart. */
const tidyText = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/** A URL we built or the config gave (never a lead's text), escaped for an attribute as written. */
const safeUrl = (url: string) => new Handlebars.SafeString(escapeHtml(url));

/** The HTML part's variables: links as written, escaped for an attribute (Handlebars would escape "=" too). */
function htmlVariables(variables: EmailVariables): EmailVariables {
  const links = Object.fromEntries(
    Object.entries(variables.links ?? {}).map(([name, value]) => [name, typeof value === 'string' ? safeUrl(value) : value && { ...value, url: safeUrl(value.url) }]),
  );
  const resources = Object.fromEntries(Object.entries(variables.resources ?? {}).map(([name, value]) => [name, value && { ...value, url: safeUrl(value.url) }]));
  return { ...variables, links, resources } as EmailVariables;
}

/** Fills a compiled template in: subject (one line), HTML (escaped) and text. */
export function renderTemplate(compiled: CompiledEmail, variables: EmailVariables): EmailContent {
  return {
    subject: headerSafe(template('text', compiled.subject)(variables)),
    html: template('html', compiled.html)(htmlVariables(variables)),
    text: tidyText(template('text', compiled.text)(variables)),
  };
}

/** Everything a template can be given; each message gets the part its variables name. */
export interface EmailVariables {
  lead: Record<string, string>;
  owner: { name: string; rule?: string };
  requested: string;
  resources?: FormResources;
  links?: { unsubscribe?: string; contact?: string; call?: { url: string; label: string } };
  sender?: { postalAddress: string; name: string };
  day?: number;
  alert?: Record<string, string | number>;
  /** The nurture track's emails: which one, of how many, and `last` ('yes') on the last. */
  nurture?: { touch: number; total: number; last: string };
}

const textOf = (value: string | number | undefined): string => (value === undefined ? '' : String(value));

/** The lead's fields for a template; the score's only for the team's emails. */
function leadFields(lead: Lead, audience: Audience): Record<string, string> {
  const fields: Record<string, string> = {
    firstName: firstName(lead),
    name: lead.name,
    company: textOf(lead.company),
    jobTitle: textOf(lead.jobTitle),
    email: lead.email,
    phone: textOf(lead.phone ?? lead.phoneE164),
    message: textOf(lead.message),
    formId: textOf(lead.formId),
    campaign: textOf(lead.utm_campaign),
  };
  if (audience === 'lead') return fields;
  return {
    ...fields,
    score: lead.score === undefined ? '?' : String(lead.score),
    grade: lead.grade ?? 'ungraded',
    reasons: (lead.reasons ?? []).join('; ') || 'no signals',
    who: [lead.name, lead.jobTitle, lead.company].filter(Boolean).join(', '),
    accountActivity: textOf(lead.accountActivity),
  };
}

/** What every email to a lead carries: commercial email, so an unsubscribe link and the sender's postal address (CAN-SPAM). */
export interface LeadEmailLinks {
  unsubscribeUrl: string;
  postalAddress: string;
  /** The sender's display name; the footer may show it. */
  senderName?: string;
}

function leadEmailVariablesOf(catalog: EmailCatalog, lead: Lead, links: LeadEmailLinks): EmailVariables {
  return {
    lead: leadFields(lead, 'lead'),
    owner: { name: textOf(lead.ownerName) },
    requested: requestedThing(lead),
    resources: resourcesFor(catalog, lead),
    links: { unsubscribe: links.unsubscribeUrl },
    sender: { postalAddress: links.postalAddress, name: links.senderName ?? '' },
  };
}

/** The rep's one-tap call, when the lead's phone could be read as a full number. */
const callLink = (lead: Lead): { url: string; label: string } | undefined => {
  const url = telUriOf(lead);
  return url ? { url, label: `Call ${lead.phone ?? lead.phoneE164}` } : undefined;
};

function teamEmailVariablesOf(lead: Lead, contactUrl: string, nextAction: string, alert: Record<string, string | number>): EmailVariables {
  const call = callLink(lead);
  return {
    lead: leadFields(lead, 'team'),
    owner: { name: textOf(lead.ownerName), rule: lead.ownerRule ?? 'assigned' },
    requested: requestedThing(lead),
    links: { contact: contactUrl, ...(call ? { call } : {}) },
    alert: { nextAction, ...alert },
  };
}

export function confirmationEmail(catalog: EmailCatalog, lead: Lead, links: LeadEmailLinks): EmailContent {
  return renderTemplate(templateFor(catalog, 'confirmation', lead), leadEmailVariablesOf(catalog, lead, links));
}

/** The day's follow-up: each day its own file (`follow-up-<day>.mjml`), so each says its own thing. */
export function followUpEmail(catalog: EmailCatalog, lead: Lead, day: number, links: LeadEmailLinks): EmailContent {
  return renderTemplate(templateFor(catalog, followUpMessage(day), lead), { ...leadEmailVariablesOf(catalog, lead, links), day });
}

/** The nurture track's `touch`-th email of `total`, from `nurture.mjml`. */
export function nurtureEmail(catalog: EmailCatalog, lead: Lead, touch: number, total: number, links: LeadEmailLinks): EmailContent {
  return renderTemplate(templateFor(catalog, nurtureMessage, lead), { ...leadEmailVariablesOf(catalog, lead, links), nurture: { touch, total, last: touch === total ? 'yes' : '' } });
}

/** `meetingFor`: the lead booked a meeting with the rep on the thank-you ("Tue 10:30 (Europe/Berlin)"): the alert says so instead of "call now". */
export function hotLeadAlertEmail(catalog: EmailCatalog, lead: Lead, links: { contactUrl: string }, afterMinutes: number, nextAction: string, meetingFor?: string): EmailContent {
  return renderTemplate(templateFor(catalog, 'hot-alert', lead), teamEmailVariablesOf(lead, links.contactUrl, nextAction, { afterMinutes, meetingFor: meetingFor ?? '' }));
}

export function escalationEmail(catalog: EmailCatalog, lead: Lead, previousOwner: string, links: { contactUrl: string }, slaMinutes: number, nextAction: string): EmailContent {
  return renderTemplate(templateFor(catalog, 'escalation', lead), teamEmailVariablesOf(lead, links.contactUrl, nextAction, { slaMinutes, previousOwner }));
}

export function teamLeadEscalationEmail(catalog: EmailCatalog, lead: Lead, teamLead: string, from: string, to: string | undefined, slaMinutes: number): EmailContent {
  return renderTemplate(templateFor(catalog, 'team-lead-notice', lead), teamEmailVariablesOf(lead, '', '', { slaMinutes, teamLead, from, to: to ?? '' }));
}
