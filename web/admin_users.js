// admin_users.js - moderators' user screens: search profiles (every field, filters),
// and one user's page: suspend (reason, optional end) / unsuspend, verified and
// merchant status, their reviews (hide / unhide), and links to their wallet operations
// and audit trail.
import {t, formatTime} from './strings.js';
import {h, fill, field, defList, table, setMessage, showReplyError, focusHeading} from './dom.js';
import {rest, query} from './api.js';
import {latest} from './store.js';
import * as router from './router.js';
import * as trader from './trader.js';
import * as reviews from './reviews.js';
import {frame} from './admin_nav.js';

const PAGE = 20;

function flagSelect(id, value) {
  return h('select', {id},
    h('option', {value: ''}, t('admin.any')),
    h('option', {value: 'true', selected: value === 'true'}, t('common.yes')),
    h('option', {value: 'false', selected: value === 'false'}, t('common.no')));
}

export function mountList(root, {query: q}) {
  let alive = true;
  const begin = latest();
  let offset = Number(q.offset) || 0;
  const text = h('input', {type: 'search', value: q.search || '', autocomplete: 'off', maxLength: 100});
  const suspended = flagSelect('adm-suspended', q.is_suspended);
  const verified = flagSelect('adm-verified', q.is_verified);
  const merchant = flagSelect('adm-merchant', q.is_merchant);
  const summary = h('p', {class: 'summary', role: 'status'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const results = h('div', {class: 'results'});
  const pager = h('div', {class: 'pager'});
  const form = h('form', {novalidate: true, class: 'filters', role: 'search'},
    field(t('admin.search'), text, {hint: t('admin.search_hint')}),
    field(t('admin.f_suspended'), suspended),
    field(t('admin.f_verified'), verified),
    field(t('admin.f_merchant'), merchant),
    h('div', {class: 'field actions'}, h('button', {type: 'submit', class: 'primary'}, t('admin.search_go'))));

  frame(root, '/admin/users', 'admin-h', t('admin.users_title'), form, message, summary, results, pager);
  focusHeading(root);

  function params() {
    return {search: text.value.trim(), is_suspended: suspended.value, is_verified: verified.value,
      is_merchant: merchant.value};
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });

  async function load() {
    const p = Object.assign(params(), {limit: PAGE, offset});
    router.replaceQuery(Object.assign(params(), offset ? {offset} : {}));
    const isLatest = begin();
    const r = await rest('GET', '/api/p2p/admin/profiles' + query(p));
    if (!alive || !isLatest()) return;
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, '');
    const {profiles, total} = r.data;
    summary.textContent = t('admin.users_count', {n: total});
    const rows = profiles.map((p) => ({
      attrs: {dataset: {profileId: String(p.id)}},
      cells: [
        String(p.id),
        h('a', {href: '#/admin/user/' + p.id}, p.username || t('common.unnamed')),
        p.user_id,
        t('admin.trades_value', {done: p.completed_trades, total: p.total_trades}),
        h('span', {}, p.is_suspended ? h('span', {class: 'badge suspended'}, t('admin.suspended')) : null, ' ',
          trader.badges(p)),
        formatTime(p.joined_at),
      ],
    }));
    results.replaceChildren(rows.length ? table(t('admin.users_caption'), [
      t('admin.col_id'), t('admin.col_username'), t('admin.col_user_id'), t('admin.col_trades'),
      t('admin.col_flags'), t('admin.col_joined'),
    ], rows) : h('p', {class: 'empty'}, t('admin.no_users')));
    fill(pager,
      offset > 0 ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset = Math.max(0, offset - PAGE); load(); }}}, t('common.previous')) : null,
      offset + PAGE < total ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset += PAGE; load(); }}}, t('common.next')) : null);
  }

  load();
  return () => { alive = false; };
}

