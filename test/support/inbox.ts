/** Reads what the SES emulator received, as a person checking an inbox would. */
export interface ReceivedEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: Array<{ name: string; value: string }>;
  at: number;
}

export async function allEmails(sesUrl: string): Promise<ReceivedEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  return ((await response.json()) as { emails: ReceivedEmail[] }).emails;
}

export async function emailsTo(sesUrl: string, address: string): Promise<ReceivedEmail[]> {
  return (await allEmails(sesUrl)).filter((email) => email.destination.to.includes(address));
}

export const header = (email: ReceivedEmail, name: string) => email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** Polls until `done` holds for the emails to `address`, or fails after `timeoutMs`. */
export async function waitForEmails(sesUrl: string, address: string, done: (emails: ReceivedEmail[]) => boolean, timeoutMs = 20_000): Promise<ReceivedEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await emailsTo(sesUrl, address);
    if (done(emails)) return emails;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for emails to ${address}; have: ${emails.map((e) => e.subject).join(' | ') || 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The URL of the first link in a text email that starts with `label: `. */
export function linkIn(email: ReceivedEmail, label: string): string {
  const line = email.body.text?.split('\n').find((l) => l.startsWith(`${label}: `));
  if (!line) throw new Error(`No "${label}" link in "${email.subject}"`);
  return line.slice(label.length + 2).trim();
}

/** The message as the SES emulator would have sent it: raw MIME, headers folded as on the wire. */
export async function rawEmail(sesUrl: string, messageId: string): Promise<string> {
  const response = await fetch(`${sesUrl}/get-emlContent?messageId=${encodeURIComponent(messageId)}`);
  const { body } = (await response.json()) as { body: { type: 'Buffer'; data: number[] } };
  return Buffer.from(body.data).toString('utf8');
}

/** A header of a raw MIME message, unfolded (RFC 5322 folds long lines with CRLF + space). */
export function rawHeader(mime: string, name: string): string | undefined {
  const head = mime.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, '');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
