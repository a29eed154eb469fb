// Compiles MJML documents to HTML for lib/emails.ts, which runs it as a child process: MJML 5
// compiles only asynchronously and synth is synchronous. Reads a JSON array of MJML documents
// on stdin and writes a JSON array of { html, errors: [{ line, message }] } on stdout.
import mjml2html from 'mjml';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const documents = JSON.parse(input);
const results = [];
for (const document of documents) {
  const { html, errors } = await mjml2html(document, { validationLevel: 'soft', keepComments: false });
  results.push({ html, errors: errors.map((error) => ({ line: error.line, message: error.message })) });
}
process.stdout.write(JSON.stringify(results));
