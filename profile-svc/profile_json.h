/*  profile_json.h - the reply shapes only profile-svc has: profile.stats.
    A profile itself (the owner's, the public one, the short summary) is
    written by common/profile_row.h, which every worker that shows profiles
    shares. Pure functions: no SQL, no I/O. */
#ifndef P2P_PROFILE_JSON_H
#define P2P_PROFILE_JSON_H

#include <jansson.h>

#include "profile_row.h"

/*  profile.stats: profile_id, the counters, completion_rate, avg_rating.
    New reference (caller decrefs). */
json_t *profile_json_stats(const profile_row_t *row);

#endif
