// view_payments.js - my payment accounts (where buyers pay me: the order copies the
// account when it opens, and only its buyer sees it), add and delete.
import {t} from './strings.js';
import {h, field, defList, setMessage, showReplyError, confirmDialog, focusHeading, uid} from './dom.js';
import * as store from './store.js';

// the detail fields offered first for each kind of method (the user may add others)
const DETAIL_KEYS = {
  bank_transfer: ['payments.key_holder', 'payments.key_bank', 'payments.key_account'],
  mobile_money: ['payments.key_name', 'payments.key_phone'],
  e_wallet: ['payments.key_name', 'payments.key_wallet'],
  cash: ['payments.key_name', 'payments.key_place'],
  other: ['payments.key_details'],
};

export function mount(root) {
  let alive = true;
  let methods = [];

  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const list = h('div', {class: 'accounts'});
  const methodSel = h('select', {name: 'payment_method_id'});
  const label = h('input', {name: 'label', maxLength: 50, autocomplete: 'off'});
  const rowsBox = h('div', {class: 'detail-rows'});
  const detailsError = h('p', {class: 'field-error', hidden: true});
  const formMessage = h('p', {class: 'message', role: 'alert', hidden: true});
  const form = h('form', {novalidate: true, class: 'stack'},
    h('h2', {}, t('payments.add')),
    field(t('payments.method'), methodSel, {name: 'payment_method_id'}),
    field(t('payments.label'), label, {name: 'label', hint: t('payments.label_hint')}),
    h('fieldset', {class: 'group', dataset: {for: 'details'}},
      h('legend', {}, t('payments.details')),
      h('p', {class: 'hint'}, t('payments.details_hint')),
      detailsError,
      h('div', {class: 'detail-row head', 'aria-hidden': 'true'}, h('span', {}, t('payments.key')), h('span', {}, t('payments.value'))),
      rowsBox,
      h('button', {type: 'button', class: 'secondary small', on: {click: () => addRow('', '')}}, t('payments.add_row'))),
    formMessage,
    h('button', {type: 'submit', class: 'primary'}, t('payments.save')));

  root.append(h('section', {class: 'panel', 'aria-labelledby': 'payments-h'},
    h('h1', {id: 'payments-h'}, t('payments.title')),
    h('p', {class: 'hint'}, t('payments.intro')),
    message, list, form));
  focusHeading(root);

  // One line of details: a name and a value. The value's accessible name is the line's
  // name as typed ("Phone number"), so a screen reader hears what belongs there.
  function addRow(key, value) {
    const n = rowsBox.querySelectorAll('.detail-row').length + 1;
    const k = h('input', {autocomplete: 'off', maxLength: 50, value: key, class: 'detail-key',
      'aria-label': t('payments.key_n', {n})});
    const v = h('input', {autocomplete: 'off', maxLength: 500, value: value, class: 'detail-value'});
    const name = () => v.setAttribute('aria-label', k.value.trim() || t('payments.value_n', {n}));
    k.addEventListener('input', name);
    name();
    const row = h('div', {class: 'detail-row'}, k, v,
      h('button', {type: 'button', class: 'link', 'aria-label': t('payments.remove_row_label', {n}),
        on: {click: () => row.remove()}}, t('payments.remove_row')));
    rowsBox.append(row);
    return row;
  }

  function resetRows() {
    rowsBox.replaceChildren();
    const m = methods.find((x) => String(x.id) === methodSel.value);
    for (const key of DETAIL_KEYS[m ? m.kind : 'other'] || DETAIL_KEYS.other) addRow(t(key), '');
  }

  // the label follows the method until the user writes one of their own
  let labelTouched = false;
  label.addEventListener('input', () => { labelTouched = label.value !== ''; });
  methodSel.addEventListener('change', () => {
    resetRows();
    const m = methods.find((x) => String(x.id) === methodSel.value);
    if (m && !labelTouched) label.value = m.name;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const details = {};
    for (const row of rowsBox.querySelectorAll('.detail-row')) {
      const k = row.querySelector('.detail-key').value.trim();
      const v = row.querySelector('.detail-value').value.trim();
      if (k && v) details[k] = v;
    }
    if (Object.keys(details).length === 0) {
      return showReplyError(form, {field: 'details', text: t('payments.need_details')}, formMessage);
    }
    const r = await store.call('payment_account.create',
      {payment_method_id: Number(methodSel.value), label: label.value.trim(), details});
    if (!alive) return;
    if (!r.ok) return showReplyError(form, r, formMessage);
    setMessage(formMessage, '');
    setMessage(message, t('payments.saved', {label: r.data.payment_account.label}));
    labelTouched = false;
    label.value = (methods.find((x) => String(x.id) === methodSel.value) || {}).name || '';
    resetRows();
    load();
  });

  async function remove(acc) {
    const ok = await confirmDialog({
      title: t('payments.delete_title'),
      body: h('p', {}, t('payments.delete_text', {label: acc.label})),
      confirmLabel: t('payments.delete_confirm'),
      cancelLabel: t('common.back'),
      danger: true,
    });
    if (!ok) return;
    const r = await store.call('payment_account.delete', {id: acc.id});
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, t('payments.deleted', {label: acc.label}));
    load();
  }

  async function load() {
    const r = await store.call('payment_account.list');
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    const accs = r.data.payment_accounts;
    list.replaceChildren(...(accs.length ? accs.map((acc) => {
      const headingId = uid('acc');
      return h('article', {class: 'card account', 'aria-labelledby': headingId, dataset: {accountId: String(acc.id)}},
        h('h2', {id: headingId}, acc.label, ' ', h('span', {class: 'sub'}, acc.payment_method.name)),
        defList(Object.entries(acc.details || {}).map(([k, v]) => [k, String(v)])),
        h('button', {type: 'button', class: 'danger-outline small', 'aria-label': t('payments.delete_label', {label: acc.label}),
          on: {click: () => remove(acc)}}, t('payments.delete')));
    }) : [h('p', {class: 'empty'}, t('payments.none'))]));
  }

  store.paymentMethods().then((ms) => {
    if (!alive) return;
    methods = ms.filter((m) => m.active);
    methodSel.append(...methods.map((m) => h('option', {value: String(m.id)}, m.name)));
    if (methods[0]) label.value = methods[0].name;
    resetRows();
  });
  load();
  return () => { alive = false; };
}
