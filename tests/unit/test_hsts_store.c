/* test_hsts_store.c — the dynamic store (hsts/store.c): keys, matching,
 * expiry, noting headers, eviction, management, no allocation per lookup.
 *
 * Rules of docs/hsts.md §2 covered here:
 *   2  IP literals refused (v4, v6, bracketed, hex)     canon rows "rule 2"
 *   3  localhost / *.localhost refused, never matched   canon rows, lookup
 *   8  an invalid header leaves the store unchanged     note rows "rule 8"
 *   15 max-age=0 deletes exactly the host               note rows "rule 15"
 *   16 replace exact entry; never a superdomain's       note rows "rule 16"
 *   17 expired never matches, pruned lazily             expiry block
 *   18 canonical A-labels; non-ASCII refused            canon rows "rule 18"
 *   19 trailing dots; only dots invalid                 canon rows "rule 19"
 *   20 label > 63, name > 253 refused                   canon rows "rule 20"
 *   21 whole labels only                                match rows "rule 21"
 *   22 walk superdomains; closer entry doesn't hide     match rows "rule 22"
 * CVE regressions: CVE-2022-30115 (trailing dot), CVE-2022-42916 and
 * CVE-2022-43551 (IDN forms), CVE-2024-9681 (subdomain header changing the
 * parent's expiry). curl#21847 (parallel runs wiping the shared file) is in
 * test_hsts_store_file.c. */
#include "hsts/store.h"

#include <stdlib.h>

#include "dt_test.h"

static int64_t now_v = 1700000000000;
static int64_t fake_now(void *ud) { return *(int64_t *)ud; }

typedef struct canon_row {
  const char *rule, *in;
  dt__host_reason want;
  const char *key;
} canon_row;

static char long_label[80], long_name[300], ok_name[260];

static const canon_row canon_rows[] = {
    {"rule 18", "Example.COM", DT__HOST_OK, "example.com"},
    {"rule 18", "xn--bcher-kva.example", DT__HOST_OK, "xn--bcher-kva.example"},
    {"rule 18", "XN--BCHER-KVA.example.", DT__HOST_OK, "xn--bcher-kva.example"},
    {"rule 18",
     "b\xc3\xbc"
     "cher.example",
     DT__HOST_NON_ASCII, NULL},
    {"rule 18", "\xef\xbc\xa1.test", DT__HOST_NON_ASCII, NULL},
    {"rule 19", "example.com.", DT__HOST_OK, "example.com"},
    {"rule 19", "example.com...", DT__HOST_OK, "example.com"},
    {"rule 19", ".", DT__HOST_ONLY_DOTS, NULL},
    {"rule 19", "...", DT__HOST_ONLY_DOTS, NULL},
    {"rule 19", "", DT__HOST_EMPTY, NULL},
    {"rule 19", ".example.com", DT__HOST_EMPTY_LABEL, NULL},
    {"rule 19", "a..example.com", DT__HOST_EMPTY_LABEL, NULL},
    {"rule 2", "192.168.0.1", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "1.2.3.4.", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "0x7f.1", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "127.1", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "[::1]", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "::1", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "fe80::1%eth0", DT__HOST_IP_LITERAL, NULL},
    {"rule 2", "1.2.3.example", DT__HOST_OK, "1.2.3.example"},
    {"rule 3", "localhost", DT__HOST_LOCALHOST, NULL},
    {"rule 3", "LOCALHOST.", DT__HOST_LOCALHOST, NULL},
    {"rule 3", "app.localhost", DT__HOST_LOCALHOST, NULL},
    {"rule 3", "notlocalhost", DT__HOST_OK, "notlocalhost"},
    {"rule 3", "localhost.example", DT__HOST_OK, "localhost.example"},
    {"chars", "a b.test", DT__HOST_BAD_CHAR, NULL},
    {"chars", "a/b.test", DT__HOST_BAD_CHAR, NULL},
    {"chars", "a\x01.test", DT__HOST_BAD_CHAR, NULL},
    {"chars", "a_b-c.test", DT__HOST_OK, "a_b-c.test"},
};

typedef struct add_row {
  const char *host;
  int isd;
} add_row;
typedef struct match_row {
  const char *rule, *query;
  int known;
  dt__hsts_reason reason;
  const char *entry;
} match_row;

