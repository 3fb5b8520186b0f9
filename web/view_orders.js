// view_orders.js - my orders: those in progress (live from pushes) or all of them
// (filtered by status and side, newest first, a page at a time).
import {t, statusLabel, formatTime} from './strings.js';
import {h, table, setMessage, focusHeading} from './dom.js';
import * as store from './store.js';
import * as router from './router.js';

const PAGE = 20;
const STATUSES = ['PENDING_PAYMENT', 'PAID', 'DISPUTED', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED'];

export function mount(root, {query}) {
  const f = {tab: query.tab === 'all' ? 'all' : 'open', status: query.status || '', role: query.role || ''};
  let list = [];
  let total = 0;
  let alive = true;
  const begin = store.latest();

  const tabs = h('div', {class: 'segmented', role: 'group', 'aria-label': t('orders.which')});
  const statusSel = h('select', {id: 'orders-status'}, h('option', {value: ''}, t('orders.any_status')),
    STATUSES.map((s) => h('option', {value: s, selected: s === f.status}, statusLabel(s))));
  const roleSel = h('select', {id: 'orders-role'}, h('option', {value: ''}, t('orders.any_side')),
    h('option', {value: 'buyer', selected: f.role === 'buyer'}, t('orders.as_buyer')),
    h('option', {value: 'seller', selected: f.role === 'seller'}, t('orders.as_seller')));
  const filters = h('div', {class: 'filters'},
    h('div', {class: 'field'}, h('label', {htmlFor: statusSel.id}, t('orders.status')), statusSel),
    h('div', {class: 'field'}, h('label', {htmlFor: roleSel.id}, t('orders.side')), roleSel));
  const summary = h('p', {class: 'summary', role: 'status'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const results = h('div', {class: 'results'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, t('common.more'));

  root.append(h('section', {class: 'panel wide', 'aria-labelledby': 'orders-h'},
    h('h1', {id: 'orders-h'}, t('orders.title')), tabs, filters, message, summary, results, more));
  focusHeading(root);

  function renderTabs() {
    tabs.replaceChildren(...['open', 'all'].map((tab) => h('button', {
      type: 'button', class: 'seg', 'aria-pressed': String(f.tab === tab),
      on: {click: () => { f.tab = tab; renderTabs(); sync(); load(); }},
    }, t('orders.tab_' + tab))));
    filters.hidden = f.tab !== 'all';
  }

  function sync() {
    router.replaceQuery(f.tab === 'all' ? {tab: 'all', status: f.status, role: f.role} : {});
  }

  statusSel.addEventListener('change', () => { f.status = statusSel.value; sync(); load(); });
  roleSel.addEventListener('change', () => { f.role = roleSel.value; sync(); load(); });
  more.addEventListener('click', () => load(list.length));

  async function load(offset) {
    const data = {limit: PAGE, offset: offset || 0};
    if (f.tab === 'open') data.status = store.OPEN_STATUSES;
    else if (f.status) data.status = f.status;
    if (f.tab === 'all' && f.role) data.role = f.role;
    const isLatest = begin();
    const r = await store.call('order.list', data);
    if (!alive || !isLatest()) return;
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, '');
    const page = r.data.orders.map((o) => store.putOrder(o, false));
    list = offset ? list.concat(page) : page;
    total = r.data.total;
    render();
  }

  function render() {
    summary.textContent = list.length ? t('orders.count', {n: total}) : t('orders.none');
    more.hidden = list.length >= total;
    const rows = list.map((o) => {
      const role = store.myRole(o);
      const other = role === 'buyer' ? o.seller : o.buyer;
      return {
        attrs: {dataset: {orderId: String(o.id), status: o.status}},
        cells: [
          h('a', {href: '#/order/' + o.id}, o.reference),
          h('span', {class: 'side ' + (role === 'buyer' ? 'buy' : 'sell')},
            t(role === 'buyer' ? 'orders.bought' : 'orders.sold', {asset: o.asset})),
          h('span', {}, o.fiat_amount + ' ' + o.fiat, h('br', {}), h('span', {class: 'sub'}, o.crypto_amount + ' ' + o.asset)),
          o.price + ' ' + o.fiat,
          other.username || t('common.unnamed'),
          h('span', {class: 'status-badge', dataset: {status: o.status}}, statusLabel(o.status)),
          h('time', {dateTime: o.created_at}, formatTime(o.created_at)),
        ],
      };
    });
    results.replaceChildren(rows.length ? table(t('orders.caption'), [
      t('orders.col_ref'), t('orders.col_type'), t('orders.col_amount'), t('orders.col_price'),
      t('orders.col_counterparty'), t('orders.col_status'), t('orders.col_created'),
    ], rows) : h('p', {class: 'empty'}, h('a', {href: '#/market'}, t('orders.go_market'))));
  }

  const offOrder = store.on('order', ({order}) => {
    const i = list.findIndex((o) => o.id === order.id);
    if (i >= 0) list[i] = order;
    else if (f.tab === 'open' && store.OPEN_STATUSES.includes(order.status)) {
      list.unshift(order);
      total += 1;
    } else return;
    render();
  });
  const offResync = store.on('resync', () => load());

  renderTabs();
  load();
  return () => {
    alive = false;
    offOrder();
    offResync();
  };
}
