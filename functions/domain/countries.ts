import * as z from '@domain/zod';

/**
 * Forms ask for a country in words ("Germany", "deutschland", "DE"); scoring and territories
 * speak ISO 3166 alpha-2. Intl knows every region's name, so no country table is kept here.
 */

/** An ISO 3166 alpha-2 code in a config file (territories, markets served). */
export const IsoCountryCode = z.string().check(z.regex(/^[A-Z]{2}$/, { error: 'must be an ISO code such as "DE"' }));

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'];

let byName: Map<string, string> | undefined;

/** The current code for a region code (UK -> GB, DD -> DE), as Intl canonicalizes it. */
const canonical = (code: string): string | undefined => {
  try {
    return new Intl.Locale(`und-${code}`).region;
  } catch {
    return undefined;
  }
};

const normalize = (name: string) => name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '');

function names(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const displays = LANGUAGES.map((language) => new Intl.DisplayNames([language], { type: 'region', fallback: 'none' }));
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      const code = first + second;
      // ICU names retired codes after their successors (DD is "Germany"): keep current ones.
      if (canonical(code) !== code) continue;
      for (const display of displays) {
        const name = display.of(code);
        if (name && !byName.has(normalize(name))) byName.set(normalize(name), code);
      }
    }
  }
  for (const [alias, code] of Object.entries({ usa: 'US', us: 'US', unitedstatesofamerica: 'US', uk: 'GB', england: 'GB', greatbritain: 'GB' })) byName.set(alias, code);
  return byName;
}

/** The ISO code of a country as a person typed it, or undefined when it is not one. */
export function countryCode(country: string | undefined): string | undefined {
  if (!country) return undefined;
  const trimmed = country.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const code = canonical(trimmed.toUpperCase());
    return code && new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of(code) ? code : undefined;
  }
  return names().get(normalize(trimmed));
}
