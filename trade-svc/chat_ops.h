/*  chat_ops.h - an order's chat (TRADING.md "Chat"): the two parties write
    while the order is open (and an admin into a disputed order's room, later),
    system messages record every transition in its own transaction, read
    receipts, and proof-of-payment attachments. Replies are the JSON clients
    receive as data; caller frees; NULL with err. */
#ifndef P2P_CHAT_OPS_H
#define P2P_CHAT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "order_repo.h"
#include "party_repo.h"
#include "trade_app.h"
#include "trade_push.h"

/*  Attachment bounds (TRADING.md: 5 MiB) and caps against abuse. */
#define CHAT_ATTACHMENT_MAX (5 * 1024 * 1024)
#define CHAT_ATTACHMENTS_PER_ORDER 20 /* per party of the order */
#define CHAT_ATTACHMENTS_PER_USER_DAY 100

/*  Inside a transaction: a message on order o from sender ("system", or the
    side "buyer"/"seller" with its profile sender_id), queued as
    chat.new_message to both parties. 0, or -1 with err. */
int chat_ops_post(db_t *db, trade_push_t *push, const order_row_t *o, const char *sender, int64_t sender_id,
                  const char *text, err_t *err);

/*  {"message":{...}} sent by user_id (a party) on order_id: text (may be
    NULL with an attachment) and/or attachment_id (0: none). The caller's
    access (trade_access_user's, as a write) is judged from the same
    statement that writes the message. */
char *chat_ops_send(trade_app_t *app, const char *user_id, int64_t order_id, const char *text,
                    int64_t attachment_id, err_t *err);

/*  {"messages":[...],"has_more":b,"unread_count":n}, ascending ids. */
char *chat_ops_messages(trade_app_t *app, const party_t *caller, int64_t order_id, int64_t before_id,
                        int limit, err_t *err);

/*  {"updated":n,"unread_count":n}: the caller read everything up to up_to_id;
    the other party's sessions hear chat.read. */
char *chat_ops_mark_read(trade_app_t *app, const party_t *caller, int64_t order_id, int64_t up_to_id,
                         err_t *err);

/*  {"attachment_id","content_type","size","sha256"}: a file a party uploads to
    an open order. content_type must match the file's magic bytes. */
char *chat_ops_attachment_add(trade_app_t *app, const party_t *caller, int64_t order_id,
                              const char *content_type, const void *data, size_t size, err_t *err);

/*  An attachment's bytes for the caller (a party, or an admin once the order
    is disputed; anyone else: 404). *content_type and *data: caller frees. */
int chat_ops_attachment_get(trade_app_t *app, int64_t caller_profile_id, bool admin, int64_t attachment_id,
                            char **content_type, unsigned char **data, size_t *size, err_t *err);

/*  The content type a file's first bytes say it is ("image/png", "image/jpeg",
    "application/pdf"), or NULL. Exposed for tests. */
const char *chat_ops_sniff(const void *data, size_t size);

#endif
