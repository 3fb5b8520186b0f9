// static.test.mjs - what can be checked of web/ without a browser: the exact money
// arithmetic the previews use (money.js, against TRADING.md's rounding rules), the
// strings table (every key the code asks for exists, plural forms), and the rules the
// client keeps: no HTML parsing of data, no user-visible text outside strings.js, only
// flat file names the gateway serves.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const money = await import(join(WEB, 'money.js'));
const strings = await import(join(WEB, 'strings.js'));

const files = readdirSync(WEB);
const sources = Object.fromEntries(files.filter((f) => f.endsWith('.js'))
  .map((f) => [f, readFileSync(join(WEB, f), 'utf8')]));

test('money: fiat -> crypto rounds down to the asset\'s decimals', () => {
  assert.equal(money.fiatToCrypto('2618.80', '130.94', 6), '20.000000');
  assert.equal(money.fiatToCrypto('100', '130.94', 6), '0.763708'); // 0.76370857... down
  assert.equal(money.fiatToCrypto('1000.00', '64250.10', 8), '0.01556417'); // 0.015564177... down
  assert.equal(money.fiatToCrypto('0.01', '64250.10', 8), '0.00000015');
  assert.equal(money.fiatToCrypto('1000', '9500000', 8), '0.00010526'); // JPY: 0 decimals
  assert.equal(money.fiatToCrypto('1', '0.00', 6), null);
  assert.equal(money.fiatToCrypto('1.234', '130.94', 6), null, 'more decimals than the fiat has');
});

test('money: crypto -> fiat rounds half up to the fiat\'s decimals', () => {
  assert.equal(money.cryptoToFiat('10', '130.94', 6), '1309.40');
  assert.equal(money.cryptoToFiat('0.000001', '130.94', 6), '0.00'); // 0.00013094
  assert.equal(money.cryptoToFiat('0.000039', '130.94', 6), '0.01'); // 0.00510666 -> .01
  assert.equal(money.cryptoToFiat('0.5', '0.01', 6), '0.01'); // exactly .005 -> up
  assert.equal(money.cryptoToFiat('0.49', '0.01', 6), '0.00');
  assert.equal(money.cryptoToFiat('0.01556417', '64250.10', 8), '1000.00'); // 999.9999...
  assert.equal(money.cryptoToFiat('1.5', '9500000', 8), '14250000');
  assert.equal(money.cryptoToFiat('1.0000001', '130.94', 6), null);
});

test('money: a floating price is index * (1 + margin/100), half up', () => {
  assert.equal(money.floatingPrice('129.00', '1.50'), '130.94'); // 130.935
  assert.equal(money.floatingPrice('129.00', '2.00'), '131.58');
  assert.equal(money.floatingPrice('129.00', '-1.50'), '127.07'); // 127.065
  assert.equal(money.floatingPrice('64250.10', '0'), '64250.10');
  assert.equal(money.floatingPrice('9500000', '-50.00'), '4750000');
  assert.equal(money.floatingPrice('129.00', '50.01'), null);
  assert.equal(money.floatingPrice('129.00', '1.555'), null);
  assert.equal(money.floatingPrice('129.00', 'x'), null);
});

test('money: the API\'s grammar, decimals as printed, exact comparison', () => {
  for (const ok of ['0', '12', '12.50', '000.1', '123456789012345678.12345678']) assert.ok(money.isDecimal(ok), ok);
  for (const bad of ['', '-1', '+1', '1e5', '1.', '.5', ' 1', '1 000', '1,5', '1234567890123456789']) {
    assert.ok(!money.isDecimal(bad), bad);
  }
  assert.equal(money.decimalsOf('130.94'), 2);
  assert.equal(money.decimalsOf('20.000000'), 6);
  assert.equal(money.decimalsOf('9500000'), 0);
  assert.equal(money.compare('1000.00', '999.999'), 1);
  assert.equal(money.compare('20.000000', '20'), 0);
  assert.equal(money.compare('0.1', '0.10000001'), -1);
  // beyond what a double holds exactly
  assert.equal(money.compare('123456789012345678.00000001', '123456789012345678'), 1);
  assert.equal(money.toUnits('0.1', 8), 10000000n);
  assert.equal(money.fromUnits(-5n, 2), '-0.05');
  assert.ok(money.isZero('0.000000') && !money.isZero('0.000001'));
});

test('strings: t() fills placeholders and picks plural forms; a missing key falls back', () => {
  assert.equal(strings.t('market.count', {n: 1}), '1 ad');
  assert.equal(strings.t('market.count', {n: 3}), '3 ads');
  assert.equal(strings.t('take.below_min', {min: '1000.00', fiat: 'KES'}), 'The minimum for this ad is 1000.00 KES.');
  assert.equal(strings.t('error.NO_SUCH_CODE', {}, 'the API text'), 'the API text');
  assert.equal(strings.statusLabel('PAID'), 'Paid, awaiting release');
  assert.equal(strings.statusLabel('SOMETHING_NEW'), 'SOMETHING_NEW');
});

