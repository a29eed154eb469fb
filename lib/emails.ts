import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Lead, LeadGrade } from '@domain/lead';
import { escapeHtml } from '@domain/markup';
import { scheduleFor, defaultSequence } from '@domain/sequence';
import {
  anyDayFollowUp,
  audienceOfMessage,
  type Audience,
  type CompiledEmail,
  compileOptionsOf,
  confirmationEmail,
  type EmailCatalog,
  type EmailContent,
  emailHelpers,
  escalationEmail,
  followUpEmail,
  followUpMessage,
  hotLeadAlertEmail,
  leadMessages,
  nurtureEmail,
  nurtureMessage,
  type Part,
  teamLeadEscalationEmail,
  teamMessages,
  templateNamesOf,
  variablesOf,
} from '@domain/templates';
import { configDir, type DeployConfig } from './config';

/**
 * The emails as marketers edit them: `lib/config/emails/<message>[.<campaign or form>].mjml`,
 * each a subject and an MJML body that its audience's layout (`_lead-layout.mjml`,
 * `_team-layout.mjml`) wraps. Compiled here, at synth and at `npm start`, into what the
 * functions render (`EmailCatalog`): MJML becomes responsive HTML once, with the Handlebars
 * placeholders kept, and the text part is read from the same source, so MJML (about 2 MB of
 * code) never reaches a Lambda bundle. Everything is checked first: a file's unknown variable
 * or helper, a lead email without its unsubscribe link or postal address, a template that does
 * not render for a sample lead; each problem names the file, the line and the fix.
 */

/** Where the templates are: `lib/config/emails/`, or EMAILS_DIR (a copy to try changes on, with `npm run emails`, `npm start` or synth). */
export const emailsDir = process.env.EMAILS_DIR ? resolve(process.env.EMAILS_DIR) : join(configDir, 'emails');

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Every problem found in the templates, one per line: `<file>:<line>: <what is wrong>. Fix: ...`. */
export class EmailTemplateError extends Error {
  override name = 'EmailTemplateError';
}

const layoutFiles: Record<Audience, string> = { lead: '_lead-layout.mjml', team: '_team-layout.mjml' };
const MESSAGE_SLOT = '{{> message}}';

const shown = (file: string) => {
  const rel = relative(repoRoot, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
};

/** The messages a stage sends: the confirmation, a follow-up per day of its sequence, the team's alerts. */
export const messagesOf = (config: Pick<DeployConfig, 'sequence'>): string[] => [
  ...leadMessages, ...config.sequence.followUpDays.map(followUpMessage), ...(config.sequence.nurture ? [nurtureMessage] : []), ...teamMessages,
];

/** A file's message may be one the stage sends, a follow-up for a day it does not (yet) send, or the follow-up for any day. */
const isMessageName = (message: string, sent: readonly string[]) => sent.includes(message) || message === anyDayFollowUp || message === nurtureMessage || /^follow-up-[1-9]\d{0,2}$/.test(message);

interface MessageFile {
  file: string;
  /** `follow-up-3` or `follow-up-3.demo-request`: the catalog's key. */
  key: string;
  message: string;
  subject: string;
  subjectLine: number;
  body: string;
  /** The file's line of the body's first line. */
  bodyLine: number;
}

/** `---`, `subject: ...`, `---`, then the MJML body. */
function parseMessageFile(file: string, text: string, key: string, message: string, problems: string[]): MessageFile | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const fix = 'Fix: start the file with three lines: "---", "subject: <the subject>", "---", then the MJML body';
  if (lines[0]?.trim() !== '---') {
    problems.push(`${file}:1: no subject block. ${fix}`);
    return undefined;
  }
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === '---');
  if (end < 0) {
    problems.push(`${file}:1: the subject block is not closed. ${fix}`);
    return undefined;
  }
  let subject: string | undefined;
  let subjectLine = 0;
  for (let i = 1; i < end; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const field = /^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (field?.[1] === 'subject') {
      subject = field[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
      subjectLine = i + 1;
    } else {
      problems.push(`${file}:${i + 1}: "${line.trim()}" is not a setting of a message. Fix: the block between the "---" lines holds only "subject: <the subject>"`);
    }
  }
  if (!subject) {
    problems.push(`${file}:1: no subject. ${fix}`);
    return undefined;
  }
  return { file, key, message, subject, subjectLine, body: lines.slice(end + 1).join('\n'), bodyLine: end + 2 };
}

