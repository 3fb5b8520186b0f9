// admin_nav.js - the moderator console's frame: its title and the tabs between its
// screens (disputes, users, prices, wallets, audit log). Every console call is the admin REST API.
import {t} from './strings.js';
import {h} from './dom.js';

const TABS = [
  ['/admin/disputes', 'admin.tab_disputes'],
  ['/admin/users', 'admin.tab_users'],
  ['/admin/prices', 'admin.tab_prices'],
  ['/admin/money', 'admin.tab_money'],
  ['/admin/audit', 'admin.tab_audit'],
];

// A section with the console heading, the tabs (the current one marked) and `body`.
export function frame(root, current, headingId, title, ...body) {
  const section = h('section', {class: 'panel wide admin', 'aria-labelledby': headingId},
    h('p', {class: 'eyebrow'}, t('admin.console')),
    h('h1', {id: headingId}, title),
    h('nav', {class: 'tabs', 'aria-label': t('admin.console')},
      TABS.map(([path, key]) => h('a', {href: '#' + path, 'aria-current': path === current ? 'page' : false}, t(key)))),
    body);
  root.append(section);
  return section;
}
