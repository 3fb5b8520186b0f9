// notifications.js - the bell in the header: the unread count, live from
// notification.new pushes; a list (newest first, older on request) that opens under it;
// marking one or all read. Listed again after every (re)connect, so what arrived while
// the page was offline shows up (TRADING.md: "a client that reconnects lists what it
// missed").
import {t, formatTime} from './strings.js';
import {h, fill, uid} from './dom.js';
import * as store from './store.js';

const PAGE = 20;

// The title of a notification in the reader's language, from its kind and data; the
// API's own title when the kind is one we do not know.
export function title(n) {
  const d = n.data || {};
  const key = 'notif.' + n.kind.replace('.', '_');
  // a kind whose data lacks what our text needs (dispute.resolved names no reference)
  const needs = {ref: d.reference, rating: d.rating, amount: d.amount, asset: d.asset};
  const text = t(key, {}, null);
  if (text === null || Object.entries(needs).some(([k, v]) => text.includes('{' + k + '}') && (v === undefined || v === null))) {
    return n.title;
  }
  return t(key, needs);
}

export function mount(slot) {
  let items = new Map();     // id -> notification
  let unread = 0;
  let hasMore = false;
  let open = false;
  const panelId = uid('notif');

  const count = h('span', {class: 'count', hidden: true});
  const button = h('button', {type: 'button', class: 'bell', 'aria-expanded': 'false', 'aria-controls': panelId,
    on: {click: () => toggle()}}, h('span', {class: 'label'}, t('notif.title')), ' ', count);
  const list = h('ol', {class: 'notif-list'});
  const more = h('button', {type: 'button', class: 'link', hidden: true, on: {click: loadOlder}}, t('common.more'));
  const allRead = h('button', {type: 'button', class: 'secondary small', on: {click: () => markRead({all: true})}}, t('notif.all_read'));
  const panel = h('div', {class: 'notif-panel', id: panelId, role: 'region', 'aria-label': t('notif.title'), hidden: true},
    h('div', {class: 'notif-head'}, h('h2', {}, t('notif.title')), allRead), list, more);
  const wrap = h('div', {class: 'notif'}, button, panel);
  fill(slot, wrap);

  function toggle(force) {
    open = force === undefined ? !open : force;
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) render();
  }

  function renderCount() {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    button.setAttribute('aria-label', t('notif.button', {n: unread}));
    allRead.disabled = unread === 0;
  }

  function render() {
    renderCount();
    if (!open) return;
    const sorted = [...items.values()].sort((a, b) => b.id - a.id);
    fill(list, sorted.length ? sorted.map(item) : h('li', {class: 'empty'}, t('notif.none')));
    more.hidden = !hasMore;
  }

  function item(n) {
    const orderId = n.data && n.data.order_id;
    const heading = orderId
      ? h('a', {href: '#/order/' + orderId, on: {click: () => { if (!n.read) markRead({ids: [n.id]}); toggle(false); }}}, title(n))
      : h('span', {}, title(n));
    return h('li', {class: 'notif-item' + (n.read ? '' : ' unread'), dataset: {notificationId: String(n.id), kind: n.kind}},
      h('p', {class: 'notif-title'}, heading),
      n.body ? h('p', {class: 'sub'}, n.body) : null,
      h('p', {class: 'sub'}, h('time', {dateTime: n.created_at}, formatTime(n.created_at)),
        n.read ? null : [' ', h('button', {type: 'button', class: 'link', on: {click: () => markRead({ids: [n.id]})}},
          t('notif.mark_read'))]));
  }

  async function load() {
    const r = await store.call('notification.list', {limit: PAGE});
    if (!r.ok) return;
    items = new Map(r.data.notifications.map((n) => [n.id, n]));
    unread = r.data.unread_count;
    hasMore = r.data.has_more;
    render();
  }

  async function loadOlder() {
    const oldest = Math.min(...items.keys());
    const r = await store.call('notification.list', {limit: PAGE, before_id: oldest});
    if (!r.ok) return;
    for (const n of r.data.notifications) items.set(n.id, n);
    hasMore = r.data.has_more;
    render();
  }

  async function markRead(body) {
    const r = await store.call('notification.mark_read', body);
    if (!r.ok) return;
    for (const n of items.values()) if (body.all || body.ids.includes(n.id)) n.read = true;
    unread = Math.max(0, unread - r.data.updated);
    render();
  }

  // Escape or a click elsewhere closes the list
  const onKey = (e) => {
    if (e.key === 'Escape' && open) {
      toggle(false);
      button.focus();
    }
  };
  const onOutside = (e) => { if (open && !wrap.contains(e.target)) toggle(false); };
  document.addEventListener('keydown', onKey);
  document.addEventListener('click', onOutside);

  const offPush = store.on('push', (msg) => {
    if (msg.type !== 'notification.new' || items.has(msg.data.id)) return;
    items.set(msg.data.id, msg.data);
    if (!msg.data.read) unread += 1;
    render();
  });
  const onReady = () => load();
  store.live.addEventListener('ready', onReady);
  if (store.live.state === 'open') load();
  renderCount();

  return () => {
    offPush();
    store.live.removeEventListener('ready', onReady);
    document.removeEventListener('click', onOutside);
    document.removeEventListener('keydown', onKey);
  };
}
