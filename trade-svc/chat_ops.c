/*  chat_ops.c - the order chat (see chat_ops.h). */
#include "chat_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chat_repo.h"
#include "order_fsm.h"
#include "trade_access.h"

int
chat_ops_post(db_t *db, trade_push_t *push, const order_row_t *o, const char *sender, int64_t sender_id,
              const char *text, err_t *err)
{
    char *message = chat_repo_insert(db, o->id, sender, sender_id, NULL, text, 0, err);
    if (!message)
        return -1;
    trade_push_add(push, o->buyer_user_id, "chat.new_message", message);
    trade_push_add(push, o->seller_user_id, "chat.new_message", message);
    free(message);
    return 0;
}

/*  The caller's side of an order they are a party to; NULL (and 404) when not. */
static const char *
s_side(const order_parties_t *p, int64_t profile_id, err_t *err)
{
    if (p->buyer_id == profile_id)
        return "buyer";
    if (p->seller_id == profile_id)
        return "seller";
    err_set(err, ERR_NOT_FOUND, "Order not found");
    return NULL;
}

/*  One statement, no transaction: chat_repo_send looks the caller up, checks
    and writes; here its findings become the answer, in the order the checks
    read: the caller's access, a party's order (404), the attachment (400),
    the chat open (409). */
char *
chat_ops_send(trade_app_t *app, const char *user_id, int64_t order_id, const char *text,
              int64_t attachment_id, err_t *err)
{
    chat_send_t sent;
    if (chat_repo_send(app->db, order_id, user_id, text, attachment_id, &sent, err) != 0)
        return NULL;
    if (trade_access_judge(&sent.caller, true, err) != 0) {
        free(sent.message); /* NULL: the statement writes nothing for such a caller */
        return NULL;
    }
    if (!sent.found || !sent.side[0])
        return err_set(err, ERR_NOT_FOUND, "Order not found"), NULL;
    if (!sent.message) {
        if (attachment_id && sent.attachment_order != order_id)
            return err_set(err, ERR_INVALID, "field 'attachment_id' must be a file uploaded to this order"),
                   NULL;
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: its chat is closed",
                       order_status_name(sent.status)),
               NULL;
    }
    trade_push_t push = {0};
    trade_push_add(&push, sent.buyer_user_id, "chat.new_message", sent.message);
    trade_push_add(&push, sent.seller_user_id, "chat.new_message", sent.message);
    trade_push_publish(app, &push);
    trade_push_clear(&push);
    char *out = NULL;
    if (asprintf(&out, "{\"message\":%s}", sent.message) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(sent.message);
    return out;
}

char *
chat_ops_messages(trade_app_t *app, const party_t *caller, int64_t order_id, int64_t before_id, int limit,
                  err_t *err)
{
    order_parties_t p;
    int found = order_repo_parties(app->db, order_id, &p, err);
    if (found < 0)
        return NULL;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "Order not found"), NULL;
    const char *side = s_side(&p, caller->profile_id, err);
    if (!side)
        return NULL;
    char *messages = NULL;
    bool more = false;
    int64_t unread = 0;
    if (chat_repo_page(app->db, order_id, side, before_id, limit, &messages, &more, &unread, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"messages\":%s,\"has_more\":%s,\"unread_count\":%" PRId64 "}", messages,
                 more ? "true" : "false", unread)
        < 0)
        out = NULL;
    free(messages);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

char *
chat_ops_mark_read(trade_app_t *app, const party_t *caller, int64_t order_id, int64_t up_to_id, err_t *err)
{
    order_parties_t p;
    int found = order_repo_parties(app->db, order_id, &p, err);
    if (found < 0)
        return NULL;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "Order not found"), NULL;
    const char *side = s_side(&p, caller->profile_id, err);
    if (!side)
        return NULL;
    int64_t updated = chat_repo_mark_read(app->db, order_id, side, up_to_id, err);
    if (updated < 0)
        return NULL;
    char *messages = NULL;
    bool more = false;
    int64_t unread = 0;
    if (chat_repo_page(app->db, order_id, side, 0, 1, &messages, &more, &unread, err) != 0)
        return NULL;
    free(messages);
    /* the writer of what was read sees their messages read (a receipt) */
    if (updated > 0) {
        trade_push_t push = {0};
        char data[160];
        snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"up_to_id\":%" PRId64 ",\"reader\":\"%s\"}",
                 order_id, up_to_id, side);
        trade_push_add(&push, strcmp(side, "buyer") == 0 ? p.seller_user_id : p.buyer_user_id, "chat.read",
                       data);
        trade_push_publish(app, &push);
    }
    char *out = NULL;
    if (asprintf(&out, "{\"updated\":%" PRId64 ",\"unread_count\":%" PRId64 "}", updated, unread) < 0)
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    return out;
}

