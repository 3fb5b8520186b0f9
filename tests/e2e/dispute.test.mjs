// dispute.test.mjs - the order room's second half through the UI, three people in three
// browser contexts: a seller whose bell rings live (a deposit, a new order), a buyer who
// chats and sends a proof-of-payment picture (previewed and downloaded on the seller's
// side, read receipts both ways), a dispute the seller raises and the buyer answers with
// evidence, a moderator who takes it from the queue, writes into the chat and releases
// the escrow from the case page while the buyer is offline (the buyer's page resyncs the
// order and the notifications it missed), and a review that shows on the seller's page
// and that the moderator hides and unhides. The setup the UI is not under test for (the
// deposit, the payment account, the ad, the order) goes through REST.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {launch, person, fresh, signIn, join, shot, keepEvidence, devToken, api, startProxy,
  unlabelledControls, assertNoPageErrors, pngImage} from './lib.mjs';

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

async function ok(reply, status, what) {
  const r = await reply;
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body.data;
}

const bellCount = (p) => p.page.locator('#bell-slot .count');

test('chat with a proof of payment, live notifications, a dispute ruled by the moderator, a review', async (t) => {
  const admin = await person(browser, 'admin');
  const seller = await person(browser, 'seller');
  const buyer = await person(browser, 'buyer', {base: proxy.url});
  const people = [admin, seller, buyer];
  const sellerName = fresh('e2e_dseller');
  const buyerName = fresh('e2e_dbuyer');
  const sellerUser = fresh('e2e_ds');
  const buyerUser = fresh('e2e_db');
  const adminUser = fresh('e2e_dadmin');
  const proof = pngImage(48, 32, [30, 140, 90]);
  const state = {};

  const step = (name, body) => t.test(name, () => keepEvidence(people, name.replace(/\W+/g, '-'), body));

  try {
    await step('both traders join; the seller\'s bell rings live for a deposit', async () => {
      await join(seller, sellerUser, sellerName);
      await join(buyer, buyerUser, buyerName);
      state.sellerToken = await devToken(sellerUser);
      state.buyerToken = await devToken(buyerUser);
      state.adminToken = await devToken(adminUser, 'admin');
      state.sellerId = (await ok(api(state.sellerToken, 'GET', '/api/p2p/profile'), 200, 'profile')).profile.id;
      assert.equal(await bellCount(seller).isHidden(), true, 'no unread notifications yet');

      await ok(api(state.adminToken, 'POST', `/api/p2p/admin/wallets/${state.sellerId}/credit`,
        {asset: 'BTC', amount: '0.5', reference: fresh('e2e-dep')}), 201, 'credit');
      await bellCount(seller).filter({hasText: /^1$/}).waitFor();
      await seller.page.getByRole('button', {name: 'Notifications, 1 unread'}).click();
      await seller.page.locator('.notif-item.unread', {hasText: /0\.50* BTC credited/}).waitFor();
      await seller.page.getByRole('button', {name: 'Mark all read'}).click();
      await bellCount(seller).waitFor({state: 'hidden'});
      await seller.page.keyboard.press('Escape');

      const methods = await ok(api(state.sellerToken, 'GET', '/api/p2p/payment-methods'), 200, 'methods');
      state.sepa = methods.payment_methods.find((m) => m.code === 'sepa').id;
      await ok(api(state.sellerToken, 'POST', '/api/p2p/payment-accounts', {payment_method_id: state.sepa,
        label: 'My SEPA', details: {iban: 'DE89 3704 0044 0532 0130 00', holder: 'Sam Seller'}}), 201, 'account');
      state.ad = (await ok(api(state.sellerToken, 'POST', '/api/p2p/ads', {type: 'sell', asset: 'BTC', fiat: 'EUR',
        price_type: 'fixed', price: '60000.00', total_amount: '0.10000000', min_limit: '10.00', max_limit: '5000.00',
        payment_method_ids: [state.sepa], payment_window_minutes: 30, terms: 'SEPA only.',
        auto_reply: 'Hello! Pay by SEPA, then send the proof here.'}), 201, 'ad')).ad;
    });

    await step('a new order rings the seller\'s bell; the notification opens the order room', async () => {
      state.order = (await ok(api(state.buyerToken, 'POST', '/api/p2p/orders', {ad_id: state.ad.id,
        payment_method_id: state.sepa, fiat_amount: '120.00'}), 201, 'order')).order;
      const page = seller.page;
      await bellCount(seller).filter({hasText: /^1$/}).waitFor();
      await page.getByRole('button', {name: 'Notifications, 1 unread'}).click();
      const item = page.locator('.notif-item.unread', {hasText: `New order ${state.order.reference} on your ad`});
      await item.waitFor();
      await labelled(seller, 'notifications');
      await shot(page, 'notifications');
      await item.getByRole('link').click();
      await page.getByRole('heading', {name: `Sell BTC to ${buyerName}`}).waitFor();
      await bellCount(seller).waitFor({state: 'hidden'});
    });

    await step('the traders chat; the buyer\'s proof of payment is previewed and downloaded by the seller', async () => {
      const page = buyer.page;
      await page.goto(buyer.base + '/#/order/' + state.order.id);
      await page.getByRole('heading', {name: `Buy BTC from ${sellerName}`}).waitFor();
      const log = page.locator('.chat-log');
      await log.locator('.msg[data-sender=system]', {hasText: `Order ${state.order.reference} opened`}).waitFor();
      await log.locator('.msg[data-sender=seller]', {hasText: 'Hello! Pay by SEPA, then send the proof here.'}).waitFor();

      // Enter sends; the seller's open room shows it live and marks it read: the buyer sees "Read"
      await page.getByLabel('Message', {exact: true}).fill('Paying now by SEPA.');
      await page.getByLabel('Message', {exact: true}).press('Enter');
      const mine = log.locator('.msg.mine', {hasText: 'Paying now by SEPA.'});
      await mine.waitFor();
      await seller.page.locator('.chat-log .msg[data-sender=buyer]', {hasText: 'Paying now by SEPA.'}).waitFor();
      await mine.locator('.receipt[data-read=yes]', {hasText: 'Read'}).waitFor();

      await page.getByLabel('Attach proof of payment').setInputFiles({name: 'proof.png', mimeType: 'image/png', buffer: proof});
      await page.getByLabel('Message', {exact: true}).fill('Here is the proof of payment.');
      await page.getByRole('button', {name: 'Send', exact: true}).click();
      await log.locator('.msg.mine', {hasText: 'Here is the proof of payment.'}).locator('img').waitFor();
      // once the reply is in (the push may come first), the form is emptied for the next one
      await page.waitForFunction(() => document.querySelector('.chat-form input[type=file]').value === '' &&
        document.querySelector('.chat-form textarea').value === '');

      const s = seller.page;
      const withFile = s.locator('.chat-log .msg[data-sender=buyer]', {hasText: 'Here is the proof of payment.'});
      const img = withFile.locator('img.preview-img');
      await img.waitFor();
      await s.waitForFunction((el) => el.complete && el.naturalWidth === 48, await img.elementHandle());
      const [download] = await Promise.all([s.waitForEvent('download'),
        withFile.getByRole('button', {name: /^Download attachment-\d+\.png$/}).click()]);
      assert.deepEqual(readFileSync(await download.path()), proof, 'the downloaded file is the uploaded one');
      // the seller answers; the buyer's page shows it live
      await s.getByLabel('Message', {exact: true}).fill('Got it, checking my account.');
      await s.getByRole('button', {name: 'Send', exact: true}).click();
      await log.locator('.msg[data-sender=seller]', {hasText: 'Got it, checking my account.'}).waitFor();
      await labelled(seller, 'order room with chat');
      await shot(s, 'order-room-chat');
      await shot(page, 'order-room-chat-buyer');
    });

    await step('the buyer marks it paid; the seller opens a dispute; the buyer answers with evidence, live', async () => {
      const page = buyer.page;
      await page.getByRole('button', {name: 'Transferred, notify seller'}).click();
      await page.getByRole('dialog').getByLabel('I have sent 120.00 EUR').check();
      await page.getByRole('dialog').getByRole('button', {name: 'Yes, I have paid'}).click();
      await page.locator('.status-badge', {hasText: 'Paid, awaiting release'}).waitFor();

      const s = seller.page;
      await s.locator('.status-badge', {hasText: 'Paid, awaiting release'}).waitFor();
      // order.paid reaches the seller's bell while the room is open
      await bellCount(seller).filter({hasText: /^1$/}).waitFor();
      await s.getByText('Open a dispute').click();
      await s.getByRole('button', {name: 'Open dispute'}).click();
      await s.locator('[data-for=reason] .field-error', {hasText: 'Choose a reason.'}).waitFor();
      await s.getByLabel('Reason', {exact: true}).selectOption({label: 'Payment not received'});
      await s.getByLabel('What happened').fill('short');
      await s.getByRole('button', {name: 'Open dispute'}).click();
      await s.locator('[data-for=description] .field-error').waitFor();
      await s.getByLabel('What happened').fill('No SEPA transfer of 120.00 EUR has reached my account.');
      await labelled(seller, 'dispute form');
      await s.getByRole('button', {name: 'Open dispute'}).click();
      await s.locator('.status-badge', {hasText: 'In dispute'}).waitFor();
      await s.getByRole('heading', {name: 'Dispute in progress'}).waitFor();

      await page.locator('.status-badge', {hasText: 'In dispute'}).waitFor();
      await page.getByRole('heading', {name: 'Dispute in progress'}).waitFor();
      await page.locator('.dispute-facts', {hasText: 'Payment not received'}).waitFor();
      await bellCount(buyer).filter({hasText: /^1$/}).waitFor(); // dispute.opened
      await page.getByLabel('Statement', {exact: true}).fill('I paid 120.00 EUR on time; the bank proof is in the chat.');
      await page.getByRole('button', {name: 'Add evidence'}).click();
      await page.locator('.evidence li[data-by=buyer]', {hasText: 'the bank proof is in the chat'}).waitFor();
      await s.locator('.evidence li[data-by=buyer]', {hasText: 'the bank proof is in the chat'}).waitFor();
      await labelled(buyer, 'dispute');
      await shot(page, 'order-room-dispute');
    });

    await step('the moderator takes the case from the queue, writes in the chat and releases while the buyer is offline', async () => {
      const page = admin.page;
      await signIn(admin, adminUser, true);
      await page.getByRole('heading', {name: 'Users'}).waitFor();
      await page.getByRole('link', {name: 'Disputes'}).click();
      await page.getByRole('heading', {name: 'Disputes'}).waitFor();
      const row = page.locator(`tr[data-order-id="${state.order.id}"]`);
      await row.getByText('Payment not received').waitFor();
      await labelled(admin, 'dispute queue');
      await shot(page, 'admin-disputes');
      await row.getByRole('link').click();
      await page.getByRole('heading', {name: new RegExp(`^Dispute \\d+ on order ${state.order.reference}$`)}).waitFor();
      await page.locator('.party[data-party=seller]', {hasText: sellerName}).waitFor();
      await page.locator('.party[data-party=buyer]', {hasText: buyerName}).waitFor();
      await page.getByText('DE89 3704 0044 0532 0130 00').waitFor(); // the account, shown while disputed
      await page.locator('.evidence', {hasText: 'the bank proof is in the chat'}).waitFor();
      const img = page.locator('.chat-log .msg[data-sender=buyer] img.preview-img');
      await page.waitForFunction((el) => el.complete && el.naturalWidth === 48, await img.elementHandle());

      await page.getByLabel('Message to both parties').fill('Seller, please check your statement for 120.00 EUR once more.');
      await page.getByRole('button', {name: 'Send message'}).click();
      await page.getByText('Message sent.').waitFor();
      for (const p of [seller, buyer]) {
        await p.page.locator('.chat-log .msg[data-sender=admin]', {hasText: 'please check your statement'}).waitFor();
      }
      await labelled(admin, 'dispute case');
      await shot(page, 'admin-dispute-case');

      proxy.drop();
      await buyer.page.locator('#conn[data-state=retrying]').waitFor();

      await page.getByRole('button', {name: 'Resolve dispute'}).click();
      await page.locator('[data-for=outcome] .field-error', {hasText: 'Choose release or refund.'}).waitFor();
      await page.getByLabel(`Release 0.00200000 BTC to the buyer ${buyerName}`).check();
      await page.getByLabel('Note (why)').fill('The bank statement shows the payment arrived.');
      await page.getByRole('button', {name: 'Resolve dispute'}).click();
      await page.getByRole('dialog').getByRole('button', {name: 'Release to the buyer'}).click();
      await page.getByText('Resolved: released to the buyer.').waitFor();
      await page.locator('.dispute-facts', {hasText: 'Released to the buyer'}).waitFor();

      const s = seller.page;
      await s.locator('.status-badge', {hasText: 'Completed'}).waitFor();
      await s.getByRole('heading', {name: 'Dispute resolved'}).waitFor();
      await s.locator('.dispute-facts', {hasText: 'The bank statement shows the payment arrived.'}).waitFor();
    });

    await step('the buyer\'s page reconnects and shows the ruling and the notification it missed', async () => {
      proxy.resume();
      const page = buyer.page;
      await page.locator('#conn[data-state=open]').waitFor({timeout: RECONNECT_WAIT_MS});
      await page.locator('.status-badge', {hasText: 'Completed'}).waitFor();
      await page.locator('.dispute-facts', {hasText: 'Released to the buyer'}).waitFor();
      await page.locator('.chat-log .msg[data-sender=system]', {hasText: 'A moderator ruled'}).waitFor();
      await page.getByRole('button', {name: /^Notifications, \d+ unread$/}).click();
      await page.locator('.notif-item.unread', {hasText: `Dispute on order ${state.order.reference} resolved`}).waitFor();
      await page.keyboard.press('Escape');
    });

    await step('the buyer reviews the seller; it shows on the seller\'s page; the moderator hides and unhides it', async () => {
      const page = buyer.page;
      await page.getByRole('heading', {name: 'Review', exact: true}).waitFor();
      await page.getByRole('button', {name: 'Post review'}).click();
      await page.locator('[data-for=rating] .field-error', {hasText: 'Choose a rating'}).waitFor();
      await page.getByLabel('5 stars').check();
      await page.getByLabel('Comment (optional)').fill('Patient seller, fair moderator.');
      await labelled(buyer, 'review');
      await page.getByRole('button', {name: 'Post review'}).click();
      await page.getByText(`You rated ${sellerName} 5 out of 5.`).waitFor();
      await shot(page, 'order-room-review');
      await bellCount(seller).filter({hasText: /^\d+$/}).waitFor();
      await seller.page.getByRole('button', {name: /^Notifications, \d+ unread$/}).click();
      await seller.page.locator('.notif-item.unread', {hasText: 'New review: 5/5'}).waitFor();
      await seller.page.keyboard.press('Escape');

      await page.locator('.order-room .side .trader').getByRole('link', {name: sellerName}).click();
      await page.getByRole('heading', {name: sellerName}).waitFor();
      const review = page.locator('.review', {hasText: 'Patient seller, fair moderator.'});
      await review.waitFor();
      await review.getByText(`by ${buyerName}`).waitFor();
      await page.getByText(/^1 review, average ★ 5(\.0+)?$/).waitFor();
      await shot(page, 'trader-reviews');

      const a = admin.page;
      await a.goto(admin.base + '/#/admin/user/' + state.sellerId);
      const listed = a.locator('.review', {hasText: 'Patient seller, fair moderator.'});
      await listed.waitFor();
      const id = await listed.getAttribute('data-review-id');
      await listed.getByLabel(`Reason to hide review ${id}`).fill('e2e: checking moderation');
      await listed.getByRole('button', {name: 'Hide'}).click();
      await a.getByText(`Review ${id} hidden.`).waitFor();
      await listed.waitFor({state: 'detached'});
      await page.reload();
      await page.getByText('No reviews yet.').waitFor();
      await labelled(admin, 'user reviews');
      await shot(a, 'admin-user-reviews');
      await a.locator(`.hidden-reviews li[data-review-id="${id}"]`).getByRole('button', {name: 'Unhide'}).click();
      await a.getByText(`Review ${id} is visible again.`).waitFor();
      await listed.waitFor();
      await page.reload();
      await page.locator('.review', {hasText: 'Patient seller, fair moderator.'}).waitFor();
    });

    for (const p of people) assertNoPageErrors(p);
  } finally {
    for (const p of people) await p.context.close();
  }
});