static const add_row adds[] = {
    {"example.com", 0},     {"sub.example.com", 1}, {"isd.test", 1},
    {"deep.a.isd.test", 0}, {"only.test", 0},       {"x.y.only.test", 0},
};
static const match_row matches[] = {
    {"rule 21", "example.com", 1, DT__HSTS_R_EXACT, "example.com"},
    {"rule 21", "badexample.com", 0, DT__HSTS_R_NO_ENTRY, ""},
    {"rule 21", "xisd.test", 0, DT__HSTS_R_NO_ENTRY, ""},
    {"rule 22", "a.example.com", 0, DT__HSTS_R_ANCESTOR_NO_SUBDOMAINS,
     "example.com"},
    {"rule 22", "sub.example.com", 1, DT__HSTS_R_EXACT, "sub.example.com"},
    {"rule 22", "a.b.sub.example.com", 1, DT__HSTS_R_ANCESTOR,
     "sub.example.com"},
    {"rule 22", "a.isd.test", 1, DT__HSTS_R_ANCESTOR, "isd.test"},
    /* a closer entry without includeSubDomains does not hide the ancestor */
    {"rule 22", "z.deep.a.isd.test", 1, DT__HSTS_R_ANCESTOR, "isd.test"},
    {"rule 22", "deep.a.isd.test", 1, DT__HSTS_R_EXACT, "deep.a.isd.test"},
    {"rule 22", "y.only.test", 0, DT__HSTS_R_ANCESTOR_NO_SUBDOMAINS,
     "only.test"},
    {"rule 19", "EXAMPLE.com.", 1, DT__HSTS_R_EXACT, "example.com"},
    {"rule 19", "a.isd.test..", 1, DT__HSTS_R_ANCESTOR, "isd.test"},
    {"rule 3", "localhost", 0, DT__HSTS_R_INELIGIBLE, ""},
    {"none", "other.test", 0, DT__HSTS_R_NO_ENTRY, ""},
    {"none", "com", 0, DT__HSTS_R_NO_ENTRY, ""},
};

typedef struct jlog {
  char text[512];
} jlog;
static int journal_cb(const dt__hsts_change *c, void *ud) {
  jlog *j = ud;
  size_t n = strlen(j->text);
  snprintf(j->text + n, sizeof j->text - n, "%c%s ", c->deleted ? '-' : '+',
           c->e.host);
  return 0;
}

static int count_cb(const dt__hsts_entry *e, void *ud) {
  (void)e;
  (*(int *)ud)++;
  return 0;
}

/* The lookup's one-pass fast path must give exactly what the slow path
 * (dt__host_canon + the suffix loop) gives, on names built to hit every
 * edge: case, trailing/leading/double dots, numeric and 0x last labels,
 * localhost, long labels and names, and bytes outside the fast alphabet. */