const char *
chat_ops_sniff(const void *data, size_t size)
{
    const unsigned char *b = data;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (size >= sizeof png && memcmp(b, png, sizeof png) == 0)
        return "image/png";
    if (size >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (size >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return "application/pdf";
    return NULL;
}

char *
chat_ops_attachment_add(trade_app_t *app, const party_t *caller, int64_t order_id, const char *content_type,
                        const void *data, size_t size, err_t *err)
{
    /* validation first: the declared type (media types ignore case), the
       size, the bytes */
    if (!content_type
        || (strcasecmp(content_type, "image/png") != 0 && strcasecmp(content_type, "image/jpeg") != 0
            && strcasecmp(content_type, "application/pdf") != 0))
        return err_set(err, ERR_INVALID,
                       "header 'Content-Type' must be image/png, image/jpeg or application/pdf"),
               NULL;
    if (size == 0)
        return err_set(err, ERR_INVALID, "the file is empty"), NULL;
    if (size > CHAT_ATTACHMENT_MAX)
        return err_set(err, ERR_TOO_LARGE, "a file may be at most 5 MiB"), NULL;
    const char *sniffed = chat_ops_sniff(data, size);
    if (!sniffed || strcasecmp(sniffed, content_type) != 0)
        return err_set(err, ERR_INVALID, "header 'Content-Type' says %s but the file is %s", content_type,
                       sniffed ? sniffed : "none of PNG, JPEG or PDF"),
               NULL;
    order_parties_t p;
    int found = order_repo_parties(app->db, order_id, &p, err);
    if (found < 0)
        return NULL;
    if (!found || !s_side(&p, caller->profile_id, err))
        return err_set(err, ERR_NOT_FOUND, "Order not found"), NULL;
    if (order_status_is_final(p.status))
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: no more files",
                       order_status_name(p.status)),
               NULL;
    int64_t on_order = 0, today = 0;
    if (chat_repo_attachment_counts(app->db, order_id, caller->profile_id, &on_order, &today, err) != 0)
        return NULL;
    if (on_order >= CHAT_ATTACHMENTS_PER_ORDER)
        return err_set(err, ERR_LIMIT_REACHED, "each party may add at most %d files to an order",
                       CHAT_ATTACHMENTS_PER_ORDER),
               NULL;
    if (today >= CHAT_ATTACHMENTS_PER_USER_DAY)
        return err_set(err, ERR_LIMIT_REACHED, "at most %d files a day per user",
                       CHAT_ATTACHMENTS_PER_USER_DAY),
               NULL;
    /* stored (and served) in the canonical spelling */
    return chat_repo_attachment_add(app->db, order_id, caller->profile_id, sniffed, data, size, err);
}

int
chat_ops_attachment_get(trade_app_t *app, int64_t caller_profile_id, bool admin, int64_t attachment_id,
                        char **content_type, unsigned char **data, size_t *size, err_t *err)
{
    int64_t order_id = chat_repo_attachment_order(app->db, attachment_id, err);
    if (order_id < 0)
        return -1;
    order_parties_t p;
    int found = order_id ? order_repo_parties(app->db, order_id, &p, err) : 0;
    if (found < 0)
        return -1;
    bool party = found && (p.buyer_id == caller_profile_id || p.seller_id == caller_profile_id);
    /* moderators see a case's files from the moment it is disputed */
    bool moderator = found && admin && (p.status == ORDER_DISPUTED || p.disputed);
    if (!party && !moderator)
        return err_set(err, ERR_NOT_FOUND, "Attachment not found");
    found = chat_repo_attachment_data(app->db, attachment_id, content_type, data, size, err);
    if (found < 0)
        return -1;
    return found ? 0 : err_set(err, ERR_NOT_FOUND, "Attachment not found");
}
