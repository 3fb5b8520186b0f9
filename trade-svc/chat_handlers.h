/*  chat_handlers.h - chat.send_message, chat.get_messages, chat.mark_read, and
    the REST attachment routes (upload to an order, download). */
#ifndef P2P_CHAT_HANDLERS_H
#define P2P_CHAT_HANDLERS_H

#include "worker.h"

worker_handler_fn chat_handlers_send;
worker_handler_fn chat_handlers_messages;
worker_handler_fn chat_handlers_mark_read;
worker_handler_fn chat_handlers_attachment_add;
worker_handler_fn chat_handlers_attachment_get;

#endif
