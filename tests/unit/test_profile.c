/* test_profile.c — the profile rows against docs/decisions.md "The
 * knobs". Each expectation is copied from that table (or, for R1/R2, from
 * docs/profiles.md with its source), not from the code. */
#include "dt_test.h"
#include "engine/profile.h"

#include <stdio.h>

typedef struct knob_row {
  const char *name;
  dt__empty_location empty_location; /* 1 */
  int follow_identical;              /* 2 */
  int differing_error;               /* 3 */
  unsigned max_redirects;            /* 4 */
  int synthetic_counts;              /* 4b */
  dt__origin_rule origin_rule;       /* 5 */
  uint64_t max_age_cap;              /* 6 (7 is no knob: no effect) */
  dt__preload_mode preload_rule;     /* 8 */
  int rp_case_insensitive;           /* R1 */
  int synthetic_referrer;            /* R2 */
  /* 9: the HTTP/2 shape (docs/profiles.md, docs/http2.md) */
  const char *h2_settings; /* "id=value ..." in order */
  uint32_t h2_window;
  const char *h2_pseudo;
  int h2_weight; /* 0: no HEADERS priority */
  const char *h2_priority;
  int h2_te;
  int cache_permanent;   /* 12 */
  int samesite_chain;    /* 13 */
  int lax_by_default;    /* 14 */
  int block_third_party; /* 15 */
} knob_row;

static const knob_row rows[] = {
    /* chromium: "final response, hop notes empty Location"; follow; error;
     * follows at most 19; yes; null; 1 year; deeper decides; a 301 kept
     * for good; initiator and current URL; Lax by default; third parties
     * blocked. */
    {"chromium",
     DT__EMPTY_LOCATION_FINAL,
     1,
     1,
     19,
     1,
     DT__ORIGIN_NULL_ON_CROSS_ORIGIN,
     31536000u,
     DT__PRELOAD_MOST_SPECIFIC,
     1,
     1,
     "1=65536 2=0 4=6291456 6=262144",
     15728640u,
     "masp",
     256,
     "u=0, i",
     0,
     1,
     0,
     1,
     1},
    /* fetch: resolves to the current URL; network error; network error;
     * follows 20; no; initiator origin; none; any ancestor; heuristic
     * freshness; the whole chain; no Lax by default; allowed. */
    {"fetch",
     DT__EMPTY_LOCATION_SELF,
     0,
     1,
     20,
     0,
     DT__ORIGIN_REDIRECT_TAINT,
     0,
     DT__PRELOAD_ANY_ANCESTOR,
     0,
     0,
     "1=65536 2=0 4=6291456 6=262144",
     15728640u,
     "masp",
     256,
     "u=0, i",
     0,
     1,
     1,
     0,
     0},
    /* firefox (measured on Firefox ESR 153): as fetch (loops to the
     * limit); follow; error; follows 20; yes; initiator origin; no 1-year
     * cap (100 years as the overflow bound); any ancestor; a 301 without
     * freshness not kept; the whole chain; no Lax by default; third
     * parties blocked (not measured). */
    {"firefox",
     DT__EMPTY_LOCATION_SELF,
     1,
     1,
     20,
     1,
     DT__ORIGIN_REDIRECT_TAINT,
     3153600000u,
     DT__PRELOAD_ANY_ANCESTOR,
     1,
     1,
     "1=65536 2=0 4=131072 5=16384",
     12582912u,
     "mpas",
     0,
     "u=0, i",
     1,
     0,
     1,
     0,
     1},
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
    CHECK_INT(p->preload_rule, r->preload_rule);
    CHECK_INT(p->referrer_policy_case_insensitive, r->rp_case_insensitive);
    CHECK_INT(p->synthetic_hop_recomputes_referrer, r->synthetic_referrer);
    char set[200] = "";
    size_t n = 0;
    for (size_t k = 0; k < 8 && p->h2.settings[k].id; k++)
      n += (size_t)snprintf(set + n, sizeof set - n, "%s%u=%u", k ? " " : "",
                            p->h2.settings[k].id, p->h2.settings[k].value);
    CHECK_STR(set, r->h2_settings);
    CHECK_INT(p->h2.conn_window, r->h2_window);
    CHECK_STR(p->h2.pseudo_order, r->h2_pseudo);
    CHECK_INT(p->h2.headers_priority ? p->h2.weight : 0, r->h2_weight);
    CHECK_STR(p->h2.priority, r->h2_priority);
    CHECK_INT(p->h2.te_trailers, r->h2_te);
    CHECK_INT(p->redirect_cache_permanent, r->cache_permanent);
    CHECK_INT(p->samesite_whole_chain, r->samesite_chain);
    CHECK_INT(p->samesite_lax_by_default, r->lax_by_default);
    CHECK_INT(p->block_third_party_cookies, r->block_third_party);
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
  /* knob 11 (docs/https-upgrades.md): Chromium's HTTPS-Upgrades, none in
   * the standards, Firefox's HTTPS-First */
  CHECK_STR(dt__profile_find("chromium")->https_upgrades.name,
            "HTTPS-Upgrades");
  CHECK(dt__profile_find("fetch")->https_upgrades.name == NULL);
  CHECK_STR(dt__profile_find("firefox")->https_upgrades.name, "HTTPS-First");
  /* knobs 16, 17, 17b and fetch()'s Priority (docs/profiles.md): a br or
   * zstd body over plain http is an error (Chromium measured), raw
   * (Firefox measured) or decoded (Fetch "handle content codings");
   * fetch() to a Location with userinfo fails everywhere (Chromium
   * measured) or only off the page's origin (Fetch steps 9-10, Firefox),
   * and only Firefox answers the 401 with them (measured). */
  static const struct {
    const char *name;
    dt__unoffered_coding coding;
    dt__api_location_credentials creds;
    int retry;
    const char *priority, *priority_api, *accept_language;
  } wire[] = {
      {"chromium", DT__UNOFFERED_ERROR, DT__API_CREDENTIALS_ERROR, 0, NULL,
       NULL, "en-US,en;q=0.9"},
      {"fetch", DT__UNOFFERED_DECODE, DT__API_CREDENTIALS_CROSS_ORIGIN_ERROR, 0,
       NULL, NULL, "en-US,en;q=0.9"},
      {"firefox", DT__UNOFFERED_RAW, DT__API_CREDENTIALS_CROSS_ORIGIN_ERROR, 1,
       "u=0, i", "u=4", "en-US,en;q=0.5"},
  };
  for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++) {
    const dt__profile *p = dt__profile_find(wire[i].name);
    CHECK_INT(p->unoffered_coding, wire[i].coding);
    CHECK_INT(p->api_location_credentials, wire[i].creds);
    CHECK_INT(p->api_auth_retry, wire[i].retry);
    if (wire[i].priority)
      CHECK_STR(p->request.priority, wire[i].priority);
    else
      CHECK(p->request.priority == NULL);
    if (wire[i].priority_api)
      CHECK_STR(p->request.priority_api, wire[i].priority_api);
    else
      CHECK(p->request.priority_api == NULL);
    CHECK_STR(p->request.accept_language, wire[i].accept_language);
    /* no client hints from Firefox */
    CHECK((p->request.ch_ua == NULL) == (i == 2));
  }
  /* chromium is the default (docs/decisions.md). */
  CHECK(dt__profile_default() == dt__profile_find("chromium"));
  return dt_test_summary("test_profile");
}
