/* test_profile.c — the profile rows against docs/decisions.md "The
 * knobs". Each expectation is copied from that table (or, for R1/R2, from
 * docs/profiles.md with its source), not from the code. */
#include "dt_test.h"
#include "engine/profile.h"

typedef struct knob_row {
  const char *name;
  dt__empty_location empty_location; /* 1 */
  int follow_identical;              /* 2 */
  int differing_error;               /* 3 */
  unsigned max_redirects;            /* 4 */
  int synthetic_counts;              /* 4b */
  dt__origin_rule origin_rule;       /* 5 */
  uint64_t max_age_cap;              /* 6 */
  int zero_knocks_out;               /* 7 */
  dt__preload_mode preload_rule;     /* 8 */
  int rp_case_insensitive;           /* R1 */
  int synthetic_referrer;            /* R2 */
} knob_row;

static const knob_row rows[] = {
    /* chromium: "final response, hop notes empty Location"; follow; error;
     * follows at most 19; yes; null; 1 year; no effect; deeper decides. */
    {"chromium", DT__EMPTY_LOCATION_FINAL, 1, 1, 19, 1,
     DT__ORIGIN_NULL_ON_CROSS_ORIGIN, 31536000u, 0, DT__PRELOAD_MOST_SPECIFIC,
     1, 1},
    /* fetch: resolves to the current URL; network error; network error;
     * follows 20; no; initiator origin; none; no effect; any ancestor. */
    {"fetch", DT__EMPTY_LOCATION_SELF, 0, 1, 20, 0, DT__ORIGIN_REDIRECT_TAINT,
     0, 0, DT__PRELOAD_ANY_ANCESTOR, 0, 0},
    /* firefox: as chromium; follow; error; as chromium; yes; initiator
     * origin; 100 years; knockout; any ancestor. */
    {"firefox", DT__EMPTY_LOCATION_FINAL, 1, 1, 19, 1,
     DT__ORIGIN_REDIRECT_TAINT, 3153600000u, 1, DT__PRELOAD_ANY_ANCESTOR, 1, 1},
};

int main(void) {
  CHECK_INT(dt__profile_count(), sizeof rows / sizeof rows[0]);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const knob_row *r = &rows[i];
    const dt__profile *p = dt__profile_find(r->name);
    CHECK(p != NULL);
    if (p == NULL) continue;
    CHECK_STR(p->name, r->name);
    CHECK(p->summary != NULL && p->summary[0] != '\0');
    CHECK_INT(p->empty_location, r->empty_location);
    CHECK_INT(p->follow_identical_locations, r->follow_identical);
    CHECK_INT(p->differing_locations_error, r->differing_error);
    CHECK_INT(p->max_redirects, r->max_redirects);
    CHECK_INT(p->synthetic_hops_count, r->synthetic_counts);
    CHECK_INT(p->origin_rule, r->origin_rule);
    CHECK_INT(p->hsts_max_age_cap, r->max_age_cap);
    CHECK_INT(p->hsts_max_age_zero_knocks_out_preload, r->zero_knocks_out);
    CHECK_INT(p->preload_rule, r->preload_rule);
    CHECK_INT(p->referrer_policy_case_insensitive, r->rp_case_insensitive);
    CHECK_INT(p->synthetic_hop_recomputes_referrer, r->synthetic_referrer);
    /* dt__profile_at walks the same rows in the same order. */
    CHECK(dt__profile_at(i) == p);
  }
  /* Lookup: case-insensitive; unknown and NULL names are not profiles. */
  CHECK(dt__profile_find("Chromium") == dt__profile_find("chromium"));
  CHECK(dt__profile_find("FETCH") == dt__profile_find("fetch"));
  CHECK(dt__profile_find("chrome") == NULL);
  CHECK(dt__profile_find("") == NULL);
  CHECK(dt__profile_find("chromium ") == NULL);
  CHECK(dt__profile_find(NULL) == NULL);
  CHECK(dt__profile_at(dt__profile_count()) == NULL);
  /* chromium is the default (docs/decisions.md). */
  CHECK(dt__profile_default() == dt__profile_find("chromium"));
  return dt_test_summary("test_profile");
}
