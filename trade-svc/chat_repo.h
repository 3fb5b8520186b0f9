/*  chat_repo.h - an order's chat (p2p_chat_messages) and its attachments
    (p2p_attachments): the only SQL for them. Messages are JSON built by
    PostgreSQL, as the viewer ("buyer", "seller" or "admin") sees them:
    read_at is the other party's read time on the viewer's own messages, the
    viewer's own read time on the others. */
#ifndef P2P_CHAT_REPO_H
#define P2P_CHAT_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "order_fsm.h"
#include "party_repo.h"

/*  Statements to prepare (static). */
const db_statement_t *chat_repo_statements(size_t *count);

/*  Write a message: sender "buyer", "seller", "admin" or "system";
    sender_id the party's profile (0 for system/admin); admin_user_id for an
    admin; text and/or attachment_id (0: none). Its JSON (as its sender sees
    it; caller frees), NULL with err. */
char *chat_repo_insert(db_t *db, int64_t order_id, const char *sender, int64_t sender_id,
                       const char *admin_user_id, const char *text, int64_t attachment_id, err_t *err);

/*  What chat_repo_send found, and wrote when every check passed. */
typedef struct {
    party_t caller;           /* the sender by user id (profile_id 0: none) */
    bool found;               /* the order exists */
    char side[8];             /* "buyer" or "seller"; "" when the sender is not a party */
    order_status_t status;    /* as judged now: unpaid past its deadline is EXPIRED */
    int64_t attachment_order; /* the attachment's order (0: none given, or no such file) */
    char buyer_user_id[256], seller_user_id[256];
    char *message; /* the message's JSON as its sender sees it, NULL when not written; caller frees */
} chat_send_t;

/*  user_id's message to the order's chat: the caller looked up, checked and
    the message written in one statement (see "chat_send"); written only when
    the caller may write, is a party, the chat is open and the attachment is
    the order's. 0 with *out filled, -1 with err. */
int chat_repo_send(db_t *db, int64_t order_id, const char *user_id, const char *text, int64_t attachment_id,
                   chat_send_t *out, err_t *err);

/*  A page of the order's messages as viewer sees them, in ascending id order:
    the newest `limit` before before_id (0: the newest). *messages_json (caller
    frees), *has_more (older ones exist), *unread (messages not sent by
    viewer that viewer has not read; 0 for an admin). 0, or -1 with err. */
int chat_repo_page(db_t *db, int64_t order_id, const char *viewer, int64_t before_id, int limit,
                   char **messages_json, bool *has_more, int64_t *unread, err_t *err);

/*  Every message of the order as an operator sees them, ascending (JSON
    array; caller frees), NULL with err. */
char *chat_repo_all(db_t *db, int64_t order_id, err_t *err);

/*  Mark read, for reader ("buyer" or "seller"), every message of the order up
    to up_to_id not sent by reader. The number newly marked. -1 with err. */
int64_t chat_repo_mark_read(db_t *db, int64_t order_id, const char *reader, int64_t up_to_id, err_t *err);

/*  The order's newest message id (0 when none). -1 with err. */
int64_t chat_repo_last_id(db_t *db, int64_t order_id, err_t *err);

/*  Store a file: {"attachment_id","content_type","size","sha256"} (caller
    frees; the digest computed by PostgreSQL), NULL with err. */
char *chat_repo_attachment_add(db_t *db, int64_t order_id, int64_t uploader_id, const char *content_type,
                               const void *data, size_t size, err_t *err);

/*  Attachments stored for the order, and by uploader in the last 24 hours. 0 or -1. */
int chat_repo_attachment_counts(db_t *db, int64_t order_id, int64_t uploader_id, int64_t *on_order,
                                int64_t *by_uploader_today, err_t *err);

/*  An attachment's order (0 when there is none). -1 with err. */
int64_t chat_repo_attachment_order(db_t *db, int64_t attachment_id, err_t *err);

/*  An attachment's bytes (caller frees with free) and type (*content_type,
    caller frees). 1 found, 0 none, -1 with err. */
int chat_repo_attachment_data(db_t *db, int64_t attachment_id, char **content_type, unsigned char **data,
                              size_t *size, err_t *err);

#endif