static void fast_path_agrees(void) {
  static const char *parts[] = {
      "a",
      "B",
      "com",
      "0",
      "12",
      "0x1f",
      "-",
      "_",
      "x",
      "LOCALHOST",
      "localhost",
      ".",
      "..",
      "é",
      "%",
      "[",
      ":",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
  const size_t np = sizeof parts / sizeof parts[0];
  uint32_t seed = 42;
  int bad = 0;
  for (int t = 0; t < 200000; t++) {
    char host[600];
    size_t len = 0;
    seed = seed * 1103515245u + 12345u;
    int k = 1 + (int)((seed >> 16) % 9);
    for (int j = 0; j < k; j++) {
      seed = seed * 1103515245u + 12345u;
      const char *p = parts[(seed >> 16) % np];
      size_t pl = strlen(p);
      if (len + pl + 1 >= sizeof host) break;
      memcpy(host + len, p, pl);
      len += pl;
      seed = seed * 1103515245u + 12345u;
      if (j + 1 < k && (seed >> 16) % 4) host[len++] = '.';
    }
    if (t % 50 == 0) { /* long names, near 253 */
      len = 0;
      while (len < 250 + (size_t)(t % 8)) {
        host[len++] = 'a';
        host[len++] = '.';
      }
      host[len++] = 'b';
    }
    char k1[DT_MAX_HOST_BYTES + 1], k2[DT_MAX_HOST_BYTES + 1];
    size_t n1 = 0, n2 = 0, l1 = 0, l2 = 0;
    uint32_t h1[DT__HSTS_MAX_LABELS], h2[DT__HSTS_MAX_LABELS];
    uint16_t a1[DT__HSTS_MAX_LABELS], a2[DT__HSTS_MAX_LABELS];
    dt__host_reason w1, w2;
    int r1 = dt__hsts_lookup_key(host, len, 1, k1, &n1, h1, a1, &l1, &w1);
    int r2 = dt__hsts_lookup_key(host, len, 0, k2, &n2, h2, a2, &l2, &w2);
    int same = r1 == r2 && w1 == w2;
    if (same && r1)
      same = n1 == n2 && memcmp(k1, k2, n1) == 0 && l1 == l2 &&
             memcmp(h1, h2, l1 * sizeof *h1) == 0 &&
             memcmp(a1, a2, l1 * sizeof *a1) == 0;
    if (!same && bad++ < 5)
      fprintf(stderr, "fast path disagrees on '%.*s'\n", (int)len, host);
  }
  CHECK_INT(bad, 0);
}

/* A lookup without a decision skips copying the entry out; it must answer
 * exactly as one with a decision, and prune the same expired entries.
 * Two stores built alike, the same queries: exact names, subdomains, near
 * misses (an ancestor without includeSubDomains), expired entries, case. */
static void no_decision_agrees(void) {
  dt_clock clk = {fake_now, &now_v};
  dt__hsts_store *a = NULL, *b = NULL;
  CHECK_INT(dt__hsts_store_new(&a, 0, &clk), 0);
  CHECK_INT(dt__hsts_store_new(&b, 0, &clk), 0);
  char h[128];
  for (int i = 0; i < 3000; i++) {
    int l = snprintf(h, sizeof h, "%sn%d.%s", i % 4 == 0 ? "www." : "", i,
                     i % 7 == 0 ? "co.uk" : "test");
    /* every 5th expired, every 3rd with includeSubDomains; a few one-label
     * and very long names */
    int64_t exp = i % 5 == 0 ? now_v - 1 : now_v + 100000;
    if (i % 500 == 0) l = snprintf(h, sizeof h, "single%d", i);
    if (i % 700 == 0)
      l = snprintf(h, sizeof h,
                   "a-rather-long-label-%d.beyond-the-inline-"
                   "name.test",
                   i);
    CHECK_INT(dt__hsts_store_add(a, h, (size_t)l, i % 3 == 0, exp, now_v, NULL),
              0);
    CHECK_INT(dt__hsts_store_add(b, h, (size_t)l, i % 3 == 0, exp, now_v, NULL),
              0);
  }
  int bad = 0;
  uint32_t seed = 7;
  for (int t = 0; t < 20000; t++) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)((seed >> 8) % 3200);
    static const char *pre[] = {"", "x.", "a.b.", "WWW.", "api.www."};
    int l =
        snprintf(h, sizeof h, "%s%sn%d.%s", pre[(seed >> 4) % 5],
                 i % 4 == 0 ? "www." : "", i, i % 7 == 0 ? "co.uk" : "test");
    if (t % 97 == 0) l = snprintf(h, sizeof h, "x.single%d", (i / 500) * 500);
    if (t % 89 == 0)
      l = snprintf(h, sizeof h,
                   "sub.a-rather-long-label-%d.beyond-the-"
                   "inline-name.test",
                   (i / 700) * 700);
    dt__hsts_decision d;
    int ka = dt__hsts_store_lookup(a, h, (size_t)l, NULL);
    int kb = dt__hsts_store_lookup(b, h, (size_t)l, &d);
    if ((ka != kb || kb != d.known) && bad++ < 5)
      fprintf(stderr, "no-decision lookup disagrees on '%s'\n", h);
  }
  CHECK_INT(bad, 0);
  CHECK_INT(dt__hsts_store_count(a), dt__hsts_store_count(b));
  dt__hsts_store_free(a);
  dt__hsts_store_free(b);
}

