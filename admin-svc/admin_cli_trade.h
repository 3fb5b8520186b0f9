/*  admin_cli_trade.h - p2p-admin's trading verbs (credit, debit, ledger,
    price, payment-method add|activate|deactivate, dispute
    list|show|message|resolve, review hide|unhide, order list|show):
    TradeAdminRequests
    (proto/trade_admin.proto) to trade-svc's operator API on
    --trade-endpoint, answered with the REST API's status and data.

    Each verb is one line of a table: its words, the request's call (the
    oneof member), which of that call's fields its positional arguments and
    options fill, and a few words for people. Arguments are converted by the
    field's protobuf type (integers strictly, booleans from on/off); value
    rules (bounds, decimals, known codes) are the server's, which names the
    field at fault, exactly as REST does. Output: the data for people (a
    table per list, a record per object), or with --json the REST envelope. */
#ifndef P2P_ADMIN_CLI_TRADE_H
#define P2P_ADMIN_CLI_TRADE_H

#include <stdbool.h>

#include "admin_cli.h"
#include "trade_admin.pb-c.h"

/*  True when word is a trading verb's first word. */
bool admin_cli_trade_is_verb(const char *word);

/*  Parse a trading verb (argv[0] is its first word; global options may
    follow it) into *req_out (caller frees with
    p2p__trade_admin_request__free_unpacked(req, NULL)), with the claimed
    operator from opts. Returns 0, or ADMIN_CLI_EXIT_USAGE after printing
    why (*req_out NULL). */
int admin_cli_trade_parse(int argc, char **argv, admin_cli_options_t *opts, P2p__TradeAdminRequest **req_out);

/*  Run a trading verb: parse, call trade-svc, print. Returns the exit
    status (admin_cli.h). */
int admin_cli_trade_run(int argc, char **argv, admin_cli_options_t *opts);

#endif
