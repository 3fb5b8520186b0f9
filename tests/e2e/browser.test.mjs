// browser.test.mjs - the browser client (web/) end to end, in headless Debian Chromium
// driven by playwright-core. Starts nothing itself: P2P_E2E_URL names a running gateway
// (with workers, P2P_DEV_TOKENS=1 and P2P_WEB_DIR=<repo>/web), as
// tests/integration/test_browser.py provides.
//
//   P2P_E2E_URL=http://127.0.0.1:8030 node --test tests/e2e
//
// P2P_CHROMIUM overrides the browser (default /usr/bin/chromium). On failure a
// screenshot and the page's console are written to tests/e2e/artifacts/.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {randomBytes} from 'node:crypto';
import {chromium} from 'playwright-core';

const BASE = (process.env.P2P_E2E_URL || '').replace(/\/$/, '');
const CHROMIUM = process.env.P2P_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const STEP_TIMEOUT_MS = 10000;

let userDataDir;
let context;

function fresh(prefix) {
  return prefix + '_' + randomBytes(6).toString('hex');
}

// A second trader, made over REST, for the search to find.
async function createTrader(userId, username) {
  const minted = await fetch(BASE + '/dev/token', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({user_id: userId}),
  });
  assert.equal(minted.status, 200, 'POST /dev/token (is P2P_DEV_TOKENS=1?)');
  const {data: {token}} = await minted.json();
  const created = await fetch(BASE + '/api/p2p/profile/create', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + token},
    body: JSON.stringify({username, has_consent: true}),
  });
  assert.equal(created.status, 201, await created.text());
}

before(async () => {
  assert.ok(BASE, 'P2P_E2E_URL is not set (the URL of a running gateway)');
  userDataDir = mkdtempSync(join(tmpdir(), 'p2p-e2e-chromium-'));
  // launchPersistentContext is how playwright takes a --user-data-dir of our own.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) rmSync(userDataDir, {recursive: true, force: true});
});

// Runs body(page); on failure keeps a screenshot and the console log.
async function withPage(name, body) {
  const page = await context.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`[pageerror] ${e.message}`));
  try {
    await body(page);
  } catch (e) {
    mkdirSync(ARTIFACTS, {recursive: true});
    await page.screenshot({path: join(ARTIFACTS, name + '.png'), fullPage: true}).catch(() => {});
    writeFileSync(join(ARTIFACTS, name + '.console.txt'), console_.join('\n') + '\n');
    throw e;
  } finally {
    await page.close();
  }
}

test('the gateway serves the client at / and its files under /static/', async () => {
  const index = await fetch(BASE + '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') || '', /text\/html/);
  assert.match(await index.text(), /<script src="\/static\/app\.js"/);
  for (const [file, type] of [['app.js', /javascript/], ['app.css', /text\/css/]]) {
    const r = await fetch(BASE + '/static/' + file);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('content-type') || '', type, file);
  }
  assert.equal((await fetch(BASE + '/static/..%2Fsecret')).status, 404);
});

test('sign in, create a profile with consent, edit it, connect, search traders', async () => {
  const other = fresh('e2e_other');
  await createTrader(fresh('e2e_user'), other);
  const me = fresh('e2e_me');
  const renamed = fresh('e2e_new');

  await withPage('main-flow', async (page) => {
    await page.goto(BASE + '/');
    assert.equal(await page.title(), 'P2P Trading');

    // Sign in with a development token.
    await page.getByLabel('User id').fill(fresh('e2e_browser'));
    await page.getByRole('button', {name: 'Mint development token'}).click();
    await page.getByText('You have not joined P2P trading yet.').first().waitFor();

    // Create the profile: refused without consent, accepted with it.
    await page.getByLabel('Username (optional)').fill(me);
    await page.getByRole('button', {name: 'Create profile'}).click();
    await page.locator('#notice.error').waitFor();
    await page.getByLabel('I accept the P2P trading terms and conditions').check();
    await page.getByRole('button', {name: 'Create profile'}).click();
    await page.locator('dd[data-field=username]', {hasText: me}).waitFor();
    assert.equal(await page.locator('dd[data-field=has_consent]').textContent(), 'yes');

    // Edit the username over REST.
    await page.getByLabel('Username', {exact: true}).fill(renamed);
    await page.getByRole('button', {name: 'Save profile'}).click();
    await page.locator('dd[data-field=username]', {hasText: renamed}).waitFor();

    // The WebSocket: connected, under the new name.
    assert.equal(await page.locator('#ws-state').getAttribute('data-state'), 'idle');
    await page.getByRole('button', {name: 'Connect', exact: true}).click();
    await page.locator('#ws-state[data-state=connected]').waitFor();
    assert.match(await page.locator('#ws-state').textContent(), new RegExp(renamed));

    // Search finds the other trader (profile.search, reply matched by request_id).
    await page.getByLabel('Username contains').fill(other);
    await page.getByRole('button', {name: 'Search', exact: true}).click();
    await page.getByRole('cell', {name: other}).waitFor();
    assert.equal(await page.locator('#search-summary').textContent(), '1 trader found');

    // Disconnect shows "closed" and does not reconnect.
    await page.getByRole('button', {name: 'Disconnect'}).click();
    await page.locator('#ws-state[data-state=closed]').waitFor();
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('#ws-state').getAttribute('data-state'), 'closed');
  });
});

test('a pasted token that is not a JWT is refused in the page', async () => {
  await withPage('bad-token', async (page) => {
    await page.goto(BASE + '/');
    await page.getByLabel('Token (JWT)').fill('not-a-token');
    await page.getByRole('button', {name: 'Sign in with token'}).click();
    await page.locator('#notice.error').waitFor();
    assert.equal(await page.locator('#who').textContent(), 'Not signed in');
  });
});

test('a pasted JWT signs in (the token path, without /dev/token in the page)', async () => {
  const userId = fresh('e2e_paste');
  const r = await fetch(BASE + '/dev/token', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({user_id: userId}),
  });
  const {data: {token}} = await r.json();
  await withPage('paste-token', async (page) => {
    await page.goto(BASE + '/');
    await page.getByLabel('Token (JWT)').fill(token);
    await page.getByRole('button', {name: 'Sign in with token'}).click();
    await page.getByText('Signed in as ' + userId).waitFor();
    await page.getByRole('button', {name: 'Create profile'}).waitFor();
  });
});
