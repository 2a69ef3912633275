// The page's side of the control API: the token comes from the address fragment (#token=..., never sent in a
// Referer or a server log), requests carry it as a header, the event stream as ?token= (EventSource sets no headers).
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('pvault-token') ?? '';
if (token) sessionStorage.setItem('pvault-token', token);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, body) {
  const r = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({ ok: false, error: { code: 'BadReply', message: `HTTP ${r.status}` } }));
  if (!r.ok || json.ok === false)
    throw new ApiError(r.status, json.error?.code ?? 'Error', json.error?.message ?? `HTTP ${r.status}`);
  return json;
}

/** Live events: handlers by event name ('screen', 'presence', 'trace', 'bases'). */
export function events(handlers) {
  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  for (const [name, fn] of Object.entries(handlers)) source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  return source;
}

export const hasToken = () => token !== '';
export const tokenFragment = () => `#token=${encodeURIComponent(token)}`;
