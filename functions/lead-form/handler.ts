import { alreadyHas, etagOf, staticHandler } from '@commons/static-handler';
import { leadFormScript } from './lead-form-script';

// Computed once per container: the script only changes with a deploy.
const etag = etagOf(leadFormScript);

const headers = {
  'content-type': 'text/javascript; charset=utf-8',
  // An hour in browsers and CDNs, then revalidated by ETag: a new version reaches sites soon.
  'cache-control': 'public, max-age=3600, stale-while-revalidate=86400',
  etag,
  'x-content-type-options': 'nosniff',
  // Any site may embed it, including sites that isolate themselves with COEP.
  'cross-origin-resource-policy': 'cross-origin',
};

/** GET /lead-form.js: the script that turns a website's `<form data-lead-form>` into a lead form. */
export const handler = staticHandler(async (event) => (alreadyHas(event, etag) ? { statusCode: 304, headers } : { statusCode: 200, headers, body: leadFormScript }));