// the keys built at run time: prefix + every value the API or the code can give
const DYNAMIC = {
  'status.': ['PENDING_PAYMENT', 'PAID', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'DISPUTED', 'REFUNDED'],
  'adstatus.': ['active', 'paused', 'closed'],
  'kind.': ['deposit', 'withdrawal', 'ad_hold', 'ad_release', 'order_hold', 'release', 'refund'],
  'by.': ['buyer', 'seller', 'admin', 'system', 'you'],
  'conn.': ['idle', 'connecting', 'open', 'retrying', 'refused'],
  'market.side_': ['buy', 'sell'],
  'orders.tab_': ['open', 'all'],
  'profile.f_': ['username', 'email', 'phone_number', 'preferred_currency', 'auto_reply_message'],
  'admin.': ['verify_on', 'verify_off', 'merchant_on', 'merchant_off', 'verify_on_done', 'verify_off_done',
    'merchant_on_done', 'merchant_off_done'],
  'admin.disputes_': ['open', 'resolved', 'all'],
  'party.': ['buyer', 'seller', 'admin', 'system'],
  'dispute.reason_': ['payment_not_received', 'paid_but_not_released', 'wrong_amount', 'fraud', 'other'],
  'dispute.status_': ['open', 'resolved'],
  'dispute.outcome_': ['release', 'refund'],
  // notification kinds (TRADING.md "Notifications"), '.' as '_'
  'notif.': ['order_created', 'order_paid', 'order_completed', 'order_cancelled', 'order_expired',
    'dispute_opened', 'dispute_resolved', 'review_received', 'wallet_credited'],
};

test('strings: every key the code asks for exists', () => {
  const missing = [];
  for (const [file, src] of Object.entries(sources)) {
    if (file === 'strings.js') continue;
    // the literal keys of each t( call, up to its vars: t(x ? 'a.b' : 'a.c', {...})
    for (const call of src.matchAll(/(?<![\w.])t\(([^{)]*)/g)) {
      for (const m of call[1].matchAll(/'([a-z]+\.[a-zA-Z0-9_]*)'/g)) {
        const key = m[1];
        if (/[._]$/.test(key)) continue; // a prefix: see DYNAMIC
        if (!strings.has(key)) missing.push(`${file}: ${key}`);
      }
    }
  }
  for (const [prefix, values] of Object.entries(DYNAMIC)) {
    for (const v of values) if (!strings.has(prefix + v)) missing.push('dynamic: ' + prefix + v);
  }
  assert.deepEqual(missing, []);
});

test('no HTML parsing of anything: no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval', () => {
  const bad = [];
  for (const [file, src] of Object.entries(sources)) {
    for (const pat of [/\.innerHTML\b/, /\.outerHTML\s*=/, /insertAdjacentHTML/, /document\.write/, /\beval\(/,
      /new Function\(/, /createContextualFragment/, /DOMParser/]) {
      if (pat.test(src)) bad.push(`${file}: ${pat}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('user-visible text lives in strings.js only', () => {
  // a literal that reads like words ("Buy now", "No ads") outside strings.js is text
  // that would escape translation; code literals (classes, selectors, codes) do not look so
  const words = /'([A-Z][a-z]+(?: [a-z]+)+[^']*)'/g;
  const allowed = /^Bearer $/;
  const found = [];
  for (const [file, src] of Object.entries(sources)) {
    if (file === 'strings.js') continue;
    const code = src.split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
    for (const m of code.matchAll(words)) {
      const text = m[1];
      if (!allowed.test(text)) found.push(`${file}: '${text}'`);
    }
  }
  assert.deepEqual(found, []);
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const body = html.slice(html.indexOf('<body>'), html.indexOf('</body>')).replace(/<!--[\s\S]*?-->/g, '');
  assert.equal(body.replace(/<[^>]*>/g, '').trim(), '', 'index.html\'s body has text of its own');
});

test('every file is one the gateway serves, and every import points at one', () => {
  for (const f of files) assert.match(f, /^[A-Za-z0-9._-]+$/, f);
  for (const [file, src] of Object.entries(sources)) {
    for (const m of src.matchAll(/from '([^']+)'/g)) {
      assert.match(m[1], /^\.\/[A-Za-z0-9._-]+\.js$/, `${file} imports ${m[1]}`);
      assert.ok(files.includes(m[1].slice(2)), `${file} imports a missing ${m[1]}`);
    }
  }
});
