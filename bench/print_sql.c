/*  print_sql.c - prints the SQL text of one of profile-svc's prepared
    statements (by name), exactly as the worker prepares it, so the bench's
    pgbench baseline runs the service's own query and follows it when
    profile_repo.c changes. usage: p2p-bench-sql profile_by_user */
#include <stdio.h>
#include <string.h>

#include "profile_repo.h"

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: p2p-bench-sql STATEMENT_NAME\n");
        return 2;
    }
    size_t count = 0;
    const db_statement_t *statements = profile_repo_statements(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(statements[i].name, argv[1]) == 0) {
            printf("%s\n", statements[i].sql);
            return 0;
        }
    fprintf(stderr, "p2p-bench-sql: no statement named %s\n", argv[1]);
    return 1;
}
