// dom.js - building the page from data without HTML parsing: every node is made with
// createElement and every text set with textContent, so nothing a user or the API sends
// can become markup. Also the labelled form field, field errors and the confirm dialog.
import {t} from './strings.js';

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'type', 'name',
  'htmlFor', 'id', 'className', 'tabIndex', 'required', 'multiple', 'open', 'min', 'max',
  'step', 'maxLength', 'readOnly', 'placeholder', 'autocomplete', 'href', 'rows']);

// h('button', {class: 'primary', on: {click: fn}, dataset: {id: 1}}, 'text', child, ...)
// Strings and numbers become text nodes; null, undefined and false are skipped.
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (PROPS.has(key)) node[key] = value;
    else if (value === false) continue;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.append(child);
    else node.append(document.createTextNode(String(child)));
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// Replace node's children with these (null, undefined and false skipped, as in h()).
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

let s_ids = 0;
export function uid(prefix) {
  return (prefix || 'f') + '-' + (++s_ids);
}

// A labelled control with a hint and an error slot, both announced through
// aria-describedby. `control` is an input/select/textarea; `name` names the API field
// whose error belongs here (see showFieldErrors).
export function field(label, control, opts) {
  const o = opts || {};
  if (!control.id) control.id = uid(o.name || 'f');
  if (o.name) control.dataset.field = o.name;
  const hint = o.hint ? h('p', {class: 'hint', id: control.id + '-hint'}, o.hint) : null;
  const error = h('p', {class: 'field-error', id: control.id + '-error', hidden: true});
  control.setAttribute('aria-describedby', [hint && hint.id, error.id].filter(Boolean).join(' '));
  return h('div', {class: 'field' + (o.wide ? ' wide' : ''), dataset: {for: o.name || ''}},
    h('label', {htmlFor: control.id}, label), control, hint, error);
}

// A fieldset of controls (radio or checkbox groups) with its own error slot, first so
// that it is the one an error for the group's name finds.
export function group(legend, controls, opts) {
  const o = opts || {};
  const error = h('p', {class: 'field-error', hidden: true, id: uid('group-error')});
  return h('fieldset', {class: 'group' + (o.inline ? ' inline' : ''), dataset: {for: o.name || ''},
    'aria-describedby': error.id}, h('legend', {}, legend), o.hint ? h('p', {class: 'hint'}, o.hint) : null,
  error, controls);
}

export function choice(type, name, value, label, checked) {
  const input = h('input', {type, name, value: String(value), checked: !!checked, id: uid(name)});
  return h('label', {class: 'check', htmlFor: input.id}, input, ' ', label);
}

// Put an error message next to the control of API field `name` inside `root`;
// returns false when no control there belongs to that field.
export function setFieldError(root, name, text) {
  const holder = root.querySelector(`[data-for="${CSS.escape(name)}"]`);
  if (!holder) return false;
  const error = holder.querySelector('.field-error');
  error.textContent = text;
  error.hidden = false;
  const control = holder.querySelector('input, select, textarea');
  if (control) control.setAttribute('aria-invalid', 'true');
  return true;
}

export function clearFieldErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) {
    e.textContent = '';
    e.hidden = true;
  }
  for (const c of root.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

// Show a failed reply: next to its field when the error names one that the form
// has, else in the form's message line. Focuses the field so keyboard users land there.
export function showReplyError(form, reply, messageLine) {
  clearFieldErrors(form);
  const name = reply.field;
  if (name && setFieldError(form, name, reply.text)) {
    const c = form.querySelector(`[data-for="${CSS.escape(name)}"] input, [data-for="${CSS.escape(name)}"] select, [data-for="${CSS.escape(name)}"] textarea`);
    if (c) c.focus();
    if (messageLine) setMessage(messageLine, '');
    return;
  }
  if (messageLine) setMessage(messageLine, reply.text, true);
}

export function setMessage(node, text, isError) {
  node.textContent = text || '';
  node.classList.toggle('error', !!isError);
  node.hidden = !text;
}

// A modal confirmation (<dialog>: focus moves in, Escape cancels, focus returns).
// `check`: a statement the user must tick before the confirm button works.
// Resolves true when confirmed.
export function confirmDialog(opts) {
  return new Promise((resolve) => {
    const titleId = uid('dlg-title');
    const confirmBtn = h('button', {type: 'submit', class: opts.danger ? 'danger' : 'primary',
      disabled: !!opts.check}, opts.confirmLabel || t('common.confirm'));
    let box = null;
    if (opts.check) {
      box = h('input', {type: 'checkbox', id: uid('dlg-check'),
        on: {change: () => { confirmBtn.disabled = !box.checked; }}});
    }
    const dialog = h('dialog', {class: 'dialog', 'aria-labelledby': titleId},
      h('form', {method: 'dialog'},
        h('h2', {id: titleId}, opts.title),
        opts.body || null,
        box ? h('label', {class: 'check confirm-check', htmlFor: box.id}, box, ' ', opts.check) : null,
        h('div', {class: 'actions'},
          h('button', {type: 'button', class: 'secondary', value: 'cancel',
            on: {click: () => dialog.close('cancel')}}, opts.cancelLabel || t('common.cancel')),
          confirmBtn)));
    confirmBtn.value = 'confirm';
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A definition list of [label, value] pairs (values shown as text, as given).
export function defList(pairs, cls) {
  const dl = h('dl', {class: cls || 'facts'});
  for (const [label, value, key] of pairs) {
    if (value === undefined) continue;
    dl.append(h('dt', {}, label), h('dd', {dataset: key ? {field: key} : {}},
      value instanceof Node ? value : String(value === null || value === '' ? t('common.none') : value)));
  }
  return dl;
}

// A table whose cells carry their column's label (data-label), which the phone
// layout shows in front of each value when rows become cards.
export function table(caption, columns, rows, opts) {
  const o = opts || {};
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c))));
  const tbody = h('tbody', {});
  for (const row of rows) {
    const tr = h('tr', row.attrs || {});
    row.cells.forEach((cell, i) => {
      tr.append(h('td', {dataset: {label: columns[i]}}, cell));
    });
    tbody.append(tr);
  }
  return h('table', {class: 'cards' + (o.class ? ' ' + o.class : '')},
    h('caption', {class: o.showCaption ? '' : 'visually-hidden'}, caption), thead, tbody);
}

export function focusHeading(root) {
  const heading = root.querySelector('h1, h2');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({preventScroll: true});
  }
}
