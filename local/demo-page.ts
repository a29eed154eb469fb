import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '@domain/markup';

/**
 * The "Request a demo" page `npm start` serves at `/`: a stand-in for a customer's website,
 * embedding the form script exactly as a site would (`<script src=".../lead-form.js">`, a plain
 * `<form data-lead-form>`, no framework). Local only: the deployed API serves the script, the
 * website is the customer's. Its CSP allows no inline script, as a careful site's would.
 */
export interface DemoPageOptions {
  /** The SES emulator's page, where every email sent shows up. */
  inboxUrl: string;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const LOGO = `<svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="#4338ca"/><path d="M9 17.5 14 22l9-11" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
const FAVICON = `data:image/svg+xml,${encodeURIComponent(LOGO.replace(' aria-hidden="true" focusable="false"', ' xmlns="http://www.w3.org/2000/svg"'))}`;
const CHECK = `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="10" fill="#e0e7ff"/><path d="m6 10.5 2.6 2.5L14 7.5" fill="none" stroke="#4338ca" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#0f172a;background:#f8fafc;line-height:1.5}
a{color:#4338ca}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
.notice{margin:0;background:#0f172a;color:#e2e8f0;font-size:.875rem;padding:.5rem 1rem;text-align:center}
.notice a{color:#fff;font-weight:600}
.wrap{max-width:72rem;margin:0 auto;padding-inline:1.25rem}
header.site{display:flex;align-items:center;justify-content:space-between;padding-block:1.25rem}
.brand{display:flex;align-items:center;gap:.6rem;font-weight:700;font-size:1.25rem;color:#0f172a;text-decoration:none;letter-spacing:-.01em}
.site-link{font-size:.9375rem;font-weight:600;text-decoration:none}
.site-link:hover{text-decoration:underline}
main{padding-block:1.5rem 4rem}
.hero{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,30rem);grid-template-areas:"intro card" "proof card";grid-template-rows:auto 1fr;column-gap:4rem;align-items:start}
.intro{grid-area:intro}.proof{grid-area:proof}.card{grid-area:card}
.eyebrow{display:inline-block;font-size:.8125rem;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:#4338ca;background:#eef2ff;border-radius:999px;padding:.3rem .75rem;margin:0 0 1rem}
h1{font-size:clamp(2rem,1.4rem + 2.4vw,3.25rem);line-height:1.1;letter-spacing:-.025em;margin:0 0 1.25rem}
.lede{font-size:1.1875rem;color:#334155;margin:0 0 2rem;max-width:34rem}
.benefits{list-style:none;padding:0;margin:0 0 2.5rem;display:grid;gap:1rem}
.benefits li{display:grid;grid-template-columns:20px 1fr;gap:.85rem;align-items:start;color:#1e293b}
.benefits svg{margin-top:.2rem}
.benefits strong{display:block}
.quote blockquote{margin:0}
.quote{margin:0;padding:1.5rem;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;max-width:34rem}
.quote p{margin:0 0 1rem;font-size:1.0625rem;color:#1e293b}
.quote footer{display:flex;align-items:center;gap:.75rem;font-size:.9375rem;color:#475569}
.avatar{width:2.5rem;height:2.5rem;border-radius:50%;background:linear-gradient(135deg,#818cf8,#4338ca);color:#fff;display:grid;place-items:center;font-weight:700;flex:none}
.quote cite{font-style:normal;font-weight:600;color:#0f172a;display:block}
.logos{margin:2.5rem 0 0;color:#475569;font-size:.875rem}
.logos ul{list-style:none;padding:0;margin:.75rem 0 0;display:flex;flex-wrap:wrap;gap:.75rem 2rem;font-weight:700;font-size:1.0625rem;color:#64748b;letter-spacing:-.01em}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:1.25rem;box-shadow:0 1px 2px rgba(15,23,42,.04),0 12px 32px -8px rgba(15,23,42,.12);padding:2rem}
.card h2{font-size:1.375rem;margin:0 0 .35rem;letter-spacing:-.01em}
.card .sub{margin:0 0 1.5rem;color:#475569}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.field{display:flex;flex-direction:column;min-width:0}
.field.full{grid-column:1/-1}
label{font-weight:600;font-size:.9375rem;margin-bottom:.35rem}
.optional{font-weight:400;color:#64748b}
input,select,textarea{font:inherit;font-size:1rem;color:#0f172a;background:#fff;border:1px solid #8592a6;border-radius:.6rem;padding:.65rem .8rem;width:100%}
textarea{min-height:6rem;resize:vertical}
input:hover,select:hover,textarea:hover{border-color:#64748b}
[aria-invalid="true"]{border-color:#b42318;background:#fffbfa}
.lead-form-error{color:#b42318;font-size:.875rem;margin:.35rem 0 0}
.consent{grid-column:1/-1;display:flex;gap:.6rem;align-items:flex-start;font-size:.9375rem;color:#334155}
.consent input{width:1.1rem;height:1.1rem;margin:.2rem 0 0;flex:none;accent-color:#4338ca}
.consent label{font-weight:400;margin:0}
.lead-form-status{grid-column:1/-1;margin:0;padding:.75rem 1rem;border-radius:.6rem;background:#fef3f2;color:#b42318;font-size:.9375rem}
button[type=submit]{grid-column:1/-1;font:inherit;font-weight:700;font-size:1.0625rem;color:#fff;background:#4338ca;border:0;border-radius:.7rem;padding:.9rem 1.25rem;cursor:pointer;transition:background .15s}
button[type=submit]:hover{background:#3730a3}
button[type=submit]:disabled{background:#818cf8;cursor:progress}
.fine{grid-column:1/-1;margin:0;font-size:.8125rem;color:#64748b;text-align:center}
.thanks{text-align:center;padding:1.5rem .5rem}
.thanks:focus{outline:none}
.thanks .icon{width:3.5rem;height:3.5rem;border-radius:50%;background:#dcfce7;display:grid;place-items:center;margin:0 auto 1rem}
.thanks h2{margin-bottom:.5rem}
.thanks p{color:#475569;margin:0 0 1rem}
.thanks .steps{text-align:left;background:#f8fafc;border-radius:.75rem;padding:1rem 1.25rem 1rem 2.5rem;color:#334155;font-size:.9375rem;margin:1.5rem 0}
.thanks .steps li+li{margin-top:.35rem}
.thanks .lead-form-booking{margin:1.25rem 0 0}
.lead-form-booking-link{display:inline-block;padding:.8rem 1.4rem;border-radius:.6rem;background:#1d4ed8;color:#fff;font-weight:600;text-decoration:none}
.lead-form-booking-link:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.button-link{display:inline-block;font-weight:700;color:#fff;background:#4338ca;border-radius:.7rem;padding:.75rem 1.25rem;text-decoration:none}
.button-link:hover{background:#3730a3}
footer.site{border-top:1px solid #e2e8f0;padding:1.5rem 0;color:#64748b;font-size:.875rem}
footer.site .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;justify-content:space-between}
footer.site code{white-space:nowrap}
@media (max-width:960px){.hero{grid-template-columns:minmax(0,1fr);grid-template-areas:"intro" "card" "proof";grid-template-rows:auto}.card{margin-bottom:2.5rem}.lede{margin-bottom:1.75rem}}
@media (max-width:520px){.fields{grid-template-columns:1fr}.card{padding:1.5rem 1.25rem;border-radius:1rem}header.site{padding-block:1rem}.site-link{font-size:.875rem}main{padding-top:.5rem}.quote{padding:1.25rem}}
`;

export function demoPage({ inboxUrl }: DemoPageOptions): string {
  const inbox = escapeHtml(inboxUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Request a demo · Example</title>
<meta name="description" content="See how Example answers every inbound lead within minutes. Book a 30-minute demo.">
<link rel="icon" href="${FAVICON}">
<style>${STYLE}</style>
<script src="/lead-form.js" defer></script>
</head>
<body>
<p class="notice">Local demo of speed-to-lead: every email it sends lands in the <a href="${inbox}" target="_blank" rel="noopener">local inbox</a>.</p>
<header class="site wrap">
  <a class="brand" href="/">${LOGO}<span>Example</span></a>
  <a class="site-link" href="${inbox}" target="_blank" rel="noopener">Open the inbox</a>
</header>
<main class="wrap">
  <div class="hero">
    <div class="intro">
      <p class="eyebrow">Request a demo</p>
      <h1>Answer every lead while they are still on your website</h1>
      <p class="lede">Example confirms each request in seconds, routes it to the right rep, pages them when a hot lead waits, and follows up until someone picks up the phone.</p>
    </div>
    <section class="card" aria-labelledby="form-title">
      <div id="thanks" class="thanks" hidden>
        <div class="icon"><svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false"><path d="m5 12.5 4.5 4.5L19 7.5" fill="none" stroke="#15803d" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/></svg></div>
        <h2>Thank you! Your request is in.</h2>
        <p>A confirmation is on its way to your inbox, and a specialist will be in touch shortly.</p>
        <ol class="steps">
          <li>Now: a confirmation email</li>
          <li>Within minutes: a rep is assigned (and paged for a hot lead)</li>
          <li>Day 1, 3, 7 and 14: follow-ups, until a rep responds</li>
        </ol>
        <a class="button-link" href="${inbox}" target="_blank" rel="noopener">Open the local inbox</a>
      </div>
      <form data-lead-form data-form-id="demo-request" data-success="thanks" aria-labelledby="form-title">
        <h2 id="form-title">Book your 30-minute demo</h2>
        <p class="sub">Tell us a little about your team. We reply within one business day.</p>
        <div class="fields">
          <div class="field"><label for="name">Full name</label><input id="name" name="name" autocomplete="name" required maxlength="120"></div>
          <div class="field"><label for="email">Work email</label><input id="email" name="email" type="email" autocomplete="email" required maxlength="254"></div>
          <div class="field"><label for="company">Company</label><input id="company" name="company" autocomplete="organization" maxlength="200"></div>
          <div class="field"><label for="jobTitle">Job title</label><input id="jobTitle" name="jobTitle" autocomplete="organization-title" maxlength="120"></div>
          <div class="field"><label for="companySize">Company size</label>
            <select id="companySize" name="companySize">
              <option value="">Select…</option>
              <option>1-10</option><option>11-49</option><option>50-199</option><option>200-999</option><option>1000+</option>
            </select></div>
          <div class="field"><label for="phone">Phone <span class="optional">(optional)</span></label><input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="40"></div>
          <div class="field full"><label for="message">What would you like to see? <span class="optional">(optional)</span></label><textarea id="message" name="message" rows="3" maxlength="5000"></textarea></div>
          <div class="consent"><input id="consent" name="consent" type="checkbox" value="true"><label for="consent">Send me occasional product news. Unsubscribe at any time.</label></div>
          <button type="submit" data-sending-label="Sending…">Request my demo</button>
          <p class="fine">No spam. We use your details only to arrange the demo.</p>
        </div>
      </form>
    </section>

    <section class="proof" aria-label="Why teams choose Example">
      <ul class="benefits">
        <li>${CHECK}<span><strong>Reply in minutes, not days</strong>Leads hear back while your product is still on their mind.</span></li>
        <li>${CHECK}<span><strong>Hot leads reach a rep at once</strong>Scored on fit and intent, with reasons your team can read.</span></li>
        <li>${CHECK}<span><strong>No lead left behind</strong>Polite follow-ups on day 1, 3, 7 and 14, until a rep takes over.</span></li>
      </ul>
      <figure class="quote">
        <blockquote><p>“Our first reply went from two days to four minutes. Same ad budget, twice the meetings.”</p></blockquote>
        <footer><span class="avatar" aria-hidden="true">MV</span><span><cite>Marisol Vega</cite>VP Revenue, Brightline Logistics</span></footer>
      </figure>
      <div class="logos"><p>Trusted by sales teams at</p><ul><li>Brightline</li><li>Northwind</li><li>Globex</li><li>Initech</li><li>Umbrella</li></ul></div>
    </section>
  </div>
</main>
<footer class="site"><div class="wrap"><span>© Example, Inc. A demo page served by <code>npm start</code>.</span><span>Leads go to <code>POST /leads</code> through <code>/lead-form.js</code>.</span></div></footer>
</body>
</html>
`;
}

/** Serves the demo page at `/`; anything else is left to the route table. */
export function demoPageRoutes(options: DemoPageOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const body = demoPage(options);
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/' && path !== '/index.html') return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'cache-control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}
