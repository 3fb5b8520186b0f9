// ad_form.js - post an ad, or edit one of mine: the price (fixed, or floating with the
// effective price previewed from price.list exactly as the API computes it), what a
// sell ad will hold from the wallet, limits, methods, window, terms, requirements. The
// API's validation messages land next to the field they name.
import {t, formatTime} from './strings.js';
import {h, field, group, choice, setMessage, showReplyError, clearFieldErrors, focusHeading} from './dom.js';
import * as store from './store.js';
import * as router from './router.js';
import * as money from './money.js';

const WINDOWS = [15, 30, 45, 60, 90, 120, 180, 360, 720, 1440];
const METHODS_MAX = 5;

// API error codes that belong to a field of this form
const CODE_FIELD = {INSUFFICIENT_BALANCE: 'total_amount', PAYMENT_ACCOUNT_REQUIRED: 'payment_method_ids'};

export function mount(root, {params}) {
  const editing = params.id ? Number(params.id) : null;
  let alive = true;
  let ad = null;          // the ad being edited, as the API showed it
  let priceList = [];
  let balances = [];
  let accounts = [];

  const section = h('section', {class: 'panel', 'aria-labelledby': 'adform-h'},
    h('h1', {id: 'adform-h'}, t(editing ? 'adform.title_edit' : 'adform.title_new')));
  root.append(section);
  focusHeading(root);

  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const c = {
    type: null,
    asset: h('select', {name: 'asset'}),
    fiat: h('input', {name: 'fiat', autocomplete: 'off', maxLength: 10, list: 'adform-fiats', class: 'upper'}),
    priceType: null,
    price: h('input', {name: 'price', inputmode: 'decimal', autocomplete: 'off'}),
    margin: h('input', {name: 'margin_pct', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00'}),
    total: h('input', {name: 'total_amount', inputmode: 'decimal', autocomplete: 'off'}),
    min: h('input', {name: 'min_limit', inputmode: 'decimal', autocomplete: 'off'}),
    max: h('input', {name: 'max_limit', inputmode: 'decimal', autocomplete: 'off'}),
    window: h('select', {name: 'payment_window_minutes'}),
    terms: h('textarea', {name: 'terms', rows: 3, maxLength: 2500}),
    autoReply: h('textarea', {name: 'auto_reply', rows: 2, maxLength: 500}),
    minTrades: h('input', {name: 'min_completed_trades', type: 'number', min: 0, max: 10000, step: 1, value: '0'}),
    verifiedOnly: h('input', {type: 'checkbox', id: 'adform-verified'}),
  };
  const fiatList = h('datalist', {id: 'adform-fiats'});
  const pricePreview = h('p', {class: 'preview', role: 'status'});
  const holdHint = h('p', {class: 'preview', role: 'status'});
  const methodsBox = h('div', {class: 'checks'});
  const submit = h('button', {type: 'submit', class: 'primary'}, t(editing ? 'adform.save' : 'adform.post'));

  function radioValue(name) {
    const r = section.querySelector(`input[name="${name}"]:checked`);
    return r ? r.value : null;
  }
  const side = () => (ad ? ad.type : radioValue('type'));
  const pricing = () => (ad ? ad.price_type : radioValue('price_type'));
  const asset = () => (ad ? ad.asset : c.asset.value);
  const fiat = () => (ad ? ad.fiat : c.fiat.value.trim().toUpperCase());

  function index() {
    return priceList.find((p) => p.asset === asset() && p.fiat === fiat()) || null;
  }

  function updatePrice() {
    const floating = pricing() === 'floating';
    section.querySelector('[data-for="price"]').hidden = floating;
    section.querySelector('[data-for="margin_pct"]').hidden = !floating;
    const ix = index();
    if (!floating) {
      pricePreview.textContent = ix ? t('adform.index_is', {price: ix.price, fiat: ix.fiat, asset: ix.asset}) : '';
      return;
    }
    if (!ix) {
      pricePreview.textContent = t('adform.no_index', {asset: asset(), fiat: fiat() || '?'});
      return;
    }
    const margin = c.margin.value.trim() || '0';
    const eff = money.floatingPrice(ix.price, margin);
    pricePreview.textContent = eff === null ? t('adform.bad_margin')
      : t('adform.floating_preview', {index: ix.price, fiat: ix.fiat, margin, price: eff,
        when: formatTime(ix.updated_at)}) + (ix.stale ? ' ' + t('adform.index_stale') : '');
  }

  function updateHold() {
    const bal = balances.find((b) => b.asset === asset());
    if (side() !== 'sell') {
      holdHint.textContent = t('adform.buy_holds_nothing');
      return;
    }
    const available = bal ? bal.available : '0';
    const total = c.total.value.trim();
    if (ad) {
      holdHint.textContent = t('adform.hold_edit', {left: ad.remaining_amount, asset: ad.asset, available});
      return;
    }
    // the total as the API will print it ("200" -> "200.000000"), when it is a decimal
    const places = money.decimalsOf(available);
    const units = places === null ? null : money.toUnits(total || '0', places);
    let text = t('adform.hold', {total: units === null ? total : money.fromUnits(units, places), asset: asset(), available});
    if (total && money.isDecimal(total) && money.compare(total, available) > 0) text += ' ' + t('adform.hold_short');
    holdHint.textContent = text;
  }

  function renderMethods(methods, chosen) {
    const have = new Set(accounts.map((a) => a.payment_method_id));
    // for a sell ad, the methods I can be paid by (I have an account) come first
    const usable = (m) => (side() === 'sell' && !have.has(m.id) ? 1 : 0);
    const shown = methods.filter((m) => m.active || chosen.includes(m.id)).sort((a, b) => usable(a) - usable(b));
    methodsBox.replaceChildren(...shown.map((m) => {
      const box = choice('checkbox', 'payment_method_ids', m.id, m.name, chosen.includes(m.id));
      if (side() === 'sell' && !have.has(m.id)) box.append(' ', h('span', {class: 'sub'}, t('adform.no_account')));
      return box;
    }));
  }

  function build(methods) {
    const fixedSide = ad !== null;
    const typeGroup = fixedSide ? null : group(t('adform.side'), [
      choice('radio', 'type', 'sell', t('adform.side_sell'), true),
      choice('radio', 'type', 'buy', t('adform.side_buy'), false),
    ], {name: 'type', inline: true});
    const priceTypeGroup = fixedSide ? null : group(t('adform.pricing'), [
      choice('radio', 'price_type', 'fixed', t('adform.fixed'), true),
      choice('radio', 'price_type', 'floating', t('adform.floating'), false),
    ], {name: 'price_type', inline: true});

    for (const m of WINDOWS) c.window.append(h('option', {value: String(m)}, t('ad.window_value', {m})));
    if (ad && !WINDOWS.includes(ad.payment_window_minutes)) {
      c.window.append(h('option', {value: String(ad.payment_window_minutes)}, t('ad.window_value', {m: ad.payment_window_minutes})));
    }
    c.window.value = String(ad ? ad.payment_window_minutes : 30);

    const form = h('form', {novalidate: true, class: 'stack ad-form'},
      typeGroup,
      fixedSide
        ? h('p', {class: 'fixed-facts'}, t(ad.type === 'sell' ? 'myads.selling' : 'myads.buying', {asset: ad.asset, fiat: ad.fiat}),
          ' · ', t(ad.price_type === 'floating' ? 'adform.floating' : 'adform.fixed'))
        : h('div', {class: 'row'},
          field(t('adform.asset'), c.asset, {name: 'asset'}),
          field(t('adform.fiat'), c.fiat, {name: 'fiat', hint: t('adform.fiat_hint')}), fiatList),
      priceTypeGroup,
      field(t('adform.price', {fiat: fiat() || t('adform.fiat_short')}), c.price, {name: 'price'}),
      field(t('adform.margin'), c.margin, {name: 'margin_pct', hint: t('adform.margin_hint')}),
      pricePreview,
      field(t('adform.total', {asset: asset()}), c.total, {name: 'total_amount'}),
      holdHint,
      h('div', {class: 'row'},
        field(t('adform.min'), c.min, {name: 'min_limit'}),
        field(t('adform.max'), c.max, {name: 'max_limit'})),
      group(t('adform.methods', {n: METHODS_MAX}), methodsBox, {name: 'payment_method_ids',
        hint: t('adform.methods_hint')}),
      field(t('adform.window'), c.window, {name: 'payment_window_minutes'}),
      field(t('adform.terms'), c.terms, {name: 'terms', hint: t('adform.terms_hint')}),
      field(t('adform.auto_reply'), c.autoReply, {name: 'auto_reply', hint: t('adform.auto_reply_hint')}),
      group(t('adform.requirements'), [
        field(t('adform.min_trades'), c.minTrades, {name: 'min_completed_trades'}),
        h('label', {class: 'check', htmlFor: c.verifiedOnly.id}, c.verifiedOnly, ' ', t('adform.verified_only')),
      ], {name: 'requirements'}),
      message,
      h('div', {class: 'actions'}, h('a', {href: '#/ads', class: 'button secondary'}, t('common.cancel')), submit));

    section.append(form);
    renderMethods(methods, ad ? ad.payment_method_ids : []);
    form.addEventListener('input', (e) => {
      if (e.target.name === 'payment_method_ids') return;
      updatePrice();
      updateHold();
    });
    form.addEventListener('change', (e) => {
      if (e.target.name === 'type') renderMethods(methods, chosenMethods());
      if (e.target.name === 'asset' || e.target.name === 'type') {
        form.querySelector('[data-for="total_amount"] label').textContent = t('adform.total', {asset: asset()});
      }
      if (e.target.name === 'fiat') {
        form.querySelector('[data-for="price"] label').textContent = t('adform.price', {fiat: fiat()});
      }
      updatePrice();
      updateHold();
    });
    // the currency is typed (a datalist): its label and preview follow each keystroke,
    // not only the change on blur
    form.addEventListener('input', (e) => {
      if (e.target.name !== 'fiat') return;
      form.querySelector('[data-for="price"] label').textContent = t('adform.price', {fiat: fiat() || t('adform.fiat_short')});
      updatePrice();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      send(form);
    });
    updatePrice();
    updateHold();
  }

  function chosenMethods() {
    return [...section.querySelectorAll('input[name="payment_method_ids"]:checked')].map((i) => Number(i.value));
  }

  function body() {
    const data = {
      price: c.price.value.trim(),
      margin_pct: c.margin.value.trim(),
      total_amount: c.total.value.trim(),
      min_limit: c.min.value.trim(),
      max_limit: c.max.value.trim(),
      payment_method_ids: chosenMethods(),
      payment_window_minutes: Number(c.window.value),
      terms: c.terms.value,
      auto_reply: c.autoReply.value,
      requirements: {min_completed_trades: Number(c.minTrades.value || 0), verified_only: c.verifiedOnly.checked},
    };
    if (pricing() === 'floating') delete data.price;
    else delete data.margin_pct;
    if (!ad) {
      return Object.assign({type: side(), asset: asset(), fiat: fiat(), price_type: pricing()}, data);
    }
    // an edit sends what changed only
    const changed = {ad_id: ad.id};
    const before = {
      price: ad.price, margin_pct: ad.margin_pct, total_amount: ad.total_amount, min_limit: ad.min_limit,
      max_limit: ad.max_limit, payment_window_minutes: ad.payment_window_minutes, terms: ad.terms,
      auto_reply: ad.auto_reply,
    };
    for (const [k, v] of Object.entries(data)) {
      if (k === 'payment_method_ids') {
        if (v.join(',') !== ad.payment_method_ids.join(',')) changed[k] = v;
      } else if (k === 'requirements') {
        if (v.min_completed_trades !== ad.requirements.min_completed_trades ||
            v.verified_only !== ad.requirements.verified_only) changed[k] = v;
      } else if (String(v) !== String(before[k] ?? '')) {
        changed[k] = v;
      }
    }
    return changed;
  }

  async function send(form) {
    clearFieldErrors(form);
    setMessage(message, '');
    const data = body();
    if (ad && Object.keys(data).length === 1) return setMessage(message, t('adform.nothing_changed'));
    if (data.payment_method_ids && data.payment_method_ids.length > METHODS_MAX) {
      return showReplyError(form, {field: 'payment_method_ids', text: t('adform.too_many_methods', {n: METHODS_MAX})}, message);
    }
    submit.disabled = true;
    const r = await store.call(ad ? 'ad.update' : 'ad.create', data);
    submit.disabled = false;
    if (!alive) return;
    if (r.ok) {
      router.go('/ads', {});
      return;
    }
    const name = CODE_FIELD[r.code] || (r.field === 'min_completed_trades' || r.field === 'verified_only' ? 'requirements' : r.field);
    showReplyError(form, Object.assign({}, r, {field: name}), message);
  }

  function fill() {
    c.price.value = ad.price || '';
    c.margin.value = ad.margin_pct || '';
    c.total.value = ad.total_amount;
    c.min.value = ad.min_limit;
    c.max.value = ad.max_limit;
    c.terms.value = ad.terms || '';
    c.autoReply.value = ad.auto_reply || '';
    c.minTrades.value = String(ad.requirements.min_completed_trades || 0);
    c.verifiedOnly.checked = !!ad.requirements.verified_only;
  }

  async function load() {
    const [methods, prices, wallet, accs] = await Promise.all([
      store.paymentMethods(), store.prices(), store.call('wallet.balance'), store.call('payment_account.list'),
    ]);
    if (!alive) return;
    priceList = prices;
    balances = wallet.ok ? wallet.data.balances : [];
    accounts = accs.ok ? accs.data.payment_accounts : [];
    if (editing) {
      const r = await store.call('ad.get', {ad_id: editing});
      if (!alive) return;
      if (!r.ok) {
        section.append(h('p', {class: 'message error'}, r.text));
        return;
      }
      ad = r.data.ad;
      if (ad.status === 'closed') {
        section.append(h('p', {class: 'message error'}, t('adform.closed')));
        return;
      }
      fill();
    } else {
      for (const b of balances) c.asset.append(h('option', {value: b.asset}, b.asset));
      if (balances.some((b) => b.asset === 'USDT')) c.asset.value = 'USDT';
      const fiats = new Set(prices.map((p) => p.fiat));
      const preferred = store.session.profile && store.session.profile.preferred_currency;
      if (preferred) fiats.add(preferred);
      for (const f of [...fiats].sort()) fiatList.append(h('option', {value: f}));
      c.fiat.value = preferred || (prices[0] ? prices[0].fiat : '');
    }
    build(methods);
  }

  load();
  return () => { alive = false; };
}
