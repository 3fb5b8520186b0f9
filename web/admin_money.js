// admin_money.js - operator credits and debits (custody stands outside the service: an
// operator books deposits and withdrawals, each with a reference such as the chain
// transaction id; repeating a reference applies it once) and the ledger they land in.
import {t, ledgerKindLabel, formatTime} from './strings.js';
import {h, field, group, choice, table, setMessage, showReplyError, focusHeading} from './dom.js';
import {rest, query} from './api.js';
import {latest} from './store.js';
import * as router from './router.js';
import {frame} from './admin_nav.js';

const PAGE = 20;

function newReference() {
  const d = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return 'op-' + d + '-' + crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
}

export function mount(root, {query: q}) {
  let alive = true;
  const begin = latest();
  let entries = [];
  let hasMore = false;

  const profile = h('input', {type: 'number', min: 1, step: 1, name: 'profile_id', value: q.profile_id || ''});
  const asset = h('input', {class: 'upper', maxLength: 10, autocomplete: 'off', name: 'asset', value: q.asset || 'USDT'});
  const amount = h('input', {inputmode: 'decimal', autocomplete: 'off', name: 'amount'});
  const reference = h('input', {maxLength: 100, autocomplete: 'off', name: 'reference', value: newReference()});
  const message = h('p', {class: 'message', role: 'status', hidden: true});
  const form = h('form', {novalidate: true, class: 'stack card'},
    h('h2', {}, t('admin.money_op')),
    group(t('admin.money_kind'), [
      choice('radio', 'kind', 'credit', t('admin.credit'), true),
      choice('radio', 'kind', 'debit', t('admin.debit'), false),
    ], {inline: true}),
    h('div', {class: 'row'},
      field(t('admin.profile_id'), profile, {name: 'profile_id'}),
      field(t('admin.asset'), asset, {name: 'asset'}),
      field(t('admin.amount'), amount, {name: 'amount'})),
    field(t('admin.reference'), reference, {name: 'reference', hint: t('admin.reference_hint')}),
    h('button', {type: 'submit', class: 'primary'}, t('admin.money_go')));

  const lProfile = h('input', {type: 'number', min: 1, step: 1, id: 'ledger-profile', value: q.profile_id || ''});
  const lAsset = h('input', {class: 'upper', maxLength: 10, id: 'ledger-asset', autocomplete: 'off'});
  const ledgerForm = h('form', {novalidate: true, class: 'filters'},
    field(t('admin.profile_id'), lProfile), field(t('admin.asset'), lAsset),
    h('div', {class: 'field actions'}, h('button', {type: 'submit', class: 'secondary'}, t('admin.ledger_go'))));
  const ledgerBox = h('div', {class: 'results'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, t('common.more'));

  frame(root, '/admin/money', 'admin-h', t('admin.money_title'),
    h('p', {class: 'hint'}, t('admin.money_intro')), message, form,
    h('h2', {}, t('admin.ledger')), ledgerForm, ledgerBox, more);
  focusHeading(root);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = form.querySelector('input[name="kind"]:checked').value;
    const id = profile.value.trim();
    if (!/^\d+$/.test(id)) return showReplyError(form, {field: 'profile_id', text: t('admin.profile_id_required')}, message);
    const r = await rest('POST', `/api/p2p/admin/wallets/${id}/${kind}`,
      {asset: asset.value.trim().toUpperCase(), amount: amount.value.trim(), reference: reference.value.trim()});
    if (!alive) return;
    if (!r.ok) return showReplyError(form, Object.assign({}, r, {field: r.code === 'INSUFFICIENT_BALANCE' ? 'amount' : r.field}), message);
    const entry = r.data.entry;
    const balance = r.data.balance || {};
    setMessage(message, t(r.status === 201 ? 'admin.money_done' : 'admin.money_repeat', {
      kind: ledgerKindLabel(entry.kind), amount: entry.amount, asset: entry.asset, id: entry.profile_id,
      available: balance.available || entry.available_after, reference: entry.reference}));
    reference.value = newReference();
    amount.value = '';
    lProfile.value = id;
    loadLedger();
  });

  ledgerForm.addEventListener('submit', (e) => {
    e.preventDefault();
    router.replaceQuery({profile_id: lProfile.value});
    loadLedger();
  });
  more.addEventListener('click', () => loadLedger(entries.length ? entries[entries.length - 1].id : undefined));

  async function loadLedger(before) {
    const isLatest = begin();
    const r = await rest('GET', '/api/p2p/admin/ledger' + query({profile_id: lProfile.value.trim(),
      asset: lAsset.value.trim().toUpperCase(), limit: PAGE, before_id: before}));
    if (!alive || !isLatest()) return;
    if (!r.ok) return ledgerBox.replaceChildren(h('p', {class: 'message error'}, r.text));
    entries = before ? entries.concat(r.data.entries) : r.data.entries;
    hasMore = r.data.has_more;
    more.hidden = !hasMore;
    const rows = entries.map((e) => ({
      attrs: {dataset: {entryId: String(e.id)}},
      cells: [formatTime(e.created_at),
        h('a', {href: '#/admin/user/' + e.profile_id}, String(e.profile_id)),
        e.asset, ledgerKindLabel(e.kind), e.amount, e.available_after, e.held_after,
        e.reference || (e.order_id ? t('wallet.order_n', {id: e.order_id}) : e.ad_id ? t('wallet.ad_n', {id: e.ad_id}) : ''),
        e.actor || ''],
    }));
    ledgerBox.replaceChildren(rows.length ? table(t('admin.ledger'), [
      t('wallet.col_time'), t('admin.col_profile'), t('wallet.col_asset'), t('wallet.col_kind'), t('wallet.col_amount'),
      t('wallet.col_available_after'), t('wallet.col_held_after'), t('admin.col_reference'), t('admin.col_actor'),
    ], rows) : h('p', {class: 'empty'}, t('wallet.no_history')));
  }

  loadLedger();
  return () => { alive = false; };
}
