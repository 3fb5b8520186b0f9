// lib.mjs - what the browser tests share: the gateway's URL, a headless Debian
// Chromium, pages that leave a screenshot and their console behind, signing in through
// the UI, a TCP proxy that can cut a browser's connections, and accessibility checks.
import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join as joinPath} from 'node:path';
import {fileURLToPath} from 'node:url';
import {randomBytes} from 'node:crypto';
import net from 'node:net';
import {deflateSync} from 'node:zlib';
import {chromium} from 'playwright-core';

export const BASE = (process.env.P2P_E2E_URL || '').replace(/\/$/, '');
export const CHROMIUM = process.env.P2P_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = joinPath(dirname(fileURLToPath(import.meta.url)), 'artifacts');
export const STEP_TIMEOUT_MS = 10000;
export const PHONE = {width: 390, height: 844};
export const DESKTOP = {width: 1280, height: 900};

export function fresh(prefix) {
  return prefix + '_' + randomBytes(5).toString('hex');
}

export async function launch() {
  assert.ok(BASE, 'P2P_E2E_URL is not set (the URL of a running gateway)');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
}

// A browser context (its own storage: one person) with a page that records its console.
export async function person(browser, name, opts) {
  const context = await browser.newContext({viewport: (opts && opts.viewport) || DESKTOP});
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  return {name, context, page, log, base: (opts && opts.base) || BASE};
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, {recursive: true});
  await page.screenshot({path: joinPath(ARTIFACTS, name + '.png'), fullPage: true});
}

// On failure, every person's page as it was and its console, then rethrow.
export async function keepEvidence(people, label, body) {
  try {
    await body();
  } catch (e) {
    mkdirSync(ARTIFACTS, {recursive: true});
    for (const p of people) {
      await p.page.screenshot({path: joinPath(ARTIFACTS, `FAILED-${label}-${p.name}.png`), fullPage: true}).catch(() => {});
      writeFileSync(joinPath(ARTIFACTS, `FAILED-${label}-${p.name}.console.txt`), p.log.join('\n') + '\n');
    }
    throw e;
  }
}

// No page error may have happened (an exception in the client's code).
export function assertNoPageErrors(p) {
  const errors = p.log.filter((l) => l.startsWith('[pageerror]'));
  assert.deepEqual(errors, [], `${p.name}: page errors`);
}

// Sign in through the development-token form; `admin` ticks the moderator box.
export async function signIn(p, userId, admin) {
  await p.page.goto(p.base + '/');
  await p.page.getByLabel('User id').fill(userId);
  if (admin) await p.page.getByLabel('Moderator (role admin)').check();
  await p.page.getByRole('button', {name: 'Mint development token'}).click();
}

// Sign in and create the profile on the join screen; lands on the market.
export async function join(p, userId, username) {
  await signIn(p, userId);
  await p.page.getByRole('heading', {name: 'Join P2P trading'}).waitFor();
  await p.page.getByLabel('Username (optional)').fill(username);
  await p.page.getByLabel('I accept the P2P trading terms and conditions').check();
  await p.page.getByRole('button', {name: 'Create profile'}).click();
  await p.page.getByRole('heading', {name: 'P2P market'}).waitFor();
  await p.page.locator('#conn[data-state=open]').waitFor();
}

export async function nav(p, label) {
  await p.page.getByRole('navigation', {name: 'Main'}).getByRole('link', {name: label}).click();
}

// Every visible form control has an accessible name (a <label>, aria-label or
// aria-labelledby): returns the ones without, described.
export async function unlabelledControls(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const c of document.querySelectorAll('input, select, textarea')) {
      if (c.type === 'hidden' || c.closest('[hidden]') || c.offsetParent === null) continue;
      const named = (c.labels && c.labels.length) || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
      if (!named) bad.push(c.outerHTML.slice(0, 120));
    }
    return bad;
  });
}

// The page does not scroll sideways (phone layouts).
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// A TCP proxy in front of the gateway: a browser that talks to the gateway through it
// can have its connections cut (drop: every open one closed, new ones refused) and
// restored (resume), which is a network drop as far as the browser can tell.
export async function startProxy() {
  const target = new URL(BASE);
  const sockets = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    drop() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    resume() {
      refusing = false;
    },
    close() {
      refusing = true;
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// REST as a test-side client (for facts the UI must show exactly).
export async function devToken(userId, role) {
  const r = await fetch(BASE + '/dev/token', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(role ? {user_id: userId, role} : {user_id: userId}),
  });
  assert.equal(r.status, 200, 'POST /dev/token (is P2P_DEV_TOKENS=1?)');
  return (await r.json()).data.token;
}

export async function api(token, method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    headers: Object.assign({Authorization: 'Bearer ' + token}, body ? {'Content-Type': 'application/json'} : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  return {status: r.status, body: await r.json()};
}

// A real PNG of w x h pixels in one colour (a proof-of-payment picture the browser can
// decode), built with zlib and a CRC-32 of our own.
export function pngImage(w, h, [r, g, b]) {
  const crcTable = Array.from({length: 256}, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({length: w}, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({length: h}, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}