const lineOf = (error: unknown): number | undefined => {
  const match = /line (\d+)/.exec(error instanceof Error ? error.message : String(error));
  return match ? Number(match[1]) : undefined;
};

/** The closest known name, when one is close enough to be the one meant. */
function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const ranked = known.map((candidate) => ({ candidate, d: distance(name.toLowerCase(), candidate.toLowerCase()) })).sort((a, b) => a.d - b.d);
  const best = ranked[0];
  if (best && best.d <= Math.max(2, Math.floor(name.length / 4))) return best.candidate;
  return known.find((candidate) => candidate.split('.').at(-1) === name.split('.').at(-1));
}

type HbsNode = { type: string; loc?: { start: { line: number } } | null; [key: string]: unknown };

/**
 * The template's variables and helpers against what its message may use: an unknown name
 * would render as nothing (a greeting with no name) instead of failing anywhere visible.
 */
function checkHandlebars(source: string, firstLine: number, at: (line: number) => string, variables: Record<string, string>, problems: string[]): void {
  let ast: HbsNode;
  try {
    ast = Handlebars.parse(source) as unknown as HbsNode;
  } catch (error) {
    const line = lineOf(error) ?? 1;
    const what = (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 1).join(' ');
    problems.push(`${at(firstLine + line - 1)}: the Handlebars does not parse (${what}). Fix: close every {{#if ...}} with {{/if}} and every "{{" with "}}"`);
    return;
  }
  const known = Object.keys(variables);
  const lineOfNode = (node: HbsNode) => at(firstLine + (node.loc?.start.line ?? 1) - 1);
  const knownList = `This message can use: ${known.join(', ')}`;

  const checkPath = (path: HbsNode, inEach: boolean) => {
    const original = String(path.original);
    if (path.data || original === 'this' || original.startsWith('this.') || original === '.' || original.startsWith('../')) {
      if (inEach && (original === 'this' || original === '@index' || original === '@first' || original === '@last')) return;
      problems.push(`${lineOfNode(path)}: "{{${path.data ? '@' : ''}${original}}}" is not a variable of this message. Fix: name a variable, e.g. {{lead.firstName}}. ${knownList}`);
      return;
    }
    if (variables[original] !== undefined) return;
    const guess = closest(original, known);
    problems.push(`${lineOfNode(path)}: unknown variable "${original}". Fix: ${guess ? `did you mean "${guess}"? ` : ''}${knownList}`);
  };
  const checkParams = (node: HbsNode, inEach: boolean) => {
    for (const param of (node.params as HbsNode[] | undefined) ?? []) checkExpression(param, inEach);
    for (const pair of ((node.hash as { pairs?: Array<{ value: HbsNode }> } | undefined)?.pairs ?? [])) checkExpression(pair.value, inEach);
  };
  const checkHelper = (path: HbsNode, allowed: readonly string[]) => {
    const name = String(path.original);
    if (!allowed.includes(name)) {
      problems.push(`${lineOfNode(path)}: unknown helper "${name}". Fix: use ${allowed.map((helper) => `"${helper}"`).join(', ')}`);
    }
  };
  const checkExpression = (node: HbsNode, inEach: boolean) => {
    if (node.type === 'PathExpression') checkPath(node, inEach);
    else if (node.type === 'SubExpression') {
      checkHelper(node.path as HbsNode, Object.keys(emailHelpers));
      checkParams(node, inEach);
    }
  };
  const visit = (nodes: HbsNode[], inEach: boolean) => {
    for (const node of nodes) {
      if (node.type === 'MustacheStatement') {
        if (node.escaped === false) {
          problems.push(`${lineOfNode(node)}: "{{{...}}}" puts a value in unescaped, so a lead's input could add markup. Fix: use two braces, {{...}}, which escape`);
        }
        const hasParams = ((node.params as unknown[]).length ?? 0) > 0 || ((node.hash as { pairs?: unknown[] } | undefined)?.pairs?.length ?? 0) > 0;
        if (hasParams) {
          checkHelper(node.path as HbsNode, Object.keys(emailHelpers));
          checkParams(node, inEach);
        } else checkExpression(node.path as HbsNode, inEach);
      } else if (node.type === 'BlockStatement') {
        const name = String((node.path as HbsNode).original);
        checkHelper(node.path as HbsNode, ['if', 'unless', 'each']);
        if (((node.params as unknown[] | undefined) ?? []).length !== 1) {
          problems.push(`${lineOfNode(node)}: {{#${name}}} needs exactly one value to test. Fix: write {{#${name} <variable>}}, e.g. {{#${name} lead.company}}`);
        }
        checkParams(node, inEach);
        const program = node.program as { body: HbsNode[] } | undefined;
        const inverse = node.inverse as { body: HbsNode[] } | undefined;
        if (program) visit(program.body, inEach || name === 'each');
        if (inverse) visit(inverse.body, inEach);
      } else if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement' || node.type === 'DecoratorBlock' || node.type === 'Decorator') {
        problems.push(`${lineOfNode(node)}: partials and decorators are not available in a message. Fix: write the text here; what every email shares belongs in the layout (${Object.values(layoutFiles).join(', ')})`);
      }
    }
  };
  visit(((ast as unknown as { body: HbsNode[] }).body ?? []), false);
}

