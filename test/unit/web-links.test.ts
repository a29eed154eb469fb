import { describe, expect, it } from 'vitest';
import { mailtoHref, telHref } from '../../web/links';

describe('call and email links', () => {
  it('dials only an E.164 number', () => {
    expect(telHref('+49301234567')).toBe('tel:+49301234567');
    expect(telHref('030 1234567')).toBeUndefined();
    expect(telHref('+49301234567;javascript:alert(1)')).toBeUndefined();
    expect(telHref(undefined)).toBeUndefined();
  });

  it('mails one address, encoded', () => {
    expect(mailtoHref('ana@acme.example')).toBe('mailto:ana@acme.example');
    expect(mailtoHref("o'neil+leads@acme.example")).toBe("mailto:o'neil%2Bleads@acme.example");
    expect(mailtoHref('ana@acme.example', 'Your demo & pricing')).toBe('mailto:ana@acme.example?subject=Your%20demo%20%26%20pricing');
    expect(mailtoHref('a@b.example,evil@x.example')).toBeUndefined();
    expect(mailtoHref('a@b.example?bcc=evil@x.example')).toBeUndefined();
    expect(mailtoHref('a?bcc=evil&x@b.example')).toBe('mailto:a%3Fbcc%3Devil%26x@b.example');
    expect(mailtoHref('<img src=x>@x.example')).toBeUndefined();
  });
});
