// dispute_panel.js - disputes in the order room (a panel of view_order.js): raising one
// when the order's `can.dispute` allows (a reason and what happened), then the dispute
// itself (reason, deadline, ruling) with the evidence of both sides, and adding
// evidence (text or a file) while it is open. Follows the order's pushes: a raised or
// resolved dispute and new evidence (each writes a system line in the chat) refetch it.
import {t, formatTime, byLabel} from './strings.js';
import {h, fill, field, defList, setMessage, showReplyError, clearFieldErrors} from './dom.js';
import * as store from './store.js';
import * as attachment from './attachment.js';

export const REASONS = ['payment_not_received', 'paid_but_not_released', 'wrong_amount', 'fraud', 'other'];

export function reasonLabel(reason) {
  return t('dispute.reason_' + reason, {}, reason);
}

// The evidence list of a dispute, as either side or a moderator sees it.
export function evidenceList(evidence, myRole) {
  if (!evidence.length) return h('p', {class: 'empty'}, t('dispute.no_evidence'));
  return h('ol', {class: 'evidence'}, evidence.map((e) =>
    h('li', {dataset: {evidenceId: String(e.id), by: e.by}},
      h('p', {class: 'who'}, byLabel(e.by, myRole), ' ', h('time', {dateTime: e.created_at}, formatTime(e.created_at))),
      e.text ? h('p', {class: 'text'}, e.text) : null,
      e.attachment ? attachment.view(e.attachment) : null)));
}

// The dispute's facts (reason, status, ruling) as a definition list.
export function facts(d, myRole) {
  return defList([
    [t('dispute.raised_by'), byLabel(d.raised_by, myRole), 'raised_by'],
    [t('dispute.reason'), reasonLabel(d.reason), 'reason'],
    [t('dispute.description'), d.description, 'description'],
    [t('dispute.status'), t('dispute.status_' + d.status, {}, d.status), 'status'],
    d.status === 'open' ? [t('dispute.respond_by'), formatTime(d.respond_by), 'respond_by'] : [null, undefined],
    d.outcome ? [t('dispute.outcome'), t('dispute.outcome_' + d.outcome, {}, d.outcome), 'outcome'] : [null, undefined],
    d.note ? [t('dispute.note'), d.note, 'note'] : [null, undefined],
    d.resolved_at ? [t('dispute.resolved_at'), formatTime(d.resolved_at), 'resolved_at'] : [null, undefined],
  ], 'facts dispute-facts');
}

export const panel = {
  name: 'dispute',
  column: 'main',
  mount(box, first) {
    const id = first.id;
    let order = first;
    let alive = true;
    let dispute = null;
    let shownStatus = null;   // the order.dispute status last fetched
    const message = h('p', {class: 'message', role: 'status', hidden: true});
    // the forms are made once, so a re-render (a push) keeps what is being typed
    let raiseNode = null;
    let evidenceNode = null;
    box.hidden = true;

    function role() {
      return store.myRole(order);
    }

    function raiseForm() {
      const reason = h('select', {}, h('option', {value: ''}, t('dispute.pick_reason')),
        REASONS.map((r) => h('option', {value: r}, reasonLabel(r))));
      const description = h('textarea', {rows: 3, maxLength: 2000});
      const form = h('form', {novalidate: true, class: 'stack'},
        h('p', {class: 'hint'}, t('dispute.raise_hint')),
        field(t('dispute.reason'), reason, {name: 'reason'}),
        field(t('dispute.description'), description, {name: 'description', hint: t('dispute.description_hint')}),
        h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'danger'}, t('dispute.raise_go'))));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        if (!reason.value) return showReplyError(form, {field: 'reason', text: t('dispute.reason_required')}, message);
        const r = await store.call('dispute.raise', {order_id: id, reason: reason.value, description: description.value.trim()});
        if (!alive) return;
        if (!r.ok) return showReplyError(form, r, message);
        dispute = r.data.dispute;
        setMessage(message, t('dispute.raised'));
        // the order moved to DISPUTED: the push re-renders the room; fetch it now anyway
        const g = await store.call('order.get', {order_id: id});
        if (g.ok) store.putOrder(g.data.order, false);
        render();
      });
      return h('details', {class: 'raise'}, h('summary', {}, t('dispute.raise')), form);
    }

    function evidenceForm() {
      const text = h('textarea', {rows: 2, maxLength: 2000});
      const file = attachment.picker(t('dispute.evidence_file'));
      const form = h('form', {novalidate: true, class: 'stack'},
        field(t('dispute.evidence_text'), text, {name: 'text'}), file.node,
        h('button', {type: 'submit', class: 'secondary'}, t('dispute.evidence_go')));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        const body = {order_id: id};
        if (text.value.trim()) body.text = text.value.trim();
        const chosen = file.input.files[0];
        if (!chosen && !body.text) return showReplyError(form, {field: 'text', text: t('dispute.evidence_required')}, message);
        if (chosen) {
          const up = await attachment.upload(id, chosen);
          if (!alive) return;
          if (!up.ok) return showReplyError(form, Object.assign({}, up, {field: up.field || 'attachment_id'}), message);
          body.attachment_id = up.data.attachment_id;
        }
        const r = await store.call('dispute.add_evidence', body);
        if (!alive) return;
        if (!r.ok) return showReplyError(form, r, message);
        dispute = r.data.dispute;
        text.value = '';
        file.input.value = '';
        setMessage(message, t('dispute.evidence_added'));
        render();
      });
      return h('div', {class: 'stack'}, h('h3', {}, t('dispute.add_evidence')), form);
    }

    function render() {
      if (dispute) {
        box.hidden = false;
        fill(box, h('h2', {}, t(dispute.status === 'open' ? 'dispute.title_open' : 'dispute.title_resolved')),
          message, facts(dispute, role()),
          h('h3', {}, t('dispute.evidence')), evidenceList(dispute.evidence || [], role()),
          dispute.status === 'open' ? (evidenceNode = evidenceNode || evidenceForm()) : null);
      } else if (order.can.dispute) {
        box.hidden = false;
        fill(box, h('h2', {}, t('dispute.title_raise')), message, (raiseNode = raiseNode || raiseForm()));
      } else {
        box.hidden = true;
      }
    }

    async function fetchDispute() {
      const now = order.dispute ? order.dispute.status : null;
      if (shownStatus && now !== shownStatus) setMessage(message, ''); // ruled: "evidence added" is old news
      shownStatus = now;
      const r = await store.call('dispute.get', {order_id: id});
      if (!alive) return;
      if (r.ok) dispute = r.data.dispute;
      render();
    }

    function sync() {
      if (order.dispute && order.dispute.status !== shownStatus) fetchDispute();
      else render();
    }

    const offPush = store.on('push', (msg) => {
      // evidence writes a system line in the chat: the moment to refetch an open dispute
      if (alive && msg.type === 'chat.new_message' && msg.data.order_id === id && msg.data.sender === 'system' && order.dispute) fetchDispute();
    });
    const offResync = store.on('resync', () => { if (order.dispute) fetchDispute(); });
    sync();
    return {
      update(o) {
        order = o;
        sync();
      },
      cleanup() {
        alive = false;
        offPush();
        offResync();
      },
    };
  },
};
