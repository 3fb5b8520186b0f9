/*  test_catalog.c - trade-svc/catalog.h without a database: as many
    currencies as the table holds (it used to keep the first 64 and drop the
    rest, so a fiat currency vanished once operators had added enough), and
    entries that stay where they are across refreshes (order rows keep
    pointers to them). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "clock.h"

static catalog_currency_t *
s_fiats(size_t count)
{
    catalog_currency_t *items = calloc(count, sizeof *items);
    cr_assert_not_null(items);
    for (size_t i = 0; i < count; i++) {
        snprintf(items[i].code, sizeof items[i].code, "F%04u", (unsigned) (i % 10000));
        items[i].decimals = (int) (i % 3);
        items[i].active = true;
    }
    return items;
}

Test(catalog, holds_every_currency_of_the_table)
{
    catalog_t *catalog = catalog_new();
    cr_assert_not_null(catalog);
    catalog_currency_t *items = s_fiats(300);
    cr_assert_eq(catalog_set(catalog, false, items, 300, clock_mono_ms()), 0);
    for (size_t i = 0; i < 300; i++) {
        const catalog_currency_t *c = catalog_fiat(catalog, items[i].code);
        cr_assert_not_null(c, "%s is known", items[i].code);
        cr_expect_eq(c->decimals, items[i].decimals);
    }
    cr_expect_null(catalog_asset(catalog, "F0001"), "assets and fiats are apart");
    cr_expect_null(catalog_fiat(catalog, "NOPE"));
    free(items);
    catalog_destroy(&catalog);
    cr_expect_null(catalog);
}

Test(catalog, a_refresh_updates_entries_in_place)
{
    catalog_t *catalog = catalog_new();
    catalog_currency_t *items = s_fiats(40);
    cr_assert_eq(catalog_set(catalog, false, items, 40, clock_mono_ms()), 0);
    const catalog_currency_t *held = catalog_fiat(catalog, "F0007");
    cr_assert_not_null(held);
    /* the operator switches F0007 off, deletes the last row, adds 100 */
    catalog_currency_t *more = s_fiats(140);
    more[7].active = false;
    more[7].decimals = 2;
    catalog_currency_t *rows = calloc(139, sizeof *rows);
    memcpy(rows, more, 39 * sizeof *rows);
    memcpy(rows + 39, more + 40, 100 * sizeof *rows);
    cr_assert_eq(catalog_set(catalog, false, rows, 139, clock_mono_ms()), 0);
    cr_expect_eq(catalog_fiat(catalog, "F0007"), held, "the same entry, updated");
    cr_expect(!held->active && held->decimals == 2);
    const catalog_currency_t *gone = catalog_fiat(catalog, "F0039");
    cr_assert_not_null(gone, "a row that went stays known");
    cr_expect(!gone->active, "but inactive");
    cr_expect_not_null(catalog_fiat(catalog, "F0139"));
    free(items);
    free(more);
    free(rows);
    catalog_destroy(&catalog);
}
