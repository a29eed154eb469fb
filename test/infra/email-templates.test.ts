import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { compileEmails, emailsDir, messagesOf } from '../../lib/emails';

/**
 * What synth and `npm start` refuse in lib/config/emails/, and how they say it: each problem
 * names the file, the line and the fix. The repository's templates are copied to a folder of
 * each test's own and broken there as a marketer might.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const config = loadConfig('dev');
const copies: string[] = [];

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** The templates, copied, with some files rewritten (a function of the text) or removed (null). */
function templatesWith(edits: Record<string, ((text: string) => string) | string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'speed-to-lead-emails-'));
  copies.push(dir);
  cpSync(emailsDir, dir, { recursive: true });
  for (const [name, edit] of Object.entries(edits)) {
    const file = join(dir, name);
    if (edit === null) rmSync(file);
    else writeFileSync(file, typeof edit === 'string' ? edit : edit(readFileSync(file, 'utf8')));
  }
  return dir;
}

const problemsOf = (dir: string, stage = config): string => {
  try {
    compileEmails(stage, dir);
  } catch (error) {
    expect((error as Error).name).toBe('EmailTemplateError');
    return (error as Error).message;
  }
  throw new Error('the templates were accepted');
};

const replace = (from: string, to: string) => (text: string) => {
  expect(text).toContain(from);
  return text.replace(from, to);
};

