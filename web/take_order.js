// take_order.js - the dialog that places an order on an ad: a fiat or a crypto amount,
// the exact conversion at the ad's price before confirming (money.js, the API's
// rounding), the payment method, then order.create with a client_order_id so a retry
// (a double click, a timeout) can never place two orders.
import {t} from './strings.js';
import {h, field, uid, defList, setMessage, clearFieldErrors, setFieldError, showReplyError} from './dom.js';
import * as money from './money.js';
import {call, putOrder} from './store.js';
import * as clock from './clock.js';

// ad: as ad.get / ad.list show it. iSell: I am the seller (the ad is a buy ad).
// balance: my available balance of the ad's asset (string) when I sell, else null.
// Resolves with the order placed, or null.
export function takeOrder(ad, balance) {
  return new Promise((resolve) => {
    const iSell = ad.type === 'buy';
    const assetDec = money.decimalsOf(ad.remaining_amount);
    const titleId = uid('take-title');
    const clientOrderId = 'web-' + crypto.getRandomValues(new Uint32Array(2)).join('-');
    let mode = 'fiat';
    let placed = null;

    const fiatIn = h('input', {inputmode: 'decimal', autocomplete: 'off', name: 'fiat_amount',
      placeholder: ad.min_limit + ' - ' + ad.max_limit});
    const cryptoIn = h('input', {inputmode: 'decimal', autocomplete: 'off', name: 'crypto_amount',
      placeholder: '0'});
    const method = h('select', {name: 'payment_method_id'},
      ad.payment_methods.map((m) => h('option', {value: String(m.id)}, m.name)));
    const preview = h('p', {class: 'preview', role: 'status', 'aria-live': 'polite'});
    const message = h('p', {class: 'message', role: 'alert', hidden: true});
    const confirm = h('button', {type: 'submit', class: iSell ? 'sell' : 'buy'},
      t(iSell ? 'take.confirm_sell' : 'take.confirm_buy', {asset: ad.asset}));

    const fiatLabel = t(iSell ? 'take.fiat_receive' : 'take.fiat_pay', {fiat: ad.fiat});
    const cryptoLabel = t(iSell ? 'take.crypto_sell' : 'take.crypto_receive', {asset: ad.asset});

    function check() {
      clearFieldErrors(form);
      const fiat = fiatIn.value.trim();
      const crypto = cryptoIn.value.trim();
      const active = mode === 'fiat' ? fiat : crypto;
      preview.textContent = '';
      if (!active) return false;
      if (!money.isDecimal(active)) {
        setFieldError(form, mode === 'fiat' ? 'fiat_amount' : 'crypto_amount', t('take.bad_amount'));
        return false;
      }
      const places = mode === 'fiat' ? money.decimalsOf(ad.effective_price) : assetDec;
      if (money.toUnits(active, places) === null) {
        setFieldError(form, mode === 'fiat' ? 'fiat_amount' : 'crypto_amount', t('take.too_precise', {d: places}));
        return false;
      }
      if (!fiat || !crypto || money.isZero(crypto) || money.isZero(fiat)) {
        setFieldError(form, mode === 'fiat' ? 'fiat_amount' : 'crypto_amount', t('take.too_small'));
        return false;
      }
      if (money.compare(fiat, ad.min_limit) < 0) {
        setFieldError(form, 'fiat_amount', t('take.below_min', {min: ad.min_limit, fiat: ad.fiat}));
        return false;
      }
      if (money.compare(fiat, ad.max_limit) > 0) {
        setFieldError(form, 'fiat_amount', t('take.above_max', {max: ad.max_limit, fiat: ad.fiat}));
        return false;
      }
      if (money.compare(crypto, ad.remaining_amount) > 0) {
        setFieldError(form, 'crypto_amount', t('take.above_remaining', {left: ad.remaining_amount, asset: ad.asset}));
        return false;
      }
      if (iSell && balance !== null && money.compare(crypto, balance) > 0) {
        setFieldError(form, 'crypto_amount', t('take.above_balance', {balance, asset: ad.asset}));
        return false;
      }
      // the amounts as the API will print them ("5" -> "5.000000")
      const fiatDec = money.decimalsOf(ad.effective_price);
      preview.textContent = t(iSell ? 'take.preview_sell' : 'take.preview_buy', {
        fiat: money.fromUnits(money.toUnits(fiat, fiatDec), fiatDec), fiatCode: ad.fiat,
        crypto: money.fromUnits(money.toUnits(crypto, assetDec), assetDec), asset: ad.asset,
        price: ad.effective_price});
      return true;
    }

    fiatIn.addEventListener('input', () => {
      mode = 'fiat';
      const v = fiatIn.value.trim();
      cryptoIn.value = money.isDecimal(v) ? (money.fiatToCrypto(v, ad.effective_price, assetDec) || '') : '';
      check();
    });
    cryptoIn.addEventListener('input', () => {
      mode = 'crypto';
      const v = cryptoIn.value.trim();
      fiatIn.value = money.isDecimal(v) ? (money.cryptoToFiat(v, ad.effective_price, assetDec) || '') : '';
      check();
    });

    const req = ad.requirements || {};
    const form = h('form', {novalidate: true, class: 'stack'},
      h('h2', {id: titleId}, t(iSell ? 'take.title_sell' : 'take.title_buy',
        {asset: ad.asset, user: ad.maker.username || t('common.unnamed')})),
      defList([
        [t('ad.price'), ad.effective_price + ' ' + ad.fiat, 'price'],
        [t('ad.limits'), t('ad.limits_value', {min: ad.min_limit, max: ad.max_limit, fiat: ad.fiat})],
        [t('ad.available'), ad.remaining_amount + ' ' + ad.asset],
        [t('ad.window'), t('ad.window_value', {m: ad.payment_window_minutes})],
        iSell && balance !== null ? [t('take.your_balance'), balance + ' ' + ad.asset] : [null, undefined],
        req.min_completed_trades || req.verified_only
          ? [t('ad.requirements'), requirementText(req)] : [null, undefined],
      ]),
      ad.terms ? h('div', {class: 'terms'}, h('h3', {}, t('ad.terms')), h('p', {class: 'pre'}, ad.terms)) : null,
      field(fiatLabel, fiatIn, {name: 'fiat_amount'}),
      field(cryptoLabel, cryptoIn, {name: 'crypto_amount', hint: t('take.either')}),
      field(t('take.method'), method, {name: 'payment_method_id'}),
      preview,
      message,
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'secondary', on: {click: () => dialog.close()}}, t('common.cancel')),
        confirm));

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      setMessage(message, '');
      if (!check()) return;
      const data = {ad_id: ad.id, payment_method_id: Number(method.value), client_order_id: clientOrderId};
      if (mode === 'fiat') data.fiat_amount = fiatIn.value.trim();
      else data.crypto_amount = cryptoIn.value.trim();
      confirm.disabled = true;
      const r = await call('order.create', data);
      confirm.disabled = false;
      if (r.ok) {
        clock.observe(r.data.order.created_at);
        placed = putOrder(r.data.order, false);
        dialog.close();
        return;
      }
      const where = {AMOUNT_OUT_OF_RANGE: 'fiat_amount', INSUFFICIENT_BALANCE: 'crypto_amount'}[r.code];
      const shown = Object.assign({}, r, {text: t('error.' + r.code, {}, r.text), field: where || r.field});
      showReplyError(form, shown, message);
    });

    const dialog = h('dialog', {class: 'dialog take', 'aria-labelledby': titleId}, form);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(placed);
    });
    document.body.append(dialog);
    dialog.showModal();
    fiatIn.focus();
  });
}

export function requirementText(req) {
  const parts = [];
  if (req.min_completed_trades) parts.push(t('ad.req_trades', {n: req.min_completed_trades}));
  if (req.verified_only) parts.push(t('ad.req_verified'));
  return parts.join(' · ');
}
