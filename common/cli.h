/*  cli.h - the command line every service binary shares: getopt_long with
    -h/--help (the usage on stdout, exit 0), -V/--version ("PROGRAM VERSION",
    exit 0; the version is CMake's project(VERSION), P2P_VERSION), the
    binary's own argument-less actions (e.g. --env-example), and a clear
    error for anything else (the usage on stderr, exit 2). Configuration
    comes from the environment, so a service runs only without arguments. */
#ifndef P2P_CLI_H
#define P2P_CLI_H

#include <stddef.h>

#ifndef P2P_VERSION
#error "P2P_VERSION comes from CMakeLists.txt (project VERSION)"
#endif

/*  cli_parse's answer when the program should go on and run. */
#define CLI_RUN (-1)

/*  An option that does something and exits, e.g. {"env-example", print}. */
typedef struct {
    const char *name; /* long option without the dashes */
    int (*run)(void); /* returns the exit status */
} cli_action_t;

/*  Parse argv. Returns CLI_RUN when there were no arguments, else the exit
    status after printing what was asked (or why the arguments are wrong).
    actions: count entries, may be NULL. */
int cli_parse(int argc, char **argv, const char *program, const char *usage, const cli_action_t *actions,
              size_t count);

/*  The version of this build (P2P_VERSION). Static. */
const char *cli_version(void);

#endif
