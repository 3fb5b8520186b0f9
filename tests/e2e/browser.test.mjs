// browser.test.mjs - the browser client (web/) end to end, in headless Debian Chromium
// driven by playwright-core: serving, signing in, joining, the profile and the trader
// search. Starts nothing itself: P2P_E2E_URL names a running gateway (with workers,
// P2P_DEV_TOKENS=1 and P2P_WEB_DIR=<repo>/web), as tests/integration/test_browser.py
// provides. The trade itself is trade.test.mjs.
//
//   P2P_E2E_URL=http://127.0.0.1:8030 node --test tests/e2e/*.test.mjs
//
// P2P_CHROMIUM overrides the browser (default /usr/bin/chromium). Screenshots of the
// main screens, and of every failure with the page's console, go to tests/e2e/artifacts/.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {BASE, launch, person, fresh, signIn, join, nav, shot, keepEvidence, devToken, api,
  unlabelledControls, assertNoPageErrors} from './lib.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
});

test('the gateway serves the client at / and its modules under /static/', async () => {
  const index = await fetch(BASE + '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') || '', /text\/html/);
  assert.match(await index.text(), /<script type="module" src="\/static\/app\.js"/);
  for (const [file, type] of [['app.js', /javascript/], ['strings.js', /javascript/], ['app.css', /text\/css/]]) {
    const r = await fetch(BASE + '/static/' + file);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('content-type') || '', type, file);
  }
  assert.equal((await fetch(BASE + '/static/..%2Fsecret')).status, 404);
});

test('sign in, join with consent, see and edit the profile, search traders, sign out', async () => {
  const other = fresh('e2e_other');
  const otherToken = await devToken(fresh('e2e_user'));
  assert.equal((await api(otherToken, 'POST', '/api/p2p/profile/create', {username: other, has_consent: true})).status, 201);
  const me = fresh('e2e_me');
  const renamed = fresh('e2e_new');
  const p = await person(browser, 'profile');
  try {
    await keepEvidence([p], 'profile', async () => {
      const page = p.page;
      await page.goto(BASE + '/');
      assert.equal(await page.title(), 'P2P Trading');
      assert.deepEqual(await unlabelledControls(page), []);
      await signIn(p, fresh('e2e_browser'));
      await page.getByText('You have not joined P2P trading yet.').waitFor();

      // refused without consent, accepted with it; then the market and a live socket
      await page.getByLabel('Username (optional)').fill(me);
      await page.getByRole('button', {name: 'Create profile'}).click();
      await page.getByText('Tick the box to accept the terms and conditions first.').waitFor();
      await page.getByLabel('I accept the P2P trading terms and conditions').check();
      await page.getByRole('button', {name: 'Create profile'}).click();
      await page.getByRole('heading', {name: 'P2P market'}).waitFor();
      await page.locator('#conn[data-state=open]').waitFor();
      assert.match(await page.locator('#who').textContent(), new RegExp(me));

      await nav(p, 'Profile');
      await page.locator('dd[data-field=username]', {hasText: me}).waitFor();
      assert.equal(await page.locator('dd[data-field=has_consent]').textContent(), 'yes');
      assert.deepEqual(await unlabelledControls(page), []);

      // a bad value: the API's message next to its field, nothing changed
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByRole('button', {name: 'Save profile'}).click();
      await page.locator('[data-for=email] .field-error', {hasText: 'email'}).waitFor();
      await page.getByLabel('Email').fill('');

      await page.getByLabel('Username', {exact: true}).fill(renamed);
      await page.getByRole('button', {name: 'Save profile'}).click();
      await page.locator('dd[data-field=username]', {hasText: renamed}).waitFor();
      await page.locator('#who', {hasText: renamed}).waitFor();

      // profile.search over the WebSocket finds the other trader
      await page.getByLabel('Username contains').fill(other);
      await page.getByRole('button', {name: 'Search', exact: true}).click();
      await page.getByRole('cell', {name: other}).waitFor();
      assert.equal(await page.locator('.summary', {hasText: 'found'}).textContent(), '1 trader found');
      await shot(page, 'profile');

      await page.getByRole('button', {name: 'Sign out'}).click();
      await page.getByRole('heading', {name: 'Sign in'}).waitFor();
      assert.equal(await page.locator('#conn').count(), 0);
      assertNoPageErrors(p);
    });
  } finally {
    await p.context.close();
  }
});

test('a pasted token that is not a JWT is refused in the page', async () => {
  const p = await person(browser, 'bad-token');
  try {
    await keepEvidence([p], 'bad-token', async () => {
      await p.page.goto(BASE + '/');
      await p.page.getByLabel('Token (JWT)').fill('not-a-token');
      await p.page.getByRole('button', {name: 'Sign in with token'}).click();
      await p.page.getByText('That does not look like a JWT').waitFor();
      await p.page.getByRole('heading', {name: 'Sign in'}).waitFor();
    });
  } finally {
    await p.context.close();
  }
});

test('a pasted JWT signs in, and a reload keeps the session', async () => {
  const userId = fresh('e2e_paste');
  const token = await devToken(userId);
  const p = await person(browser, 'paste-token');
  try {
    await keepEvidence([p], 'paste-token', async () => {
      await p.page.goto(BASE + '/');
      await p.page.getByLabel('Token (JWT)').fill(token);
      await p.page.getByRole('button', {name: 'Sign in with token'}).click();
      await p.page.getByText('Signed in as ' + userId).waitFor();
      await p.page.getByRole('button', {name: 'Create profile'}).waitFor();
      await p.page.reload();
      await p.page.getByText('Signed in as ' + userId).waitFor();
    });
  } finally {
    await p.context.close();
  }
});

test('a token the server refuses signs the page out with a reason', async () => {
  // well-formed but signed with another key
  const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' +
    Buffer.from(JSON.stringify({user_id: 'mallory', exp: 4102444800})).toString('base64url') +
    '.c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5LXRoYXQtZG9lcy1ub3QtbWF0Y2g';
  const p = await person(browser, 'forged');
  try {
    await keepEvidence([p], 'forged', async () => {
      await p.page.goto(BASE + '/');
      await p.page.getByLabel('Token (JWT)').fill(forged);
      await p.page.getByRole('button', {name: 'Sign in with token'}).click();
      await p.page.getByText('The token was refused').waitFor();
      await p.page.getByRole('heading', {name: 'Sign in'}).waitFor();
    });
  } finally {
    await p.context.close();
  }
});

test('the join screen is the door to trading screens; moderators land on the console', async () => {
  const p = await person(browser, 'admin-door');
  try {
    await keepEvidence([p], 'admin-door', async () => {
      await signIn(p, fresh('e2e_mod'), true);
      await p.page.getByRole('heading', {name: 'Users'}).waitFor();
      await p.page.getByText('Signed in as', {exact: false}).filter({hasText: 'moderator'}).waitFor();
      await nav(p, 'Wallet');
      await p.page.getByRole('heading', {name: 'Join P2P trading'}).waitFor();
    });
  } finally {
    await p.context.close();
  }
});
