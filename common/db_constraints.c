/*  db_constraints.c - the fields each constraint covers, and the 400 a
    violation becomes (see db_constraints.h).

    The table is a plain array searched linearly: a schema has tens of
    constraints and a lookup happens only when a statement has already failed. */
#include "db_constraints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  pg_constraint's columns come from conkey; a unique index that backs no
    constraint (e.g. on lower(username)) lists its columns in pg_depend,
    expressions included. Only tables in the search path: the ones our
    statements name without a schema. */
const char *const DB_CONSTRAINT_CATALOG_SQL =
    "SELECT t.relname, c.conname,"
    " (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a"
    "   WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))"
    " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
    " WHERE t.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY (current_schemas(false)))"
    " UNION ALL "
    "SELECT t.relname, i.relname,"
    " (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a"
    "   WHERE a.attrelid = x.indrelid AND a.attnum IN"
    "     (SELECT d.refobjsubid FROM pg_depend d"
    "       WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid"
    "         AND d.refclassid = 'pg_class'::regclass AND d.refobjid = x.indrelid))"
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
    " WHERE x.indisunique"
    "   AND t.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY (current_schemas(false)))"
    "   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = "
    "x.indrelid)";

typedef struct {
    char *table;
    char *name;
    char *columns;
} s_entry_t;

struct db_constraints {
    s_entry_t *entries;
    size_t count;
    size_t capacity;
};

db_constraints_t *
db_constraints_new(void)
{
    return calloc(1, sizeof(db_constraints_t));
}

void
db_constraints_clear(db_constraints_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        free(self->entries[i].table);
        free(self->entries[i].name);
        free(self->entries[i].columns);
    }
    self->count = 0;
}

void
db_constraints_destroy(db_constraints_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_constraints_clear(*self_p);
    free((*self_p)->entries);
    free(*self_p);
    *self_p = NULL;
}

int
db_constraints_add(db_constraints_t *self, const char *table, const char *name, const char *columns)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 32;
        s_entry_t *grown = realloc(self->entries, capacity * sizeof *grown);
        if (!grown)
            return -1;
        self->entries = grown;
        self->capacity = capacity;
    }
    s_entry_t entry = {strdup(table), strdup(name), strdup(columns)};
    if (!entry.table || !entry.name || !entry.columns) {
        free(entry.table);
        free(entry.name);
        free(entry.columns);
        return -1;
    }
    self->entries[self->count++] = entry;
    return 0;
}

const char *
db_constraints_columns(const db_constraints_t *self, const char *table, const char *name)
{
    if (!self || !table || !name)
        return NULL;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->entries[i].name, name) == 0 && strcmp(self->entries[i].table, table) == 0)
            return self->entries[i].columns;
    return NULL;
}

/*  "'a'" or "'a', 'b'" from "a" or "a,b"; true when there is more than one. */
static int
s_quote_list(const char *columns, char *buf, size_t size)
{
    size_t used = 0;
    int many = 0;
    buf[0] = '\0';
    for (const char *p = columns; *p && used < size;) {
        size_t len = strcspn(p, ",");
        int n = snprintf(buf + used, size - used, "%s'%.*s'", used ? ", " : "", (int) len, p);
        if (n < 0)
            break;
        used += (size_t) n;
        p += len;
        if (*p == ',') {
            p++;
            many = 1;
        }
    }
    return many;
}

/*  What the rule says about the value, by SQLSTATE. */
static const char *
s_rule_text(const char *sqlstate, int many)
{
    if (strcmp(sqlstate, "23502") == 0)
        return many ? "are required" : "is required";
    if (strcmp(sqlstate, "23505") == 0)
        return many ? "duplicate a combination already in use" : "duplicates a value already in use";
    if (strcmp(sqlstate, "23503") == 0)
        return "refers to something that does not exist";
    return many ? "hold a combination that is not allowed" : "has a value that is not allowed";
}

int
db_constraints_error(const db_constraints_t *self, const char *sqlstate, const char *table,
                     const char *constraint, const char *column, err_t *err)
{
    if (!sqlstate || strncmp(sqlstate, "23", 2) != 0)
        return 0;
    const char *columns = column && *column ? column : db_constraints_columns(self, table, constraint);
    if (columns && *columns) {
        char list[ERR_MSG_MAX];
        int many = s_quote_list(columns, list, sizeof list);
        err_set(err, ERR_INVALID, "%s %s %s", many ? "fields" : "field", list, s_rule_text(sqlstate, many));
    }
    else
        err_set(err, ERR_INVALID, "a field has a value that is not allowed (constraint '%s')",
                constraint && *constraint ? constraint : "unknown");
    return 1;
}
