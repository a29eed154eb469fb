/** The app's hash routes: `#/queue` (default), `#/leads/<id>`, `#/team`, `#/dashboard`, each with an optional `?query`. */

export type Route =
  | { name: 'queue'; query: URLSearchParams }
  | { name: 'lead'; leadId: string; query: URLSearchParams }
  | { name: 'team'; query: URLSearchParams }
  | { name: 'dashboard'; query: URLSearchParams };

export type RouteName = Route['name'];

/** The route a hash names; anything unknown is the queue. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', search = ''] = raw.split(/\?(.*)/s, 2);
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'leads' && parts[1]) {
    let leadId = parts[1];
    try {
      leadId = decodeURIComponent(parts[1]);
    } catch {
      // A malformed escape: keep it as typed, the API will say it is not a lead.
    }
    return { name: 'lead', leadId, query };
  }
  if (parts[0] === 'team') return { name: 'team', query };
  if (parts[0] === 'dashboard') return { name: 'dashboard', query };
  return { name: 'queue', query };
}

/** The hash for a route: `#/leads/<id>`, `#/dashboard?from=...`. Empty query values are left out. */
export function hashOf(route: { name: RouteName; leadId?: string; query?: URLSearchParams | Record<string, string | undefined> }): string {
  const path = route.name === 'lead' ? `/leads/${encodeURIComponent(route.leadId ?? '')}` : `/${route.name}`;
  const query = queryString(route.query);
  return `#${path}${query ? `?${query}` : ''}`;
}

/** `a=1&b=2` from params or a record, leaving out empty values; keys in the order given. */
export function queryString(query: URLSearchParams | Record<string, string | undefined> | undefined): string {
  if (!query) return '';
  const entries = query instanceof URLSearchParams ? [...query.entries()] : Object.entries(query);
  const kept = new URLSearchParams();
  for (const [key, value] of entries) if (value !== undefined && value !== '') kept.append(key, value);
  return kept.toString();
}
