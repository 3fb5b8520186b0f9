/*  test_log.c - common/log.h: the lines are the JSON jansson would write,
    buffered lines leave at a flush (or at once for warn), and a crash still
    leaves the complete lines written before it. Each test captures stderr in
    a pipe (Criterion runs every test in its own process). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int s_read_end = -1;

/*  stderr -> a pipe whose read end is returned (non-blocking). */
static void
s_capture(void)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(fcntl(fds[1], F_SETPIPE_SZ, 1024 * 1024) > 0, true);
    dup2(fds[1], STDERR_FILENO);
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    s_read_end = fds[0];
}

/*  What the pipe holds now (caller frees). */
static char *
s_drain(void)
{
    size_t cap = 1 << 21, len = 0;
    char *text = malloc(cap);
    ssize_t n;
    while ((n = read(s_read_end, text + len, cap - len - 1)) > 0)
        len += (size_t) n;
    text[len] = 0;
    return text;
}

static size_t
s_count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

Test(log, a_line_is_the_json_jansson_writes)
{
    s_capture();
    log_init("gateway", "info");
    log_info("ws.open", "rid-1",
             json_pack("{s:s, s:i, s:f, s:b, s:n, s:[i,i], s:s}", "text",
                       "quote \" back \\ nl \n tab \t bell \x07", "count", 42, "ms", 1.5, "flag", 1, "none",
                       "list", 1, 2, "utf8", "caf\xc3\xa9"));
    char *out = s_drain();
    cr_assert_eq(s_count_lines(out), 1, "%s", out);
    json_error_t error;
    json_t *line = json_loads(out, 0, &error);
    cr_assert_not_null(line, "not JSON: %s (%s)", out, error.text);
    cr_assert_str_eq(json_string_value(json_object_get(line, "level")), "info");
    cr_assert_str_eq(json_string_value(json_object_get(line, "service")), "gateway");
    cr_assert_str_eq(json_string_value(json_object_get(line, "event")), "ws.open");
    cr_assert_str_eq(json_string_value(json_object_get(line, "request_id")), "rid-1");
    cr_assert_str_eq(json_string_value(json_object_get(line, "text")),
                     "quote \" back \\ nl \n tab \t bell \x07");
    cr_assert_eq(json_integer_value(json_object_get(line, "count")), 42);
    cr_assert_float_eq(json_real_value(json_object_get(line, "ms")), 1.5, 1e-9);
    cr_assert(json_is_true(json_object_get(line, "flag")));
    cr_assert(json_is_null(json_object_get(line, "none")));
    cr_assert_eq(json_array_size(json_object_get(line, "list")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(line, "utf8")), "caf\xc3\xa9");
    /* the timestamp: RFC 3339 UTC with milliseconds, first, as before */
    const char *ts = json_string_value(json_object_get(line, "ts"));
    cr_assert_eq(strlen(ts), 24, "%s", ts);
    cr_assert_eq(ts[23], 'Z');
    cr_assert_eq(strncmp(out, "{\"ts\":", 6), 0, "%s", out);
    json_decref(line);
    free(out);
}

Test(log, the_builder_writes_the_same_values)
{
    s_capture();
    log_init("profile-svc", "debug");
    cr_assert(log_begin(P2P_LOG_DEBUG, "request.served", "00ff"));
    log_str("type", "profile.get");
    log_int("status", 200);
    log_int("big", -9007199254740993LL);
    log_num("ms", 0.125);
    log_num("whole", 3.0);
    log_num("bad", 0.0 / 0.0);
    log_str("missing", NULL);
    log_end();
    char *out = s_drain();
    json_t *line = json_loads(out, 0, NULL);
    cr_assert_not_null(line, "%s", out);
    cr_assert_eq(json_integer_value(json_object_get(line, "status")), 200);
    cr_assert_eq(json_integer_value(json_object_get(line, "big")), -9007199254740993LL);
    cr_assert_float_eq(json_real_value(json_object_get(line, "ms")), 0.125, 1e-12);
    cr_assert(json_is_real(json_object_get(line, "whole")), "%s", out); /* 3.0, as jansson writes it */
    cr_assert(json_is_null(json_object_get(line, "bad")));
    cr_assert(json_is_null(json_object_get(line, "missing")));
    json_decref(line);
    free(out);
}

