// reviews.js - a trader's reviews (review.list): the average and count, then the newest
// first, paged. `opts.moderate(review, row)` adds a moderator's controls to each.
import {t, formatTime} from './strings.js';
import {h, fill, setMessage} from './dom.js';
import * as store from './store.js';
import * as api from './api.js';

const PAGE = 20;

// A section listing profile `profileId`'s visible reviews. opts: {title, rest: use the
// REST route (a moderator without a live connection), moderate(review) -> node}
export function section(profileId, opts) {
  const o = opts || {};
  const headingId = 'reviews-h-' + profileId;
  const summary = h('p', {class: 'summary', role: 'status'});
  const list = h('ol', {class: 'reviews'});
  const pager = h('div', {class: 'pager'});
  const message = h('p', {class: 'message', role: 'alert', hidden: true});
  const node = h('section', {class: 'card reviews-card', 'aria-labelledby': headingId},
    h('h2', {id: headingId}, o.title || t('reviews.title')), summary, message, list, pager);
  let offset = 0;

  async function load() {
    const r = o.rest
      ? await api.rest('GET', `/api/p2p/profiles/${profileId}/reviews` + api.query({limit: PAGE, offset}))
      : await store.call('review.list', {profile_id: profileId, limit: PAGE, offset});
    if (!r.ok) return setMessage(message, r.text, true);
    setMessage(message, '');
    const {reviews, total, avg_rating: avg} = r.data;
    summary.textContent = total ? t('reviews.summary', {n: total, avg: String(avg)}) : t('reviews.none');
    fill(list, reviews.map((rv) => h('li', {class: 'review', dataset: {reviewId: String(rv.id), rating: String(rv.rating)}},
      h('p', {class: 'who'},
        h('span', {class: 'stars', 'aria-label': t('review.stars', {n: rv.rating})}, '★'.repeat(rv.rating) + '☆'.repeat(5 - rv.rating)), ' ',
        t('reviews.by', {user: rv.reviewer.username || t('common.unnamed')}), ' · ',
        h('time', {dateTime: rv.created_at}, formatTime(rv.created_at))),
      rv.comment ? h('p', {class: 'text'}, rv.comment) : null,
      o.moderate ? o.moderate(rv, load) : null)));
    fill(pager,
      offset > 0 ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset = Math.max(0, offset - PAGE); load(); }}}, t('common.previous')) : null,
      offset + PAGE < total ? h('button', {type: 'button', class: 'secondary', on: {click: () => { offset += PAGE; load(); }}}, t('common.next')) : null);
  }

  load();
  return {node, reload: load};
}
