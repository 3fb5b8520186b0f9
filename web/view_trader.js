// view_trader.js - a trader's public page: name, badges, reputation (profile.get) and
// the reviews others left them (review.list). Every trader's name links here.
import {t, formatTime} from './strings.js';
import {h, fill, defList, setMessage, focusHeading} from './dom.js';
import * as store from './store.js';
import * as trader from './trader.js';
import * as reviews from './reviews.js';

export function mount(root, {params}) {
  const id = Number(params.id);
  let alive = true;
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const facts = h('div', {});
  const heading = h('h1', {id: 'trader-h'}, t('traderpage.title', {id}));
  root.append(h('section', {class: 'panel', 'aria-labelledby': 'trader-h'}, heading, message, facts),
    h('div', {class: 'panel'}, reviews.section(id).node));
  focusHeading(root);

  store.call('profile.get', {profile_id: id}).then((r) => {
    if (!alive) return;
    if (!r.ok) return setMessage(message, r.text, true);
    const p = r.data.profile || r.data;
    heading.textContent = p.username || t('common.unnamed');
    fill(facts,
      h('p', {}, trader.badges(p)),
      defList([
        [t('traderpage.completed'), String(p.completed_trades ?? 0), 'completed_trades'],
        [t('traderpage.rate'), t('traderpage.rate_value', {rate: trader.completionRate(p)}), 'completion_rate'],
        [t('traderpage.rating'), p.total_reviews ? t('trader.rating', {rating: String(p.avg_rating), n: p.total_reviews}) : t('trader.no_rating'), 'avg_rating'],
        [t('profile.f_joined_at'), formatTime(p.joined_at), 'joined_at'],
      ]));
  });
  return () => { alive = false; };
}
