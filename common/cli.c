/*  cli.c - the shared command line (see cli.h). */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#define S_ACTION_BASE 256

const char *
cli_version(void)
{
    return P2P_VERSION;
}

static int
s_usage_error(const char *program, const char *usage, const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s '%s'\n%s", program, what, arg ? arg : "", usage);
    return 2;
}

int
cli_parse(int argc, char **argv, const char *program, const char *usage, const cli_action_t *actions,
          size_t count)
{
    if (argc <= 1)
        return CLI_RUN;
    if (argc > 2)
        return s_usage_error(program, usage, "takes one option at a time; unexpected", argv[2]);
    struct option *options = calloc(count + 3, sizeof *options);
    if (!options)
        return 1;
    options[0] = (struct option){"help", no_argument, NULL, 'h'};
    options[1] = (struct option){"version", no_argument, NULL, 'V'};
    for (size_t i = 0; i < count; i++)
        options[i + 2] = (struct option){actions[i].name, no_argument, NULL, S_ACTION_BASE + (int) i};
    optind = 1;
    opterr = 0;
    int opt = getopt_long(argc, argv, "hV", options, NULL), rc;
    free(options);
    if (opt == -1)
        rc = s_usage_error(program, usage, "unexpected argument", argv[1]);
    else if (opt == 'h')
        rc = fputs(usage, stdout) < 0 ? 1 : 0;
    else if (opt == 'V')
        rc = printf("%s %s\n", program, P2P_VERSION) < 0 ? 1 : 0;
    else if (opt >= S_ACTION_BASE && opt < S_ACTION_BASE + (int) count)
        rc = actions[opt - S_ACTION_BASE].run();
    else
        rc = s_usage_error(program, usage, "unknown option", argv[1]);
    fflush(stdout);
    return rc;
}
