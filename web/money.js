// money.js - exact decimal arithmetic on the API's amount strings, for previews only
// (the API decides). Amounts stay strings everywhere else and are shown as sent; here
// they become BigInt counts of the smallest unit, never floating-point numbers.
// The rounding rules are TRADING.md's: fiat -> crypto rounds down, crypto -> fiat and
// a floating price round half up.

const GRAMMAR = /^(\d{1,18})(?:\.(\d+))?$/;

// The number of decimals a string shows ("130.94" -> 2, "20.000000" -> 6, "9500" -> 0):
// the API prints every amount with exactly its currency's decimals, so this is how
// the client learns them without a table of its own.
export function decimalsOf(text) {
  const m = GRAMMAR.exec(String(text || ''));
  return m ? (m[2] || '').length : null;
}

// True when text is a plain decimal the API accepts: digits, optionally a point and
// digits, no sign or exponent, at most 18 digits before the point.
export function isDecimal(text) {
  return GRAMMAR.test(text);
}

// text -> BigInt count of 10^-decimals units, or null when it is not a decimal or has
// more decimals than that.
export function toUnits(text, decimals) {
  const m = GRAMMAR.exec(String(text).trim());
  if (!m) return null;
  const frac = m[2] || '';
  if (frac.length > decimals) return null;
  return BigInt(m[1] + frac.padEnd(decimals, '0'));
}

// BigInt units -> the decimal string with exactly `decimals` places.
export function fromUnits(units, decimals) {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  if (decimals > 0) digits = digits.slice(0, -decimals) + '.' + digits.slice(-decimals);
  return (negative ? '-' : '') + digits;
}

const TEN = (n) => 10n ** BigInt(n);

function divHalfUp(a, b) {
  return (a * 2n + b) / (b * 2n);
}

// Crypto bought with `fiat` at `price` (fiat per unit), rounded down to the asset's
// decimals. null when an input is not a decimal or the price is zero.
export function fiatToCrypto(fiat, price, assetDecimals) {
  const fd = decimalsOf(price);
  if (fd === null) return null;
  const f = toUnits(fiat, fd);
  const p = toUnits(price, fd);
  if (f === null || p === null || p === 0n) return null;
  return fromUnits((f * TEN(assetDecimals)) / p, assetDecimals);
}

// Fiat paid for `crypto` at `price`, rounded half up to the fiat's decimals (those of
// the price string).
export function cryptoToFiat(crypto, price, assetDecimals) {
  const fd = decimalsOf(price);
  if (fd === null) return null;
  const c = toUnits(crypto, assetDecimals);
  const p = toUnits(price, fd);
  if (c === null || p === null) return null;
  return fromUnits(divHalfUp(c * p, TEN(assetDecimals)), fd);
}

// A floating ad's price: index * (1 + margin/100), half up to the index's decimals.
// margin is "-50.00".."50.00" (a leading minus allowed).
export function floatingPrice(index, margin) {
  const fd = decimalsOf(index);
  const m = /^(-?)(\d{1,2})(?:\.(\d{1,2}))?$/.exec(String(margin).trim());
  if (fd === null || !m) return null;
  const hundredths = BigInt(m[2] + (m[3] || '').padEnd(2, '0')) * (m[1] ? -1n : 1n);
  if (hundredths < -5000n || hundredths > 5000n) return null;
  const units = toUnits(index, fd);
  return fromUnits(divHalfUp(units * (10000n + hundredths), 10000n), fd);
}

// -1, 0 or 1 comparing two decimal strings; null when either is not a decimal.
export function compare(a, b) {
  const d = Math.max(decimalsOf(a) ?? -1, decimalsOf(b) ?? -1);
  if (d < 0 || decimalsOf(a) === null || decimalsOf(b) === null) return null;
  const x = toUnits(a, d);
  const y = toUnits(b, d);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isZero(text) {
  const d = decimalsOf(text);
  return d !== null && toUnits(text, d) === 0n;
}