Test(log, durations_print_exactly_in_milliseconds_and_ids_in_hex)
{
    s_capture();
    log_init("gateway", "info");
    cr_assert(log_begin(P2P_LOG_INFO, "request.done", NULL));
    log_usec_as_ms("a", 1234);
    log_usec_as_ms("b", 5);
    log_usec_as_ms("c", 0);
    log_usec_as_ms("d", 1234567);
    log_usec_as_ms("e", -2500);
    log_end();
    char *out = s_drain();
    cr_assert_not_null(strstr(out, "\"a\":1.234,\"b\":0.005,\"c\":0.000,\"d\":1234.567,\"e\":-2.500}"), "%s",
                       out);
    json_t *line = json_loads(out, 0, NULL);
    cr_assert_not_null(line, "%s", out);
    json_decref(line);
    free(out);

    char id[LOG_ID_SIZE];
    log_format_id(id, 0xff);
    cr_assert_str_eq(id, "00000000000000ff");
    log_format_id(id, 0xfedcba9876543210ULL);
    cr_assert_str_eq(id, "fedcba9876543210");
}

Test(log, a_service_name_is_escaped_once_for_every_line)
{
    s_capture();
    log_init("odd \"svc\"", "info");
    log_info("one", NULL, NULL);
    log_warn("two", NULL, NULL);
    char *out = s_drain();
    cr_assert_eq(s_count_lines(out), 2, "%s", out);
    char *second = strchr(out, '\n') + 1;
    second[-1] = 0;
    json_t *first = json_loads(out, 0, NULL), *next = json_loads(second, 0, NULL);
    cr_assert_not_null(first, "%s", out);
    cr_assert_not_null(next, "%s", second);
    cr_assert_str_eq(json_string_value(json_object_get(first, "service")), "odd \"svc\"");
    cr_assert_str_eq(json_string_value(json_object_get(first, "level")), "info");
    cr_assert_str_eq(json_string_value(json_object_get(next, "level")), "warn");
    json_decref(first);
    json_decref(next);
    free(out);
}

Test(log, fields_never_override_the_lines_own_keys)
{
    s_capture();
    log_init("gateway", "info");
    log_info("real.event", "rid",
             json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "forged", "level", "error", "ts", "x",
                       "request_id", "forged", "service", "forged"));
    char *out = s_drain();
    json_t *line = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
    cr_assert_not_null(line, "%s", out);
    cr_assert_str_eq(json_string_value(json_object_get(line, "event")), "real.event");
    cr_assert_str_eq(json_string_value(json_object_get(line, "request_id")), "rid");
    cr_assert_str_eq(json_string_value(json_object_get(line, "service")), "gateway");
    json_decref(line);
    free(out);
}

Test(log, levels_below_the_minimum_write_nothing)
{
    s_capture();
    log_init("gateway", "warn");
    cr_assert_not(log_begin(P2P_LOG_INFO, "request.done", NULL));
    log_info("request.done", NULL, json_pack("{s:i}", "status", 200));
    log_warn("kept", NULL, NULL);
    char *out = s_drain();
    cr_assert_eq(s_count_lines(out), 1, "%s", out);
    cr_assert_neq(strstr(out, "\"kept\""), NULL);
    free(out);
}

Test(log, log_cost_counts_the_lines_written_and_the_time_they_took)
{
    s_capture();
    log_init("gateway", "info");
    log_set_buffered();
    log_cost_t before = log_cost();
    log_info("skipped", NULL, NULL); /* a line written counts, */
    log_debug("below", NULL, NULL);  /* one below the level does not */
    for (int i = 0; i < 999; i++)
        log_info("request.done", NULL, json_pack("{s:i}", "n", i));
    log_cost_t built = log_cost();
    cr_assert_eq(built.lines - before.lines, 1000);
    cr_assert_gt(built.nsec, before.nsec, "building lines took no time");
    log_flush(); /* the write is counted too */
    log_cost_t flushed = log_cost();
    cr_assert_eq(flushed.lines, built.lines);
    cr_assert_gt(flushed.nsec, built.nsec, "the write took no time");
    char *out = s_drain();
    cr_assert_eq(s_count_lines(out), 1000);
    free(out);
}

