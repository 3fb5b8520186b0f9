// app.js - the P2P trading client's entry point: sign-in, the header (navigation, the
// live connection's state, my open orders), the screens by route, toasts for what
// pushes bring, and the resync after every reconnect. Plain ES modules, no build step.
//
// The modules (flat: the gateway serves web/<file> only):
//   strings.js   every user-visible string, plural forms, status labels, dates
//   dom.js       h() and friends: elements from data, never HTML; fields, dialogs, tables
//   money.js     exact decimal previews (BigInt) with the API's rounding
//   clock.js     the server's clock, learnt from fresh timestamps, for countdowns
//   api.js       REST, and the one reply shape (code, text, field) REST and WS share
//   live.js      the WebSocket: request/reply by request_id, pushes, reconnect + back-off
//   store.js     the session, catalog caches, my orders (kept by pushes, resynced)
//   router.js    screens by location hash
//   view_*.js, ad_form.js, take_order.js, trader.js   the trader's screens
//   admin_*.js   the moderator console (admin REST API)
//   chat_panel.js, dispute_panel.js, review_panel.js   the order room's panels
//   attachment.js  proof-of-payment files (upload, preview, download)
//   notifications.js  the bell (#bell-slot in the header)
//   reviews.js, view_trader.js   reviews, a trader's page
import {t, statusLabel, formatTime} from './strings.js';
import {h, fill} from './dom.js';
import * as api from './api.js';
import * as store from './store.js';
import * as router from './router.js';
import {mountSignIn, mountJoin} from './view_signin.js';
import * as market from './view_market.js';
import * as orderRoom from './view_order.js';
import * as orders from './view_orders.js';
import * as myAds from './view_my_ads.js';
import * as adForm from './ad_form.js';
import * as wallet from './view_wallet.js';
import * as payments from './view_payments.js';
import * as profile from './view_profile.js';
import * as adminUsers from './admin_users.js';
import * as adminPrices from './admin_prices.js';
import * as adminMoney from './admin_money.js';
import * as adminAudit from './admin_audit.js';
import * as adminDisputes from './admin_disputes.js';
import * as trader from './view_trader.js';
import * as bell from './notifications.js';
import {panel as chatPanel} from './chat_panel.js';
import {panel as disputePanel} from './dispute_panel.js';
import {panel as reviewPanel} from './review_panel.js';

orderRoom.panels.push(disputePanel, reviewPanel, chatPanel);

const TOKEN_KEY = 'p2p.token';
const TOAST_MS = 8000;

const ROUTES = [
  {path: '/market', mount: market.mount, needs: 'trader', nav: 'nav.market'},
  {path: '/orders', mount: orders.mount, needs: 'trader', nav: 'nav.orders'},
  {path: '/order/:id', mount: orderRoom.mount, needs: 'trader', navAs: '/orders'},
  {path: '/ads', mount: myAds.mount, needs: 'trader', nav: 'nav.my_ads'},
  {path: '/ads/new', mount: adForm.mount, needs: 'trader', navAs: '/ads'},
  {path: '/ads/:id/edit', mount: adForm.mount, needs: 'trader', navAs: '/ads'},
  {path: '/wallet', mount: wallet.mount, needs: 'trader', nav: 'nav.wallet'},
  {path: '/payments', mount: payments.mount, needs: 'trader', nav: 'nav.payments'},
  {path: '/profile', mount: profile.mount, needs: 'trader', nav: 'nav.profile'},
  {path: '/trader/:id', mount: trader.mount, needs: 'trader', navAs: '/market'},
  {path: '/admin/users', mount: adminUsers.mountList, needs: 'admin', nav: 'nav.admin'},
  {path: '/admin/user/:id', mount: adminUsers.mountUser, needs: 'admin', navAs: '/admin/users'},
  {path: '/admin/prices', mount: adminPrices.mount, needs: 'admin', navAs: '/admin/users'},
  {path: '/admin/money', mount: adminMoney.mount, needs: 'admin', navAs: '/admin/users'},
  {path: '/admin/audit', mount: adminAudit.mount, needs: 'admin', navAs: '/admin/users'},
  {path: '/admin/disputes', mount: adminDisputes.mountQueue, needs: 'admin', navAs: '/admin/users'},
  {path: '/admin/dispute/:id', mount: adminDisputes.mountCase, needs: 'admin', navAs: '/admin/users'},
];