// One user: everything admin-svc shows, and the moderation actions.
export function mountUser(root, {params}) {
  let alive = true;
  const id = Number(params.id);
  const message = h('p', {class: 'message', role: 'status', hidden: true});
  const facts = h('div', {});
  const actions = h('div', {class: 'admin-actions'});
  const section = frame(root, '/admin/users', 'admin-h', t('admin.user_title', {id}), message, facts, actions);
  focusHeading(root);

  function show(p) {
    section.querySelector('h1').textContent = t('admin.user_title_named', {name: p.username || t('common.unnamed'), id: p.id});
    fill(facts,
      h('p', {}, trader.summary(p)),
      defList([
        [t('admin.col_user_id'), p.user_id, 'user_id'],
        [t('profile.f_email'), p.email, 'email'],
        [t('profile.f_phone_number'), p.phone_number, 'phone_number'],
        [t('admin.f_suspended'), p.is_suspended ? t('admin.suspended_because', {reason: p.suspension_reason || ''}) : t('common.no'), 'is_suspended'],
        p.suspended_until ? [t('admin.until'), formatTime(p.suspended_until), 'suspended_until'] : [null, undefined],
        [t('admin.f_verified'), p.is_verified ? t('common.yes') : t('common.no'), 'is_verified'],
        [t('admin.f_merchant'), p.is_merchant ? t('common.yes') : t('common.no'), 'is_merchant'],
        [t('profile.f_total_trades'), p.total_trades],
        [t('profile.f_cancelled_trades'), p.cancelled_trades],
        [t('admin.last_active'), p.last_active_at ? formatTime(p.last_active_at) : null],
        [t('profile.f_joined_at'), formatTime(p.joined_at)],
      ]));
    renderActions(p);
  }

  function renderActions(p) {
    const reason = h('input', {maxLength: 500, autocomplete: 'off', required: true});
    const until = h('input', {type: 'datetime-local'});
    const suspendForm = h('form', {novalidate: true, class: 'stack card'},
      h('h2', {}, p.is_suspended ? t('admin.unsuspend_title') : t('admin.suspend_title')),
      field(t('admin.reason'), reason, {name: 'reason'}),
      p.is_suspended ? null : field(t('admin.until_optional'), until, {name: 'until', hint: t('admin.until_hint')}),
      h('button', {type: 'submit', class: p.is_suspended ? 'primary' : 'danger'},
        p.is_suspended ? t('admin.unsuspend') : t('admin.suspend')));
    suspendForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {};
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (!p.is_suspended && until.value) body.until = new Date(until.value).toISOString();
      if (!p.is_suspended && !body.reason) {
        return showReplyError(suspendForm, {field: 'reason', text: t('admin.reason_required')}, message);
      }
      const r = await rest('POST', `/api/p2p/admin/profiles/${id}/${p.is_suspended ? 'unsuspend' : 'suspend'}`, body);
      if (!r.ok) return showReplyError(suspendForm, r, message);
      setMessage(message, p.is_suspended ? t('admin.unsuspended') : t('admin.suspended_done'));
      show(r.data.profile);
    });

    const toggle = (flag, on) => h('button', {type: 'button', class: 'secondary', on: {click: async () => {
      const r = await rest('POST', `/api/p2p/admin/profiles/${id}/${flag}`, {[flag === 'verify' ? 'verified' : 'merchant']: on});
      if (!r.ok) return setMessage(message, r.text, true);
      setMessage(message, t('admin.' + flag + (on ? '_on' : '_off') + '_done'));
      show(r.data.profile);
    }}}, t('admin.' + flag + (on ? '_on' : '_off')));

    fill(actions,
      suspendForm,
      h('div', {class: 'card stack'},
        h('h2', {}, t('admin.status_title')),
        h('div', {class: 'row-actions'}, toggle('verify', !p.is_verified), toggle('merchant', !p.is_merchant))),
      reviewsCard(),
      h('div', {class: 'card stack'},
        h('h2', {}, t('admin.more_title')),
        h('div', {class: 'row-actions'},
          h('a', {class: 'button secondary', href: '#/admin/money?profile_id=' + id}, t('admin.to_money')),
          h('a', {class: 'button secondary', href: '#/admin/audit?profile_id=' + id}, t('admin.to_audit')))));
  }

  // their reviews, each with hide; a hidden one leaves the list (and the average), so
  // the ones hidden here stay listed below it with unhide; any other by its id
  const hidden = h('ul', {class: 'plain hidden-reviews'});
  let reviewList = null;
  function reviewsCard() {
    if (!reviewList) {
      reviewList = reviews.section(id, {title: t('admin.reviews_title'), rest: true, moderate: (rv, reload) => {
        const reason = h('input', {maxLength: 500, autocomplete: 'off', 'aria-label': t('admin.hide_reason_for', {id: rv.id})});
        return h('form', {novalidate: true, class: 'row-actions', on: {submit: async (e) => {
          e.preventDefault();
          if (!reason.value.trim()) return setMessage(message, t('admin.hide_reason_required'), true);
          const r = await rest('POST', `/api/p2p/admin/reviews/${rv.id}/hide`, {reason: reason.value.trim()});
          if (!r.ok) return setMessage(message, r.text, true);
          setMessage(message, t('admin.review_hidden', {id: rv.id}));
          hidden.append(unhideItem(rv));
          reload();
        }}}, reason, h('button', {type: 'submit', class: 'danger-outline small'}, t('admin.hide_review')));
      }});
    }
    const byId = h('input', {type: 'number', min: 1, step: 1});
    const unhideForm = h('form', {novalidate: true, class: 'filters'}, field(t('admin.unhide_id'), byId, {name: 'review_id'}),
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'secondary'}, t('admin.unhide_review'))));
    unhideForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (byId.value) unhide({id: Number(byId.value)}, null);
    });
    return h('div', {class: 'stack'}, reviewList.node, h('div', {class: 'card stack'}, h('h2', {}, t('admin.hidden_title')), hidden, unhideForm));
  }

  function unhideItem(rv) {
    const li = h('li', {dataset: {reviewId: String(rv.id)}}, t('admin.hidden_item', {id: rv.id, n: rv.rating, user: rv.reviewer.username || ''}), ' ',
      h('button', {type: 'button', class: 'secondary small', on: {click: () => unhide(rv, li)}}, t('admin.unhide_review')));
    return li;
  }

  async function unhide(rv, li) {
    const r = await rest('POST', `/api/p2p/admin/reviews/${rv.id}/unhide`, {});
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, t('admin.review_unhidden', {id: rv.id}));
    if (li) li.remove();
    reviewList.reload();
  }

  rest('GET', '/api/p2p/admin/profiles/' + id).then((r) => {
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    show(r.data.profile);
  });
  return () => { alive = false; };
}
