// review_panel.js - the review in the order room (a panel of view_order.js): once the
// trade is completed and `can.review` allows, a rating from 1 to 5 and a comment for
// the other party; after that, what was posted.
import {t} from './strings.js';
import {h, fill, field, group, choice, setMessage, showReplyError, clearFieldErrors} from './dom.js';
import * as store from './store.js';

export const panel = {
  name: 'review',
  column: 'main',
  mount(box, first) {
    const id = first.id;
    let order = first;
    let alive = true;
    let posted = null;
    let formNode = null;
    const message = h('p', {class: 'message', role: 'status', hidden: true});
    box.hidden = true;

    function makeForm() {
      const comment = h('textarea', {rows: 2, maxLength: 500});
      const stars = [1, 2, 3, 4, 5].map((n) => choice('radio', 'rating', n, t('review.stars', {n}), false));
      const form = h('form', {novalidate: true, class: 'stack'},
        group(t('review.rating'), h('div', {class: 'checks'}, stars), {name: 'rating', inline: true}),
        field(t('review.comment'), comment, {name: 'comment', hint: t('review.comment_hint')}),
        h('button', {type: 'submit', class: 'primary'}, t('review.go')));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        const picked = form.querySelector('input[name=rating]:checked');
        if (!picked) return showReplyError(form, {field: 'rating', text: t('review.rating_required')}, message);
        const r = await store.call('review.create', {order_id: id, rating: Number(picked.value), comment: comment.value.trim()});
        if (!alive) return;
        if (!r.ok) return showReplyError(form, r, message);
        posted = r.data.review;
        const g = await store.call('order.get', {order_id: id});
        if (g.ok) store.putOrder(g.data.order, false);
        render();
      });
      return form;
    }

    function render() {
      const other = store.myRole(order) === 'buyer' ? order.seller : order.buyer;
      if (posted) {
        box.hidden = false;
        fill(box, h('h2', {}, t('review.title')),
          h('p', {class: 'review-posted', role: 'status'}, t('review.posted', {n: posted.rating, user: other.username || t('common.unnamed')})),
          posted.comment ? h('blockquote', {}, posted.comment) : null);
      } else if (order.can.review) {
        box.hidden = false;
        fill(box, h('h2', {}, t('review.title')), h('p', {class: 'hint'}, t('review.hint', {user: other.username || t('common.unnamed')})),
          message, (formNode = formNode || makeForm()));
      } else {
        box.hidden = true;
      }
    }

    render();
    return {
      update(o) {
        order = o;
        render();
      },
      cleanup() {
        alive = false;
      },
    };
  },
};
