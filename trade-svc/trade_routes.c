/*  trade_routes.c - trade-svc's dispatch table, statements and tick (see
    trade_routes.h). */
#include "trade_routes.h"

#include <string.h>

#include "ad_handlers.h"
#include "ad_repo.h"
#include "audit_repo.h"
#include "catalog_repo.h"
#include "chat_handlers.h"
#include "dispute_handlers.h"
#include "dispute_ops.h"
#include "dispute_repo.h"
#include "review_handlers.h"
#include "review_repo.h"
#include "chat_repo.h"
#include "notify_handlers.h"
#include "notify_repo.h"
#include "clock.h"
#include "ledger_repo.h"
#include "order_handlers.h"
#include "order_ops.h"
#include "order_repo.h"
#include "party_repo.h"
#include "payment_handlers.h"
#include "payment_repo.h"
#include "price_handlers.h"
#include "price_repo.h"
#include "trade_app.h"
#include "wallet_handlers.h"

static const worker_route_t s_routes[] = {
    // clang-format off
    /* wallets */
    {MSG_WALLET_BALANCE,              .handler = wallet_handlers_balance},
    {MSG_WALLET_HISTORY,              .handler = wallet_handlers_history},
    {MSG_ADMIN_WALLET_CREDIT,         .handler = wallet_handlers_credit},
    {MSG_ADMIN_WALLET_DEBIT,          .handler = wallet_handlers_debit},
    {MSG_ADMIN_LEDGER,                .handler = wallet_handlers_ledger},
    /* payment methods and accounts */
    {MSG_PAYMENT_METHOD_LIST,         .handler = payment_handlers_methods},
    {MSG_PAYMENT_ACCOUNT_CREATE,      .handler = payment_handlers_account_create},
    {MSG_PAYMENT_ACCOUNT_LIST,        .handler = payment_handlers_accounts},
    {MSG_PAYMENT_ACCOUNT_DELETE,      .handler = payment_handlers_account_delete},
    {MSG_ADMIN_PAYMENT_METHOD_CREATE, .handler = payment_handlers_method_create},
    {MSG_ADMIN_PAYMENT_METHOD_UPDATE, .handler = payment_handlers_method_update},
    /* ads */
    {MSG_AD_CREATE,                   .handler = ad_handlers_create},
    {MSG_AD_UPDATE,                   .handler = ad_handlers_update},
    {MSG_AD_DELETE,                   .handler = ad_handlers_delete},
    {MSG_AD_GET,                      .handler = ad_handlers_get},
    {MSG_AD_LIST,                     .handler = ad_handlers_list},
    {MSG_AD_MY_ADS,                   .handler = ad_handlers_mine},
    /* orders */
    {MSG_ORDER_CREATE,                .handler = order_handlers_create},
    {MSG_ORDER_GET,                   .handler = order_handlers_get},
    {MSG_ORDER_LIST,                  .handler = order_handlers_list},
    {MSG_ORDER_CONFIRM_PAYMENT,       .handler = order_handlers_confirm_payment},
    {MSG_ORDER_CANCEL,                .handler = order_handlers_cancel},
    {MSG_ORDER_RELEASE_CRYPTO,        .handler = order_handlers_release},
    /* the order chat */
    {MSG_CHAT_SEND_MESSAGE,           .handler = chat_handlers_send},
    {MSG_CHAT_GET_MESSAGES,           .handler = chat_handlers_messages},
    {MSG_CHAT_MARK_READ,              .handler = chat_handlers_mark_read},
    {MSG_CHAT_ATTACHMENT_ADD,         .handler = chat_handlers_attachment_add},
    {MSG_CHAT_ATTACHMENT_GET,         .handler = chat_handlers_attachment_get},
    /* disputes and reviews */
    {MSG_DISPUTE_RAISE,               .handler = dispute_handlers_raise},
    {MSG_DISPUTE_GET,                 .handler = dispute_handlers_get},
    {MSG_DISPUTE_ADD_EVIDENCE,        .handler = dispute_handlers_add_evidence},
    {MSG_REVIEW_CREATE,               .handler = review_handlers_create},
    {MSG_REVIEW_LIST,                 .handler = review_handlers_list},
    {MSG_ADMIN_ORDER_LIST,            .handler = dispute_handlers_admin_orders},
    {MSG_ADMIN_ORDER_GET,             .handler = dispute_handlers_admin_order},
    {MSG_ADMIN_DISPUTE_LIST,          .handler = dispute_handlers_admin_list},
    {MSG_ADMIN_DISPUTE_GET,           .handler = dispute_handlers_admin_get},
    {MSG_ADMIN_DISPUTE_MESSAGE,       .handler = dispute_handlers_admin_message},
    {MSG_ADMIN_DISPUTE_RESOLVE,       .handler = dispute_handlers_admin_resolve},
    {MSG_ADMIN_REVIEW_HIDE,           .handler = review_handlers_hide},
    {MSG_ADMIN_REVIEW_UNHIDE,         .handler = review_handlers_unhide},
    /* notifications and webhooks */
    {MSG_NOTIFICATION_LIST,           .handler = notify_handlers_list},
    {MSG_NOTIFICATION_MARK_READ,      .handler = notify_handlers_mark_read},
    {MSG_WEBHOOK_SET,                 .handler = notify_handlers_webhook_set},
    {MSG_WEBHOOK_GET,                 .handler = notify_handlers_webhook_get},
    {MSG_WEBHOOK_DELETE,              .handler = notify_handlers_webhook_delete},
    /* prices */
    {MSG_PRICE_LIST,                  .handler = price_handlers_list},
    {MSG_ADMIN_PRICE_SET,             .handler = price_handlers_set},
    // clang-format on
};