Test(log, buffered_lines_leave_at_the_flush_in_order_and_warn_at_once)
{
    s_capture();
    log_init("gateway", "info");
    log_set_buffered();
    for (int i = 0; i < 100; i++)
        log_info("request.done", NULL, json_pack("{s:i}", "n", i));
    char *out = s_drain();
    cr_assert_str_eq(out, "", "buffered lines left before the flush");
    free(out);
    log_warn("urgent", NULL, NULL); /* takes the buffered ones with it, in order */
    out = s_drain();
    cr_assert_eq(s_count_lines(out), 101, "%s", out);
    char *last = strstr(out, "\"n\":99");
    cr_assert_not_null(last);
    cr_assert(strstr(out, "\"urgent\"") > last, "order kept");
    free(out);
    log_info("later", NULL, NULL);
    log_flush();
    out = s_drain();
    cr_assert_eq(s_count_lines(out), 1);
    free(out);
}

Test(log, a_full_buffer_goes_out_without_a_flush_and_nothing_is_lost)
{
    s_capture();
    log_init("gateway", "info");
    log_set_buffered();
    const int lines = 5000; /* ~100 bytes each: several buffers' worth */
    for (int i = 0; i < lines; i++)
        log_info("request.done", NULL, json_pack("{s:i}", "n", i));
    char *before = s_drain();
    cr_assert_gt(s_count_lines(before), 0, "a full buffer must be written out");
    log_flush();
    char *after = s_drain();
    cr_assert_eq(s_count_lines(before) + s_count_lines(after), (size_t) lines);
    /* every line whole and in order */
    char *all = malloc(strlen(before) + strlen(after) + 1);
    strcpy(all, before);
    strcat(all, after);
    int expect = 0;
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"), expect++) {
        json_t *j = json_loads(line, 0, NULL);
        cr_assert_not_null(j, "%s", line);
        cr_assert_eq(json_integer_value(json_object_get(j, "n")), expect);
        json_decref(j);
    }
    cr_assert_eq(expect, lines);
    free(all);
    free(before);
    free(after);
}

Test(log, a_line_longer_than_the_buffer_is_dropped_whole)
{
    s_capture();
    log_init("gateway", "info");
    log_set_buffered();
    log_info("before", NULL, NULL);
    char *huge = malloc(100 * 1024);
    memset(huge, 'x', 100 * 1024 - 1);
    huge[100 * 1024 - 1] = 0;
    log_info("huge", NULL, json_pack("{s:s}", "text", huge));
    log_info("after", NULL, NULL);
    log_flush();
    char *out = s_drain();
    cr_assert_eq(s_count_lines(out), 2, "%.200s", out);
    cr_assert_neq(strstr(out, "\"before\""), NULL);
    cr_assert_neq(strstr(out, "\"after\""), NULL);
    cr_assert_eq(strstr(out, "xxxx"), NULL, "no cut line");
    free(huge);
    free(out);
}

/*  The crash: a child buffers lines, then dies by abort() or a fault; the
    parent reads every complete line the child logged. */
static void
s_crash_child(int how)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        /* no core file, no sanitizer report in the test's output */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        log_init("worker", "info");
        log_set_buffered();
        for (int i = 0; i < 10; i++)
            log_info("request.served", NULL, json_pack("{s:i}", "n", i));
        if (how == 0)
            abort();
        raise(SIGSEGV); /* as a fault would arrive */
        _exit(3);
    }
    close(fds[1]);
    char buf[8192];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + len, sizeof buf - len - 1)) > 0)
        len += (size_t) n;
    buf[len] = 0;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "the child died by its signal (status %d)", status);
    cr_assert_eq(s_count_lines(buf), 10, "%s", buf);
    cr_assert_neq(strstr(buf, "\"n\":9}"), NULL, "%s", buf);
}

Test(log, an_abort_still_leaves_the_lines_written_before_it)
{
    s_crash_child(0);
}

Test(log, a_fatal_signal_still_leaves_the_lines_written_before_it)
{
    s_crash_child(1);
}
