// admin_audit.js - the audit log: who did what to whom, when, why, before and after.
import {t, formatTime} from './strings.js';
import {h, fill, field, table, setMessage, focusHeading} from './dom.js';
import {rest, query} from './api.js';
import {latest} from './store.js';
import * as router from './router.js';
import {frame} from './admin_nav.js';

const PAGE = 20;

// {"asset": "USDT", "amount": "5"} -> 'asset=USDT amount=5' (text, never markup)
function change(obj) {
  if (!obj || typeof obj !== 'object') return '';
  return Object.entries(obj).map(([k, v]) => k + '=' + (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(' ');
}

export function mount(root, {query: q}) {
  let alive = true;
  const begin = latest();
  let offset = 0;
  const profile = h('input', {type: 'number', min: 1, step: 1, value: q.profile_id || ''});
  const form = h('form', {novalidate: true, class: 'filters'},
    field(t('admin.profile_id'), profile, {hint: t('admin.audit_hint')}),
    h('div', {class: 'field actions'}, h('button', {type: 'submit', class: 'secondary'}, t('admin.audit_go'))));
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const summary = h('p', {class: 'summary', role: 'status'});
  const results = h('div', {class: 'results'});
  const pager = h('div', {class: 'pager'});
  frame(root, '/admin/audit', 'admin-h', t('admin.audit_title'), form, message, summary, results, pager);
  focusHeading(root);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    router.replaceQuery({profile_id: profile.value});
    load();
  });

  async function load() {
    const isLatest = begin();
    const r = await rest('GET', '/api/p2p/admin/audit' + query({profile_id: profile.value.trim(), limit: PAGE, offset}));
    if (!alive || !isLatest()) return;
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, '');
    const {entries, total} = r.data;
    summary.textContent = t('admin.audit_count', {n: total});
    const rows = entries.map((e) => ({
      attrs: {dataset: {auditId: String(e.id), action: e.action}},
      cells: [formatTime(e.created_at), e.admin_user_id, e.action,
        e.profile_id ? h('a', {href: '#/admin/user/' + e.profile_id}, String(e.profile_id)) : '',
        e.reason || '',
        h('span', {class: 'mono small'}, e.before ? change(e.before) + ' → ' : '', change(e.after))],
    }));
    results.replaceChildren(rows.length ? table(t('admin.audit_title'), [
      t('wallet.col_time'), t('admin.col_admin'), t('admin.col_action'), t('admin.col_profile'),
      t('admin.reason'), t('admin.col_change'),
    ], rows) : h('p', {class: 'empty'}, t('admin.no_audit')));
    fill(pager,
      offset > 0 ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset = Math.max(0, offset - PAGE); load(); }}}, t('common.previous')) : null,
      offset + PAGE < total ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset += PAGE; load(); }}}, t('common.next')) : null);
  }

  load();
  return () => { alive = false; };
}