// ---------------------------------------------------------------------------------------------
// The text part, from the same MJML source

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

const decodeEntities = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });

const hrefOf = (attributes: string) => /\bhref\s*=\s*"([^"]*)"/i.exec(attributes)?.[1] ?? /\bhref\s*=\s*'([^']*)'/i.exec(attributes)?.[1];

/** An mj-text's HTML as plain text: paragraphs a blank line apart, `<br>` a line break, a link "label: url". */
function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\s+/g, ' ')
      .replace(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi, (_, attributes: string, inner: string) => {
        const label = inner.replace(/<[^>]*>/g, '').trim();
        const href = hrefOf(attributes);
        return !href || label === href ? label || href || '' : `${label}: ${href}`;
      })
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<li\b[^>]*>/gi, '\n- ')
      .replace(/<\/(p|div|h[1-6]|ul|ol|li|blockquote|table|tr)>/gi, '\n\n')
      .replace(/<(p|div|h[1-6]|ul|ol|blockquote)\b[^>]*>/gi, '\n\n')
      .replace(/<[^>]*>/g, ''),
  );
}

/** The text part's template: each text, button and raw block of the body in order; the head and images are left out. */
export function textTemplateOf(document: string): string {
  const body = document.replace(/<mj-head>[\s\S]*?<\/mj-head>/i, '');
  const blocks: string[] = [];
  for (const match of body.matchAll(/<mj-(text|button|raw)\b([^>]*)>([\s\S]*?)<\/mj-\1>/gi)) {
    const [, kind, attributes, inner] = match as unknown as [string, string, string, string];
    if (kind === 'text') blocks.push(htmlToText(inner));
    else if (kind === 'button') {
      const label = decodeEntities(inner.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim());
      const href = hrefOf(attributes);
      blocks.push(href ? `${label}: ${href}` : label);
    } else blocks.push(htmlToText(inner));
  }
  return blocks.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// MJML, compiled in a child process (MJML 5 is asynchronous only; synth is not), cached by content

const mjmlScript = fileURLToPath(new URL('./mjml-to-html.mjs', import.meta.url));
const mjmlCacheDir = join(repoRoot, 'node_modules', '.cache', 'speed-to-lead', 'mjml');
const mjmlVersion = (() => {
  try {
    return (createRequire(import.meta.url)('mjml/package.json') as { version: string }).version;
  } catch {
    return 'missing';
  }
})();

/** Written beside, then moved in at once: processes starting in parallel never read half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const writing = `${file}.${process.pid}-${Date.now()}`;
  writeFileSync(writing, text);
  try {
    renameSync(writing, file);
  } catch {
    rmSync(writing, { force: true });
  }
}

/** The code whose change must check the templates again. */
const compilerSources = [
  fileURLToPath(import.meta.url),
  mjmlScript,
  join(repoRoot, 'functions', 'domain', 'templates.ts'),
  join(repoRoot, 'functions', 'domain', 'email-catalog.ts'),
].filter((file) => existsSync(file));

interface MjmlResult {
  html: string;
  errors: Array<{ line: number; message: string }>;
}

function compileMjml(documents: string[]): MjmlResult[] {
  const keyOf = (document: string) => createHash('sha256').update(mjmlVersion).update('\0').update(document).digest('hex').slice(0, 24);
  const results = new Map<string, MjmlResult>();
  const missing: string[] = [];
  for (const document of new Set(documents)) {
    const file = join(mjmlCacheDir, `${keyOf(document)}.json`);
    if (existsSync(file)) results.set(document, JSON.parse(readFileSync(file, 'utf8')) as MjmlResult);
    else missing.push(document);
  }
  if (missing.length > 0) {
    const output = execFileSync(process.execPath, [mjmlScript], { input: JSON.stringify(missing), cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    const compiled = JSON.parse(output) as MjmlResult[];
    missing.forEach((document, i) => {
      results.set(document, compiled[i]!);
      writeAtomically(join(mjmlCacheDir, `${keyOf(document)}.json`), JSON.stringify(compiled[i]));
    });
  }
  return documents.map((document) => results.get(document)!);
}

// ---------------------------------------------------------------------------------------------
// Sample leads: every template is rendered for each of them before it ships

const SAMPLE_BASE = 'https://leads.example.com';

export interface SampleLead {
  /** "hot, demo-request": what the sample stands for. */
  label: string;
  lead: Lead;
}

/** A lead of each grade for each form (and one without a form), and one that left every optional field empty. */
export function sampleLeads(forms: readonly string[]): SampleLead[] {
  const submittedAt = '2026-11-02T09:00:00.000Z';
  const base: Lead = {
    leadId: 'sample-lead',
    submittedAt,
    status: 'new',
    schedule: scheduleFor(new Date(submittedAt), defaultSequence),
    steps: {},
    email: 'dana.director@acme.example',
    name: 'Dana Director',
    company: 'Acme Corp',
    jobTitle: 'Director of Sales',
    companySize: '200-999',
    message: 'We would like a demo and a quote for a team of 40.\nIdeally before the end of the quarter.',
    phone: '+1 415 555 0142',
    phoneE164: '+14155550142',
    timezone: 'America/Chicago',
    ownerId: 'rep-ana',
    ownerName: 'Ana Alves',
    ownerEmail: 'ana@example.com',
    ownerRule: 'round-robin',
  };
  const graded: Record<LeadGrade, Partial<Lead>> = {
    hot: { score: 86, grade: 'hot', reasons: ['asked for a demo', 'director at a 200-999 company'], accountActivity: '2 other leads from acme.example this month' },
    warm: { score: 58, grade: 'warm', reasons: ['asked for pricing'] },
    cold: { score: 21, grade: 'cold', reasons: [] },
  };
  const samples: SampleLead[] = [];
  for (const form of [...forms, undefined]) {
    for (const grade of ['hot', 'warm', 'cold'] as const) {
      samples.push({ label: `${grade}, ${form ?? 'no form'}`, lead: { ...base, ...graded[grade], ...(form ? { formId: form } : {}) } });
    }
  }
  const sparse: Lead = { leadId: 'sample-sparse', submittedAt, status: 'new', schedule: base.schedule, steps: {}, email: 'sam@example.com', name: 'Sam' };
  samples.push({ label: 'only a name and an email', lead: sparse });
  return samples;
}

/** What the sample renders use for the signed links and the SLA. */
export const sampleLinks = {
  unsubscribeUrl: `${SAMPLE_BASE}/leads/sample-lead/unsubscribe?token=sample.token`,
  contactUrl: `${SAMPLE_BASE}/leads/sample-lead/contact?token=sample.token`,
};

/** One template file (`follow-up-3.demo-request`) rendered for a lead, whatever variant the lead's form would pick. */
export function renderSample(catalog: EmailCatalog, key: string, lead: Lead, config: Pick<DeployConfig, 'sender' | 'slaMinutes' | 'sequence'>): EmailContent {
  const message = key.split('.')[0]!;
  // Only this template, under its message's name: the lead's own campaign or form must not pick another.
  const only: EmailCatalog = { ...catalog, templates: { [message]: catalog.templates[key]! } };
  return renderAsSent(only, message === anyDayFollowUp ? followUpMessage(ANY_DAY_SAMPLE) : message, lead, config);
}

/** A follow-up day no file of the samples' stage has, to show `follow-up.mjml`. */
export const ANY_DAY_SAMPLE = 30;

/** A message rendered for a lead as the function would send it: the lead's campaign or form picks the variant. */
export function renderAsSent(catalog: EmailCatalog, message: string, lead: Lead, config: Pick<DeployConfig, 'sender' | 'slaMinutes' | 'sequence'>): EmailContent {
  const only = catalog;
  const links = { unsubscribeUrl: sampleLinks.unsubscribeUrl, postalAddress: config.sender.postalAddress, senderName: config.sender.name };
  const contact = { contactUrl: sampleLinks.contactUrl };
  const sla = config.slaMinutes.hot;
  if (message === 'confirmation') return confirmationEmail(only, lead, links);
  if (message.startsWith('follow-up-')) return followUpEmail(only, lead, Number(message.slice('follow-up-'.length)), links);
  if (message === nurtureMessage) return nurtureEmail(only, lead, 1, config.sequence.nurture?.afterDays.length ?? 3, links);
  if (message === 'hot-alert') return hotLeadAlertEmail(only, lead, contact, config.sequence.hotAlertAfterMinutes, 'Call now: they asked for a demo.');
  if (message === 'escalation') return escalationEmail(only, lead, 'Ben Brown', contact, sla, 'Call now: they asked for a demo.');
  if (message === 'team-lead-notice') return teamLeadEscalationEmail(only, lead, 'Tess Lead', 'Ana Alves', 'Ben Brown', sla);
  throw new Error(`no sample render for message "${message}"`);
}

/** The forms the samples cover: those with resources or a variant, and the sample leads' own. */
export const sampleForms = (catalog: EmailCatalog): string[] =>
  [...new Set(['demo-request', 'pricing-quote', ...Object.keys(catalog.resources).filter((form) => form !== 'default'), ...Object.keys(catalog.templates).flatMap((key) => key.split('.').slice(1))])].sort();

/** A lead email must carry its unsubscribe link and the sender's postal address, in both parts (CAN-SPAM). */
function footerProblems(email: EmailContent, postalAddress: string): string[] {
  const problems: string[] = [];
  const unsubscribe = sampleLinks.unsubscribeUrl;
  if (!email.html.includes(`href="${escapeHtml(unsubscribe)}"`) || !email.text.includes(unsubscribe)) {
    problems.push('has no unsubscribe link. Fix: keep <a href="{{links.unsubscribe}}">Unsubscribe from these emails</a> (the lead layout\'s footer has it)');
  }
  const addressLines = postalAddress.split('\n').map((line) => Handlebars.escapeExpression(line));
  if (!addressLines.every((line) => email.html.includes(line)) || !email.text.includes(postalAddress)) {
    problems.push("has no postal address. Fix: keep {{lines sender.postalAddress}} (the lead layout's footer has it): CAN-SPAM requires it in every commercial email");
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

const memo = new Map<string, EmailCatalog>();

/**
 * Reads, checks and compiles the email templates for a stage. Throws an EmailTemplateError
 * that lists every problem (file, line, fix) rather than the first one.
 */
export function compileEmails(config: Pick<DeployConfig, 'sequence' | 'sender' | 'slaMinutes' | 'resources'>, dir: string = emailsDir): EmailCatalog {
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.mjml')).sort() : [];
  const hash = createHash('sha256').update(JSON.stringify([config.sequence, config.sender.postalAddress, config.slaMinutes, config.resources ?? {}, dir]));
  for (const name of names) hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  // And the code that checks and renders them: a change there checks every template again.
  for (const file of compilerSources) hash.update(readFileSync(file)).update('\0');
  const key = hash.update(mjmlVersion).digest('hex').slice(0, 24);
  const cached = memo.get(key);
  if (cached) return cached;
  // Checked and compiled before, by another synth, test or npm start of the same files.
  const cacheFile = join(repoRoot, 'node_modules', '.cache', 'speed-to-lead', `emails-checked-${key}.json`);
  if (existsSync(cacheFile)) {
    const catalog = JSON.parse(readFileSync(cacheFile, 'utf8')) as EmailCatalog;
    memo.set(key, catalog);
    return catalog;
  }

  const problems: string[] = [];
  const messages = messagesOf(config);
  const layouts = {} as Record<Audience, { file: string; text: string; slotLine: number }>;
  for (const audience of ['lead', 'team'] as const) {
    const file = join(dir, layoutFiles[audience]);
    if (!existsSync(file)) {
      problems.push(`${shown(file)}: missing. Fix: restore it from git (git checkout -- ${shown(file)}): it wraps every ${audience === 'lead' ? "lead's" : "team's"} email`);
      continue;
    }
    const text = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    const slotLine = text.split('\n').findIndex((line) => line.includes(MESSAGE_SLOT)) + 1;
    if (slotLine === 0) problems.push(`${shown(file)}:1: has no ${MESSAGE_SLOT}. Fix: put ${MESSAGE_SLOT} on a line of its own inside <mj-column>, where each message goes`);
    layouts[audience] = { file: shown(file), text, slotLine };
  }

  const files: MessageFile[] = [];
  for (const name of names) {
    if (name.startsWith('_')) {
      if (!Object.values(layoutFiles).includes(name)) problems.push(`${shown(join(dir, name))}: not a layout. Fix: the layouts are ${Object.values(layoutFiles).join(' and ')}; rename or remove this file`);
      continue;
    }
    const key = name.slice(0, -'.mjml'.length);
    const [message, variant, ...rest] = key.split('.');
    const file = shown(join(dir, name));
    if (!isMessageName(message!, messages)) {
      problems.push(`${file}: "${message}" is not a message. Fix: name the file <message>.mjml or <message>.<campaign or form>.mjml, where the messages are ${[...messages, anyDayFollowUp].join(', ')}`);
      continue;
    }
    if (rest.length > 0 || (variant !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(variant))) {
      problems.push(`${file}: "${key.slice(message!.length + 1)}" is not a campaign or form id. Fix: name a variant <message>.<utm_campaign or formId>.mjml, letters, digits, "-" and "_"`);
      continue;
    }
    const parsed = parseMessageFile(file, readFileSync(join(dir, name), 'utf8'), key, message!, problems);
    if (parsed) files.push(parsed);
  }
  for (const message of messages) {
    const names = templateNamesOf(message);
    if (!files.some((file) => names.includes(file.key)) && !problems.some((problem) => names.some((name) => problem.includes(`/${name}.mjml`)))) {
      const also = names.length > 1 ? ` (or ${names.slice(1).map((name) => `${name}.mjml`).join(', ')}, the follow-up for any day)` : '';
      problems.push(`${shown(join(dir, `${message}.mjml`))}: missing: the stage sends "${message}". Fix: create it${also}`);
    }
  }

  // Variables and helpers, in each file's own lines.
  for (const file of files) {
    const variables = variablesOf(file.message);
    checkHandlebars(file.subject, file.subjectLine, (line) => `${file.file}:${line}`, variables, problems);
    checkHandlebars(file.body, file.bodyLine, (line) => `${file.file}:${line}`, variables, problems);
  }
  for (const audience of ['lead', 'team'] as const) {
    const layout = layouts[audience];
    if (!layout) continue;
    const common = [...messages, anyDayFollowUp].filter((message) => audienceOfMessage(message) === audience).map(variablesOf);
    const shared = Object.fromEntries(Object.entries(common[0] ?? {}).filter(([name]) => common.every((variables) => name in variables)));
    checkHandlebars(layout.text.replace(MESSAGE_SLOT, ''), 1, (line) => `${layout.file}:${line}`, shared, problems);
  }
  if (problems.length > 0) throw new EmailTemplateError(problems.join('\n'));

  // MJML: each body in its layout, the line numbers of MJML's findings mapped back to the file they are in.
  const documents = files.map((file) => {
    const layout = layouts[audienceOfMessage(file.message)];
    const lines = layout.text.split('\n');
    return [...lines.slice(0, layout.slotLine - 1), file.body, ...lines.slice(layout.slotLine)].join('\n');
  });
  const compiled = compileMjml(documents);
  const templates: Record<string, CompiledEmail> = {};
  files.forEach((file, i) => {
    const layout = layouts[audienceOfMessage(file.message)];
    const bodyLines = file.body.split('\n').length;
    const where = (line: number) =>
      line < layout.slotLine ? `${layout.file}:${line}` : line < layout.slotLine + bodyLines ? `${file.file}:${file.bodyLine + line - layout.slotLine}` : `${layout.file}:${line - bodyLines + 1}`;
    const { html, errors } = compiled[i]!;
    for (const error of errors) problems.push(`${where(error.line)}: MJML: ${error.message}. Fix: see the MJML component's documentation for what it accepts`);
    // MJML drops text between its components: a Handlebars block there would vanish from the HTML.
    const statements = (text: string) => text.match(/{{[^{}]*}}/g) ?? [];
    const left = statements(html);
    const documentLines = documents[i]!.split('\n');
    for (const statement of new Set(statements(documents[i]!))) {
      const count = (list: string[]) => list.filter((candidate) => candidate === statement).length;
      if (count(left) < count(statements(documents[i]!))) {
        const line = documentLines.findIndex((text) => text.includes(statement)) + 1;
        problems.push(`${where(line)}: "${statement}" is between MJML components, where MJML drops it. Fix: put it inside an <mj-text> (or wrap it in <mj-raw>${statement}</mj-raw>)`);
      }
    }
    const precompile = (part: Part, source: string) => Handlebars.precompile(source, compileOptionsOf(part)) as string;
    templates[file.key] = { file: file.file, subject: precompile('text', file.subject), html: precompile('html', html), text: precompile('text', textTemplateOf(documents[i]!)) };
  });
  if (problems.length > 0) throw new EmailTemplateError(problems.join('\n'));

  // Every template rendered for every sample lead, as the functions will render it.
  const catalog: EmailCatalog = { templates, resources: config.resources ?? {} };
  const samples = sampleLeads(sampleForms(catalog));
  for (const file of files) {
    for (const sample of samples) {
      let email: EmailContent;
      try {
        email = renderSample(catalog, file.key, sample.lead, config as Pick<DeployConfig, 'sender' | 'slaMinutes' | 'sequence'>);
      } catch (error) {
        problems.push(`${file.file}: does not render for the sample lead "${sample.label}": ${(error as Error).message}. Fix: check the {{...}} near what the message says`);
        break;
      }
      if (audienceOfMessage(file.message) === 'lead') {
        const missing = footerProblems(email, config.sender.postalAddress);
        for (const problem of missing) problems.push(`${file.file}: a lead email ${problem}`);
        if (missing.length > 0) break;
      }
      if (!email.subject) {
        problems.push(`${file.file}:${file.subjectLine}: the subject is empty for the sample lead "${sample.label}". Fix: write words that do not depend on a variable`);
        break;
      }
    }
  }
  if (problems.length > 0) throw new EmailTemplateError(problems.join('\n'));
  memo.set(key, catalog);
  writeAtomically(cacheFile, JSON.stringify(catalog));
  return catalog;
}

/** The file's name beside each email-sending bundle (EMAILS_FILE). */
export const emailsFileName = 'emails.json';
export const bundledEmailsFile = `/var/task/${emailsFileName}`;

/** Writes the stage's compiled emails as `<dir>/<name>` (the local stack's stand-in for the bundle) and returns the path. */
export function writeEmails(catalog: EmailCatalog, dir: string, name: string = emailsFileName): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(catalog));
  return file;
}

/**
 * Writes the compiled emails where bundling copies them from, named by their content
 * (`node_modules/.cache/speed-to-lead/emails-<hash>.json`), and returns that path relative to
 * the project root: the same command on every synth of the same templates.
 */
export function stagedEmails(catalog: EmailCatalog, projectRoot: string): string {
  const text = JSON.stringify(catalog);
  const relativePath = `node_modules/.cache/speed-to-lead/emails-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`;
  const file = join(projectRoot, relativePath);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return relativePath;
}