int main(void) {
  fast_path_agrees();
  no_decision_agrees();
  memset(long_label, 'a', 64);
  memset(long_name, 0, sizeof long_name);
  for (int i = 0; i < 127; i++)
    memcpy(long_name + 2 * i, "a.", 2);
  long_name[254] = 0; /* 254 chars: "a.a.…a." → 253 after the dot? */
  memcpy(long_name + 253, "b", 2); /* 254 characters, no trailing dot */
  for (int i = 0; i < 126; i++)
    memcpy(ok_name + 2 * i, "a.", 2);
  memcpy(ok_name + 252, "b", 2); /* 253 characters */

  char key[DT_MAX_HOST_BYTES + 1];
  size_t kl;
  for (size_t i = 0; i < sizeof canon_rows / sizeof canon_rows[0]; i++) {
    const canon_row *r = &canon_rows[i];
    dt__host_reason got = dt__host_canon(r->in, strlen(r->in), key, &kl);
    if (got != r->want)
      fprintf(stderr, "canon row %zu (%s) [%s]: %s\n", i, r->rule, r->in,
              dt__host_reason_name(got));
    CHECK_INT(got, r->want);
    if (r->key && got == DT__HOST_OK) CHECK_STR(key, r->key);
    if (got != DT__HOST_OK) CHECK_INT(kl, 0);
  }
  /* rule 20 */
  CHECK_INT(dt__host_canon(long_label, 64, key, &kl), DT__HOST_LABEL_TOO_LONG);
  CHECK_INT(dt__host_canon(long_label, 63, key, &kl), DT__HOST_OK);
  CHECK_INT(dt__host_canon(long_name, strlen(long_name), key, &kl),
            DT__HOST_NAME_TOO_LONG);
  CHECK_INT(strlen(ok_name), 253);
  CHECK_INT(dt__host_canon(ok_name, 253, key, &kl), DT__HOST_OK);
  CHECK_INT(dt__host_canon(NULL, 0, key, &kl), DT__HOST_EMPTY);

  dt_clock clk = {fake_now, &now_v};
  dt__hsts_store *s;
  CHECK_INT(dt__hsts_store_new(&s, 0, &clk), 0);
  int64_t far = now_v + 1000000;
  for (size_t i = 0; i < sizeof adds / sizeof adds[0]; i++)
    CHECK_INT(dt__hsts_store_add(s, adds[i].host, strlen(adds[i].host),
                                 adds[i].isd, far, now_v, NULL),
              0);
  CHECK_INT(dt__hsts_store_count(s), 6);
  for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
    const match_row *m = &matches[i];
    dt__hsts_decision d;
    int k = dt__hsts_store_lookup(s, m->query, strlen(m->query), &d);
    if (k != m->known || d.reason != m->reason ||
        strcmp(d.entry.host, m->entry) != 0)
      fprintf(stderr, "match row %zu (%s) [%s]: known %d reason %s entry %s\n",
              i, m->rule, m->query, k, dt__hsts_reason_name(d.reason),
              d.entry.host);
    CHECK_INT(k, m->known);
    CHECK_INT(d.known, m->known);
    CHECK_INT(d.reason, m->reason);
    CHECK_STR(d.entry.host, m->entry);
  }
  dt__hsts_decision d;
  CHECK_INT(dt__hsts_store_lookup(s, "localhost", 9, &d), 0);
  CHECK_INT(d.host_reason, DT__HOST_LOCALHOST);
  dt__host_reason why;
  /* The store refuses ineligible names as a second line of defence. */
  CHECK_INT(dt__hsts_store_add(s, "app.localhost", 13, 1, far, now_v, &why),
            DT_EINVAL);
  CHECK_INT(why, DT__HOST_LOCALHOST);
  CHECK_INT(dt__hsts_store_add(s, "10.0.0.1", 8, 1, far, now_v, &why),
            DT_EINVAL);
  CHECK_INT(why, DT__HOST_IP_LITERAL);
  CHECK_INT(dt__hsts_store_add(s, "[::1]", 5, 1, far, now_v, &why), DT_EINVAL);
  dt__hsts_store_free(s);

  /* ---- noting headers (rules 8, 15, 16; CVE-2024-9681) ---- */
  dt__hsts_store_new(&s, 0, &clk);
  dt__hsts_note_result nr;
  const uint64_t cap = DT__STS_CHROMIUM_CAP;
  CHECK_INT(dt__hsts_note(s, "example.com", 11,
                          "max-age=1000; includeSubDomains", 31, now_v, cap,
                          &nr),
            0);
  CHECK_INT(nr.outcome, DT__HSTS_NOTED);
  CHECK_INT(nr.entry.expires_ms, now_v + 1000000);
  CHECK_INT(nr.entry.include_subdomains, 1);
  /* CVE-2024-9681: a subdomain's header never changes the parent's expiry. */
  CHECK_INT(dt__hsts_note(s, "x.example.com", 13, "max-age=5", 9, now_v + 10,
                          cap, &nr),
            0);
  CHECK_INT(dt__hsts_store_lookup(s, "example.com", 11, &d), 1);
  CHECK_INT(d.entry.expires_ms, now_v + 1000000);
  CHECK_INT(d.entry.include_subdomains, 1);
  /* rule 15: max-age=0 on a subdomain deletes only the subdomain. */
  CHECK_INT(dt__hsts_note(s, "x.example.com", 13,
                          "max-age=0; includeSubDomains", 28, now_v, cap, &nr),
            0);
  CHECK_INT(nr.outcome, DT__HSTS_DELETED);
  CHECK_INT(dt__hsts_store_lookup(s, "example.com", 11, &d), 1);
  CHECK_INT(d.reason, DT__HSTS_R_EXACT);
  CHECK_INT(dt__hsts_store_lookup(s, "x.example.com", 13, &d), 1);
  CHECK_INT(d.reason, DT__HSTS_R_ANCESTOR);
  CHECK_INT(dt__hsts_note(s, "child.example.com", 17, "max-age=0", 9, now_v,
                          cap, &nr),
            0);
  CHECK_INT(nr.outcome, DT__HSTS_NOTHING);
  CHECK_INT(dt__hsts_store_count(s), 1);
  /* rule 8: an invalid header changes nothing (wget2 deleted). */
  CHECK_INT(dt__hsts_note(s, "example.com", 11, "includeSubDomains", 17, now_v,
                          cap, &nr),
            DT_EPARSE);
  CHECK_INT(nr.outcome, DT__HSTS_REJECTED);
  CHECK_INT(nr.sts.code, DT__STS_NO_MAX_AGE);
  CHECK_INT(dt__hsts_store_lookup(s, "example.com", 11, &d), 1);
  CHECK_INT(d.entry.include_subdomains, 1);
  /* rule 16: absent includeSubDomains clears a stored true. */
  CHECK_INT(dt__hsts_note(s, "example.com.", 12, "max-age=50", 10, now_v + 7,
                          cap, &nr),
            0);
  CHECK_INT(dt__hsts_store_lookup(s, "EXAMPLE.COM", 11, &d), 1);
  CHECK_INT(d.entry.include_subdomains, 0);
  CHECK_INT(d.entry.expires_ms, now_v + 7 + 50000);
  CHECK_INT(d.entry.observed_ms, now_v + 7);
  CHECK_INT(dt__hsts_store_lookup(s, "x.example.com", 13, &d), 0);
  /* max-age=0 deletes the exact host (rule 15) */
  CHECK_INT(
      dt__hsts_note(s, "example.com", 11, "max-age=0", 9, now_v, cap, &nr), 0);
  CHECK_INT(nr.outcome, DT__HSTS_DELETED);
  CHECK_INT(dt__hsts_store_lookup(s, "example.com", 11, &d), 0);
  CHECK_INT(d.reason, DT__HSTS_R_NO_ENTRY);
  /* rules 2, 3: headers from ineligible hosts are refused. */
  CHECK_INT(dt__hsts_note(s, "localhost", 9, "max-age=5", 9, now_v, cap, &nr),
            DT_EINVAL);
  CHECK_INT(nr.outcome, DT__HSTS_REFUSED_HOST);
  CHECK_INT(nr.host_reason, DT__HOST_LOCALHOST);
  CHECK_INT(dt__hsts_note(s, "127.0.0.1", 9, "max-age=5", 9, now_v, cap, &nr),
            DT_EINVAL);
  CHECK_INT(nr.host_reason, DT__HOST_IP_LITERAL);
  /* rule 10 in the store: a clamp saturates the expiry, never wraps. */
  const char *huge = "max-age=99999999999999999999999999999";
  CHECK_INT(dt__hsts_note(s, "big.test", 8, huge, strlen(huge), now_v, 0, &nr),
            0);
  CHECK(nr.entry.expires_ms > now_v);
  CHECK_INT(
      dt__hsts_note(s, "cap.test", 8, huge, strlen(huge), now_v, cap, &nr), 0);
  CHECK_INT(nr.entry.expires_ms, now_v + (int64_t)cap * 1000);

  /* CVE-2022-30115: learned with a trailing dot, looked up without (and the
   * reverse). */
  dt__hsts_note(s, "dot.test.", 9, "max-age=100", 11, now_v, cap, &nr);
  CHECK_INT(dt__hsts_store_lookup(s, "dot.test", 8, &d), 1);
  dt__hsts_note(s, "nodot.test", 10, "max-age=100", 11, now_v, cap, &nr);
  CHECK_INT(dt__hsts_store_lookup(s, "nodot.test.", 11, &d), 1);
  /* CVE-2022-42916 / CVE-2022-43551: one canonical A-label form; case
   * variants agree, raw UTF-8 is refused with a reason rather than stored
   * under a second key. */
  dt__hsts_note(s, "XN--BCHER-KVA.test", 18, "max-age=100", 11, now_v, cap,
                &nr);
  CHECK_INT(nr.outcome, DT__HSTS_NOTED);
  CHECK_STR(nr.entry.host, "xn--bcher-kva.test");
  CHECK_INT(dt__hsts_store_lookup(s, "xn--bcher-kva.test.", 19, &d), 1);
  CHECK_INT(dt__hsts_store_lookup(s,
                                  "b\xc3\xbc"
                                  "cher.test",
                                  10, &d),
            0);
  CHECK_INT(d.reason, DT__HSTS_R_INELIGIBLE);
  CHECK_INT(d.host_reason, DT__HOST_NON_ASCII);
  CHECK_INT(dt__hsts_note(s,
                          "b\xc3\xbc"
                          "cher.test",
                          10, "max-age=100", 11, now_v, cap, &nr),
            DT_EINVAL);
  CHECK_INT(nr.host_reason, DT__HOST_NON_ASCII);
  dt__hsts_store_free(s);

  /* ---- expiry (rule 17) ---- */
  dt__hsts_store_new(&s, 0, &clk);
  int64_t t0 = now_v;
  dt__hsts_store_add(s, "exp.test", 8, 1, t0 + 1000, t0, NULL);
  CHECK_INT(dt__hsts_store_lookup(s, "a.exp.test", 10, &d), 1);
  now_v = t0 + 1000; /* now == expiry: still valid (expired when now > it) */
  CHECK_INT(dt__hsts_store_lookup(s, "exp.test", 8, &d), 1);
  now_v = t0 + 1001;
  int n = 0;
  dt__hsts_store_each(s, count_cb, &n);
  CHECK_INT(n, 0); /* listing hides expired entries */
  CHECK_INT(dt__hsts_store_lookup(s, "a.exp.test", 10, &d), 0);
  CHECK_INT(d.reason, DT__HSTS_R_EXPIRED);
  CHECK_STR(d.entry.host, "exp.test");
  CHECK_INT(dt__hsts_store_count(s), 0); /* pruned lazily */
  CHECK_INT(dt__hsts_store_lookup(s, "exp.test", 8, &d), 0);
  CHECK_INT(d.reason, DT__HSTS_R_NO_ENTRY);
  now_v = t0;
  dt__hsts_store_free(s);

  /* ---- bounded, LRU eviction; a noted entry wins over its own eviction ----
   */
  dt__hsts_store_new(&s, 3, &clk);
  dt__hsts_store_add(s, "a.test", 6, 0, far, now_v, NULL);
  dt__hsts_store_add(s, "b.test", 6, 0, far, now_v, NULL);
  dt__hsts_store_add(s, "c.test", 6, 0, far, now_v, NULL);
  CHECK_INT(dt__hsts_store_lookup(s, "a.test", 6, &d), 1); /* a is now MRU */
  dt__hsts_note(s, "d.test", 6, "max-age=10", 10, now_v, cap, &nr);
  CHECK_INT(nr.outcome, DT__HSTS_NOTED);
  CHECK_INT(dt__hsts_store_count(s), 3);
  CHECK_INT(dt__hsts_store_lookup(s, "b.test", 6, &d), 0); /* LRU evicted */
  CHECK_INT(dt__hsts_store_lookup(s, "a.test", 6, &d), 1);
  CHECK_INT(dt__hsts_store_lookup(s, "d.test", 6, &d), 1);
  dt__hsts_store_set_max_entries(s, 1);
  CHECK_INT(dt__hsts_store_count(s), 1);
  CHECK_INT(dt__hsts_store_lookup(s, "d.test", 6, &d), 1); /* MRU kept */
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(s, &st);
  CHECK_INT(st.evictions, 3);
  dt__hsts_store_free(s);

  /* Tombstones (deletions journalled for the shared file) never evict a
   * live entry: max-age=0 from hosts we never knew, in a full store. */
  dt__hsts_store_new(&s, 2, &clk);
  dt__hsts_store_add(s, "keep1.test", 10, 0, far, now_v, NULL);
  dt__hsts_store_add(s, "keep2.test", 10, 0, far, now_v, NULL);
  for (int i = 0; i < 5; i++) {
    char h[32];
    int l = snprintf(h, sizeof h, "gone%d.test", i);
    CHECK_INT(dt__hsts_store_delete(s, h, (size_t)l), 0);
  }
  CHECK_INT(dt__hsts_store_count(s), 2);
  CHECK_INT(dt__hsts_store_lookup(s, "keep1.test", 10, &d), 1);
  CHECK_INT(dt__hsts_store_lookup(s, "keep2.test", 10, &d), 1);
  dt__hsts_store_get_stats(s, &st);
  CHECK_INT(st.tombstones, 2); /* bounded by max_entries */
  CHECK_INT(st.evictions, 0);
  /* Deleting known entries over and over stays bounded too: the oldest
   * deletion is forgotten (found by the fuzzer: tombstones grew without
   * bound when live entries were deleted between saves). */
  dt__hsts_store *tb;
  dt__hsts_store_new(&tb, 2, &clk);
  for (int i = 0; i < 6; i++) {
    char h[32];
    int l = snprintf(h, sizeof h, "t%d.test", i);
    dt__hsts_store_add(tb, h, (size_t)l, 0, far, now_v, NULL);
    CHECK_INT(dt__hsts_store_delete(tb, h, (size_t)l), 1);
  }
  dt__hsts_store_stats tst;
  dt__hsts_store_get_stats(tb, &tst);
  CHECK_INT(tst.tombstones, 2);
  jlog tj = {{0}};
  dt__hsts_store_each_change(tb, journal_cb, &tj);
  CHECK(strstr(tj.text, "-t5.test") && strstr(tj.text, "-t4.test"));
  CHECK(!strstr(tj.text, "-t3.test"));
  dt__hsts_store_set_max_entries(tb, 1);
  dt__hsts_store_get_stats(tb, &tst);
  CHECK_INT(tst.tombstones, 1);
  dt__hsts_store_free(tb);
  /* A deleted host noted again revives as the MRU entry and evicts the LRU. */
  CHECK_INT(dt__hsts_store_delete(s, "keep1.test", 10), 1);
  CHECK_INT(dt__hsts_store_count(s), 1);
  dt__hsts_store_add(s, "new.test", 8, 0, far, now_v, NULL);
  dt__hsts_store_add(s, "keep1.test", 10, 1, far, now_v, NULL);
  CHECK_INT(dt__hsts_store_count(s), 2);
  CHECK_INT(dt__hsts_store_lookup(s, "keep2.test", 10, &d), 0); /* LRU out */
  CHECK_INT(dt__hsts_store_lookup(s, "a.keep1.test", 12, &d), 1);
  n = 0;
  dt__hsts_store_each(s, count_cb, &n);
  CHECK_INT(n, 2);
  dt__hsts_store_free(s);

  /* ---- management: delete, delete by observed range, clear, list ---- */
  dt__hsts_store_new(&s, 0, &clk);
  for (int i = 0; i < 10; i++) {
    char h[32];
    int l = snprintf(h, sizeof h, "h%d.test", i);
    dt__hsts_store_add(s, h, (size_t)l, i % 2, far, 1000 + i, NULL);
  }
  CHECK_INT(dt__hsts_store_delete(s, "h0.test", 7), 1);
  CHECK_INT(dt__hsts_store_delete(s, "h0.test", 7), 0);
  CHECK_INT(dt__hsts_store_delete(s, "..", 2), DT_EINVAL);
  CHECK_INT(dt__hsts_store_delete_observed_between(s, 1003, 1005), 3);
  CHECK_INT(dt__hsts_store_count(s), 6);
  n = 0;
  dt__hsts_store_each(s, count_cb, &n);
  CHECK_INT(n, 6);
  dt__hsts_store_clear(s);
  CHECK_INT(dt__hsts_store_count(s), 0);
  CHECK_INT(dt__hsts_store_lookup(s, "h9.test", 7, &d), 0);
  dt__hsts_store_free(s);

  /* ---- no allocation per lookup (counted by the store's own allocator
   * wrapper: every malloc/realloc it makes goes through one function) ---- */
  dt__hsts_store_new(&s, 0, &clk);
  for (int i = 0; i < 5000; i++) {
    char h[64];
    int l = snprintf(h, sizeof h, "www.site%d.example", i);
    dt__hsts_store_add(s, h, (size_t)l, i % 3 == 0, far, now_v, NULL);
  }
  dt__hsts_store_get_stats(s, &st);
  size_t before = st.alloc_calls;
  int hits = 0;
  for (int i = 0; i < 20000; i++) {
    char h[80];
    int l = snprintf(h, sizeof h, "a.b.www.site%d.example", i % 10000);
    hits += dt__hsts_store_lookup(s, h, (size_t)l, &d);
  }
  dt__hsts_store_get_stats(s, &st);
  CHECK_INT(st.alloc_calls, before);
  CHECK(hits > 0);
  dt__hsts_store_free(s);

  /* ---- the journal that store_file.c merges with (docs/hsts-store-format.md)
   */
  dt__hsts_store_new(&s, 0, &clk);
  dt__hsts_store_add(s, "j1.test", 7, 0, far, 100, NULL);
  dt__hsts_store_add(s, "j2.test", 7, 1, far, 200, NULL);
  dt__hsts_store_add(s, "j3.test", 7, 0, far, 300, NULL);
  CHECK_INT(dt__hsts_store_lookup(s, "j1.test", 7, &d), 1); /* j1 now MRU */
  CHECK_INT(dt__hsts_store_delete(s, "j3.test", 7), 1);
  CHECK_INT(dt__hsts_store_delete(s, "never-seen.test", 15), 0);
  jlog jl = {0};
  dt__hsts_store_each_change(s, journal_cb, &jl);
  /* tombstones first, then live changes least recently used first */
  CHECK_STR(jl.text, "-j3.test -never-seen.test +j2.test +j1.test ");
  const int64_t *rg;
  CHECK_INT(dt__hsts_store_ranges(s, &rg), 0);
  dt__hsts_store_delete_observed_between(s, 150, 250);
  CHECK_INT(dt__hsts_store_ranges(s, &rg), 1);
  CHECK_INT(rg[0], 150);
  CHECK_INT(rg[1], 250);
  dt__hsts_store_journal_reset(s);
  jl.text[0] = 0;
  dt__hsts_store_each_change(s, journal_cb, &jl);
  CHECK_STR(jl.text, "");
  CHECK_INT(dt__hsts_store_ranges(s, &rg), 0);
  dt__hsts_store_get_stats(s, &st);
  CHECK_INT(st.tombstones, 0);
  /* merge rules: the later observation wins; merges are not journalled */
  dt__hsts_entry me = {.host = "j1.test",
                       .include_subdomains = 1,
                       .expires_ms = far,
                       .observed_ms = 50};
  CHECK_INT(dt__hsts_store_merge_entry(s, &me), 0); /* older than ours */
  me.observed_ms = 150;
  CHECK_INT(dt__hsts_store_merge_entry(s, &me), 1);
  CHECK_INT(dt__hsts_store_lookup(s, "x.j1.test", 9, &d), 1);
  dt__hsts_store_each_change(s, journal_cb, &jl);
  CHECK_STR(jl.text, "");
  dt__hsts_store_merge_delete(s, "j1.test", 149); /* before the entry */
  CHECK_INT(dt__hsts_store_lookup(s, "j1.test", 7, &d), 1);
  dt__hsts_store_merge_delete(s, "j1.test", 150);
  CHECK_INT(dt__hsts_store_lookup(s, "j1.test", 7, &d), 0);
  me =
      (dt__hsts_entry){.host = "m.test", .expires_ms = far, .observed_ms = 500};
  dt__hsts_store_merge_entry(s, &me);
  dt__hsts_store_merge_range(s, 400, 600);
  CHECK_INT(dt__hsts_store_lookup(s, "m.test", 6, &d), 0);
  /* Range deletions are bounded: past 1024 the last one widens. */
  for (int i = 0; i < 1100; i++)
    dt__hsts_store_delete_observed_between(s, 1000 + 10 * i, 1005 + 10 * i);
  CHECK_INT(dt__hsts_store_ranges(s, &rg), 1024);
  CHECK_INT(rg[2 * 1023 + 1], 1005 + 10 * 1099);
  /* take: S gets FROM's content and keeps its own limit and clock */
  dt__hsts_store *from;
  dt__hsts_store_new(&from, 0, NULL);
  for (int i = 0; i < 5; i++) {
    char h[32];
    int l = snprintf(h, sizeof h, "t%d.test", i);
    dt__hsts_store_add(from, h, (size_t)l, 0, far, now_v, NULL);
  }
  dt__hsts_store_set_max_entries(s, 3);
  dt__hsts_store_take(s, from); /* frees FROM */
  CHECK_INT(dt__hsts_store_count(s), 3);
  CHECK_INT(dt__hsts_store_lookup(s, "t4.test", 7, &d), 1); /* MRU kept */
  CHECK_INT(dt__hsts_store_lookup(s, "t0.test", 7, &d), 0);
  CHECK_INT(dt__hsts_store_now(s), now_v); /* still the fake clock */
  dt__hsts_store_free(s);

  /* ---- shrink gives back growth slack and keeps every entry ---- */
  dt__hsts_store_new(&s, 0, &clk);
  for (int i = 0; i < 1500; i++) {
    char h[64];
    int l = snprintf(h, sizeof h, "shrink%d.example", i);
    dt__hsts_store_add(s, h, (size_t)l, 0, far, now_v, NULL);
  }
  dt__hsts_store_get_stats(s, &st);
  size_t big = st.bytes;
  dt__hsts_store_shrink(s);
  dt__hsts_store_get_stats(s, &st);
  CHECK(st.bytes < big);
  int ok = 1;
  for (int i = 0; i < 1600; i++) { /* and it grows again */
    char h[64];
    int l = snprintf(h, sizeof h, "shrink%d.example", i);
    if (i >= 1500) dt__hsts_store_add(s, h, (size_t)l, 0, far, now_v, NULL);
    if (dt__hsts_store_lookup(s, h, (size_t)l, NULL) != 1) ok = 0;
  }
  CHECK(ok);
  dt__hsts_store_free(s);

  /* ---- churn: many adds and deletes keep the table and arena consistent */
  dt__hsts_store_new(&s, 1000, &clk);
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 1500; i++) {
      char h[64];
      int l = snprintf(h, sizeof h, "r%d-%d.churn.test", round, i);
      dt__hsts_store_add(s, h, (size_t)l, 0, far, now_v, NULL);
      if (i % 3 == 0) dt__hsts_store_delete(s, h, (size_t)l);
    }
    dt__hsts_store_journal_reset(s);
  }
  CHECK(dt__hsts_store_count(s) <= 1000);
  ok = 1;
  for (int i = 1000; i < 1500; i++) {
    char h[64];
    int l = snprintf(h, sizeof h, "r19-%d.churn.test", i);
    if (dt__hsts_store_lookup(s, h, (size_t)l, NULL) != (i % 3 != 0)) ok = 0;
  }
  CHECK(ok);
  dt__hsts_store_free(s);
  return dt_test_summary("test_hsts_store");
}
