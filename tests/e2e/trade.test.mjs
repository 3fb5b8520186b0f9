// trade.test.mjs - a whole trade through the UI, three people in three browser contexts:
// a moderator (sets the index price, verifies the seller, credits the seller's wallet,
// reads the audit log), a seller (payment account, a floating-price sell ad, release)
// and a buyer (order book, order with a fiat amount, mark paid; a second order with a
// crypto amount, cancelled). Both traders' screens must update live from pushes; the
// buyer reaches the gateway through a proxy that cuts its connection mid-trade, and the
// page must reconnect by itself and resync the order it missed. Screenshots of the main
// screens go to tests/e2e/artifacts/ on every run.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {launch, person, fresh, signIn, join, nav, shot, keepEvidence, devToken, api, startProxy,
  unlabelledControls, horizontalOverflow, assertNoPageErrors, PHONE} from './lib.mjs';

// The market refreshes every 10 s (view_market.js REFRESH_MS); give it two rounds.
const BOOK_REFRESH_WAIT_MS = 25000;
// reconnect back-off is 1, 2, 4, 8 s (with jitter): enough for the attempts after a drop
const RECONNECT_WAIT_MS = 30000;

let browser;
let proxy;

before(async () => {
  browser = await launch();
  proxy = await startProxy();
});

after(async () => {
  if (browser) await browser.close();
  if (proxy) await proxy.close();
});

async function labelled(p, screen) {
  assert.deepEqual(await unlabelledControls(p.page), [], `${p.name}: unlabelled controls on ${screen}`);
}

