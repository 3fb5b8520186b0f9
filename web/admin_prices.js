// admin_prices.js - index prices: the current list (price.list, for moderators who are
// also members) and setting one pair's price (audited; floating ads follow it).
import {t, formatTime} from './strings.js';
import {h, field, table, setMessage, showReplyError, focusHeading} from './dom.js';
import {rest} from './api.js';
import {frame} from './admin_nav.js';

export function mount(root, {query: q}) {
  let alive = true;
  const asset = h('input', {class: 'upper', maxLength: 10, autocomplete: 'off', value: q.asset || '', name: 'asset'});
  const fiat = h('input', {class: 'upper', maxLength: 10, autocomplete: 'off', value: q.fiat || '', name: 'fiat'});
  const price = h('input', {inputmode: 'decimal', autocomplete: 'off', name: 'price'});
  const message = h('p', {class: 'message', role: 'status', hidden: true});
  const listBox = h('div', {class: 'results'});
  const form = h('form', {novalidate: true, class: 'stack card'},
    h('h2', {}, t('admin.set_price')),
    h('div', {class: 'row'},
      field(t('admin.asset'), asset, {name: 'asset'}),
      field(t('admin.fiat'), fiat, {name: 'fiat'}),
      field(t('admin.price'), price, {name: 'price', hint: t('admin.price_hint')})),
    h('button', {type: 'submit', class: 'primary'}, t('admin.set_price_go')));

  frame(root, '/admin/prices', 'admin-h', t('admin.prices_title'), message, form,
    h('h2', {}, t('admin.prices_now')), listBox);
  focusHeading(root);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = asset.value.trim().toUpperCase();
    const f = fiat.value.trim().toUpperCase();
    if (!a || !f) return showReplyError(form, {field: a ? 'fiat' : 'asset', text: t('admin.pair_required')}, message);
    const r = await rest('PUT', `/api/p2p/admin/prices/${encodeURIComponent(a)}/${encodeURIComponent(f)}`,
      {price: price.value.trim()});
    if (!alive) return;
    if (!r.ok) return showReplyError(form, r, message);
    setMessage(message, t('admin.price_set', {asset: r.data.price.asset, fiat: r.data.price.fiat, price: r.data.price.price}));
    load();
  });

  async function load() {
    const r = await rest('GET', '/api/p2p/prices');
    if (!alive) return;
    if (!r.ok) {
      listBox.replaceChildren(h('p', {class: 'hint'},
        r.code === 'NOT_JOINED_P2P' ? t('admin.prices_need_profile') : r.text));
      return;
    }
    const rows = r.data.prices.map((p) => ({
      attrs: {dataset: {pair: p.asset + '/' + p.fiat}},
      cells: [p.asset + '/' + p.fiat, h('strong', {}, p.price), formatTime(p.updated_at),
        p.stale ? h('span', {class: 'badge suspended'}, t('admin.stale')) : t('admin.fresh'),
        h('button', {type: 'button', class: 'link', on: {click: () => {
          asset.value = p.asset; fiat.value = p.fiat; price.value = p.price; price.focus();
        }}}, t('admin.change'))],
    }));
    listBox.replaceChildren(rows.length ? table(t('admin.prices_now'), [
      t('admin.col_pair'), t('admin.col_price'), t('admin.col_updated'), t('admin.col_fresh'), t('admin.col_change'),
    ], rows) : h('p', {class: 'empty'}, t('admin.no_prices')));
  }

  load();
  return () => { alive = false; };
}
