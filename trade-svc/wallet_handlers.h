/*  wallet_handlers.h - wallet.balance, wallet.history (users), and the
    operators' admin.wallet_credit, admin.wallet_debit, admin.ledger. */
#ifndef P2P_WALLET_HANDLERS_H
#define P2P_WALLET_HANDLERS_H

#include "worker.h"

worker_handler_fn wallet_handlers_balance;
worker_handler_fn wallet_handlers_history;
worker_handler_fn wallet_handlers_credit;
worker_handler_fn wallet_handlers_debit;
worker_handler_fn wallet_handlers_ledger;

#endif