test('a trade from the order book to release, live on both screens, through a dropped connection', async (t) => {
  const admin = await person(browser, 'admin');
  const seller = await person(browser, 'seller');
  const buyer = await person(browser, 'buyer', {base: proxy.url});
  const people = [admin, seller, buyer];
  const sellerName = fresh('e2e_seller');
  const buyerName = fresh('e2e_buyer');
  const sellerUser = fresh('e2e_s');
  const state = {};

  const step = (name, body) => t.test(name, () => keepEvidence(people, name.replace(/\W+/g, '-'), body));

  try {
    await step('the moderator sets the USDT/KES index price', async () => {
      const page = admin.page;
      await signIn(admin, fresh('e2e_admin'), true);
      await page.getByRole('heading', {name: 'Users'}).waitFor();
      await page.getByRole('link', {name: 'Prices'}).click();
      await page.getByLabel('Asset').fill('USDT');
      await page.getByLabel('Fiat').fill('KES');
      await page.getByLabel('Price', {exact: true}).fill('129.00');
      await page.getByRole('button', {name: 'Set price'}).click();
      await page.getByText('USDT/KES is now 129.00').waitFor();
      // a second pair, so the ad form's default currency is not always the one typed
      // (its price label must follow the typing, not only the change on blur)
      await page.getByLabel('Fiat').fill('EUR');
      await page.getByLabel('Price', {exact: true}).fill('0.93');
      await page.getByRole('button', {name: 'Set price'}).click();
      await page.getByText('USDT/EUR is now 0.93').waitFor();
      await labelled(admin, 'prices');
      await shot(page, 'admin-prices');
    });

    await step('the seller joins and adds an M-Pesa payment account', async () => {
      const page = seller.page;
      await join(seller, sellerUser, sellerName);
      await nav(seller, 'Payment accounts');
      await page.getByLabel('Payment method').selectOption({label: 'M-Pesa'});
      assert.equal(await page.getByLabel('Label').inputValue(), 'M-Pesa');
      await page.getByLabel('Name', {exact: true}).fill('Alice Seller');
      await page.getByLabel('Phone number').fill('+254700000001');
      await page.getByRole('button', {name: 'Save account'}).click();
      await page.locator('article.account', {hasText: '+254700000001'}).waitFor();
      await labelled(seller, 'payment accounts');
      await shot(page, 'payment-accounts');
      const token = await devToken(sellerUser);
      state.sellerToken = token;
      state.sellerId = (await api(token, 'GET', '/api/p2p/profile')).body.data.profile.id;
    });

    await step('the moderator verifies the seller and credits 500 USDT', async () => {
      const page = admin.page;
      await page.getByRole('link', {name: 'Users'}).click();
      await page.getByLabel('Search', {exact: true}).fill(sellerName);
      await page.getByRole('button', {name: 'Search'}).click();
      await page.getByRole('link', {name: sellerName}).click();
      await page.getByRole('heading', {name: `${sellerName} (profile ${state.sellerId})`}).waitFor();
      await page.getByRole('button', {name: 'Mark verified'}).click();
      await page.getByText('Marked verified.').waitFor();
      await page.getByRole('button', {name: 'Remove verified'}).waitFor();
      await labelled(admin, 'user');
      await shot(page, 'admin-user');

      await page.getByRole('link', {name: 'Credit or debit their wallet'}).click();
      assert.equal(await page.getByLabel('Profile id').first().inputValue(), String(state.sellerId));
      const reference = fresh('e2e-chain-tx');
      await page.getByLabel('Amount').fill('500');
      await page.getByLabel('Reference').fill(reference);
      await page.getByRole('button', {name: 'Book it'}).click();
      await page.getByText(`Deposit: 500.000000 USDT for profile ${state.sellerId}; available now 500.000000.`).waitFor();
      await page.locator('table tbody tr', {hasText: reference}).waitFor();
      // the same reference again is applied once: nothing changes
      await page.getByLabel('Amount').fill('500');
      await page.getByLabel('Reference').fill(reference);
      await page.getByRole('button', {name: 'Book it'}).click();
      await page.getByText(`Reference ${reference} was already booked: nothing changed`).waitFor();
      // a debit above the balance: the API's refusal next to the amount
      await page.getByLabel('Debit (withdrawal)').check();
      await page.getByLabel('Amount').fill('100000');
      await page.getByRole('button', {name: 'Book it'}).click();
      await page.locator('[data-for=amount] .field-error', {hasText: 'lower than'}).waitFor();
      await page.getByLabel('Credit (deposit)').check();
      await labelled(admin, 'wallets');
      await shot(page, 'admin-money');
    });

    await step('the seller posts a floating sell ad; the API\'s validation shows next to its field', async () => {
      const page = seller.page;
      await nav(seller, 'My ads');
      await page.getByRole('link', {name: 'Post an ad'}).click();
      await page.getByRole('heading', {name: 'Post an ad'}).waitFor();
      await page.getByLabel('Crypto', {exact: true}).selectOption('USDT');
      await page.getByLabel('Currency').fill('KES');
      await page.getByLabel('Floating price').check();
      await page.getByLabel('Margin on the index (%)').fill('1.50');
      // 129.00 * 1.015 = 130.935, half up: 130.94
      await page.getByText('your price is 130.94 KES').waitFor();
      await page.getByLabel('Total amount (USDT)').fill('200');
      await page.getByText('This ad will hold 200.000000 USDT in escrow from your available 500.000000 USDT.').waitFor();
      await page.getByLabel('Minimum order (fiat)').fill('30000.00');
      await page.getByLabel('Maximum order (fiat)').fill('20000.00');
      await page.getByRole('checkbox', {name: 'M-Pesa', exact: true}).check();
      await page.getByLabel('Terms').fill('Pay from an account in your own name.');
      await labelled(seller, 'ad form');
      await page.getByRole('button', {name: 'Post ad'}).click();
      await page.locator('[data-for=min_limit] .field-error', {hasText: 'must not be greater than max_limit'}).waitFor();
      assert.equal(await page.getByLabel('Minimum order (fiat)').getAttribute('aria-invalid'), 'true');
      await shot(page, 'ad-form-error');
      await page.getByLabel('Minimum order (fiat)').fill('1000.00');
      await page.getByRole('button', {name: 'Post ad'}).click();
      await page.getByRole('heading', {name: 'My ads'}).waitFor();
      const row = page.locator('tr[data-ad-id]', {hasText: 'Selling USDT for KES'});
      await row.getByText('200.000000 of 200.000000 USDT').waitFor();
      await row.getByText('130.94').waitFor();
      state.adId = await row.getAttribute('data-ad-id');
      await shot(page, 'my-ads');

      await nav(seller, 'Wallet');
      const usdt = page.locator('tr[data-asset=USDT]');
      await usdt.locator('[data-field=available]', {hasText: '300.000000'}).waitFor();
      assert.equal(await usdt.locator('[data-field=held]').textContent(), '200.000000');
    });

    await step('the buyer finds the ad in the order book and sees the conversion before ordering', async () => {
      const page = buyer.page;
      state.buyerUser = fresh('e2e_b');
      await join(buyer, state.buyerUser, buyerName);
      await page.getByRole('button', {name: 'USDT', exact: true}).click();
      await page.getByLabel('Currency').selectOption('KES');
      const row = page.locator('table.book tbody tr', {hasText: sellerName});
      await row.waitFor();
      await row.getByText('Verified').waitFor();
      await row.getByText('130.94').waitFor();
      await row.getByText('1000.00 – 20000.00 KES').waitFor();
      await labelled(buyer, 'market');
      await shot(page, 'market');

      await row.getByRole('button', {name: `Buy USDT from ${sellerName}`}).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', {name: `Buy USDT from ${sellerName}`}).waitFor();
      await dialog.getByText('Pay from an account in your own name.').waitFor();
      await dialog.getByLabel('I will pay (KES)').fill('500');
      await dialog.locator('[data-for=fiat_amount] .field-error', {hasText: 'minimum for this ad is 1000.00 KES'}).waitFor();
      await dialog.getByLabel('I will pay (KES)').fill('2618.80');
      assert.equal(await dialog.getByLabel('I will receive (USDT)').inputValue(), '20.000000');
      await dialog.getByText('You pay 2618.80 KES and receive 20.000000 USDT (price 130.94 KES).').waitFor();
      await labelled(buyer, 'take order');
      await shot(page, 'take-order');
      await dialog.getByRole('button', {name: 'Buy USDT'}).click();

      await page.getByRole('heading', {name: `Buy USDT from ${sellerName}`}).waitFor();
      await page.locator('.status-badge', {hasText: 'Awaiting payment'}).waitFor();
      assert.match(await page.locator('.countdown').textContent(), /^Pay within (29|30):\d\d$/);
      await page.locator('.pay-details', {hasText: '+254700000001'}).waitFor();
      await page.locator('.pay-details', {hasText: 'Alice Seller'}).waitFor();
      state.orderPath = new URL(page.url()).hash;
      await shot(page, 'order-room-buyer');
    });

    await step('the seller is told at once and opens the order room', async () => {
      const page = seller.page;
      const toast = page.locator('.toast', {hasText: `${buyerName} buys 20.000000 USDT`});
      await toast.waitFor();
      await page.locator('#open-count', {hasText: '1'}).waitFor();
      await toast.getByRole('link', {name: 'Open order'}).click();
      await page.getByRole('heading', {name: `Sell USDT to ${buyerName}`}).waitFor();
      await page.getByText('Waiting for the buyer to pay 2618.80 KES.').waitFor();
      await page.getByText('The buyer has').waitFor();
      assert.equal(await page.getByRole('button', {name: 'Release USDT'}).count(), 0);
      assert.equal(await page.getByRole('button', {name: 'Cancel order'}).count(), 0);
    });

    await step('the buyer marks it paid with the keyboard; the seller\'s screen follows live', async () => {
      const page = buyer.page;
      await page.getByRole('button', {name: 'Transferred, notify seller'}).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', {name: 'Have you paid?'}).waitFor();
      const confirm = dialog.getByRole('button', {name: 'Yes, I have paid'});
      assert.equal(await confirm.isDisabled(), true);
      await dialog.getByLabel('I have sent 2618.80 KES').focus();
      await page.keyboard.press('Space');
      await confirm.focus();
      await page.keyboard.press('Enter');
      await page.locator('.status-badge', {hasText: 'Paid, awaiting release'}).waitFor();
      assert.equal(await page.locator('.countdown').isVisible(), false);

      // no reload on the seller's side: the push did it
      await seller.page.locator('.status-badge', {hasText: 'Paid, awaiting release'}).waitFor();
      await seller.page.getByRole('button', {name: 'Release USDT'}).waitFor();
      await shot(seller.page, 'order-room-seller-paid');
    });

    await step('the buyer\'s connection drops; the seller releases after confirming receipt', async () => {
      proxy.drop();
      await buyer.page.locator('#conn[data-state=retrying]').waitFor();
      await shot(buyer.page, 'reconnecting');

      const page = seller.page;
      await page.getByRole('button', {name: 'Release USDT'}).click();
      const dialog = page.getByRole('dialog');
      const confirm = dialog.getByRole('button', {name: 'Release 20.000000 USDT'});
      assert.equal(await confirm.isDisabled(), true);
      await dialog.getByLabel('I have received 2618.80 KES in my M-Pesa account').check();
      await shot(page, 'release-confirm');
      await confirm.click();
      await page.locator('.status-badge', {hasText: 'Completed'}).waitFor();
      await page.getByText('Completed: you released 20.000000 USDT to the buyer.').waitFor();
      // the buyer, offline, still sees the order as paid
      assert.equal(await buyer.page.locator('.status-badge').textContent(), 'Paid, awaiting release');
    });

    await step('the buyer reconnects by itself and resyncs the completed order', async () => {
      proxy.resume();
      const page = buyer.page;
      await page.locator('#conn[data-state=open]').waitFor({timeout: RECONNECT_WAIT_MS});
      await page.locator('.status-badge', {hasText: 'Completed'}).waitFor();
      await page.getByText('Completed: 20.000000 USDT is in your wallet.').waitFor();
      await page.getByText('Back online').waitFor();
      const timeline = page.locator('.timeline li');
      assert.deepEqual(await timeline.locator('.what').allTextContents(),
        ['Awaiting payment', 'Paid, awaiting release', 'Completed']);
      assert.deepEqual(await timeline.locator('.by').allTextContents(), ['by you', 'by you', 'by the seller']);
      assert.equal(await page.locator('.pay-details').count(), 0, 'payment details are hidden once final');
      await shot(page, 'order-room-buyer-completed');

      await nav(buyer, 'Wallet');
      const usdt = page.locator('tr[data-asset=USDT]');
      await usdt.locator('[data-field=available]', {hasText: '20.000000'}).waitFor();
      assert.equal(await usdt.locator('[data-field=held]').textContent(), '0.000000');
      await page.locator('tr[data-kind=release]', {hasText: '20.000000'}).waitFor();
      await labelled(buyer, 'wallet');
      await shot(page, 'wallet');
    });

    await step('a second order by crypto amount, cancelled by the buyer, live in the seller\'s list', async () => {
      await nav(seller, 'Orders');
      await seller.page.getByRole('heading', {name: 'Orders'}).waitFor();

      const page = buyer.page;
      await nav(buyer, 'P2P market');
      const row = page.locator('table.book tbody tr', {hasText: sellerName});
      await row.getByText('180.000000 USDT').waitFor();
      await row.getByRole('button', {name: `Buy USDT from ${sellerName}`}).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('I will receive (USDT)').fill('10');
      // 10 * 130.94 = 1309.40
      assert.equal(await dialog.getByLabel('I will pay (KES)').inputValue(), '1309.40');
      await dialog.getByRole('button', {name: 'Buy USDT'}).click();
      await page.locator('.status-badge', {hasText: 'Awaiting payment'}).waitFor();
      const ref = (await page.locator('.order-room .sub').first().textContent()).match(/Order (\w+)/)[1];

      const sellerRow = seller.page.locator('tr[data-order-id]', {hasText: ref});
      await sellerRow.getByText('Awaiting payment').waitFor();
      await shot(seller.page, 'orders-seller');

      await page.getByRole('button', {name: 'Cancel order'}).click();
      await page.getByRole('dialog').getByRole('button', {name: 'Cancel order'}).click();
      await page.locator('.status-badge', {hasText: 'Cancelled'}).waitFor();
      await sellerRow.getByText('Cancelled').waitFor();
    });

    await step('the other side: the buyer posts a buy ad and the seller sells into it', async () => {
      const page = buyer.page;
      await nav(buyer, 'My ads');
      await page.getByRole('link', {name: 'Post an ad'}).click();
      await page.getByLabel('Buy crypto').check();
      await page.getByLabel('Crypto', {exact: true}).selectOption('USDT');
      await page.getByLabel('Currency').fill('KES');
      await page.getByLabel('Price per coin (KES)').fill('128.00');
      await page.getByLabel('Total amount (USDT)').fill('50');
      await page.getByText('A buy ad holds nothing from your wallet.').waitFor();
      await page.getByLabel('Minimum order (fiat)').fill('500.00');
      await page.getByLabel('Maximum order (fiat)').fill('10000.00');
      await page.getByRole('checkbox', {name: 'M-Pesa', exact: true}).check();
      await page.getByRole('button', {name: 'Post ad'}).click();
      await page.locator('tr[data-ad-id]', {hasText: 'Buying USDT with KES'}).waitFor();

      const s = seller.page;
      await nav(seller, 'P2P market');
      await s.getByRole('button', {name: 'Sell', exact: true}).click();
      await s.getByLabel('Currency').selectOption('KES');
      const row = s.locator('table.book tbody tr', {hasText: buyerName});
      await row.getByRole('button', {name: `Sell USDT to ${buyerName}`}).click();
      const dialog = s.getByRole('dialog');
      await dialog.getByText('300.000000 USDT').waitFor(); // my available balance, as sent
      await dialog.getByLabel('I will sell (USDT)').fill('5');
      assert.equal(await dialog.getByLabel('I will receive (KES)').inputValue(), '640.00');
      await dialog.getByText('You sell 5.000000 USDT and receive 640.00 KES').waitFor();
      await dialog.getByLabel('I will sell (USDT)').fill('5.1234567');
      await dialog.locator('[data-for=crypto_amount] .field-error', {hasText: 'At most 6 decimal places'}).waitFor();
      await dialog.getByLabel('I will sell (USDT)').fill('5');
      await dialog.getByRole('button', {name: 'Sell USDT'}).click();
      await s.getByRole('heading', {name: `Sell USDT to ${buyerName}`}).waitFor();
      await s.getByText('Waiting for the buyer to pay 640.00 KES. Your 5.000000 USDT is held in escrow.').waitFor();
      await s.locator('.pay-details', {hasText: 'Your payment details'}).waitFor();

      // the buyer made the ad: told live, opens it, cancels it; both screens follow
      const toast = page.locator('.toast', {hasText: `${sellerName} sells you 5.000000 USDT`});
      await toast.getByRole('link', {name: 'Open order'}).click();
      await page.getByRole('heading', {name: `Buy USDT from ${sellerName}`}).waitFor();
      await page.getByRole('button', {name: 'Cancel order'}).click();
      await page.getByRole('dialog').getByRole('button', {name: 'Cancel order'}).click();
      await page.locator('.status-badge', {hasText: 'Cancelled'}).waitFor();
      await s.locator('.status-badge', {hasText: 'Cancelled'}).waitFor();
    });

    await step('at phone width: the book and the order room fit, nothing scrolls sideways', async () => {
      const phone = await person(browser, 'phone', {viewport: PHONE});
      people.push(phone);
      const page = phone.page;
      // the buyer's session, in a phone-sized context of its own
      await page.goto(buyer.base + '/');
      await page.evaluate((tok) => sessionStorage.setItem('p2p.token', tok),
        await buyer.page.evaluate(() => sessionStorage.getItem('p2p.token')));
      await page.goto(buyer.base + '/#/market?side=buy&asset=USDT&fiat=KES');
      await page.reload();
      await page.getByRole('heading', {name: 'P2P market'}).waitFor();
      await page.locator('#conn[data-state=open]').waitFor();
      await page.locator('table.book tbody tr', {hasText: sellerName}).waitFor();
      assert.ok(await horizontalOverflow(page) <= 0, 'the market scrolls sideways');
      await shot(page, 'phone-market');
      await page.goto(buyer.base + '/' + state.orderPath);
      await page.locator('.status-badge', {hasText: 'Completed'}).waitFor();
      assert.ok(await horizontalOverflow(page) <= 0, 'the order room scrolls sideways');
      await shot(page, 'phone-order-room');
    });

    await step('a paused ad leaves the buyer\'s order book by itself', async () => {
      const page = buyer.page;
      await nav(buyer, 'P2P market');
      const row = page.locator('table.book tbody tr', {hasText: sellerName});
      await row.waitFor();
      await nav(seller, 'My ads');
      const mine = seller.page.locator(`tr[data-ad-id="${state.adId}"]`);
      await mine.getByRole('button', {name: 'Pause'}).click();
      await seller.page.getByText('Ad paused').waitFor();
      await mine.getByText('Paused').waitFor();
      await row.waitFor({state: 'detached', timeout: BOOK_REFRESH_WAIT_MS});
    });

    await step('the seller edits, resumes and closes the ad', async () => {
      const page = seller.page;
      const mine = page.locator(`tr[data-ad-id="${state.adId}"]`);
      await mine.getByRole('link', {name: 'Edit'}).click();
      await page.getByRole('heading', {name: 'Edit ad'}).waitFor();
      await page.getByLabel('Margin on the index (%)').fill('2.00');
      // 129.00 * 1.02 = 131.58
      await page.getByText('your price is 131.58 KES').waitFor();
      await page.getByRole('button', {name: 'Save changes'}).click();
      await mine.getByText('131.58').waitFor();
      await mine.getByRole('button', {name: 'Resume'}).click();
      await mine.getByText('Active').waitFor();
      await mine.getByRole('button', {name: 'Close'}).click();
      await page.getByRole('dialog').getByText('its 180.000000 USDT goes back to your available balance').waitFor();
      await page.getByRole('dialog').getByRole('button', {name: 'Close ad'}).click();
      await page.getByText('Ad closed.').waitFor();
      await mine.waitFor({state: 'detached'});
      await nav(seller, 'Wallet');
      await page.locator('tr[data-asset=USDT] [data-field=available]', {hasText: '480.000000'}).waitFor();
    });

    await step('the moderator\'s audit log shows what was done, with the money as sent', async () => {
      const page = admin.page;
      await page.getByRole('link', {name: 'Audit log'}).click();
      await page.getByRole('heading', {name: 'Audit log'}).waitFor();
      await page.getByLabel('Profile id').fill(String(state.sellerId));
      await page.getByRole('button', {name: 'Show'}).click();
      await page.locator('tr[data-action=wallet_credit]', {hasText: 'amount=500.000000'}).waitFor();
      await page.locator('tr[data-action=verify]').waitFor();
      await labelled(admin, 'audit');
      await shot(page, 'admin-audit');
      await page.getByRole('link', {name: 'Users'}).click();
      await page.getByRole('heading', {name: 'Users'}).waitFor();
      await page.getByLabel('Verified').selectOption({label: 'yes'});
      await page.getByLabel('Search', {exact: true}).fill(sellerName);
      await page.getByRole('button', {name: 'Search'}).click();
      await page.getByRole('link', {name: sellerName}).waitFor();
      await shot(page, 'admin-users');
    });

    await step('a suspension reaches the buyer\'s open page; lifted, the page reconnects', async () => {
      const page = admin.page;
      const buyerId = (await api(await devToken(state.buyerUser), 'GET', '/api/p2p/profile')).body.data.profile.id;
      await page.goto(admin.base + '/#/admin/user/' + buyerId);
      await page.getByRole('heading', {name: `${buyerName} (profile ${buyerId})`}).waitFor();
      await page.getByRole('button', {name: 'Suspend user'}).click();
      await page.locator('[data-for=reason] .field-error', {hasText: 'Give a reason'}).waitFor();
      await page.getByLabel('Reason').fill('e2e: checking the page');
      await page.getByRole('button', {name: 'Suspend user'}).click();
      await page.getByText('Suspended; their live sessions were closed.').waitFor();

      await buyer.page.locator('#banner', {hasText: 'Your account is suspended: e2e: checking the page'}).waitFor();
      await buyer.page.locator('#conn[data-state=refused]').waitFor();
      await shot(buyer.page, 'suspended');

      await page.getByLabel('Reason').fill('e2e: done');
      await page.getByRole('button', {name: 'Lift suspension'}).click();
      await page.getByText('Suspension lifted.').waitFor();
      await buyer.page.getByRole('button', {name: 'Try again'}).click();
      await buyer.page.locator('#conn[data-state=open]').waitFor();
      assert.equal(await buyer.page.locator('#banner').isHidden(), true);
    });

    for (const p of people) assertNoPageErrors(p);
  } finally {
    for (const p of people) await p.context.close();
  }
});
