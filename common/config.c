/*  config.c - load the CONFIG_LIST table from the environment. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_STR, S_INT } s_kind_t;
#define S_KIND_STR S_STR
#define S_KIND_INT S_INT

typedef struct {
    const char *env;
    s_kind_t kind;
    const char *def;
    long min, max;
    const char *desc;
    size_t offset;
} s_key_t;

static const s_key_t s_keys[] = {
#define X(field, env, type, def, min, max, desc) \
    {env, S_KIND_##type, def, min, max, desc, offsetof(config_t, field)},
    CONFIG_LIST(X)
#undef X
};

int
config_load(config_t *cfg, err_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++) {
        const s_key_t *key = &s_keys[i];
        const char *value = getenv(key->env);
        if (!value || !*value)
            value = key->def;
        char *slot = (char *) cfg + key->offset;
        if (key->kind == S_STR) {
            *(char **) slot = strdup(value);
            continue;
        }
        char *end;
        errno = 0;
        long n = strtol(value, &end, 10);
        if (errno || end == value || *end || n < key->min || n > key->max) {
            config_free(cfg);
            return err_set(err, ERR_INVALID, "%s must be an integer from %ld to %ld", key->env, key->min,
                           key->max);
        }
        *(int *) slot = (int) n;
    }
    return 0;
}

void
config_free(config_t *cfg)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        if (s_keys[i].kind == S_STR) {
            char **slot = (char **) ((char *) cfg + s_keys[i].offset);
            free(*slot);
            *slot = NULL;
        }
}

void
config_print_example(void)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        printf("# %s\n%s=%s\n\n", s_keys[i].desc, s_keys[i].env, s_keys[i].def);
}

const char *
config_default(const char *env)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        if (strcmp(s_keys[i].env, env) == 0)
            return s_keys[i].def;
    return NULL;
}
