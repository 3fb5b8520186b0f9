// api.js - REST calls (profile bootstrap, the admin API) and the one shape every reply,
// REST or WebSocket, is turned into:
//   {ok, status, data, code, text, field}
// `code` is the machine code (trading errors carry it in "code"; the plumbing's errors
// in "error", with the reason in "message"); `text` what to show; `field` the API field
// the error names ("field 'min_limit' must ..."), so forms can put it next to it.
import {t} from './strings.js';

const CODE = /^[A-Z][A-Z_]+$/;
const FIELD = /field '([a-z_]+)'/;

let s_token = '';
let s_onUnauthorized = () => {};

export function setToken(token) {
  s_token = token || '';
}

// Called once with a function run when the server refuses the token (401).
export function onUnauthorized(fn) {
  s_onUnauthorized = fn;
}

export function normalize(status, body) {
  const b = body && typeof body === 'object' ? body : {};
  const ok = b.success === true && status < 400;
  if (ok) return {ok, status, data: b.data || {}, message: b.message || ''};
  let code = b.code || null;
  let text = b.error || '';
  if (CODE.test(text)) {
    code = code || text;
    text = b.message || '';
  }
  if (!text) text = t('error.' + code, {}, '') || t('error.generic', {status});
  const m = FIELD.exec(text);
  return {ok: false, status, code, text, field: m ? m[1] : null, data: b.data || null};
}

// One REST call. Network failures (offline, gateway down) come back as
// {ok: false, code: 'OFFLINE'}; a 401 also runs the unauthorized hook.
export async function rest(method, path, body, opts) {
  const o = opts || {};
  const headers = {};
  const token = o.token === undefined ? s_token : o.token;
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = {method, headers};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    return {ok: false, status: 0, code: 'OFFLINE', text: t('error.OFFLINE'), field: null};
  }
  const parsed = await r.json().catch(() => null);
  if (r.status === 429) {
    const wait = r.headers.get('Retry-After');
    return {ok: false, status: 429, code: 'RATE_LIMITED', field: null,
      text: t('error.RATE_LIMITED_WAIT', {s: wait || '60'})};
  }
  const reply = normalize(r.status, parsed || {error: 'HTTP ' + r.status});
  if (r.status === 401 && token && !o.noHook) s_onUnauthorized(reply);
  return reply;
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// A file as the raw body of a POST (attachments): its own Content-Type, the reply
// normalized as rest() does.
export async function upload(path, file) {
  const headers = {'Content-Type': file.type || 'application/octet-stream'};
  if (s_token) headers.Authorization = 'Bearer ' + s_token;
  let r;
  try {
    r = await fetch(path, {method: 'POST', headers, body: file});
  } catch (e) {
    return {ok: false, status: 0, code: 'OFFLINE', text: t('error.OFFLINE'), field: null};
  }
  if (r.status === 413) return {ok: false, status: 413, code: 'TOO_LARGE', text: t('error.TOO_LARGE'), field: null};
  const parsed = await r.json().catch(() => null);
  if (r.status === 503 && !parsed) return {ok: false, status: 503, code: 'SERVICE_UNAVAILABLE', text: t('error.SERVICE_UNAVAILABLE'), field: null};
  const reply = normalize(r.status, parsed || {error: 'HTTP ' + r.status});
  if (r.status === 401) s_onUnauthorized(reply);
  return reply;
}

// An authenticated download (attachments need the token, so no plain <img src>):
// {ok: true, blob} or a normalized error.
export async function blob(path) {
  const headers = s_token ? {Authorization: 'Bearer ' + s_token} : {};
  let r;
  try {
    r = await fetch(path, {headers});
  } catch (e) {
    return {ok: false, status: 0, code: 'OFFLINE', text: t('error.OFFLINE'), field: null};
  }
  if (r.ok) return {ok: true, status: r.status, blob: await r.blob()};
  return normalize(r.status, await r.json().catch(() => ({error: 'HTTP ' + r.status})));
}
