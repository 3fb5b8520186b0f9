/*  trade_app.c - the process object's small helpers (see trade_app.h). */
#include "trade_app.h"

int64_t
trade_app_scaled_ms(const trade_app_t *app, int64_t minutes)
{
    int scale = app->cfg->trade_time_scale > 0 ? app->cfg->trade_time_scale : 1;
    return minutes * 60 * 1000 / scale;
}
