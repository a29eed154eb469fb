/** The team app's API, called with the signed-in person's ID token. */

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A failure in the words a person reads. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return 'Could not reach the server. Check your connection; the app keeps trying.';
    if (error.status === 401) return 'Your session ended. Sign in again.';
    if (error.status === 403) return 'You are not allowed to see or change this. Ask a manager if you need access.';
    if (error.status === 404) return 'Not found: it may have been removed, or the link is wrong.';
    if (error.status === 409) return 'Someone else changed this since you loaded it. Reload to see their change.';
    if (error.status >= 500) return 'The server had a problem. Try again in a moment.';
    return error.message || 'The request was refused.';
  }
  return 'Something went wrong. Try again.';
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T>;
  blob(path: string): Promise<Blob>;
}

export function createApi(token: () => Promise<string | undefined>, onUnauthorized: () => void): Api {
  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    const idToken = await token();
    if (!idToken) {
      onUnauthorized();
      throw new ApiError(401, 'Signed out');
    }
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${idToken}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'Network error');
    }
    if (response.status === 401) {
      onUnauthorized();
      throw new ApiError(401, 'Unauthorized');
    }
    if (!response.ok) {
      const data = (await response.json().catch(() => ({}))) as { message?: string; issues?: Issue[] };
      throw new ApiError(response.status, typeof data.message === 'string' ? data.message : response.statusText, Array.isArray(data.issues) ? data.issues : []);
    }
    return response;
  }
  return {
    get: async <T>(path: string) => (await (await request('GET', path)).json()) as T,
    send: async <T>(method: 'POST' | 'PUT', path: string, body: unknown) => (await (await request(method, path, body)).json()) as T,
    blob: async (path: string) => (await request('GET', path)).blob(),
  };
}
