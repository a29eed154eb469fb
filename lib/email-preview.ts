import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '@domain/markup';
import { type EmailCatalog, followUpMessage, templateFor } from '@domain/templates';
import type { DeployConfig } from './config';
import { ANY_DAY_SAMPLE, compileEmails, emailsDir, messagesOf, renderAsSent, sampleForms, sampleLeads } from './emails';

/**
 * `npm run emails`: every message the stage sends, rendered for the sample leads (each grade,
 * each form, and one with only a name and an email) into `<out>/<message>/<sample>.html` and
 * `.txt`, and one contact sheet (`<out>/index.html`) that shows each message at phone width
 * and links every render. What it renders is what the functions send: the same compiled
 * templates, the same variables.
 */
export interface PreviewedEmail {
  message: string;
  /** The template file the lead's campaign or form picked. */
  file: string;
  sample: string;
  subject: string;
  /** Paths relative to the output folder. */
  html: string;
  text: string;
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function writeEmailPreview(config: DeployConfig, out: string, dir: string = emailsDir): PreviewedEmail[] {
  const catalog: EmailCatalog = compileEmails(config, dir);
  const samples = sampleLeads(sampleForms(catalog));
  // The follow-up for any other day is shown too when there is one: a day added to the sequence gets it.
  const messages = [...messagesOf(config), ...(catalog.templates['follow-up'] ? [followUpMessage(ANY_DAY_SAMPLE)] : [])];
  rmSync(out, { recursive: true, force: true });
  const previewed: PreviewedEmail[] = [];
  for (const message of messages) {
    mkdirSync(join(out, message), { recursive: true });
    for (const sample of samples) {
      const email = renderAsSent(catalog, message, sample.lead, config);
      const name = `${message}/${slug(sample.label)}`;
      writeFileSync(join(out, `${name}.html`), email.html);
      writeFileSync(join(out, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}\n`);
      previewed.push({ message, file: templateFor(catalog, message, sample.lead).file, sample: sample.label, subject: email.subject, html: `${name}.html`, text: `${name}.txt` });
    }
  }
  writeFileSync(join(out, 'index.html'), contactSheet(config.stage, previewed));
  return previewed;
}

/** The contact sheet: per message, its first sample in a phone-width frame, and a link to every render. */
function contactSheet(stage: string, emails: readonly PreviewedEmail[]): string {
  const messages = [...new Set(emails.map((email) => email.message))];
  const sections = messages.map((message) => {
    const renders = emails.filter((email) => email.message === message);
    const first = renders[0]!;
    const files = [...new Set(renders.map((email) => email.file))];
    const rows = renders
      .map(
        (email) =>
          `<tr><td>${escapeHtml(email.sample)}</td><td>${escapeHtml(email.subject)}</td><td><code>${escapeHtml(email.file.split('/').pop()!)}</code></td><td><a href="${escapeHtml(email.html)}">HTML</a> · <a href="${escapeHtml(email.text)}">text</a></td></tr>`,
      )
      .join('');
    return `<section id="${escapeHtml(message)}">
  <h2>${escapeHtml(message)}</h2>
  <p class="files">From ${files.map((file) => `<code>${escapeHtml(file)}</code>`).join(', ')}</p>
  <div class="message">
    <figure><iframe src="${escapeHtml(first.html)}" title="${escapeHtml(`${message}, ${first.sample}, at phone width`)}" loading="lazy"></iframe><figcaption>${escapeHtml(first.sample)}: ${escapeHtml(first.subject)}</figcaption></figure>
    <div class="renders"><table><thead><tr><th scope="col">Sample lead</th><th scope="col">Subject</th><th scope="col">File</th><th scope="col">Open</th></tr></thead><tbody>${rows}</tbody></table></div>
  </div>
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emails of stage ${escapeHtml(stage)}</title>
<style>
  body { font-family: Arial, Helvetica, sans-serif; margin: 0 auto; padding: 16px; max-width: 1200px; color: #1f2328; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin: 0 0 4px; }
  nav ul { display: flex; flex-wrap: wrap; gap: 8px 16px; padding: 0; list-style: none; }
  section { border-top: 1px solid #d0d7de; padding: 16px 0; }
  .files { margin: 0 0 12px; color: #57606a; font-size: 0.9rem; overflow-wrap: anywhere; }
  .message { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
  figure { margin: 0; }
  iframe { width: 375px; max-width: calc(100vw - 40px); height: 560px; border: 1px solid #d0d7de; border-radius: 8px; background: #fff; }
  figcaption { font-size: 0.85rem; color: #57606a; max-width: 375px; }
  .renders { flex: 1 1 420px; min-width: 0; overflow-x: auto; }
  table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  a { color: #0550ae; }
</style>
</head>
<body>
<main>
<h1>Emails of stage ${escapeHtml(stage)}</h1>
<p>Every message as it is sent, for sample leads of each grade and form. Edit a file in <code>lib/config/emails/</code> and run <code>npm run emails</code> again.</p>
<nav aria-label="Messages"><ul>${messages.map((message) => `<li><a href="#${escapeHtml(message)}">${escapeHtml(message)}</a></li>`).join('')}</ul></nav>
${sections.join('\n')}
</main>
</body>
</html>
`;
}
