// admin_disputes.js - the moderators' dispute queue (oldest open first) and the case
// page: the dispute and its evidence, the order (with the seller's payment account,
// shown to moderators while disputed), the whole chat with its files, both parties'
// profiles and stats; a message into the order's chat, and the ruling (release to the
// buyer or refund to the seller, with a note) after a confirmation step. Admin REST API.
import {t, formatTime, statusLabel} from './strings.js';
import {h, fill, field, group, choice, defList, table, setMessage, showReplyError, clearFieldErrors,
  confirmDialog, focusHeading} from './dom.js';
import {rest, query} from './api.js';
import {frame} from './admin_nav.js';
import * as trader from './trader.js';
import {messageItem} from './chat_panel.js';
import {facts as disputeFacts, evidenceList, reasonLabel} from './dispute_panel.js';

const PAGE = 50;
const STATUSES = ['open', 'resolved', ''];

export function mountQueue(root, {query: q}) {
  let alive = true;
  let offset = 0;
  const status = h('select', {}, STATUSES.map((s) =>
    h('option', {value: s, selected: s === (q.status ?? 'open')}, t('admin.disputes_' + (s || 'all')))));
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const summary = h('p', {class: 'summary', role: 'status'});
  const results = h('div', {});
  const pager = h('div', {class: 'pager'});
  const form = h('form', {novalidate: true, class: 'filters'},
    field(t('admin.disputes_status'), status, {name: 'status'}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'secondary'}, t('admin.audit_go'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  frame(root, '/admin/disputes', 'admin-h', t('admin.disputes_title'), form, message, summary, results, pager);
  focusHeading(root);

  async function load() {
    const r = await rest('GET', '/api/p2p/admin/disputes' + query({status: status.value, limit: PAGE, offset}));
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, '');
    const {disputes, total} = r.data;
    summary.textContent = t('admin.disputes_count', {n: total});
    const rows = disputes.map((d) => ({
      attrs: {dataset: {disputeId: String(d.id), orderId: String(d.order_id)}},
      cells: [
        h('a', {href: '#/admin/dispute/' + d.id}, t('admin.dispute_link', {id: d.id})),
        String(d.order_id),
        t('party.' + d.raised_by, {}, d.raised_by),
        reasonLabel(d.reason),
        formatTime(d.created_at),
        d.status === 'open' ? formatTime(d.respond_by) : t('dispute.outcome_' + d.outcome, {}, d.outcome || ''),
        t('dispute.status_' + d.status, {}, d.status),
      ],
    }));
    results.replaceChildren(rows.length ? table(t('admin.disputes_caption'), [
      t('admin.col_dispute'), t('admin.col_order'), t('dispute.raised_by'), t('dispute.reason'),
      t('admin.col_opened'), t('admin.col_due'), t('dispute.status'),
    ], rows) : h('p', {class: 'empty'}, t('admin.no_disputes')));
    fill(pager,
      offset > 0 ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset = Math.max(0, offset - PAGE); load(); }}}, t('common.previous')) : null,
      offset + PAGE < total ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset += PAGE; load(); }}}, t('common.next')) : null);
  }

  load();
  return () => { alive = false; };
}

// One party's card: the profile with its private fields and stats, recent orders.
function partyCard(role, p) {
  const st = p.stats || {};
  return h('section', {class: 'card party', dataset: {party: role}},
    h('h3', {}, t('party.' + role)),
    h('p', {}, h('a', {href: '#/admin/user/' + p.id}, p.username || t('common.unnamed')), ' ', trader.badges(p),
      p.is_suspended ? [' ', h('span', {class: 'badge suspended'}, t('admin.suspended'))] : null),
    defList([
      [t('admin.col_user_id'), p.user_id],
      [t('profile.f_email'), p.email],
      [t('profile.f_phone_number'), p.phone_number],
      [t('admin.case_trades'), t('admin.trades_value', {done: st.completed_trades, total: st.total_trades})],
      [t('admin.case_cancelled'), String(st.cancelled_trades ?? 0)],
      [t('traderpage.rate'), t('traderpage.rate_value', {rate: String(st.completion_rate ?? 0)})],
      [t('traderpage.rating'), st.total_reviews ? t('trader.rating', {rating: String(st.avg_rating), n: st.total_reviews}) : t('trader.no_rating')],
      [t('admin.case_disputes'), String(st.disputes ?? 0)],
      [t('profile.f_joined_at'), formatTime(p.joined_at)],
    ]),
    (p.recent_orders || []).length ? h('details', {},
      h('summary', {}, t('admin.case_recent', {n: p.recent_orders.length})),
      h('ul', {class: 'plain'}, p.recent_orders.map((o) => h('li', {},
        t('admin.case_recent_order', {ref: o.reference, role: t('party.' + o.role, {}, o.role), status: statusLabel(o.status),
          amount: o.fiat_amount, fiat: o.fiat, asset: o.asset}))))) : null);
}

