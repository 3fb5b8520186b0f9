// chat_panel.js - the order room's chat (a panel of view_order.js): the history with
// older pages on request, system and moderator lines, sending text and proof-of-payment
// files, read receipts (my messages turn "Read" when the other side's chat.read push
// says so), and live chat.new_message pushes. A reconnect refetches the newest page.
import {t, formatTime} from './strings.js';
import {h, fill, setMessage, showReplyError, clearFieldErrors} from './dom.js';
import * as store from './store.js';
import * as attachment from './attachment.js';

const PAGE = 50;
const OPEN = ['PENDING_PAYMENT', 'PAID', 'DISPUTED'];

// Who wrote a line, as the viewer reads it (`mine`: the viewer's side, or null).
function senderLabel(m, mine, names) {
  if (m.sender === mine) return t('chat.you');
  if (m.sender === 'system') return t('chat.system');
  if (m.sender === 'admin') return t('chat.admin');
  return names[m.sender] || t('party.' + m.sender, {}, m.sender);
}

// One chat line. opts: {mine: 'buyer'|'seller'|null, names: {buyer, seller}, readUpTo}
export function messageItem(m, opts) {
  const mine = opts.mine && m.sender === opts.mine;
  const read = mine && (m.read_at || m.id <= (opts.readUpTo || 0));
  return h('li', {class: 'msg ' + (mine ? 'mine' : m.sender), dataset: {messageId: String(m.id), sender: m.sender}},
    h('p', {class: 'who'}, senderLabel(m, opts.mine, opts.names || {}), ' ',
      h('time', {dateTime: m.created_at}, formatTime(m.created_at))),
    m.text ? h('p', {class: 'text'}, m.text) : null,
    m.attachment ? attachment.view(m.attachment) : null,
    mine ? h('p', {class: 'receipt', dataset: {read: read ? 'yes' : 'no'}}, t(read ? 'chat.read' : 'chat.sent')) : null);
}

export const panel = {
  name: 'chat',
  column: 'side',
  mount(box, first) {
    const id = first.id;
    let order = first;
    let alive = true;
    const messages = new Map(); // id -> message
    let hasMore = false;
    let readUpTo = 0;           // the highest id the other party read (chat.read)
    let markedUpTo = 0;         // the highest id I marked read
    let markTimer = null;

    const list = h('ol', {class: 'chat-log', 'aria-live': 'polite', 'aria-label': t('chat.log')});
    const older = h('button', {type: 'button', class: 'link', hidden: true, on: {click: loadOlder}}, t('chat.older'));
    const message = h('p', {class: 'message', role: 'alert', hidden: true});
    const text = h('textarea', {rows: 2, maxLength: 2000, id: 'chat-text-' + id});
    text.dataset.field = 'text';
    const file = attachment.picker(t('chat.attach'));
    const send = h('button', {type: 'submit', class: 'primary'}, t('chat.send'));
    const form = h('form', {novalidate: true, class: 'stack chat-form'},
      h('div', {class: 'field', dataset: {for: 'text'}},
        h('label', {htmlFor: text.id}, t('chat.message')), text, h('p', {class: 'field-error', hidden: true})),
      file.node, send);
    const closed = h('p', {class: 'hint', hidden: true}, t('chat.closed'));
    fill(box, h('h2', {}, t('chat.title')), older, list, message, form, closed);

    // Enter sends, Shift+Enter is a new line (as in every chat)
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });

    function mine() {
      return store.myRole(order);
    }

    function render() {
      const names = {buyer: order.buyer.username || t('party.buyer'), seller: order.seller.username || t('party.seller')};
      const sorted = [...messages.values()].sort((a, b) => a.id - b.id);
      const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
      fill(list, sorted.length ? sorted.map((m) => messageItem(m, {mine: mine(), names, readUpTo}))
        : h('li', {class: 'empty'}, t('chat.empty')));
      if (stick) list.scrollTop = list.scrollHeight;
      older.hidden = !hasMore;
      const open = OPEN.includes(order.status);
      form.hidden = !open;
      closed.hidden = open;
    }

    function put(m) {
      messages.set(m.id, m);
    }

    // Mark what I see read (once the page is visible), at most once a moment.
    function markRead() {
      clearTimeout(markTimer);
      markTimer = setTimeout(async () => {
        if (!alive || document.visibilityState !== 'visible') return;
        const theirs = [...messages.values()].filter((m) => m.sender !== mine()).map((m) => m.id);
        const top = theirs.length ? Math.max(...theirs) : 0;
        if (top <= markedUpTo) return;
        const r = await store.call('chat.mark_read', {order_id: id, up_to_id: top});
        if (r.ok) markedUpTo = top;
      }, 300);
    }

    async function load() {
      const r = await store.call('chat.get_messages', {order_id: id, limit: PAGE});
      if (!alive) return;
      if (!r.ok) return setMessage(message, r.text, true);
      setMessage(message, '');
      for (const m of r.data.messages) put(m);
      if (messages.size <= r.data.messages.length) hasMore = r.data.has_more;
      render();
      list.scrollTop = list.scrollHeight;
      if (r.data.unread_count > 0) markRead();
    }

    async function loadOlder() {
      const first = Math.min(...messages.keys());
      const r = await store.call('chat.get_messages', {order_id: id, limit: PAGE, before_id: first});
      if (!alive) return;
      if (!r.ok) return setMessage(message, r.text, true);
      for (const m of r.data.messages) put(m);
      hasMore = r.data.has_more;
      const keep = list.scrollHeight - list.scrollTop;
      render();
      list.scrollTop = list.scrollHeight - keep;
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      setMessage(message, '');
      const chosen = file.input.files[0];
      const body = {order_id: id};
      if (text.value.trim()) body.text = text.value;
      if (!chosen && !body.text) return showReplyError(form, {field: 'text', text: t('chat.need_text')}, message);
      send.disabled = true;
      try {
        if (chosen) {
          const up = await attachment.upload(id, chosen);
          if (!alive) return;
          if (!up.ok) return showReplyError(form, Object.assign({}, up, {field: up.field || 'attachment_id'}), message);
          body.attachment_id = up.data.attachment_id;
        }
        const r = await store.call('chat.send_message', body);
        if (!alive) return;
        if (!r.ok) return showReplyError(form, r, message);
        put(r.data.message);
        text.value = '';
        file.input.value = '';
        render();
        list.scrollTop = list.scrollHeight;
      } finally {
        send.disabled = false;
      }
    });

    const offPush = store.on('push', (msg) => {
      const d = msg.data;
      if (!alive || !d || d.order_id !== id) return;
      if (msg.type === 'chat.new_message') {
        put(d);
        render();
        if (d.sender !== mine()) markRead();
      } else if (msg.type === 'chat.read' && d.reader !== mine()) {
        readUpTo = Math.max(readUpTo, d.up_to_id);
        render();
      }
    });
    const offResync = store.on('resync', load);
    const onVisible = () => { if (document.visibilityState === 'visible') markRead(); };
    document.addEventListener('visibilitychange', onVisible);

    render();
    load();
    return {
      update(o) {
        order = o;
        render();
        list.scrollTop = list.scrollHeight; // the room re-rendered: back to the newest
      },
      cleanup() {
        alive = false;
        clearTimeout(markTimer);
        offPush();
        offResync();
        document.removeEventListener('visibilitychange', onVisible);
      },
    };
  },
};
