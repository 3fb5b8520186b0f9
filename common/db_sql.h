/*  db_sql.h - SQL fragments every repository writes the same way, so a
    value reads the same whichever worker selected it. */
#ifndef P2P_DB_SQL_H
#define P2P_DB_SQL_H

/*  A timestamptz column as RFC 3339 UTC text, under its own name
    (ROW_KIND_TIME): "2025-01-15T10:30:00Z". col is a string literal. */
#define DB_SQL_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS " col

#endif
