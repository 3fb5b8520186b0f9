// view_signin.js - the two screens before trading: sign in (paste a token, or mint a
// development one) and join (create the P2P profile with consent).
import {t} from './strings.js';
import {h, field, setMessage, focusHeading, showReplyError} from './dom.js';
import {rest} from './api.js';

// actions: {signIn(token) -> reply-like {ok, text}}
export function mountSignIn(root, actions) {
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const token = h('textarea', {rows: 3, autocomplete: 'off', spellcheck: 'false', class: 'mono',
    placeholder: 'eyJhbGciOiJIUzI1NiIs...'});
  const tokenForm = h('form', {novalidate: true, class: 'stack'},
    field(t('signin.token'), token),
    h('button', {type: 'submit', class: 'primary'}, t('signin.with_token')));
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await actions.signIn(token.value.trim());
    if (!r.ok) setMessage(message, r.text, true);
  });

  const user = h('input', {autocomplete: 'off', maxLength: 255, required: true});
  const admin = h('input', {type: 'checkbox', id: 'dev-admin'});
  const devForm = h('form', {novalidate: true, class: 'stack'},
    h('p', {class: 'hint'}, t('signin.dev_hint')),
    field(t('signin.user_id'), user),
    h('label', {class: 'check', htmlFor: admin.id}, admin, ' ', t('signin.dev_admin')),
    h('button', {type: 'submit', class: 'secondary'}, t('signin.mint')));
  devForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {user_id: user.value.trim()};
    if (admin.checked) body.role = 'admin';
    const r = await rest('POST', '/dev/token', body, {token: ''});
    if (r.status === 404) return setMessage(message, t('signin.dev_off'), true);
    if (!r.ok) return setMessage(message, t('signin.mint_failed', {error: r.text}), true);
    const s = await actions.signIn(r.data.token);
    if (!s.ok) setMessage(message, s.text, true);
  });

  root.append(h('section', {class: 'panel narrow', 'aria-labelledby': 'signin-title'},
    h('h1', {id: 'signin-title'}, t('signin.title')),
    h('p', {}, t('signin.intro')),
    message,
    tokenForm,
    h('h2', {}, t('signin.dev_title')),
    devForm));
  focusHeading(root);
}

// actions: {joined(profile)}
export function mountJoin(root, actions) {
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const username = h('input', {autocomplete: 'off', maxLength: 30, name: 'username'});
  const consent = h('input', {type: 'checkbox', id: 'join-consent'});
  const form = h('form', {novalidate: true, class: 'stack'},
    field(t('join.username'), username, {name: 'username', hint: t('join.username_hint')}),
    h('div', {class: 'field', dataset: {for: 'has_consent'}},
      h('label', {class: 'check', htmlFor: consent.id}, consent, ' ', t('join.consent')),
      h('p', {class: 'field-error', hidden: true})),
    h('button', {type: 'submit', class: 'primary'}, t('join.create')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!consent.checked) return setMessage(message, t('join.need_consent'), true);
    const data = {has_consent: true};
    if (username.value.trim()) data.username = username.value.trim();
    const r = await rest('POST', '/api/p2p/profile/create', data);
    if (!r.ok) return showReplyError(form, r, message);
    actions.joined(r.data.profile, r.message);
  });
  root.append(h('section', {class: 'panel narrow', 'aria-labelledby': 'join-title'},
    h('h1', {id: 'join-title'}, t('join.title')),
    h('p', {}, t('join.intro')),
    message, form));
  focusHeading(root);
}
