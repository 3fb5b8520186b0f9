/*  ad_handlers.h - ad.create, ad.update, ad.delete, ad.get, ad.list, ad.my_ads. */
#ifndef P2P_AD_HANDLERS_H
#define P2P_AD_HANDLERS_H

#include "worker.h"

worker_handler_fn ad_handlers_create;
worker_handler_fn ad_handlers_update;
worker_handler_fn ad_handlers_delete;
worker_handler_fn ad_handlers_get;
worker_handler_fn ad_handlers_list;
worker_handler_fn ad_handlers_mine;

#endif
