/*  review_handlers.h - review.create, review.list (users) and the moderators'
    admin.review_hide, admin.review_unhide. */
#ifndef P2P_REVIEW_HANDLERS_H
#define P2P_REVIEW_HANDLERS_H

#include "worker.h"

worker_handler_fn review_handlers_create;
worker_handler_fn review_handlers_list;
worker_handler_fn review_handlers_hide;
worker_handler_fn review_handlers_unhide;

#endif
