// view_wallet.js - balances (available, and held in escrow by ads and orders) and the
// journal of every movement, newest first, a page at a time. Amounts as the API sends them.
import {t, ledgerKindLabel, formatTime} from './strings.js';
import {h, table, setMessage, focusHeading} from './dom.js';
import * as store from './store.js';

const PAGE = 20;

export function mount(root) {
  let alive = true;
  const begin = store.latest();
  let entries = [];
  let hasMore = false;
  let asset = '';

  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const balancesBox = h('div', {class: 'results'});
  const assetSel = h('select', {id: 'wallet-asset'}, h('option', {value: ''}, t('wallet.all_assets')));
  const historyBox = h('div', {class: 'results'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, t('common.more'));

  root.append(h('section', {class: 'panel wide', 'aria-labelledby': 'wallet-h'},
    h('h1', {id: 'wallet-h'}, t('wallet.title')),
    h('p', {class: 'hint'}, t('wallet.custody')),
    message,
    h('h2', {}, t('wallet.balances')), balancesBox,
    h('h2', {}, t('wallet.history')),
    h('div', {class: 'filters'}, h('div', {class: 'field'}, h('label', {htmlFor: assetSel.id}, t('wallet.asset')), assetSel)),
    historyBox, more));
  focusHeading(root);

  async function loadBalances() {
    const r = await store.call('wallet.balance');
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    const rows = r.data.balances.map((b) => ({
      attrs: {dataset: {asset: b.asset}},
      cells: [h('strong', {}, b.asset), h('span', {dataset: {field: 'available'}}, b.available),
        h('span', {dataset: {field: 'held'}}, b.held)],
    }));
    balancesBox.replaceChildren(table(t('wallet.balances'),
      [t('wallet.col_asset'), t('wallet.col_available'), t('wallet.col_held')], rows, {class: 'balances'}));
    if (assetSel.options.length === 1) {
      for (const b of r.data.balances) assetSel.append(h('option', {value: b.asset}, b.asset));
    }
  }

  async function loadHistory(before) {
    const data = {limit: PAGE};
    if (asset) data.asset = asset;
    if (before) data.before_id = before;
    const isLatest = begin();
    const r = await store.call('wallet.history', data);
    if (!alive || !isLatest()) return;
    if (!r.ok) return setMessage(message, r.text, true);
    entries = before ? entries.concat(r.data.entries) : r.data.entries;
    hasMore = r.data.has_more;
    renderHistory();
  }

  function renderHistory() {
    more.hidden = !hasMore;
    const rows = entries.map((e) => ({
      attrs: {dataset: {entryId: String(e.id), kind: e.kind}},
      cells: [
        h('time', {dateTime: e.created_at}, formatTime(e.created_at)),
        e.asset,
        ledgerKindLabel(e.kind),
        h('span', {class: e.amount.startsWith('-') ? 'neg' : 'pos'}, e.amount),
        e.available_after,
        e.held_after,
        e.order_id ? h('a', {href: '#/order/' + e.order_id}, t('wallet.order_n', {id: e.order_id}))
          : e.ad_id ? t('wallet.ad_n', {id: e.ad_id}) : '',
      ],
    }));
    historyBox.replaceChildren(rows.length ? table(t('wallet.history'), [
      t('wallet.col_time'), t('wallet.col_asset'), t('wallet.col_kind'), t('wallet.col_amount'),
      t('wallet.col_available_after'), t('wallet.col_held_after'), t('wallet.col_about'),
    ], rows) : h('p', {class: 'empty'}, t('wallet.no_history')));
  }

  assetSel.addEventListener('change', () => { asset = assetSel.value; loadHistory(); });
  more.addEventListener('click', () => loadHistory(entries.length ? entries[entries.length - 1].id : undefined));

  const reload = () => { loadBalances(); loadHistory(); };
  const offResync = store.on('resync', reload);
  const offOrder = store.on('order', ({order, previous}) => {
    if (!previous || previous.status !== order.status) reload();
  });
  reload();
  return () => {
    alive = false;
    offResync();
    offOrder();
  };
}
