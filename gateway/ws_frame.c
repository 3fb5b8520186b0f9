/*  ws_frame.c - client frame parsing and reply composition. */
#include "ws_frame.h"

#include "reply.h"
#include "utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char s_invalid[] = "Invalid message format";

int
ws_frame_parse(const char *text, size_t len, ws_frame_t *frame, err_t *err)
{
    memset(frame, 0, sizeof *frame);
    frame->type = MSG_UNKNOWN;
    json_error_t jerr;
    /* \u0000 is let through here so the reply can carry the message's type and
       request_id; the worker refuses it, naming the problem. jansson still
       refuses invalid UTF-8. */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(err, ERR_INVALID, s_invalid);
    }
    int rc = -1;
    json_t *rid = json_object_get(root, "request_id");
    if (rid && !json_is_null(rid)) {
        /* counted in characters (jansson's text is valid UTF-8) */
        if (!json_is_string(rid) || json_string_length(rid) >= WS_REQUEST_ID_SIZE
            || utf8_length(json_string_value(rid)) > WS_REQUEST_ID_MAX) {
            err_set(err, ERR_INVALID, "request_id must be a string of at most %d characters",
                    WS_REQUEST_ID_MAX);
            goto done;
        }
        if (strlen(json_string_value(rid)) != json_string_length(rid)) {
            err_set(err, ERR_INVALID, "request_id must not contain NUL characters");
            goto done;
        }
        memcpy(frame->request_id, json_string_value(rid), json_string_length(rid) + 1);
        frame->has_request_id = true;
    }
    json_t *type = json_object_get(root, "type");
    json_t *data = json_object_get(root, "data");
    if (!json_is_string(type) || json_string_length(type) == 0
        || strlen(json_string_value(type)) != json_string_length(type)
        || (data && !json_is_object(data) && !json_is_null(data))) {
        err_set(err, ERR_INVALID, s_invalid);
        goto done;
    }
    const char *name = json_string_value(type);
    /* echoed in replies, which must be valid UTF-8 JSON: cut a long name at
       a code point boundary, never inside one */
    size_t echo = json_string_length(type);
    if (echo > WS_TYPE_ECHO_MAX) {
        echo = WS_TYPE_ECHO_MAX;
        while (echo && ((unsigned char) name[echo] & 0xC0) == 0x80)
            echo--;
    }
    memcpy(frame->type_name, name, echo);
    frame->type_name[echo] = 0;
    msg_type_t found = msg_type_from_name(name);
    /* internal types (REST-only, connect check) are not the client's to send */
    frame->type = msg_type_is_ws(found) ? found : MSG_UNKNOWN;
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/*  JSON text of a string value, quotes included (caller frees). */
static char *
s_quoted(const char *value)
{
    json_t *s = json_string(value);
    char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    json_decref(s);
    return text;
}

/*  JSON's insignificant whitespace (RFC 8259): space, tab, LF, CR. */
static bool
s_is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

unsigned char *
ws_frame_compose(size_t headroom, const char *type, const char *request_id, const char *body, size_t body_len,
                 size_t *len)
{
    while (body_len && s_is_json_space(*body))
        body++, body_len--;
    if (body_len < 2 || body[0] != '{')
        return NULL;
    char *qtype = s_quoted(type);
    char *qrid = (request_id && *request_id) ? s_quoted(request_id) : NULL;
    if (!qtype || (request_id && *request_id && !qrid)) {
        free(qtype);
        free(qrid);
        return NULL;
    }
    /* body without its opening brace; is there a member after it? */
    const char *rest = body + 1;
    size_t rest_len = body_len - 1;
    /* "{ }" is empty too: a comma after the spliced members would break the JSON */
    size_t skip = 0;
    while (skip < rest_len && s_is_json_space(rest[skip]))
        skip++;
    bool empty = skip < rest_len && rest[skip] == '}';
    size_t need = strlen("{\"type\":") + strlen(qtype)
                  + (qrid ? strlen(",\"request_id\":") + strlen(qrid) : 0) + 1 + rest_len;
    unsigned char *buf = malloc(headroom + need + 1);
    if (buf) {
        char *p = (char *) buf + headroom;
        int n = sprintf(p, "{\"type\":%s", qtype);
        if (qrid)
            n += sprintf(p + n, ",\"request_id\":%s", qrid);
        if (!empty)
            p[n++] = ',';
        memcpy(p + n, rest, rest_len);
        n += (int) rest_len;
        p[n] = 0;
        *len = (size_t) n;
    }
    free(qtype);
    free(qrid);
    return buf;
}

unsigned char *
ws_frame_compose_json(size_t headroom, const char *type, const char *request_id, const void *json_object,
                      size_t *len)
{
    char *body = json_dumps((const json_t *) json_object, REPLY_JSON_FLAGS);
    if (!body)
        return NULL;
    unsigned char *frame = ws_frame_compose(headroom, type, request_id, body, strlen(body), len);
    free(body);
    return frame;
}
