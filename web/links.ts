/** tel: and mailto: links from values checked first, so a lead's data can only ever be dialled or mailed. */

const E164 = /^\+[1-9]\d{4,14}$/;
// One address, no spaces or separators that could add recipients or headers.
const EMAIL = /^[^\s@,;<>"()[\]\\]+@[^\s@,;<>"()[\]\\]+\.[^\s@,;<>"()[\]\\]+$/;

export const telHref = (e164: string | undefined): string | undefined => (e164 && E164.test(e164) ? `tel:${e164}` : undefined);

export function mailtoHref(email: string | undefined, subject?: string): string | undefined {
  if (!email || email.length > 254 || !EMAIL.test(email)) return undefined;
  const [local, domain] = [email.slice(0, email.lastIndexOf('@')), email.slice(email.lastIndexOf('@') + 1)];
  return `mailto:${encodeURIComponent(local)}@${encodeURIComponent(domain)}${subject ? `?subject=${encodeURIComponent(subject)}` : ''}`;
}
