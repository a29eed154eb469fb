import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signSlackRequest } from '@domain/slack-signature';

/**
 * Slack, for `npm start` and the tests: the Web API methods the product calls, on Slack's wire
 * format (`POST /api/<method>`, a form or JSON body, `Authorization: Bearer <token>`, answers
 * `{ok, ...}` or `{ok:false, error}` with HTTP 200 as Slack does), so the real `@slack/web-api`
 * talks to it through its `slackApiUrl` option. It records every call (`GET /messages`), shows
 * the messages at `/` roughly as Slack draws them, and its buttons work: a click is sent to the
 * app's interactivity URL as a `block_actions` payload signed with the signing secret, as Slack
 * sends it.
 */
export interface SlackStandInOptions {
  port?: number;
  host?: string;
  botToken: string;
  signingSecret: string;
  /** Where Slack would send clicks: the API's POST /slack/interactions. */
  interactionsUrl: string;
}

export interface SlackPost {
  channel: string;
  ts: string;
  /** Whose DM it is (the member the bot posted to), when it is one. */
  user?: string;
  text: string;
  blocks: Array<Record<string, any>>;
  /** Every version before the current one (chat.update). */
  updates: number;
  postedAt: string;
  updatedAt?: string;
}

export interface SlackEphemeral {
  channel: string;
  user: string;
  text: string;
  at: string;
}

export interface SlackCall {
  method: string;
  at: string;
  ok: boolean;
  error?: string;
}

export interface SlackClick {
  channel: string;
  ts: string;
  actionId: string;
  /** The option picked in a select (a reject reason). */
  selected?: string;
  /** Who clicks: the DM's member by default. */
  user?: string;
}

export interface RunningSlackStandIn {
  url: string;
  /** The Web API base to give `@slack/web-api` (`slackApiUrl`). */
  apiUrl: string;
  messages(): SlackPost[];
  ephemerals(): SlackEphemeral[];
  calls(): SlackCall[];
  /** The member id the stand-in gives this email (users.lookupByEmail). */
  userIdOf(email: string): string;
  /** Slack down: every API call answers 503 until set back. */
  setDown(down: boolean): void;
  /** A click on a message's button or select, sent signed to the interactivity URL as Slack would; the app's answer. */
  click(click: SlackClick): Promise<{ status: number; body: string }>;
  clear(): void;
  close(): Promise<void>;
}

/** A stable member id per email, so the same person is the same member across restarts. */
const memberIdOf = (email: string) => `U${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 10).toUpperCase()}`;
/** The bot's DM channel with a member. */
const dmOf = (user: string) => `D${user.slice(1)}`;

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/** The call's arguments: a form (what @slack/web-api sends, JSON-valued fields as strings) or JSON. */
function argsOf(request: IncomingMessage, body: string): Record<string, unknown> {
  if (/json/i.test(request.headers['content-type'] ?? '')) return JSON.parse(body || '{}') as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}

const blocksOf = (value: unknown): Array<Record<string, any>> => {
  if (Array.isArray(value)) return value as Array<Record<string, any>>;
  if (typeof value === 'string' && value) return JSON.parse(value) as Array<Record<string, any>>;
  return [];
};