const worker_route_t *
trade_routes(size_t *count)
{
    *count = sizeof s_routes / sizeof s_routes[0];
    return s_routes;
}

typedef const db_statement_t *(s_statements_fn) (size_t *count);

/*  Every repository, once. */
static s_statements_fn *const s_repos[] = {
    // clang-format off
    ad_repo_statements,
    audit_repo_statements,
    catalog_repo_statements,
    chat_repo_statements,
    dispute_repo_statements,
    ledger_repo_statements,
    notify_repo_statements,
    order_repo_statements,
    party_repo_statements,
    payment_repo_statements,
    price_repo_statements,
    review_repo_statements,
    // clang-format on
};

#define S_STATEMENTS_MAX 256

const db_statement_t *
trade_routes_statements(size_t *count)
{
    static db_statement_t all[S_STATEMENTS_MAX];
    static size_t total;
    if (!total) {
        for (size_t r = 0; r < sizeof s_repos / sizeof s_repos[0]; r++) {
            size_t n;
            const db_statement_t *some = s_repos[r](&n);
            if (total + n > S_STATEMENTS_MAX)
                return NULL;
            memcpy(all + total, some, n * sizeof *some);
            total += n;
        }
    }
    *count = total;
    return all;
}

void
trade_routes_started(void *app, worker_t *worker)
{
    ((trade_app_t *) app)->worker = worker;
}

void
trade_routes_tick(void *app)
{
    trade_app_t *t = app;
    err_t err;
    /* a failure keeps the old catalog; the next tick tries again */
    if (!db_is_connected(t->db) && db_connect(t->db, &err) != 0)
        return;
    catalog_refresh(t->catalog, t->db, false, clock_mono_ms(), &err);
    /* payment windows: within a tick of expires_at (and a call after it
       sees the order expired anyway) */
    order_ops_expire_due(t, TRADE_EXPIRE_PER_TICK);
    /* disputes nobody answered by respond_by: resolved for their raiser */
    dispute_ops_auto_resolve(t, TRADE_EXPIRE_PER_TICK);
}
