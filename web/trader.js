// trader.js - a trader's public summary as every screen shows it: name, verified and
// merchant badges, completed trades, completion rate and rating; the name links to
// their page (view_trader.js) where asked.
import {t} from './strings.js';
import {h} from './dom.js';

export function badges(p) {
  return [
    p.is_verified ? h('span', {class: 'badge verified', title: t('trader.verified_title')}, t('trader.verified')) : null,
    p.is_merchant ? h('span', {class: 'badge merchant', title: t('trader.merchant_title')}, t('trader.merchant')) : null,
  ];
}

// The completion rate as CONTRACT.md computes it (completed * 100 / total, two
// decimals): party summaries carry it, profile objects only the two counters.
export function completionRate(p) {
  if (p.completion_rate !== undefined && p.completion_rate !== null) return String(p.completion_rate);
  const total = Number(p.total_trades || 0);
  if (!total) return '0';
  return String(Math.round(Number(p.completed_trades || 0) * 10000 / total) / 100);
}

export function stats(p) {
  const parts = [
    t('trader.trades', {n: p.completed_trades ?? 0}),
    t('trader.completion', {rate: completionRate(p)}),
    p.total_reviews ? t('trader.rating', {rating: String(p.avg_rating), n: p.total_reviews}) : t('trader.no_rating'),
  ];
  return h('span', {class: 'stats'}, parts.join(' · '));
}

// opts.link: the name links to the trader's page (their reviews)
export function summary(p, opts) {
  const name = p.username || t('common.unnamed');
  return h('div', {class: 'trader'},
    opts && opts.link && p.id ? h('a', {class: 'name', href: '#/trader/' + p.id}, name) : h('span', {class: 'name'}, name), ' ', badges(p),
    h('br', {}), stats(p));
}
