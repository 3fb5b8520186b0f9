/*  trade_sql.h - SQL fragments every trade-svc repository shares, so a time
    or an amount is printed the same way in every reply. Repositories build
    their replies' JSON in PostgreSQL (json_build_object): amounts leave the
    database as text with exactly their currency's decimals, never through a
    C double. */
#ifndef P2P_TRADE_SQL_H
#define P2P_TRADE_SQL_H

/*  A timestamptz as RFC 3339 UTC with milliseconds (NULL stays NULL). */
#define TRADE_SQL_TIME(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/*  An amount printed with exactly `decimals` decimals ("0.01500000", "151"). */
#define TRADE_SQL_AMOUNT(col, decimals) "round((" col "), " decimals ")::text"

/*  An order not yet final (order_fsm.c's non-final states): its chat is
    open, its escrow held, its payment account shown to the parties. */
#define TRADE_SQL_OPEN_STATUSES "('PENDING_PAYMENT', 'PAID', 'DISPUTED')"

/*  Effectively suspended: a suspension whose until has passed no longer applies. */
#define TRADE_SQL_SUSPENDED(p) \
    "(" p ".is_suspended AND (" p ".suspended_until IS NULL OR " p ".suspended_until > now()))"

/*  A profile's completion rate as the contract defines it (CONTRACT.md
    "profile.stats"): completed * 100 / total, two decimals, 0 without trades. */
#define TRADE_SQL_COMPLETION_RATE(p)                                                   \
    "(CASE WHEN " p ".total_trades > 0 THEN round(" p ".completed_trades * 100.0 / " p \
    ".total_trades, 2) ELSE 0 END)"

/*  A trader's public summary: what anyone may see of a maker or a party
    (never contact details). The same figures as profile.stats. */
#define TRADE_SQL_PARTY_JSON(p)                                                                          \
    "json_build_object('id', " p ".id, 'username', " p ".username, 'is_verified', " p ".is_verified, "   \
    "'is_merchant', " p ".is_merchant, 'completed_trades', " p ".completed_trades, "                     \
    "'total_trades', " p                                                                                 \
    ".total_trades, 'completion_rate', " TRADE_SQL_COMPLETION_RATE(p) ", "                               \
                                                                      "'avg_rating', " p                 \
                                                                      ".avg_rating, 'total_reviews', " p \
                                                                      ".total_reviews)"

#endif
