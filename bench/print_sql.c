/*  print_sql.c - prints the SQL text of one of the workers' prepared
    statements (by name), exactly as the worker prepares it, so the bench's
    pgbench baselines run the service's own statements and follow them when
    a repository changes. Looks in profile-svc's repository, then in every
    trade-svc repository (trade_routes_statements). With --list, prints every
    name. usage: p2p-bench-sql NAME | --list */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "profile_repo.h"
#include "trade_routes.h"

typedef const db_statement_t *(s_statements_fn) (size_t *count);

static s_statements_fn *const s_tables[] = {profile_repo_statements, trade_routes_statements};

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: p2p-bench-sql STATEMENT_NAME | --list\n");
        return 2;
    }
    bool list = strcmp(argv[1], "--list") == 0;
    for (size_t t = 0; t < sizeof s_tables / sizeof s_tables[0]; t++) {
        size_t count = 0;
        const db_statement_t *statements = s_tables[t](&count);
        for (size_t i = 0; statements && i < count; i++) {
            if (list)
                printf("%s\n", statements[i].name);
            else if (strcmp(statements[i].name, argv[1]) == 0) {
                printf("%s\n", statements[i].sql);
                return 0;
            }
        }
    }
    if (list)
        return 0;
    fprintf(stderr, "p2p-bench-sql: no statement named %s\n", argv[1]);
    return 1;
}