export async function startSlackStandIn(options: SlackStandInOptions): Promise<RunningSlackStandIn> {
  const posts: SlackPost[] = [];
  const ephemerals: SlackEphemeral[] = [];
  const calls: SlackCall[] = [];
  const members = new Map<string, string>();
  let down = false;
  let clock = 0;
  /** Slack's message timestamps: seconds.micro, unique and increasing. */
  const nextTs = () => {
    clock = Math.max(clock + 1, Date.now() * 1000);
    return `${Math.floor(clock / 1e6)}.${String(clock % 1e6).padStart(6, '0')}`;
  };

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'chat.postMessage': (args) => {
      const target = String(args.channel ?? '');
      if (!target) return { ok: false, error: 'channel_not_found' };
      if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
      const isMember = /^[UW]/.test(target);
      const post: SlackPost = {
        channel: isMember ? dmOf(target) : target,
        ts: nextTs(),
        ...(isMember ? { user: target } : {}),
        text: String(args.text ?? ''),
        blocks: blocksOf(args.blocks),
        updates: 0,
        postedAt: new Date().toISOString(),
      };
      posts.push(post);
      return { ok: true, channel: post.channel, ts: post.ts, message: { text: post.text, blocks: post.blocks, ts: post.ts } };
    },
    'chat.update': (args) => {
      const post = posts.find((p) => p.channel === args.channel && p.ts === args.ts);
      if (!post) return { ok: false, error: 'message_not_found' };
      post.text = String(args.text ?? post.text);
      post.blocks = args.blocks !== undefined ? blocksOf(args.blocks) : post.blocks;
      post.updates += 1;
      post.updatedAt = new Date().toISOString();
      return { ok: true, channel: post.channel, ts: post.ts, text: post.text };
    },
    'chat.postEphemeral': (args) => {
      if (!args.channel || !args.user) return { ok: false, error: 'invalid_arguments' };
      ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text ?? ''), at: new Date().toISOString() });
      return { ok: true, message_ts: nextTs() };
    },
    'users.lookupByEmail': (args) => {
      const email = String(args.email ?? '').trim().toLowerCase();
      if (!email.includes('@')) return { ok: false, error: 'users_not_found' };
      const id = memberIdOf(email);
      members.set(id, email);
      return { ok: true, user: { id, name: email.split('@')[0], profile: { email } } };
    },
  };

  const answer = (response: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8') => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const click = async ({ channel, ts, actionId, selected, user }: SlackClick) => {
    const post = posts.find((p) => p.channel === channel && p.ts === ts);
    if (!post) return { status: 404, body: 'no such message' };
    const block = post.blocks.find((b) => b.type === 'actions' && (b.elements as Array<Record<string, any>>).some((e) => e.action_id === actionId));
    const element = (block?.elements as Array<Record<string, any>> | undefined)?.find((e) => e.action_id === actionId);
    if (!block || !element) return { status: 404, body: 'no such button on this message' };
    const clicker = user || post.user || 'U0NOBODY';
    const payload = {
      type: 'block_actions',
      user: { id: clicker, username: members.get(clicker)?.split('@')[0] ?? 'someone', team_id: 'T0LOCAL' },
      api_app_id: 'A0LOCAL',
      team: { id: 'T0LOCAL', domain: 'local' },
      container: { type: 'message', message_ts: post.ts, channel_id: post.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.local`,
      channel: { id: post.channel, name: post.user ? 'directmessage' : post.channel },
      message: { type: 'message', ts: post.ts, text: post.text, blocks: post.blocks },
      response_url: `${base}/actions/${encodeURIComponent(post.channel)}/${post.ts}`,
      actions: [
        {
          type: element.type,
          action_id: actionId,
          block_id: block.block_id,
          ...(element.value !== undefined ? { value: element.value } : {}),
          ...(element.type === 'static_select' && selected ? { selected_option: { text: { type: 'plain_text', text: selected }, value: selected } } : {}),
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(options.interactionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(body, timestamp, options.signingSecret) },
      body,
    });
    return { status: response.status, body: await response.text() };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
      if (method && request.method === 'POST') {
        const body = await readBody(request);
        if (down) return answer(response, 503, { ok: false, error: 'service_unavailable' });
        const call = methods[method];
        const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? String(argsOf(request, body).token ?? '');
        const result = !call ? { ok: false, error: 'unknown_method' } : token !== options.botToken ? { ok: false, error: token ? 'invalid_auth' : 'not_authed' } : call(argsOf(request, body));
        calls.push({ method, at: new Date().toISOString(), ok: result.ok === true, ...(result.ok ? {} : { error: String(result.error) }) });
        return answer(response, 200, result);
      }
      if (url.pathname === '/messages' && request.method === 'GET') return answer(response, 200, { messages: posts, ephemerals, calls });
      if (url.pathname === '/click' && request.method === 'POST') {
        const form = new URLSearchParams(await readBody(request));
        const result = await click({ channel: form.get('channel') ?? '', ts: form.get('ts') ?? '', actionId: form.get('action') ?? '', selected: form.get('selected') ?? undefined, user: form.get('user') ?? undefined });
        if (result.status !== 200) return answer(response, 200, page(posts, ephemerals, members, `The app answered the click with ${result.status}: ${result.body}`), 'text/html; charset=utf-8');
        response.writeHead(303, { location: '/' });
        return response.end();
      }
      if (url.pathname === '/' && request.method === 'GET') return answer(response, 200, page(posts, ephemerals, members), 'text/html; charset=utf-8');
      return answer(response, 404, { ok: false, error: 'not_found' });
    })().catch((error: unknown) => answer(response, 500, { ok: false, error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    apiUrl: `${base}/api/`,
    messages: () => posts.map((p) => ({ ...p })),
    ephemerals: () => [...ephemerals],
    calls: () => [...calls],
    userIdOf: memberIdOf,
    setDown: (value) => {
      down = value;
    },
    click,
    clear: () => {
      posts.length = 0;
      ephemerals.length = 0;
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- The page: the messages roughly as Slack draws them ----

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Slack's mrkdwn as HTML. The app escaped &, < and > in what people typed, so every raw `<`
 * is the app's own markup (`<url|label>`, `<!date^...|fallback>`); everything else is text.
 */
export function mrkdwnToHtml(text: string): string {
  const pieces = text.split(/(<[^<>]*>)/);
  const inline = (segment: string) =>
    segment
      // Slack's three entities stay entities; anything else is escaped for HTML.
      .replace(/&(?!(amp|lt|gt);)/g, '&amp;')
      .replace(/"/g, '&quot;')
      .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
      .replace(/(^|\s)_([^_\n]+)_(?=\s|$)/g, '$1<i>$2</i>')
      .replace(/:white_check_mark:/g, '✓');
  const html = pieces
    .map((piece) => {
      const markup = /^<([^<>|]*)(?:\|([^<>]*))?>$/.exec(piece);
      if (!markup) return inline(piece);
      const [, target = '', label] = markup;
      if (target.startsWith('!date^')) return esc(label ?? target);
      if (/^(https?:|mailto:|tel:)/.test(target)) return `<a href="${esc(target)}">${inline(label ?? target)}</a>`;
      return esc(piece);
    })
    .join('');
  // Quote lines (a raw ">" at a line's start is mrkdwn's quote) and line breaks.
  return html
    .split('\n')
    .map((line) => (line.startsWith('> ') ? `<span class="quote">${line.slice(2)}</span>` : line))
    .join('<br>');
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.46 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1c1d;background:#fff}
header{background:#3f0e40;color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header h1{font-size:1rem;margin:0}header a{color:#fff}
main{max-width:46rem;margin:0 auto;padding:1rem}
.msg{display:flex;gap:.6rem;padding:.75rem 0;border-bottom:1px solid #eee}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;background:#4338ca;color:#fff;display:grid;place-items:center;font-weight:700}
.body{min-width:0;flex:1}.meta{font-size:.85rem;color:#616061}.meta b{color:#1d1c1d;font-size:.95rem}
.block{margin:.25rem 0;overflow-wrap:anywhere}.context{font-size:.85rem;color:#4d4c4d}
.quote{display:inline-block;border-left:4px solid #ddd;padding-left:.5rem;color:#454245}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}.actions form{margin:0;display:flex;gap:.25rem;align-items:center}
button,select,.link-button{font:inherit;font-size:.9rem;border:1px solid #bbb;border-radius:4px;background:#fff;color:#1d1c1d;padding:.3rem .75rem;min-height:36px;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}
button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
button:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid #1264a3;outline-offset:2px}
.as{font-size:.85rem;color:#4d4c4d;margin:.25rem 0}.as label{margin-right:.25rem}.as select{max-width:100%}
.ephemeral{background:#f8f8f8;border-left:4px solid #1264a3;padding:.4rem .6rem;margin:.4rem 0;font-size:.9rem}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}
.empty{color:#616061}
`;

function page(posts: readonly SlackPost[], ephemerals: readonly SlackEphemeral[], members: ReadonlyMap<string, string>, error?: string): string {
  const nameOf = (user: string) => members.get(user) ?? user;
  const people = [...members.entries()];
  const messages = [...posts].reverse().map((post, index) => {
    const id = `m${index}`;
    const clickerChoice = `<div class="as"><label for="${id}-as">Click as</label><select id="${id}-as" name="user" form="${id}-contacted">${[
      ...(post.user ? [[post.user, `${nameOf(post.user)} (this DM's member)`] as const] : []),
      ...people.filter(([user]) => user !== post.user).map(([user, email]) => [user, email] as const),
      ['U0STRANGER', 'someone else in the workspace'] as const,
    ]
      .map(([user, label]) => `<option value="${esc(user)}">${esc(label)}</option>`)
      .join('')}</select></div>`;
    const hidden = (action: string) => `<input type="hidden" name="channel" value="${esc(post.channel)}"><input type="hidden" name="ts" value="${esc(post.ts)}"><input type="hidden" name="action" value="${esc(action)}">`;
    let firstForm = true;
    const blocks = post.blocks
      .map((block) => {
        if (block.type === 'section') return `<div class="block">${mrkdwnToHtml(String(block.text?.text ?? ''))}</div>`;
        if (block.type === 'context') return `<div class="block context">${(block.elements as Array<{ text?: string }>).map((e) => mrkdwnToHtml(String(e.text ?? ''))).join(' ')}</div>`;
        if (block.type !== 'actions') return '';
        const elements = (block.elements as Array<Record<string, any>>).map((element) => {
          const label = esc(String(element.text?.text ?? element.placeholder?.text ?? ''));
          if (element.url) return `<a class="link-button" href="${esc(String(element.url))}">${label}</a>`;
          const formId = firstForm ? `${id}-contacted` : `${id}-${esc(String(element.action_id))}`;
          firstForm = false;
          // Every form takes the "Click as" choice: the first owns the select, the others copy it when sent.
          const as = formId === `${id}-contacted` ? '' : `<input type="hidden" name="user" data-as="${id}-as">`;
          if (element.type === 'static_select') {
            const options = (element.options as Array<{ text: { text: string }; value: string }>).map((o) => `<option value="${esc(o.value)}">${esc(o.text.text)}</option>`).join('');
            return `<form method="post" action="/click" id="${formId}">${hidden(String(element.action_id))}${as}<label class="visually-hidden" for="${formId}-reason" style="position:absolute;left:-9999px">${label}</label><select id="${formId}-reason" name="selected">${options}</select><button type="submit">Reject</button></form>`;
          }
          return `<form method="post" action="/click" id="${formId}">${hidden(String(element.action_id))}${as}<button type="submit"${element.style === 'primary' ? ' class="primary"' : ''}>${label}</button></form>`;
        });
        // Who clicks matters only where a click records something (not on a link).
        return `<div class="actions">${elements.join('')}</div>${firstForm ? '' : clickerChoice}`;
      })
      .join('');
    const notes = ephemerals
      .filter((note) => note.channel === post.channel)
      .map((note) => `<div class="ephemeral">Only visible to ${esc(nameOf(note.user))}: ${mrkdwnToHtml(note.text)}</div>`)
      .join('');
    const to = post.user ? `to ${esc(nameOf(post.user))}` : `in ${esc(post.channel)}`;
    const edited = post.updates > 0 ? ' (edited)' : '';
    return `<article class="msg" data-ts="${esc(post.ts)}"><div class="avatar" aria-hidden="true">S</div><div class="body"><div class="meta"><b>Speed-to-lead</b> APP · ${to} · ${esc(post.postedAt.slice(11, 19))}${edited}</div>${blocks}${notes}</div></article>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Slack (local stand-in)</title><style>${STYLE}</style></head>
<body><header><h1>Slack (local stand-in): what the bot posted</h1><a href="/">Refresh</a></header><main>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${messages.length ? messages.join('') : '<p class="empty">No messages yet: a hot lead alerts its rep here at minute 5.</p>'}
</main><script>
document.querySelectorAll('input[data-as]').forEach(function (input) {
  input.form.addEventListener('submit', function () { input.value = document.getElementById(input.dataset.as).value; });
});
</script></body></html>`;
}
