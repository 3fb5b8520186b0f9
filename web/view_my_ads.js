// view_my_ads.js - my ads: what each offers, how much is left, whether the book lists it
// now, and pause / resume / edit / close.
import {t, adStatusLabel} from './strings.js';
import {h, table, setMessage, confirmDialog, focusHeading} from './dom.js';
import * as store from './store.js';
import * as router from './router.js';

export function mount(root, {query}) {
  const f = {status: ['active', 'paused', 'closed'].includes(query.status) ? query.status : ''};
  let alive = true;
  const begin = store.latest();

  const statusSel = h('select', {id: 'myads-status'},
    h('option', {value: ''}, t('myads.open_ones')),
    ['active', 'paused', 'closed'].map((s) => h('option', {value: s, selected: s === f.status}, adStatusLabel(s))));
  const summary = h('p', {class: 'summary', role: 'status'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const results = h('div', {class: 'results'});

  root.append(h('section', {class: 'panel wide', 'aria-labelledby': 'myads-h'},
    h('div', {class: 'title-row'}, h('h1', {id: 'myads-h'}, t('myads.title')),
      h('a', {href: '#/ads/new', class: 'button primary'}, t('myads.post'))),
    h('div', {class: 'filters'}, h('div', {class: 'field'}, h('label', {htmlFor: statusSel.id}, t('myads.show')), statusSel)),
    message, summary, results));
  focusHeading(root);

  statusSel.addEventListener('change', () => {
    f.status = statusSel.value;
    router.replaceQuery(f.status ? {status: f.status} : {});
    load();
  });

  async function load() {
    const data = {limit: 100};
    if (f.status) data.status = f.status;
    const isLatest = begin();
    const r = await store.call('ad.my_ads', data);
    if (!alive || !isLatest()) return;
    if (!r.ok) return setMessage(message, r.text, true);
    // by default the ads that still matter: active and paused
    const ads = f.status ? r.data.ads : r.data.ads.filter((a) => a.status !== 'closed');
    render(ads);
  }

  function render(ads) {
    summary.textContent = ads.length ? t('myads.count', {n: ads.length}) : t('myads.none');
    const rows = ads.map((ad) => ({
      attrs: {dataset: {adId: String(ad.id), status: ad.status}},
      cells: [
        h('span', {class: 'side ' + ad.type}, t(ad.type === 'sell' ? 'myads.selling' : 'myads.buying',
          {asset: ad.asset, fiat: ad.fiat})),
        h('span', {}, h('strong', {}, ad.effective_price), ' ', ad.fiat,
          ad.price_type === 'floating' ? h('span', {class: 'sub price-note'}, t('ad.floating_margin', {m: ad.margin_pct})) : null),
        h('span', {}, t('myads.left', {left: ad.remaining_amount, total: ad.total_amount, asset: ad.asset})),
        t('ad.limits_value', {min: ad.min_limit, max: ad.max_limit, fiat: ad.fiat}),
        h('ul', {class: 'chips'}, ad.payment_methods.map((m) => h('li', {}, m.name))),
        h('span', {}, h('span', {class: 'status-badge', dataset: {status: ad.status}}, adStatusLabel(ad.status)),
          ad.status === 'active' ? h('span', {class: 'sub listed'}, ad.listed ? t('myads.listed') : t('myads.not_listed')) : null),
        actions(ad),
      ],
    }));
    results.replaceChildren(rows.length ? table(t('myads.caption'), [
      t('myads.col_ad'), t('myads.col_price'), t('myads.col_amount'), t('myads.col_limits'),
      t('myads.col_methods'), t('myads.col_status'), t('myads.col_actions'),
    ], rows) : h('p', {class: 'empty'}, t('myads.empty_hint')));
  }

  function actions(ad) {
    if (ad.status === 'closed') return '';
    const label = (key) => t(key, {id: ad.id});
    return h('div', {class: 'row-actions'},
      ad.status === 'active'
        ? h('button', {type: 'button', class: 'secondary', 'aria-label': label('myads.pause_label'),
          on: {click: () => setStatus(ad, 'paused')}}, t('myads.pause'))
        : h('button', {type: 'button', class: 'secondary', 'aria-label': label('myads.resume_label'),
          on: {click: () => setStatus(ad, 'active')}}, t('myads.resume')),
      h('a', {href: '#/ads/' + ad.id + '/edit', class: 'button secondary', 'aria-label': label('myads.edit_label')}, t('myads.edit')),
      h('button', {type: 'button', class: 'danger-outline', 'aria-label': label('myads.close_label'),
        on: {click: () => close(ad)}}, t('myads.close')));
  }

  async function setStatus(ad, status) {
    const r = await store.call('ad.update', {ad_id: ad.id, status});
    if (!r.ok) return setMessage(message, t('error.' + r.code, {}, r.text), true);
    setMessage(message, t(status === 'paused' ? 'myads.paused' : 'myads.resumed'));
    load();
  }

  async function close(ad) {
    const ok = await confirmDialog({
      title: t('myads.close_title'),
      body: h('p', {}, ad.type === 'sell'
        ? t('myads.close_text_sell', {left: ad.remaining_amount, asset: ad.asset})
        : t('myads.close_text_buy')),
      confirmLabel: t('myads.close_confirm'),
      cancelLabel: t('common.back'),
      danger: true,
    });
    if (!ok) return;
    const r = await store.call('ad.delete', {ad_id: ad.id});
    if (!r.ok) return setMessage(message, t('error.' + r.code, {}, r.text), true);
    setMessage(message, t('myads.closed'));
    load();
  }

  const offResync = store.on('resync', () => load());
  const offOrder = store.on('order', ({pushed}) => { if (pushed) load(); });
  load();
  return () => {
    alive = false;
    offResync();
    offOrder();
  };
}