describe('the email templates', () => {
  it('ship one file for each message the stage sends, and its variants', () => {
    const { templates } = compileEmails(config);
    for (const message of messagesOf(config)) expect(Object.keys(templates), message).toContain(message);
    expect(Object.keys(templates)).toContain('follow-up-3.demo-request');
    expect(Object.keys(templates)).toContain('follow-up');
  });

  it('refuse an unknown variable, naming the file, the line and the one meant', () => {
    const dir = templatesWith({ 'follow-up-3.mjml': replace('<p>Hi {{lead.firstName}},</p>', '<p>Hi {{lead.frstName}},</p>') });
    // Line 5: the subject block's three lines, <mj-text>, then the greeting.
    expect(problemsOf(dir)).toContain(`${dir}/follow-up-3.mjml:5: unknown variable "lead.frstName". Fix: did you mean "lead.firstName"?`);
  });

  it("refuse a variable another message has (the rep's alert link in a lead's email), a helper we do not have, and unescaped output", () => {
    const dir = templatesWith({
      'confirmation.mjml': replace('<p>Hi {{lead.firstName}},</p>', '<p>Hi {{lead.firstName}}, {{links.contact}} {{shout lead.name}} {{{lead.message}}}</p>'),
    });
    const problems = problemsOf(dir);
    expect(problems).toContain(`${dir}/confirmation.mjml:5: unknown variable "links.contact". Fix: `);
    expect(problems).toContain(`${dir}/confirmation.mjml:5: unknown helper "shout". Fix: use "lines", "quote"`);
    expect(problems).toContain(`${dir}/confirmation.mjml:5: "{{{...}}}" puts a value in unescaped, so a lead's input could add markup. Fix: use two braces`);
  });

  it('refuse Handlebars that does not parse, and a block without the value it tests', () => {
    expect(problemsOf(templatesWith({ 'follow-up-7.mjml': replace('{{/if}}', '') }))).toMatch(/follow-up-7\.mjml:\d+: the Handlebars does not parse .* Fix: close every \{\{#if \.\.\.\}\} with \{\{\/if\}\}/);
    const dir = templatesWith({ 'follow-up-7.mjml': replace('{{#if resources.guide}}', '{{#if}}') });
    expect(problemsOf(dir)).toContain(`${dir}/follow-up-7.mjml:7: {{#if}} needs exactly one value to test. Fix: write {{#if <variable>}}`);
  });

  it('refuse a lead email without its unsubscribe link, or without the postal address', () => {
    const withoutLink = templatesWith({ '_lead-layout.mjml': replace('<p><a href="{{links.unsubscribe}}" style="color:#555555">Unsubscribe from these emails</a></p>', '') });
    const problems = problemsOf(withoutLink);
    for (const message of ['confirmation', 'follow-up-1', 'follow-up-3', 'follow-up-3.demo-request', 'follow-up-14']) {
      expect(problems).toContain(`${withoutLink}/${message}.mjml: a lead email has no unsubscribe link. Fix: keep <a href="{{links.unsubscribe}}">`);
    }
    // The rep's alert is internal mail: no footer needed.
    expect(problems).not.toContain('hot-alert.mjml');
    const withoutAddress = templatesWith({ '_lead-layout.mjml': replace('<p>{{lines sender.postalAddress}}</p>', '') });
    expect(problemsOf(withoutAddress)).toContain(`${withoutAddress}/confirmation.mjml: a lead email has no postal address. Fix: keep {{lines sender.postalAddress}}`);
  });

  it('refuse a template that does not render for a sample lead: a subject empty for a lead who gave only a name and an email', () => {
    const dir = templatesWith({ 'follow-up-14.mjml': replace('subject: {{lead.firstName}}, following up on your request (day {{day}})', 'subject: {{lead.company}}') });
    expect(problemsOf(dir)).toContain(`${dir}/follow-up-14.mjml:2: the subject is empty for the sample lead "only a name and an email". Fix: write words that do not depend on a variable`);
  });

  it('refuse a Handlebars block between MJML components, which MJML would drop from the HTML', () => {
    const dir = templatesWith({ 'hot-alert.mjml': (text) => `${replace('<mj-button', '{{#if links.contact}}\n<mj-button')(text)}{{/if}}\n` });
    const problems = problemsOf(dir);
    expect(problems).toMatch(new RegExp(`${dir}/hot-alert\\.mjml:\\d+: "\\{\\{#if links\\.contact\\}\\}" is between MJML components, where MJML drops it\\. Fix: put it inside an <mj-text>`));
  });

  it('refuse a stage day without a follow-up, and a file that is no message', () => {
    const stage = { ...config, sequence: { ...config.sequence, followUpDays: [1, 3, 7, 14, 21] } };
    const noAnyDay = templatesWith({ 'follow-up.mjml': null });
    expect(problemsOf(noAnyDay, stage)).toContain(`${noAnyDay}/follow-up-21.mjml: missing: the stage sends "follow-up-21". Fix: create it (or follow-up.mjml, the follow-up for any day)`);
    // With follow-up.mjml there, day 21 gets it.
    expect(compileEmails(stage).templates['follow-up']).toBeDefined();
    const typo = templatesWith({ 'folow-up-3.mjml': readFileSync(join(emailsDir, 'follow-up-3.mjml'), 'utf8') });
    expect(problemsOf(typo)).toContain(`${typo}/folow-up-3.mjml: "folow-up-3" is not a message. Fix: name the file <message>.mjml or <message>.<campaign or form>.mjml`);
  });

  it('stop `cdk synth` and `npm start` with the problem, before anything is synthesized or started', async () => {
    const dir = templatesWith({ 'follow-up-3.demo-request.mjml': replace('{{lead.company}}\'s', '{{lead.compnay}}\'s') });
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', ...args], {
        cwd: root,
        env: { ...process.env, EMAILS_DIR: dir, LOCAL_DATA_DIR: join(dir, '.local'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        timeout: 50_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
      );
    const [synth, start] = await Promise.all([run(['bin/app.ts']), run(['local/start.ts'])]);
    const problem = `${dir}/follow-up-3.demo-request.mjml:6: unknown variable "lead.compnay". Fix: did you mean "lead.company"?`;
    expect(synth.code).toBe(1);
    expect(synth.stderr).toContain('Cannot synthesize stage "dev":');
    expect(synth.stderr).toContain(problem);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('Cannot start: the email templates have problems');
    expect(start.stderr).toContain(problem);
  }, 60_000);
});
