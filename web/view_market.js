// view_market.js - the order book: buy or sell, asset, fiat, payment method and an
// amount; ads in the API's order (best price for the taker first) with the maker's
// reputation, limits, methods and price. It refreshes itself every REFRESH_MS while
// shown (and after a reconnect), and re-reads an ad before offering to trade on it,
// so a paused ad does not stay orderable on screen.
import {t} from './strings.js';
import {h, table, setMessage, focusHeading} from './dom.js';
import * as store from './store.js';
import * as router from './router.js';
import * as trader from './trader.js';
import {takeOrder} from './take_order.js';
import * as money from './money.js';

export const REFRESH_MS = 10000;
const PAGE = 20;

export function mount(root, {query}) {
  const f = {
    side: query.side === 'sell' ? 'sell' : 'buy', // what I want to do
    asset: query.asset || '',
    fiat: query.fiat || (store.session.profile && store.session.profile.preferred_currency) || '',
    method: query.method || '',
    amount: query.amount || '',
  };
  let shown = PAGE;
  let timer = null;
  let loading = false;
  let alive = true;
  const begin = store.latest();

  const title = h('h1', {}, t('market.title'));
  const sideBar = h('div', {class: 'segmented', role: 'group', 'aria-label': t('market.side')});
  const assetBar = h('div', {class: 'segmented assets', role: 'group', 'aria-label': t('market.asset')});
  const fiatSel = h('select', {id: 'market-fiat'});
  const methodSel = h('select', {id: 'market-method'});
  const amountIn = h('input', {id: 'market-amount', inputmode: 'decimal', autocomplete: 'off',
    value: f.amount, placeholder: t('market.amount_placeholder')});
  const amountHint = h('p', {class: 'hint', id: 'market-amount-hint'});
  amountIn.setAttribute('aria-describedby', amountHint.id);
  const refreshBtn = h('button', {type: 'button', class: 'secondary'}, t('market.refresh'));
  const summary = h('p', {class: 'summary', role: 'status'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const results = h('div', {class: 'results'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, t('common.more'));
  const postLink = h('a', {href: '#/ads/new', class: 'button secondary'}, t('market.post_ad'));

  const filters = h('form', {novalidate: true, class: 'filters', role: 'search', 'aria-label': t('market.filters')},
    h('div', {class: 'field'}, h('label', {htmlFor: fiatSel.id}, t('market.fiat')), fiatSel),
    h('div', {class: 'field'}, h('label', {htmlFor: methodSel.id}, t('market.method')), methodSel),
    h('div', {class: 'field'}, h('label', {htmlFor: amountIn.id}, t('market.amount')), amountIn, amountHint),
    h('div', {class: 'field actions'}, refreshBtn));

  root.append(h('section', {class: 'panel wide', 'aria-labelledby': 'market-h'},
    h('div', {class: 'title-row'}, Object.assign(title, {id: 'market-h'}), postLink),
    sideBar, assetBar, filters, message, summary, results, more));
  focusHeading(root);

  function sync() {
    router.replaceQuery({side: f.side, asset: f.asset, fiat: f.fiat, method: f.method, amount: f.amount});
  }

  function renderSide() {
    sideBar.replaceChildren(...['buy', 'sell'].map((side) => h('button', {
      type: 'button', class: 'seg ' + side, 'aria-pressed': String(f.side === side),
      on: {click: () => { f.side = side; shown = PAGE; renderSide(); sync(); load(); }},
    }, t('market.side_' + side))));
  }

  async function renderAssets() {
    const list = await store.assets();
    if (!f.asset || !list.includes(f.asset)) f.asset = list.includes('USDT') ? 'USDT' : (list[0] || '');
    assetBar.replaceChildren(...list.map((a) => h('button', {
      type: 'button', class: 'seg', 'aria-pressed': String(f.asset === a),
      on: {click: () => { f.asset = a; shown = PAGE; renderAssets(); sync(); load(); }},
    }, a)));
  }

  async function renderFilters() {
    const [methods, prices] = await Promise.all([store.paymentMethods(), store.prices()]);
    const fiats = new Set(prices.map((p) => p.fiat));
    if (store.session.profile && store.session.profile.preferred_currency) fiats.add(store.session.profile.preferred_currency);
    if (f.fiat) fiats.add(f.fiat);
    fiatSel.replaceChildren(h('option', {value: ''}, t('market.any_fiat')),
      ...[...fiats].sort().map((c) => h('option', {value: c, selected: c === f.fiat}, c)));
    methodSel.replaceChildren(h('option', {value: ''}, t('market.any_method')),
      ...methods.filter((m) => m.active).map((m) => h('option', {value: String(m.id), selected: String(m.id) === f.method}, m.name)));
    renderAmountState();
  }

  function renderAmountState() {
    amountIn.disabled = !f.fiat;
    amountHint.textContent = f.fiat ? t('market.amount_hint', {fiat: f.fiat}) : t('market.amount_needs_fiat');
  }

  fiatSel.addEventListener('change', () => {
    f.fiat = fiatSel.value;
    if (!f.fiat) { f.amount = ''; amountIn.value = ''; }
    renderAmountState(); shown = PAGE; sync(); load();
  });
  methodSel.addEventListener('change', () => { f.method = methodSel.value; shown = PAGE; sync(); load(); });
  amountIn.addEventListener('change', () => { f.amount = amountIn.value.trim(); shown = PAGE; sync(); load(); });
  filters.addEventListener('submit', (e) => { e.preventDefault(); f.amount = amountIn.value.trim(); load(); });
  refreshBtn.addEventListener('click', () => load());
  more.addEventListener('click', () => { shown += PAGE; load(); });

  async function load() {
    if (!alive || !f.asset) return;
    if (f.amount && !money.isDecimal(f.amount)) {
      setMessage(message, t('market.bad_amount'), true);
      return;
    }
    loading = true;
    const isLatest = begin();
    const data = {type: f.side === 'buy' ? 'sell' : 'buy', asset: f.asset, limit: Math.min(shown, 100)};
    if (f.fiat) data.fiat = f.fiat;
    if (f.method) data.payment_method_id = Number(f.method);
    if (f.amount && f.fiat) data.amount = f.amount;
    const r = await store.call('ad.list', data);
    loading = false;
    if (!alive || !isLatest()) return;
    if (!r.ok) {
      setMessage(message, r.text, true);
      return;
    }
    setMessage(message, '');
    render(r.data.ads, r.data.total, r.data.total_is_lower_bound);
  }

  // total counts a bounded number of ads past the page: past it, "More than 200 ads"
  function render(ads, total, moreThanTotal) {
    const key = moreThanTotal ? 'market.count_more' : 'market.count';
    summary.textContent = ads.length ? t(key, {n: total}) : t('market.none');
    more.hidden = ads.length >= total || ads.length >= 100;
    const me = store.myProfileId();
    const rows = ads.map((ad) => ({
      attrs: {dataset: {adId: String(ad.id)}},
      cells: [
        trader.summary(ad.maker, {link: true}),
        h('div', {class: 'price'}, h('strong', {}, ad.effective_price), ' ', ad.fiat,
          ad.price_type === 'floating' ? h('span', {class: 'sub'}, t('ad.floating_margin', {m: ad.margin_pct})) : null),
        h('div', {}, h('span', {class: 'sub'}, t('ad.available')), ' ', ad.remaining_amount, ' ', ad.asset, h('br', {}),
          h('span', {class: 'sub'}, t('ad.limits')), ' ', t('ad.limits_value', {min: ad.min_limit, max: ad.max_limit, fiat: ad.fiat})),
        h('ul', {class: 'chips'}, ad.payment_methods.map((m) => h('li', {}, m.name))),
        ad.profile_id === me
          ? h('span', {class: 'sub'}, t('market.your_ad'))
          : h('button', {type: 'button', class: f.side,
            'aria-label': t(f.side === 'buy' ? 'market.buy_from' : 'market.sell_to', {asset: ad.asset, user: ad.maker.username || ''}),
            on: {click: () => take(ad.id)}},
          t(f.side === 'buy' ? 'market.buy' : 'market.sell', {asset: ad.asset})),
      ],
    }));
    results.replaceChildren(rows.length ? table(t('market.caption', {asset: f.asset}), [
      t('market.col_trader'), t('market.col_price'), t('market.col_amounts'), t('market.col_methods'), t('market.col_action'),
    ], rows, {class: 'book'}) : h('p', {class: 'empty'}, t('market.empty_hint')));
  }

  // Re-read the ad first: the book may be seconds old and the ad paused since.
  async function take(adId) {
    const r = await store.call('ad.get', {ad_id: adId});
    if (!r.ok || r.data.ad.status !== 'active') {
      setMessage(message, t('market.ad_gone'), true);
      load();
      return;
    }
    const ad = r.data.ad;
    let balance = null;
    if (ad.type === 'buy') {
      const w = await store.call('wallet.balance');
      const b = w.ok ? w.data.balances.find((x) => x.asset === ad.asset) : null;
      balance = b ? b.available : null;
    }
    const order = await takeOrder(ad, balance);
    if (order) router.go('/order/' + order.id);
    else load();
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (document.visibilityState === 'visible' && !loading && !document.querySelector('dialog[open]')) await load();
      if (alive) schedule();
    }, REFRESH_MS);
  }

  const onVisible = () => { if (document.visibilityState === 'visible') load(); };
  document.addEventListener('visibilitychange', onVisible);
  const offResync = store.on('resync', () => load());

  renderSide();
  Promise.all([renderAssets(), renderFilters()]).then(() => { sync(); load(); schedule(); });

  return () => {
    alive = false;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
    offResync();
  };
}