const $ = (id) => document.getElementById(id);
let s_bellCleanup = null;

// ------------------------------------------------------------------ token

function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const c = JSON.parse(atob(part));
    return c && typeof c === 'object' && (c.user_id || c.sub) ? c : null;
  } catch (e) {
    return null;
  }
}

async function signIn(token) {
  const c = claims(token || '');
  if (!c) return {ok: false, refused: true, text: t('signin.not_jwt')};
  const s = store.session;
  s.token = token;
  s.userId = String(c.user_id || c.sub);
  s.isAdmin = c.role === 'admin';
  api.setToken(token);
  const r = await loadProfile();
  if (!r.ok) {
    api.setToken('');
    s.token = '';
    return r;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  renderShell();
  if (s.profile) store.live.start(token);
  if (!location.hash && s.isAdmin && !s.profile) router.go('/admin/users');
  else router.render();
  return {ok: true};
}

// /profile/check then the profile itself; a missing profile is not an error (join).
async function loadProfile() {
  const check = await api.rest('GET', '/api/p2p/profile/check', undefined, {noHook: true});
  if (check.status === 401) return {ok: false, refused: true, text: t('signin.refused')};
  if (!check.ok) return check;
  store.session.profile = null;
  if (!check.data.exists) return {ok: true};
  const me = await api.rest('GET', '/api/p2p/profile');
  if (!me.ok) return me;
  store.session.profile = me.data.profile;
  return {ok: true};
}

function signOut(text) {
  store.live.stop();
  store.reset();
  store.session.token = '';
  store.session.isAdmin = false;
  api.setToken('');
  sessionStorage.removeItem(TOKEN_KEY);
  renderShell();
  router.render();
  if (text) toast(text, null, true);
}

api.onUnauthorized(() => signOut(t('signin.expired')));

// ------------------------------------------------------------------ shell

function renderShell() {
  const s = store.session;
  const top = $('top');
  if (s_bellCleanup) s_bellCleanup();
  s_bellCleanup = null;
  top.replaceChildren();
  document.title = t('app.title');
  if (!s.token) {
    top.append(h('span', {class: 'brand'}, t('app.brand')));
    return;
  }
  const links = ROUTES.filter((r) => r.nav && (r.needs !== 'admin' || s.isAdmin)).map((r) =>
    h('a', {href: '#' + r.path, dataset: {path: r.path}}, t(r.nav),
      r.path === '/orders' ? h('span', {class: 'count', id: 'open-count', hidden: true}) : null));
  const name = s.profile ? (s.profile.username || s.userId) : s.userId;
  top.append(
    h('a', {class: 'brand', href: '#/market'}, t('app.brand')),
    h('nav', {class: 'main-nav', 'aria-label': t('nav.label')}, links),
    h('div', {class: 'me'},
      // the live connection is a trader's (it needs a profile); a moderator without one has none
      s.profile ? h('span', {id: 'conn', class: 'conn', role: 'status', dataset: {state: store.live.state}}, connText(store.live.state)) : null,
      // the bell, a trader's (notifications are per profile)
      h('span', {id: 'bell-slot'}),
      h('span', {id: 'who', class: 'who'}, t(s.isAdmin ? 'app.who_admin' : 'app.who', {name})),
      h('button', {type: 'button', class: 'link', id: 'signout', on: {click: () => signOut(t('signin.signed_out'))}},
        t('app.sign_out'))));
  if (s.profile) s_bellCleanup = bell.mount($('bell-slot'));
  markNav();
  updateOpenCount();
}

function markNav() {
  const {path} = router.current();
  const route = ROUTES.find((r) => new RegExp('^' + r.path.replace(/:([a-z]+)/g, '[^/]+') + '$').test(path));
  const active = route ? (route.navAs || route.path) : '';
  for (const a of document.querySelectorAll('.main-nav a')) {
    if (a.dataset.path === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function connText(state, detail) {
  if (state === 'retrying' && detail && detail.waitMs) return t('conn.retrying', {s: Math.ceil(detail.waitMs / 1000)});
  return t('conn.' + state);
}

function updateOpenCount() {
  const el = $('open-count');
  if (!el) return;
  const n = store.openOrders().length;
  el.textContent = String(n);
  el.hidden = n === 0;
  el.setAttribute('aria-label', t('nav.open_count', {n}));
}

// ------------------------------------------------------------------ toasts and banner

function toast(text, action, isError) {
  const box = $('toasts');
  const item = h('div', {class: 'toast' + (isError ? ' error' : '')},
    h('p', {}, text),
    action ? h('a', {href: action.href, class: 'button small', on: {click: () => item.remove()}}, action.label) : null,
    h('button', {type: 'button', class: 'link', 'aria-label': t('common.dismiss'), on: {click: () => item.remove()}}, '×'));
  box.append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

function banner(text, action) {
  const el = $('banner');
  el.hidden = !text;
  fill(el, text ? h('p', {}, text) : null, text ? action : null);
}

// ------------------------------------------------------------------ live

store.live.addEventListener('state', (e) => {
  const {state} = e.detail;
  const el = $('conn');
  if (el) {
    el.dataset.state = state;
    el.textContent = connText(state, e.detail);
  }
  // a socket that keeps failing may be a token that expired: REST says so (401 -> signed out)
  if (state === 'retrying' && e.detail.attempt >= 2) api.rest('GET', '/api/p2p/profile/check');
});

store.live.addEventListener('ready', async (e) => {
  banner('');
  store.session.suspended = null;
  await store.resyncOrders();
  store.emit('resync', {reconnected: e.detail.reconnected});
  if (e.detail.reconnected) toast(t('conn.back'));
});

store.live.addEventListener('refused', (e) => {
  const msg = e.detail.msg;
  if (msg.error === 'ACCOUNT_SUSPENDED') {
    store.session.suspended = msg;
    const until = msg.suspended_until || (msg.data && msg.data.suspended_until);
    banner(t(until ? 'suspended.until' : 'suspended.text', {reason: msg.reason || (msg.data && msg.data.reason) || msg.message || '', until: until ? formatTime(until) : ''}),
      h('button', {type: 'button', class: 'secondary small', on: {click: () => store.live.start(store.session.token)}}, t('suspended.retry')));
  } else {
    banner(msg.message || msg.error);
  }
});

// An order that changed by someone else's hand (or the system's) gets a toast unless
// its room is on screen; my open-order count follows every change.
store.on('order', ({order, previous, pushed}) => {
  updateOpenCount();
  if (!pushed) return;
  if (previous && previous.status === order.status) return;
  const role = store.myRole(order);
  const last = (order.events || [])[order.events.length - 1];
  if (last && last.by === role) return;
  const {path} = router.current();
  if (path === '/order/' + order.id) return;
  const text = !previous && order.status === 'PENDING_PAYMENT'
    ? t(role === 'seller' ? 'toast.new_order_sell' : 'toast.new_order_buy', {ref: order.reference,
      user: (role === 'seller' ? order.buyer : order.seller).username || '', crypto: order.crypto_amount, asset: order.asset})
    : t('toast.order_status', {ref: order.reference, status: statusLabel(order.status)});
  toast(text, {href: '#/order/' + order.id, label: t('toast.open')});
});
store.on('orders', updateOpenCount);
document.addEventListener('p2p:route', markNav);
document.addEventListener('p2p:profile', renderShell);

// ------------------------------------------------------------------ routes

function guard(route) {
  const s = store.session;
  if (!s.token) return (root) => mountSignIn(root, {signIn});
  if (route.needs === 'admin' && !s.isAdmin) return (root) => root.append(h('p', {class: 'panel'}, t('admin.not_allowed')));
  if (route.needs === 'trader' && !s.profile) {
    return (root) => mountJoin(root, {joined: (p, message) => {
      s.profile = p;
      renderShell();
      store.live.start(s.token);
      toast(message || t('join.done'));
      router.render();
    }});
  }
  return null;
}

renderShell();
router.start($('view'), ROUTES, guard);
const saved = sessionStorage.getItem(TOKEN_KEY);
// a refused token signs out; a passing failure (503, network) keeps it for a reload
if (saved) {
  signIn(saved).then((r) => {
    if (r.ok) return;
    if (r.status === 401 || r.refused) signOut(r.text);
    else {
      store.session.token = '';
      renderShell();
      router.render();
      toast(r.text || t('error.OFFLINE'), null, true);
    }
  });
}
