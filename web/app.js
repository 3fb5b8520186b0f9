// app.js - the P2P browser client: sign in with a token, create/see/edit the profile
// over REST, connect the WebSocket, search traders. Plain JS, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'p2p.token';
const REPLY_TIMEOUT_MS = 10000;
const RECONNECT_MAX_MS = 30000;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  profile: null,
  ws: null,
  wantConnected: false, // the user asked for a connection; reconnect when it drops
  retryMs: 1000,
  retryTimer: null,
  pending: new Map(),   // request_id -> {resolve, reject, timer}
  seq: 0,
};

function notice(text, isError) {
  const el = $('notice');
  el.textContent = text || '';
  el.className = isError ? 'error' : '';
}

// ------------------------------------------------------------------ token

function tokenUser(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part));
    return claims.user_id || claims.sub || '?';
  } catch (e) {
    return null;
  }
}

async function signIn(token) {
  token = token.trim();
  if (!tokenUser(token)) {
    notice('That does not look like a JWT (header.claims.signature).', true);
    return;
  }
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who').textContent = 'Signed in as ' + tokenUser(token);
  $('signin').hidden = true;
  $('account').hidden = false;
  await loadProfile();
}

function signOut() {
  disconnect();
  state.token = '';
  state.profile = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('who').textContent = 'Not signed in';
  $('signin').hidden = false;
  $('account').hidden = true;
  $('live').hidden = true;
  notice('Signed out.');
}

async function mintDevToken(userId) {
  const r = await fetch('/dev/token', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({user_id: userId}),
  });
  if (r.status === 404) {
    notice('Development tokens are off on this gateway (start it with P2P_DEV_TOKENS=1), ' +
           'or this browser is not on the gateway\'s own host (they are served to localhost ' +
           'only); paste a token instead.', true);
    return;
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok || !body.success) {
    notice('Could not mint a token: ' + (body.error || r.status), true);
    return;
  }
  await signIn(body.data.token);
}

// ------------------------------------------------------------------ REST

async function api(method, path, data) {
  const opts = {method, headers: {Authorization: 'Bearer ' + state.token}};
  if (data !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(data);
  }
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => ({success: false, error: 'HTTP ' + r.status}));
  if (r.status === 401) {
    signOut();
    notice('The token was refused (expired or not signed with this server\'s key).', true);
  }
  return {status: r.status, body};
}

async function loadProfile() {
  const {status, body} = await api('GET', '/api/p2p/profile/check');
  if (status !== 200 || !body.success) {
    if (status !== 401) notice('Could not check your profile: ' + (body.error || status), true);
    return;
  }
  if (!body.data.exists) {
    state.profile = null;
    $('create-form').hidden = false;
    $('profile-view').hidden = true;
    $('live').hidden = true;
    notice(body.data.message || 'You have not joined P2P trading yet.');
    return;
  }
  const me = await api('GET', '/api/p2p/profile');
  if (me.status === 200 && me.body.success) showProfile(me.body.data.profile);
  else notice('Could not load your profile: ' + (me.body.error || me.status), true);
}

const SHOWN_FIELDS = [
  ['username', 'Username'], ['user_id', 'User id'], ['email', 'Email'],
  ['phone_number', 'Phone number'], ['preferred_currency', 'Preferred currency'],
  ['auto_reply_message', 'Auto-reply message'], ['total_trades', 'Trades'],
  ['completed_trades', 'Completed'], ['avg_rating', 'Rating'], ['is_verified', 'Verified'],
  ['is_merchant', 'Merchant'], ['is_suspended', 'Suspended'], ['has_consent', 'Consent given'],
  ['joined_at', 'Joined'],
];

function showValue(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return String(v);
}

function showProfile(profile) {
  state.profile = profile;
  $('create-form').hidden = true;
  $('profile-view').hidden = false;
  $('live').hidden = false;
  const dl = $('profile-fields');
  dl.replaceChildren();
  for (const [key, label] of SHOWN_FIELDS) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = showValue(profile[key]);
    dd.dataset.field = key;
    dl.append(dt, dd);
  }
  $('edit-username').value = profile.username || '';
  $('edit-email').value = profile.email || '';
  $('edit-phone').value = profile.phone_number || '';
  $('edit-currency').value = profile.preferred_currency || '';
  $('edit-auto-reply').value = profile.auto_reply_message || '';
}

async function createProfile() {
  if (!$('consent').checked) {
    notice('Tick the box to accept the terms and conditions first.', true);
    return;
  }
  const data = {has_consent: true};
  const username = $('create-username').value.trim();
  if (username) data.username = username;
  const {status, body} = await api('POST', '/api/p2p/profile/create', data);
  if (status === 201 && body.success) {
    showProfile(body.data.profile);
    notice(body.message || 'Profile created.');
  } else if (status !== 401) {
    notice('Could not create the profile: ' + (body.error || status), true);
  }
}