export function mountCase(root, {params}) {
  let alive = true;
  const id = Number(params.id);
  const message = h('p', {class: 'message', role: 'status', hidden: true});
  const body = h('div', {class: 'case'});
  const section = frame(root, '/admin/disputes', 'admin-h', t('admin.case_title', {id}), message, body);
  focusHeading(root);
  let msgForm = null;

  function messageForm() {
    const text = h('textarea', {rows: 2, maxLength: 2000});
    const form = h('form', {novalidate: true, class: 'stack'},
      field(t('admin.case_message'), text, {name: 'text', hint: t('admin.case_message_hint')}),
      h('button', {type: 'submit', class: 'secondary'}, t('admin.case_send')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!text.value.trim()) return showReplyError(form, {field: 'text', text: t('chat.need_text')}, message);
      const r = await rest('POST', `/api/p2p/admin/disputes/${id}/messages`, {text: text.value.trim()});
      if (!alive) return;
      if (!r.ok) return showReplyError(form, r, message);
      text.value = '';
      setMessage(message, t('admin.case_sent'));
      load();
    });
    return form;
  }

  function rulingForm(c) {
    const note = h('textarea', {rows: 2, maxLength: 2000});
    const form = h('form', {novalidate: true, class: 'stack card ruling'},
      h('h2', {}, t('admin.ruling')),
      group(t('admin.ruling_outcome'), [
        choice('radio', 'outcome', 'release', t('admin.ruling_release', {crypto: c.order.crypto_amount, asset: c.order.asset, user: c.buyer.username || ''}), false),
        choice('radio', 'outcome', 'refund', t('admin.ruling_refund', {crypto: c.order.crypto_amount, asset: c.order.asset, user: c.seller.username || ''}), false),
      ], {name: 'outcome'}),
      field(t('admin.ruling_note'), note, {name: 'note', hint: t('admin.ruling_note_hint')}),
      h('button', {type: 'submit', class: 'danger'}, t('admin.ruling_go')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const picked = form.querySelector('input[name=outcome]:checked');
      if (!picked) return showReplyError(form, {field: 'outcome', text: t('admin.ruling_pick')}, message);
      if (!note.value.trim()) return showReplyError(form, {field: 'note', text: t('admin.ruling_note_required')}, message);
      const release = picked.value === 'release';
      const ok = await confirmDialog({
        title: t(release ? 'admin.ruling_confirm_release' : 'admin.ruling_confirm_refund', {crypto: c.order.crypto_amount, asset: c.order.asset}),
        body: h('p', {}, t('admin.ruling_final')),
        confirmLabel: t(release ? 'admin.ruling_do_release' : 'admin.ruling_do_refund'),
        cancelLabel: t('common.back'),
        danger: true,
      });
      if (!ok || !alive) return;
      const r = await rest('POST', `/api/p2p/admin/disputes/${id}/resolve`, {outcome: picked.value, note: note.value.trim()});
      if (!alive) return;
      if (!r.ok) return showReplyError(form, r, message);
      setMessage(message, t(release ? 'admin.ruled_release' : 'admin.ruled_refund'));
      load();
    });
    return form;
  }

  function show(c) {
    const d = c.dispute;
    const o = c.order;
    section.querySelector('h1').textContent = t('admin.case_title_ref', {id, ref: o.reference});
    const names = {buyer: c.buyer.username || t('party.buyer'), seller: c.seller.username || t('party.seller')};
    const acc = o.payment_account;
    const open = d.status === 'open';
    msgForm = open ? (msgForm || messageForm()) : null;
    fill(body,
      h('div', {class: 'room'},
        h('div', {class: 'main'},
          h('section', {class: 'card'}, h('h2', {}, t('admin.case_dispute')),
            h('p', {}, h('span', {class: 'status-badge', dataset: {status: o.status}}, statusLabel(o.status))),
            disputeFacts(d, null)),
          h('section', {class: 'card'}, h('h2', {}, t('dispute.evidence')), evidenceList(d.evidence || [], null)),
          h('section', {class: 'card'}, h('h2', {}, t('admin.case_order')),
            defList([
              [t('admin.col_order'), o.reference, 'reference'],
              [t('admin.case_amounts'), t('admin.case_amounts_value', {fiat: o.fiat_amount + ' ' + o.fiat, crypto: o.crypto_amount + ' ' + o.asset}), 'amounts'],
              [t('order.price'), o.price + ' ' + o.fiat, 'price'],
              [t('order.method'), o.payment_method.name],
              [t('admin.case_created'), formatTime(o.created_at)],
              [t('admin.case_paid'), o.paid_at ? formatTime(o.paid_at) : null],
            ]),
            acc ? h('div', {}, h('h3', {}, t('admin.case_account')),
              defList([[t('order.account_label'), acc.label], ...Object.entries(acc.details || {}).map(([k, v]) => [k, String(v)])])) : null,
            h('ol', {class: 'timeline'}, (o.events || []).map((e) => h('li', {},
              h('span', {class: 'what'}, statusLabel(e.status)), h('span', {class: 'by'}, t('by.' + e.by, {}, e.by)),
              h('time', {dateTime: e.at}, formatTime(e.at)))))),
          open ? rulingForm(c) : null),
        h('aside', {class: 'side', 'aria-label': t('admin.case_side')},
          partyCard('buyer', c.buyer), partyCard('seller', c.seller),
          h('section', {class: 'card'}, h('h2', {}, t('chat.title')),
            h('ol', {class: 'chat-log', 'aria-label': t('chat.log')}, c.messages.map((m) => messageItem(m, {mine: null, names}))),
            msgForm))));
    const log = body.querySelector('.chat-log');
    log.scrollTop = log.scrollHeight; // the newest lines first in view
  }

  async function load() {
    const r = await rest('GET', '/api/p2p/admin/disputes/' + id);
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    show(r.data);
  }

  load();
  return () => { alive = false; };
}
