// view_profile.js - my profile (stats, contact fields, edit over REST), the reviews
// others left me, and the trader search (profile.search over the WebSocket).
import {t, formatTime} from './strings.js';
import {h, fill, field, defList, table, setMessage, showReplyError, focusHeading} from './dom.js';
import {rest} from './api.js';
import * as store from './store.js';
import * as trader from './trader.js';
import * as reviews from './reviews.js';

const EDITABLE = ['username', 'email', 'phone_number', 'preferred_currency', 'auto_reply_message'];

export function mount(root, ctx) {
  let alive = true;
  const message = h('p', {class: 'message', role: 'status', hidden: true});
  const facts = h('div', {});
  const inputs = {
    username: h('input', {maxLength: 30, autocomplete: 'off'}),
    email: h('input', {type: 'email', maxLength: 255, autocomplete: 'email'}),
    phone_number: h('input', {type: 'tel', autocomplete: 'tel', placeholder: '+254712345678'}),
    preferred_currency: h('input', {maxLength: 10, class: 'upper', placeholder: 'KES'}),
    auto_reply_message: h('textarea', {rows: 2, maxLength: 500}),
  };
  const form = h('form', {novalidate: true, class: 'stack'},
    h('h2', {}, t('profile.edit')),
    EDITABLE.map((k) => field(t('profile.f_' + k), inputs[k], {name: k})),
    h('button', {type: 'submit', class: 'primary'}, t('profile.save')));

  root.append(h('section', {class: 'panel', 'aria-labelledby': 'profile-h'},
    h('h1', {id: 'profile-h'}, t('profile.title')), message, facts, form),
  h('div', {class: 'panel'}, reviews.section(store.myProfileId(), {title: t('reviews.of_you')}).node),
  searchPanel(ctx));
  focusHeading(root);

  function show(p) {
    store.session.profile = p;
    fill(facts,
      h('p', {}, trader.summary(p)),
      defList([
        [t('profile.f_username'), p.username, 'username'],
        [t('profile.f_user_id'), p.user_id, 'user_id'],
        [t('profile.f_email'), p.email, 'email'],
        [t('profile.f_phone_number'), p.phone_number, 'phone_number'],
        [t('profile.f_preferred_currency'), p.preferred_currency, 'preferred_currency'],
        [t('profile.f_auto_reply_message'), p.auto_reply_message, 'auto_reply_message'],
        [t('profile.f_total_trades'), p.total_trades, 'total_trades'],
        [t('profile.f_cancelled_trades'), p.cancelled_trades, 'cancelled_trades'],
        [t('profile.f_has_consent'), p.has_consent ? t('common.yes') : t('common.no'), 'has_consent'],
        [t('profile.f_joined_at'), formatTime(p.joined_at), 'joined_at'],
      ]));
    for (const k of EDITABLE) inputs[k].value = p[k] || '';
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const p = store.session.profile;
    const data = {};
    for (const k of EDITABLE) {
      const v = k === 'auto_reply_message' ? inputs[k].value : inputs[k].value.trim();
      // an emptied optional field is sent as "" (clears it); a username cannot be cleared
      if (v !== (p[k] || '') && !(k === 'username' && v === '')) data[k] = v;
    }
    if (Object.keys(data).length === 0) return setMessage(message, t('profile.nothing_changed'));
    const r = await rest('PUT', '/api/p2p/profile', data);
    if (!alive) return;
    if (!r.ok) return showReplyError(form, r, message);
    show(r.data.profile);
    setMessage(message, r.message || t('profile.saved'));
    document.dispatchEvent(new CustomEvent('p2p:profile'));
  });

  rest('GET', '/api/p2p/profile').then((r) => {
    if (alive && r.ok) show(r.data.profile);
  });
  return () => { alive = false; };
}

function searchPanel() {
  const text = h('input', {type: 'search', maxLength: 100, autocomplete: 'off'});
  const verified = h('input', {type: 'checkbox', id: 'search-verified'});
  const rating = h('input', {type: 'number', min: 0, max: 5, step: 0.1});
  const summary = h('p', {class: 'summary', role: 'status'});
  const results = h('div', {class: 'results'});
  const form = h('form', {novalidate: true, class: 'stack', role: 'search'},
    field(t('search.text'), text),
    h('label', {class: 'check', htmlFor: verified.id}, verified, ' ', t('search.verified')),
    field(t('search.rating'), rating),
    h('button', {type: 'submit', class: 'secondary'}, t('search.go')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = {limit: 20};
    if (text.value.trim()) data.search = text.value.trim();
    if (verified.checked) data.is_verified = true;
    if (rating.value !== '') data.min_rating = Number(rating.value);
    summary.textContent = t('search.searching');
    const r = await store.call('profile.search', data);
    if (!r.ok) {
      summary.textContent = t('search.failed', {error: r.text});
      return;
    }
    const rows = r.data.profiles.map((p) => ({cells: [
      h('span', {}, h('a', {href: '#/trader/' + p.id}, p.username || t('common.unnamed')), ' ', trader.badges(p)),
      String(p.total_trades), String(p.avg_rating),
    ]}));
    results.replaceChildren(rows.length ? table(t('search.caption'),
      [t('search.col_user'), t('search.col_trades'), t('search.col_rating')], rows) : '');
    summary.textContent = r.data.total === 1 ? t('search.one') : t('search.many', {n: r.data.total});
  });
  return h('section', {class: 'panel', 'aria-labelledby': 'search-h'},
    h('h2', {id: 'search-h'}, t('search.title')), form, summary, results);
}
