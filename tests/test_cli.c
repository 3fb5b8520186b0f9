/*  test_cli.c - common/cli.h: --help and --version exit 0 without running,
    actions run, no arguments means "run", anything else is a usage error. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "cli.h"

static int s_ran;

static int
s_action(void)
{
    s_ran++;
    return 0;
}

static const cli_action_t s_actions[] = {{"env-example", s_action}};

static int
s_parse(int argc, const char *a1, const char *a2)
{
    char *argv[] = {"p2p-test", (char *) a1, (char *) a2, NULL};
    return cli_parse(argc, argv, "p2p-test", "usage: p2p-test [--help]\n", s_actions, 1);
}

Test(cli, no_arguments_runs)
{
    cr_assert_eq(s_parse(1, NULL, NULL), CLI_RUN);
}

Test(cli, help_prints_the_usage_and_exits_0, .init = cr_redirect_stdout)
{
    cr_assert_eq(s_parse(2, "--help", NULL), 0);
    cr_assert_eq(s_parse(2, "-h", NULL), 0);
    fflush(stdout);
    cr_assert_stdout_eq_str("usage: p2p-test [--help]\nusage: p2p-test [--help]\n");
}

Test(cli, version_is_the_project_version, .init = cr_redirect_stdout)
{
    cr_assert_eq(s_parse(2, "--version", NULL), 0);
    fflush(stdout);
    cr_assert_stdout_eq_str("p2p-test " P2P_VERSION "\n");
    cr_assert_str_eq(cli_version(), P2P_VERSION);
}

Test(cli, actions_run_and_exit)
{
    s_ran = 0;
    cr_assert_eq(s_parse(2, "--env-example", NULL), 0);
    cr_assert_eq(s_ran, 1);
}

Test(cli, anything_else_is_a_usage_error, .init = cr_redirect_stderr)
{
    cr_assert_eq(s_parse(2, "--bogus", NULL), 2);
    cr_assert_eq(s_parse(2, "stray", NULL), 2);
    cr_assert_eq(s_parse(3, "--help", "--version"), 2);
    cr_assert_eq(s_parse(2, "--env", NULL), 0, "getopt_long takes unambiguous prefixes");
}
