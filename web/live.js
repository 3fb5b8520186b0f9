// live.js - the one WebSocket to the gateway: requests matched to replies by
// request_id, pushes (no request_id) handed to listeners, and reconnection by itself.
//
// Events (an EventTarget): 'state' {state, attempt, waitMs}; 'ready' {reconnected} once
// the server said "connected" (after each (re)connect: the moment to resync);
// 'push' {msg}; 'refused' {msg} (account_suspended, or a connection_error retrying
// cannot change: no profile, no consent, suspended; it stops). A connection_error of a
// passing kind (no worker yet, database away, timeout: close 1013) backs off and retries.
import {normalize} from './api.js';
import {t} from './strings.js';

const REPLY_TIMEOUT_MS = 15000;
const OPEN_WAIT_MS = 8000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
// connection_error codes that retrying cannot change (asyncapi.yaml: closed with 1008)
const FINAL_REFUSALS = new Set(['NOT_JOINED_P2P', 'CONSENT_REQUIRED', 'ACCOUNT_SUSPENDED']);

export class Live extends EventTarget {
  constructor() {
    super();
    this.token = '';
    this.ws = null;
    this.state = 'idle'; // idle | connecting | open | retrying | refused
    this.want = false;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.attempt = 0;
    this.everReady = false;
    this.pending = new Map(); // request_id -> {resolve, timer}
    this.waiters = [];        // resolvers waiting for 'open'
    this.seq = 0;
    this.onWake = () => { if (this.want && this.state === 'retrying') this.connectNow(); };
    window.addEventListener('online', this.onWake);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.onWake();
    });
  }

  start(token) {
    this.token = token;
    this.want = true;
    this.retryMs = RETRY_MIN_MS;
    this.connectNow();
  }

  stop() {
    this.want = false;
    this.everReady = false;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.failAll(t('error.OFFLINE'));
    this.setState('idle');
  }

  setState(state, extra) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', {detail: Object.assign({state}, extra || {})}));
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt += 1;
    this.setState('connecting', {attempt: this.attempt});
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(scheme + '//' + location.host + '/api/p2p/ws?token=' +
                             encodeURIComponent(this.token));
    this.ws = ws;
    let refused = false;
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (msg.type === 'connected') {
        this.retryMs = RETRY_MIN_MS;
        this.attempt = 0;
        const reconnected = this.everReady;
        this.everReady = true;
        this.setState('open', {data: msg.data});
        for (const w of this.waiters.splice(0)) w(true);
        this.dispatchEvent(new CustomEvent('ready', {detail: {reconnected, data: msg.data}}));
      } else if (msg.type === 'account_suspended' ||
                 (msg.type === 'connection_error' && FINAL_REFUSALS.has(msg.error))) {
        // final: the server said no for a reason retrying cannot change (close 1008)
        refused = true;
        this.want = false;
        this.setState('refused', {msg});
        this.dispatchEvent(new CustomEvent('refused', {detail: {msg}}));
      } else if (msg.request_id && this.pending.has(msg.request_id)) {
        const p = this.pending.get(msg.request_id);
        this.pending.delete(msg.request_id);
        clearTimeout(p.timer);
        p.resolve(normalize(msg.success ? 200 : 400, msg));
      } else if (!msg.request_id) {
        this.dispatchEvent(new CustomEvent('push', {detail: {msg}}));
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failAll(t('error.OFFLINE'));
      if (refused || !this.want) {
        if (!refused) this.setState('idle');
        for (const w of this.waiters.splice(0)) w(false);
        return;
      }
      // back off, with jitter so many clients dropped at once do not return at once
      const wait = Math.round(this.retryMs * (0.8 + Math.random() * 0.4));
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      this.setState('retrying', {waitMs: wait, attempt: this.attempt});
      this.retryTimer = setTimeout(() => this.connectNow(), wait);
    };
  }

  failAll(text) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ok: false, status: 0, code: 'OFFLINE', text, field: null});
      this.pending.delete(id);
    }
  }

  // Resolves true once the socket is open (at most OPEN_WAIT_MS), else false.
  whenOpen() {
    if (this.state === 'open') return Promise.resolve(true);
    if (!this.want) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, OPEN_WAIT_MS);
      const done = (ok) => {
        clearTimeout(timer);
        resolve(ok);
      };
      this.waiters.push(done);
    });
  }

  // Sends {type, data, request_id}; resolves with the normalized reply (api.js), never
  // rejects: a dropped connection or a timeout is {ok: false, code: 'OFFLINE'|'TIMEOUT'}.
  async request(type, data) {
    if (!(await this.whenOpen())) {
      return {ok: false, status: 0, code: 'OFFLINE', text: t('error.OFFLINE'), field: null};
    }
    return new Promise((resolve) => {
      const id = 'w' + Date.now().toString(36) + '-' + (++this.seq);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ok: false, status: 0, code: 'TIMEOUT', text: t('error.TIMEOUT'), field: null});
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, {resolve, timer});
      this.ws.send(JSON.stringify({type, data: data || {}, request_id: id}));
    });
  }
}
