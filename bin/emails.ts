import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { writeEmailPreview } from '../lib/email-preview';

/**
 * `npm run emails [-- --stage prod] [--out <folder>]`: renders every message of the stage for
 * the sample leads into HTML and text files and a contact sheet (`emails-preview/index.html` by
 * default). The templates are checked as synth checks them: a problem is printed with its file,
 * line and fix, and nothing is written.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' }, out: { type: 'string', default: join(repoRoot, 'emails-preview') } } });

try {
  const out = resolve(values.out!);
  const emails = writeEmailPreview(loadConfig(values.stage!), out);
  const messages = new Set(emails.map((email) => email.message)).size;
  console.log(`${emails.length} emails (${messages} messages for ${emails.length / messages} sample leads) in ${relative(process.cwd(), out) || '.'}/`);
  console.log(`Open ${join(out, 'index.html')}`);
} catch (error) {
  console.error(`Cannot render the emails of stage "${values.stage}":\n${(error as Error).message}`);
  process.exit(1);
}
