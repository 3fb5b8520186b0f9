// store.js - what the signed-in session knows and shares between screens: who I am, the
// connection, catalog data (assets, payment methods, prices), and the orders I am a
// party to, kept current by `order.updated` pushes and refetched after a reconnect.
// Screens listen on `bus` ('order', 'orders', 'resync', 'wallet', 'push' for the other
// pushes: chat.new_message, chat.read, notification.new) and fetch the rest.
import {Live} from './live.js';
import * as clock from './clock.js';

export const bus = new EventTarget();

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, {detail}));
}

// on('order', fn) -> a function that removes the listener.
export function on(name, fn) {
  const handler = (e) => fn(e.detail);
  bus.addEventListener(name, handler);
  return () => bus.removeEventListener(name, handler);
}

export const live = new Live();

export const OPEN_STATUSES = ['PENDING_PAYMENT', 'PAID', 'DISPUTED'];

export const session = {
  token: '',
  userId: '',
  isAdmin: false,
  profile: null,        // my profile (REST shape), null before it exists
  suspended: null,      // the refusal message while the account is suspended
};

const s_cache = {
  assets: null,          // ['BTC', ...] in the API's order
  methods: null,         // payment_method.list
  orders: new Map(),     // id -> order, as the API last showed it to me
};

export function reset() {
  s_cache.assets = null;
  s_cache.methods = null;
  s_cache.orders.clear();
  session.profile = null;
  session.suspended = null;
}

// For a screen whose loads may overlap (a filter changed while the last one was in
// flight): const isLatest = latest()(); ... await ...; if (!isLatest()) return;
// so an older answer never paints over a newer one.
export function latest() {
  let n = 0;
  return () => {
    const mine = ++n;
    return () => mine === n;
  };
}

export function call(type, data) {
  return live.request(type, data);
}

export function myProfileId() {
  return session.profile ? session.profile.id : null;
}

// 'buyer' or 'seller': my side of an order.
export function myRole(order) {
  return order.buyer && order.buyer.id === myProfileId() ? 'buyer' : 'seller';
}

// ------------------------------------------------------------------ catalog

export async function assets() {
  if (s_cache.assets) return s_cache.assets;
  const r = await call('wallet.balance');
  if (r.ok) s_cache.assets = r.data.balances.map((b) => b.asset);
  return s_cache.assets || [];
}

export async function paymentMethods() {
  if (s_cache.methods) return s_cache.methods;
  const r = await call('payment_method.list');
  if (r.ok) s_cache.methods = r.data.payment_methods;
  return s_cache.methods || [];
}

export async function prices() {
  const r = await call('price.list');
  return r.ok ? r.data.prices : [];
}

// ------------------------------------------------------------------ orders

// Later wins: an order seen with more events, or the same events and a later
// updated_at, replaces what we had (a reply and a push for one change may cross).
function newer(a, b) {
  const ea = (a.events || []).length;
  const eb = (b.events || []).length;
  if (ea !== eb) return ea > eb;
  return (a.updated_at || '') >= (b.updated_at || '');
}

// Record an order from a reply or a push; emits 'order' {order, previous, pushed}
// when it is new or changed.
export function putOrder(order, pushed) {
  const previous = s_cache.orders.get(order.id) || null;
  if (previous && !newer(order, previous)) return previous;
  s_cache.orders.set(order.id, order);
  if (pushed && order.updated_at) clock.observe(order.updated_at);
  emit('order', {order, previous, pushed: !!pushed});
  return order;
}

export function getOrder(id) {
  return s_cache.orders.get(Number(id)) || null;
}

export function openOrders() {
  return [...s_cache.orders.values()].filter((o) => OPEN_STATUSES.includes(o.status))
    .sort((a, b) => b.id - a.id);
}

// After a (re)connect: the open orders as the server has them now, and a fresh look at
// any order we thought open that is not open any more (it moved while we were away).
export async function resyncOrders() {
  const r = await call('order.list', {status: OPEN_STATUSES, limit: 100});
  if (!r.ok) return;
  const open = new Set();
  for (const order of r.data.orders) {
    open.add(order.id);
    putOrder(order, false);
  }
  for (const order of [...s_cache.orders.values()]) {
    if (OPEN_STATUSES.includes(order.status) && !open.has(order.id)) {
      const g = await call('order.get', {order_id: order.id});
      if (g.ok) putOrder(g.data.order, false);
    }
  }
  emit('orders', {});
}

live.addEventListener('push', (e) => {
  const msg = e.detail.msg;
  if (msg.type === 'order.updated' && msg.data && msg.data.order) putOrder(msg.data.order, true);
  // chat.new_message, chat.read, notification.new: screens listen on 'push'
  else if (msg.data) emit('push', msg);
});