async function saveProfile() {
  // Only what changed; an emptied optional field is sent as "" (clears it).
  const fields = {
    username: $('edit-username').value.trim(),
    email: $('edit-email').value.trim(),
    phone_number: $('edit-phone').value.trim(),
    preferred_currency: $('edit-currency').value.trim(),
    auto_reply_message: $('edit-auto-reply').value,
  };
  const data = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== (state.profile[key] || '') && !(key === 'username' && value === '')) data[key] = value;
  }
  if (Object.keys(data).length === 0) {
    notice('Nothing changed.');
    return;
  }
  const {status, body} = await api('PUT', '/api/p2p/profile', data);
  if (status === 200 && body.success) {
    showProfile(body.data.profile);
    notice(body.message || 'Profile updated.');
  } else if (status !== 401) {
    notice('Could not save: ' + (body.error || status), true);
  }
}

// ------------------------------------------------------------------ WebSocket

function setWsState(name, text) {
  const el = $('ws-state');
  el.dataset.state = name;
  el.textContent = text || name;
}

function wsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return scheme + '//' + location.host + '/api/p2p/ws?token=' + encodeURIComponent(state.token);
}

function connect() {
  state.wantConnected = true;
  clearTimeout(state.retryTimer);
  if (state.ws && state.ws.readyState <= WebSocket.OPEN) return;
  setWsState('connecting');
  const ws = new WebSocket(wsUrl());
  state.ws = ws;
  let refused = false;
  ws.onmessage = (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (msg.type === 'connected') {
      state.retryMs = 1000;
      setWsState('connected', 'connected as ' + (msg.data && msg.data.username || msg.data.user_id));
    } else if (msg.type === 'connection_error' || msg.type === 'account_suspended') {
      refused = true; // retrying cannot help until the user acts
      state.wantConnected = false;
      setWsState('error', 'error: ' + msg.error);
      notice(msg.message || msg.error, true);
    } else if (msg.request_id && state.pending.has(msg.request_id)) {
      const p = state.pending.get(msg.request_id);
      state.pending.delete(msg.request_id);
      clearTimeout(p.timer);
      p.resolve(msg);
    }
  };
  ws.onclose = (event) => {
    if (state.ws !== ws) return;
    state.ws = null;
    for (const [id, p] of state.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      state.pending.delete(id);
    }
    if (refused) return;
    if (state.wantConnected) {
      const wait = state.retryMs;
      state.retryMs = Math.min(state.retryMs * 2, RECONNECT_MAX_MS);
      setWsState('closed', 'closed (code ' + event.code + '), reconnecting in ' +
                 Math.round(wait / 1000) + ' s');
      state.retryTimer = setTimeout(connect, wait);
    } else {
      setWsState('closed');
    }
  };
}

function disconnect() {
  state.wantConnected = false;
  clearTimeout(state.retryTimer);
  if (state.ws) state.ws.close(1000, 'bye');
  else setWsState('closed');
}

// Send {type, data, request_id} and resolve with the reply carrying the same request_id.
function request(type, data) {
  return new Promise((resolve, reject) => {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      reject(new Error('not connected'));
      return;
    }
    const id = 'web-' + Date.now().toString(36) + '-' + (++state.seq);
    const timer = setTimeout(() => {
      state.pending.delete(id);
      reject(new Error('no reply within ' + REPLY_TIMEOUT_MS / 1000 + ' s'));
    }, REPLY_TIMEOUT_MS);
    state.pending.set(id, {resolve, reject, timer});
    state.ws.send(JSON.stringify({type, data, request_id: id}));
  });
}

async function search() {
  const data = {limit: 20};
  const text = $('search-text').value.trim();
  if (text) data.search = text;
  if ($('search-verified').checked) data.is_verified = true;
  const rating = $('search-rating').value;
  if (rating !== '') data.min_rating = Number(rating);
  $('search-summary').textContent = 'Searching…';
  let reply;
  try {
    reply = await request('profile.search', data);
  } catch (e) {
    $('search-summary').textContent = 'Search failed: ' + e.message + '. Connect first.';
    return;
  }
  if (!reply.success) {
    $('search-summary').textContent = 'Search failed: ' + reply.error;
    return;
  }
  const rows = reply.data.profiles.map((p) => {
    const tr = document.createElement('tr');
    for (const v of [p.username || '(no username)', p.total_trades, p.avg_rating,
                     p.is_verified, p.is_merchant]) {
      const td = document.createElement('td');
      td.textContent = showValue(v);
      tr.append(td);
    }
    return tr;
  });
  $('search-results').tBodies[0].replaceChildren(...rows);
  $('search-results').hidden = rows.length === 0;
  $('search-summary').textContent = reply.data.total === 1 ? '1 trader found'
    : reply.data.total + ' traders found';
}

// ------------------------------------------------------------------ wiring

function onSubmit(id, fn) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    fn().catch((e) => notice(e.message, true));
  });
}

onSubmit('token-form', () => signIn($('token').value));
onSubmit('dev-form', () => mintDevToken($('dev-user').value.trim()));
onSubmit('create-form', createProfile);
onSubmit('edit-form', saveProfile);
onSubmit('search-form', search);
$('signout').addEventListener('click', signOut);
$('ws-connect').addEventListener('click', connect);
$('ws-disconnect').addEventListener('click', disconnect);

if (state.token) signIn(state.token).catch((e) => notice(e.message, true));
