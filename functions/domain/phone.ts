import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/**
 * Phone numbers as people type them in business ("+1 555 123 4567 ext. 89", "(555) 123-4567
 * x89", "030 1234567" from Germany), read with libphonenumber-js and its smallest ("min")
 * metadata. That metadata checks a number's length per country, not which ranges are assigned:
 * a number a person typed for themselves is trusted to exist, it only has to be callable.
 */

/** A number for `tel:` links: E.164, and the extension to dial after it. */
export interface NormalizedPhone {
  e164: string;
  extension?: string;
}

// What people write before an extension: "ext. 89", "extension 89", "x89", "#89", ";ext=89".
const EXTENSION = /\s*(?:;\s*ext=|ext\.?|extension|x|#)\s*\d{1,10}\s*$/i;
const NUMBER_CHARS = /^[+0-9 ().\-/]+$/;
const EXAMPLE = 'such as "+1 555 123 4567 ext. 89"';

/** "00 49 ..." is how most of the world dials abroad: read it as "+49 ...". */
const withPlus = (typed: string) => typed.trim().replace(/^\(?00\)?\s*(?=[1-9])/, '+');

const parse = (typed: string, country?: string) => {
  const defaultCountry = country && isSupportedCountry(country) ? (country as CountryCode) : undefined;
  const phone = parsePhoneNumberFromString(withPlus(typed), defaultCountry ? { defaultCountry } : undefined);
  return phone?.isPossible() ? phone : undefined;
};

/**
 * Why what a person typed cannot be their phone number, or undefined when it can be. A number
 * in national form is accepted as typed even when the form gave no country to read it by: the
 * person's rep can still call it, and refusing it would lose the lead over a field they filled in.
 */
export function phoneProblem(typed: string): string | undefined {
  const number = typed.replace(EXTENSION, '');
  if (!NUMBER_CHARS.test(number)) return `must be a phone number ${EXAMPLE}`;
  const digits = number.replace(/\D/g, '').length;
  if (digits < 5 || digits > 17) return `must be a phone number ${EXAMPLE} (${digits} digits is ${digits < 5 ? 'too few' : 'too many'})`;
  if (withPlus(number).startsWith('+') && !parse(typed)) return `must be a phone number ${EXAMPLE}: no country's numbers look like this one`;
  return undefined;
}

/** The number in E.164 (plus extension), read in `country` (ISO code) when typed without a country code; undefined when it cannot be. */
export function normalizePhone(typed: string, country?: string): NormalizedPhone | undefined {
  const phone = parse(typed, country);
  if (!phone) return undefined;
  return { e164: phone.number, ...(phone.ext ? { extension: phone.ext } : {}) };
}

/** The `tel:` URI a phone or mail client dials (RFC 3966). */
export const telUri = (phone: NormalizedPhone): string => `tel:${phone.e164}${phone.extension ? `;ext=${phone.extension}` : ''}`;

/** A lead's `tel:` link, when its phone could be read as a full number. */
export const telUriOf = (lead: { phoneE164?: string | undefined; phoneExtension?: string | undefined }): string | undefined =>
  lead.phoneE164 ? telUri({ e164: lead.phoneE164, ...(lead.phoneExtension ? { extension: lead.phoneExtension } : {}) }) : undefined;
