// attachment.js - proof-of-payment files: checking a chosen file before it is sent,
// uploading it to an order (REST, raw body), and showing one in a chat or the evidence
// (an image previewed, any file downloadable). The file needs the token, so it is
// fetched with it and shown from a blob: URL, never from the API's URL directly.
import {t} from './strings.js';
import {h, uid} from './dom.js';
import * as api from './api.js';

export const TYPES = ['image/png', 'image/jpeg', 'application/pdf'];
export const MAX_BYTES = 5 * 1024 * 1024;
const EXTENSION = {'image/png': 'png', 'image/jpeg': 'jpg', 'application/pdf': 'pdf'};

// promises of blob: URLs by attachment id (a file never changes; they live as long as the page)
const s_urls = new Map();

// A file input with its label and hint; `input.files[0]` is the choice.
export function picker(label) {
  const input = h('input', {type: 'file', id: uid('file'), accept: TYPES.join(',')});
  input.dataset.field = 'attachment_id';
  return {input, node: h('div', {class: 'field', dataset: {for: 'attachment_id'}},
    h('label', {htmlFor: input.id}, label), input,
    h('p', {class: 'hint'}, t('attach.hint')),
    h('p', {class: 'field-error', hidden: true}))};
}

// The client's own check (the API checks the bytes again): null when fine, else the text.
export function problem(file) {
  if (!TYPES.includes(file.type)) return t('attach.bad_type');
  if (file.size > MAX_BYTES) return t('attach.too_big');
  if (file.size === 0) return t('attach.empty');
  return null;
}

// Upload a file to an order: the normalized reply, data {attachment_id, ...} when ok.
export async function upload(orderId, file) {
  const bad = problem(file);
  if (bad) return {ok: false, status: 400, code: 'BAD_FILE', text: bad, field: 'attachment_id'};
  return api.upload(`/api/p2p/orders/${orderId}/attachments`, file);
}

// The file's blob: URL (one fetch per attachment, shared by every view of it).
function url(att) {
  if (!s_urls.has(att.id)) {
    const p = api.blob('/api/p2p/attachments/' + att.id).then((r) => {
      if (!r.ok) throw new Error(r.text);
      return URL.createObjectURL(r.blob);
    });
    p.catch(() => s_urls.delete(att.id)); // a failure may be retried later
    s_urls.set(att.id, p);
  }
  return s_urls.get(att.id);
}

function fileName(att) {
  return 'attachment-' + att.id + '.' + (EXTENSION[att.content_type] || 'bin');
}

// A figure for an attachment {id, content_type, size, sha256}: an image preview when it
// is an image, and a download button for any file.
export function view(att) {
  const status = h('span', {class: 'sub', role: 'status'});
  const isImage = att.content_type.startsWith('image/');
  const img = isImage ? h('img', {class: 'preview-img', alt: t('attach.image_alt', {id: att.id})}) : null;
  const download = h('button', {type: 'button', class: 'secondary small', on: {click: async () => {
    try {
      const a = h('a', {href: await url(att), download: fileName(att), hidden: true});
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      status.textContent = t('attach.failed', {error: e.message});
    }
  }}}, t('attach.download', {name: fileName(att)}));
  if (img) {
    url(att).then((u) => { img.src = u; }).catch((e) => { status.textContent = t('attach.failed', {error: e.message}); });
  }
  return h('figure', {class: 'attachment', dataset: {attachmentId: String(att.id)}},
    img,
    h('figcaption', {},
      h('span', {class: 'sub'}, t('attach.facts', {type: att.content_type, kb: Math.max(1, Math.round(att.size / 1024))})),
      ' ', download, ' ', status));
}
