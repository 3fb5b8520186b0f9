// view_order.js - the order room: status and its timeline, the payment-window
// countdown, the amounts, the seller's payment details (the buyer pays to them), and
// the actions the order's `can` allows (mark paid, release after a confirmation step,
// cancel). Live: every `order.updated` push re-renders it; a reconnect refetches it.
//
// `panels` are the other parts of the room (app.js fills it: the chat, the dispute, the
// review): each is {name, column: 'main' | 'side', mount(container, order) ->
// {update(order), cleanup()}} and gets a card in its column.
import {t, statusLabel, byLabel, formatTime} from './strings.js';
import {h, fill, defList, confirmDialog, setMessage, focusHeading} from './dom.js';
import * as store from './store.js';
import * as clock from './clock.js';
import * as trader from './trader.js';

export const panels = [];

const EXPIRY_RECHECK_MS = 3000;

export function mount(root, {params}) {
  const id = Number(params.id);
  let order = store.getOrder(id);
  let alive = true;
  let tick = null;
  let recheck = null;
  let mountedPanels = [];

  const section = h('section', {class: 'panel wide order-room', 'aria-labelledby': 'order-h'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const statusLine = h('p', {class: 'status-line', role: 'status', 'aria-live': 'polite'});
  root.append(section);

  function render() {
    if (!order) return;
    const role = store.myRole(order);
    const other = role === 'buyer' ? order.seller : order.buyer;
    const focusedAction = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.action : null;

    const title = h('h1', {id: 'order-h', tabIndex: -1}, t(role === 'buyer' ? 'order.title_buy' : 'order.title_sell',
      {asset: order.asset, user: other.username || t('common.unnamed')}));
    const badge = h('span', {class: 'status-badge', dataset: {status: order.status}}, statusLabel(order.status));
    statusLine.textContent = instruction(order, role);

    const countdown = h('p', {class: 'countdown', role: 'timer', hidden: true});
    const actions = h('div', {class: 'actions order-actions'});
    if (order.can.confirm_payment) {
      actions.append(h('button', {type: 'button', class: 'primary', dataset: {action: 'confirm_payment'},
        on: {click: markPaid}}, t('order.mark_paid')));
    }
    if (order.can.release) {
      actions.append(h('button', {type: 'button', class: 'primary', dataset: {action: 'release'},
        on: {click: release}}, t('order.release', {asset: order.asset})));
    }
    if (order.can.cancel) {
      actions.append(h('button', {type: 'button', class: 'danger-outline', dataset: {action: 'cancel'},
        on: {click: cancel}}, t('order.cancel')));
    }

    const details = order.payment_account ? paymentDetails(order, role) : null;

    const timeline = h('ol', {class: 'timeline'}, (order.events || []).map((e) =>
      h('li', {dataset: {status: e.status}},
        h('span', {class: 'what'}, statusLabel(e.status)),
        h('span', {class: 'by'}, byLabel(e.by, role)),
        h('time', {dateTime: e.at}, formatTime(e.at)))));

    const side = h('aside', {class: 'side', 'aria-label': t('order.side')},
      h('div', {class: 'card'}, h('h2', {}, t(role === 'buyer' ? 'order.seller' : 'order.buyer')),
        trader.summary(other, {link: true})),
      h('div', {class: 'card'}, h('h2', {}, t('order.timeline')), timeline));

    const mainColumn = h('div', {class: 'main'},
      statusLine, countdown,
      defList([
        [t(role === 'buyer' ? 'order.you_pay' : 'order.you_receive_fiat'), order.fiat_amount + ' ' + order.fiat, 'fiat_amount'],
        [t('order.price'), order.price + ' ' + order.fiat, 'price'],
        [t(role === 'buyer' ? 'order.you_receive' : 'order.you_sell'), order.crypto_amount + ' ' + order.asset, 'crypto_amount'],
        [t('order.method'), order.payment_method.name],
      ], 'facts amounts'),
      details,
      actions.childElementCount ? actions : null,
      message);
    fill(section,
      h('div', {class: 'title-row'}, title, badge),
      h('p', {class: 'sub'}, t('order.reference', {ref: order.reference}), ' · ',
        h('time', {dateTime: order.created_at}, formatTime(order.created_at))),
      h('div', {class: 'room'}, mainColumn, side));

    // the panels (dispute, review: main column; chat: side) are mounted once and keep
    // their nodes (and what is typed in them) across re-renders
    if (mountedPanels.length === 0 && panels.length) {
      mountedPanels = panels.map((p) => {
        const box = h('div', {class: 'card panel-slot', dataset: {panel: p.name || ''}});
        (p.column === 'main' ? mainColumn : side).append(box);
        return {box, column: p.column, handle: p.mount(box, order)};
      });
    } else {
      for (const p of mountedPanels) {
        (p.column === 'main' ? mainColumn : side).append(p.box);
        if (p.handle && p.handle.update) p.handle.update(order);
      }
    }

    updateCountdown(countdown);
    if (focusedAction) {
      const again = section.querySelector(`[data-action="${focusedAction}"]`);
      (again || title).focus();
    }
  }

  function paymentDetails(o, role) {
    const acc = o.payment_account;
    const pairs = [[t('order.account_label'), acc.label], [t('order.method'), acc.payment_method]];
    for (const [k, v] of Object.entries(acc.details || {})) pairs.push([k, String(v)]);
    return h('div', {class: 'card pay-details'},
      h('h2', {}, t(role === 'buyer' ? 'order.pay_to' : 'order.your_details')),
      h('p', {class: 'hint'}, t(role === 'buyer' ? 'order.pay_to_hint' : 'order.your_details_hint')),
      defList(pairs, 'facts details'));
  }

  function updateCountdown(node) {
    const el = node || section.querySelector('.countdown');
    if (!el || !order) return;
    if (order.status !== 'PENDING_PAYMENT') {
      el.hidden = true;
      return;
    }
    const left = clock.remaining(order.expires_at);
    el.hidden = false;
    el.textContent = left.ms > 0 ? t(store.myRole(order) === 'buyer' ? 'order.pay_within' : 'order.buyer_pays_within', {time: left.text})
      : t('order.window_over');
    el.classList.toggle('urgent', left.ms < 5 * 60 * 1000);
    if (left.ms === 0 && !recheck) {
      // the server judges expiry (its sweeper runs within seconds): ask it
      recheck = setTimeout(async () => {
        await refresh();
        recheck = null;
      }, EXPIRY_RECHECK_MS);
    }
  }

  async function refresh() {
    const r = await store.call('order.get', {order_id: id});
    if (!alive) return;
    if (r.ok) {
      order = store.putOrder(r.data.order, false);
      render();
    } else if (!order) {
      section.replaceChildren(h('h1', {id: 'order-h'}, t('order.not_found')),
        h('p', {}, r.code === 'NOT_FOUND' ? t('order.not_found_text') : r.text),
        h('p', {}, h('a', {href: '#/orders'}, t('order.back'))));
    } else {
      setMessage(message, r.text, true);
    }
  }

  async function act(type) {
    const r = await store.call(type, {order_id: id});
    if (!alive) return;
    if (r.ok) {
      clock.observe(r.data.order.updated_at);
      order = store.putOrder(r.data.order, false);
      render();
      return;
    }
    if (r.code === 'ORDER_STATE_CHANGED' && r.data && r.data.order) {
      order = store.putOrder(r.data.order, false);
      render();
      setMessage(message, t('order.changed', {status: statusLabel(order.status)}), true);
      return;
    }
    setMessage(message, t('error.' + r.code, {}, r.text), true);
  }

  async function markPaid() {
    const ok = await confirmDialog({
      title: t('order.mark_paid_title'),
      body: h('p', {}, t('order.mark_paid_text', {amount: order.fiat_amount, fiat: order.fiat,
        user: order.seller.username || '', method: order.payment_method.name})),
      check: t('order.mark_paid_check', {amount: order.fiat_amount, fiat: order.fiat}),
      confirmLabel: t('order.mark_paid_confirm'),
      cancelLabel: t('common.back'),
    });
    if (ok) await act('order.confirm_payment');
  }

  async function release() {
    const ok = await confirmDialog({
      title: t('order.release_title', {asset: order.asset}),
      body: h('p', {}, t('order.release_text', {crypto: order.crypto_amount, asset: order.asset,
        user: order.buyer.username || ''})),
      check: t('order.release_check', {amount: order.fiat_amount, fiat: order.fiat, method: order.payment_method.name}),
      confirmLabel: t('order.release_confirm', {crypto: order.crypto_amount, asset: order.asset}),
      cancelLabel: t('common.back'),
      danger: true,
    });
    if (ok) await act('order.release_crypto');
  }

  async function cancel() {
    const ok = await confirmDialog({
      title: t('order.cancel_title'),
      body: h('p', {}, t('order.cancel_text')),
      confirmLabel: t('order.cancel_confirm'),
      cancelLabel: t('order.keep'),
      danger: true,
    });
    if (ok) await act('order.cancel');
  }

  const offOrder = store.on('order', ({order: o}) => {
    if (o.id !== id || !alive) return;
    order = o;
    render();
  });
  const offResync = store.on('resync', () => refresh());
  tick = setInterval(() => updateCountdown(), 1000);

  if (order) render();
  else section.append(h('h1', {id: 'order-h'}, t('order.loading')));
  focusHeading(root);
  refresh();

  return () => {
    alive = false;
    clearInterval(tick);
    clearTimeout(recheck);
    offOrder();
    offResync();
    for (const p of mountedPanels) if (p.handle && p.handle.cleanup) p.handle.cleanup();
  };
}

// What the viewer should do now, in one sentence.
function instruction(o, role) {
  const v = {fiat: o.fiat_amount + ' ' + o.fiat, crypto: o.crypto_amount + ' ' + o.asset,
    method: o.payment_method.name};
  const key = {
    PENDING_PAYMENT: role === 'buyer' ? 'order.do_pay' : 'order.wait_pay',
    PAID: role === 'buyer' ? 'order.wait_release' : 'order.do_release',
    COMPLETED: role === 'buyer' ? 'order.done_buyer' : 'order.done_seller',
    CANCELLED: 'order.done_cancelled',
    EXPIRED: 'order.done_expired',
    DISPUTED: 'order.in_dispute',
    REFUNDED: 'order.done_refunded',
  }[o.status] || 'order.unknown';
  return t(key, v);
}
