/* test_preload_agree.c — the blob lookup agrees exactly with a plain
 * reference matcher (sorted array of names + bsearch, written here without
 * the blob's code) over every entry of the 2026-06-01 list, their parents,
 * random subdomains, host-form variants and 1 M random names, in both
 * matching modes (docs/decisions.md knob 8). Also compiles the list with other
 * block sizes, so block boundaries fall elsewhere, and with the suffix
 * filter saturated, so every ancestor goes through the block scan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dt_test.h"
#include "hsts/base/file.h"
#include "hsts/base/json.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

typedef struct ref_ent {
  const char *name;
  int incsub;
} ref_ent;

static ref_ent *g_ref;
static size_t g_nref;

static int cmp_ref(const void *a, const void *b) {
  return strcmp(((const ref_ent *)a)->name, ((const ref_ent *)b)->name);
}

/* -1 absent, else include_subdomains. */
static int ref_find(const char *name) {
  ref_ent k = {name, 0};
  ref_ent *r = bsearch(&k, g_ref, g_nref, sizeof *g_ref, cmp_ref);
  return r ? r->incsub : -1;
}

typedef struct ref_res {
  int known;
  dt__preload_reason reason;
  const char *name; /* points into the host */
  int incsub;
} ref_res;

/* The reference: walk from the host to each ancestor (RFC 6797 §8.2),
 * collecting entries; then apply the profile's rule. HOST is canonical. */
static ref_res ref_match(const char *host, dt__preload_mode mode) {
  ref_res r = {0, DT__PRELOAD_R_NO_ENTRY, NULL, 0};
  /* Not a name at all: empty, > 253, an empty label or one > 63 bytes. */
  size_t hl = strlen(host), lab = 0;
  int bad = hl == 0 || hl > 253;
  for (size_t i = 0; i <= hl && !bad; i++) {
    if (i == hl || host[i] == '.') {
      bad = lab == 0 || lab > 63;
      lab = 0;
    } else {
      lab++;
    }
  }
  if (bad) {
    r.reason = DT__PRELOAD_R_BAD_HOST;
    return r;
  }
  const char *deep = NULL, *inc_anc = NULL;
  int deep_inc = 0, exact = 0, seen_inc_above_deep = 0;
  for (const char *s = host; s;
       s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
    int f = ref_find(s);
    if (f < 0) continue;
    if (!deep) {
      deep = s;
      deep_inc = f;
      exact = s == host;
    } else if (f) {
      seen_inc_above_deep = 1;
    }
    if (s != host && f && !inc_anc) inc_anc = s;
  }
  if (!deep) return r;
  if (exact) {
    r = (ref_res){1, DT__PRELOAD_R_EXACT, deep, deep_inc};
  } else if (mode == DT__PRELOAD_MOST_SPECIFIC) {
    if (deep_inc)
      r = (ref_res){1, DT__PRELOAD_R_ANCESTOR, deep, 1};
    else
      r = (ref_res){0,
                    seen_inc_above_deep ? DT__PRELOAD_R_CANCELLED
                                        : DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS,
                    deep, 0};
  } else if (inc_anc) {
    r = (ref_res){1, DT__PRELOAD_R_ANCESTOR, inc_anc, 1};
  } else {
    r = (ref_res){0, DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS, deep, 0};
  }
  return r;
}

static size_t g_checked, g_known, g_mismatch;

/* Looks HOST up in both modes and compares. INPUT may differ from the
 * canonical HOST (uppercase, trailing dots). */
static void agree(const dt__preload *p, const char *input, const char *host) {
  for (int mode = 0; mode < 2; mode++) {
    dt__preload_match m;
    int k =
        dt__preload_lookup(p, input, strlen(input), (dt__preload_mode)mode, &m);
    ref_res r = ref_match(host, (dt__preload_mode)mode);
    g_checked++;
    g_known += (size_t)k;
    int ok = k == r.known && m.known == r.known && m.reason == r.reason &&
             (r.name ? strcmp(m.name, r.name) == 0 &&
                           m.include_subdomains == r.incsub
                     : m.name[0] == '\0');
    if (!ok) {
      if (g_mismatch++ < 10)
        fprintf(stderr,
                "MISMATCH mode %d \"%s\": blob known=%d %s \"%s\" inc=%d; "
                "ref known=%d %s \"%s\" inc=%d\n",
                mode, input, k, dt__preload_reason_name(m.reason), m.name,
                m.include_subdomains, r.known,
                dt__preload_reason_name(r.reason), r.name ? r.name : "",
                r.incsub);
    }
  }
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}
static void rand_label(char *out, size_t maxlen) {
  static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
  size_t n = 1 + rnd() % maxlen;
  for (size_t i = 0; i < n; i++)
    out[i] = al[rnd() % (i == 0 || i == n - 1 ? 36 : 37)];
  out[n] = '\0';
}

/* The whole file, with the library's bounded reader (NULL on failure). */
static char *read_file(const char *path, size_t *len) {
  char *b = NULL;
  return dt__file_read(path, 1u << 30, &b, len, NULL) ? NULL : b;
}

/* Every STRIDE-th entry (1: all of them), then N_RANDOM random names. */
static void run_all(const dt__preload *p, size_t stride, size_t n_random) {
  char buf[600], up[600];
  /* Every entry, its parents, random subdomains, host-form variants. */
  for (size_t i = 0; i < g_nref; i += stride) {
    const char *n = g_ref[i].name;
    agree(p, n, n);
    for (const char *s = strchr(n, '.'); s; s = strchr(s + 1, '.'))
      agree(p, s + 1, s + 1);
    char l[64];
    rand_label(l, 12);
    snprintf(buf, sizeof buf, "%s.%s", l, n);
    agree(p, buf, buf);
    rand_label(l, 5);
    char buf2[700];
    snprintf(buf2, sizeof buf2, "%s.%s", l, buf);
    agree(p, buf2, buf2);
    /* A near miss: "x" + name must not match name (xa.test vs a.test). */
    snprintf(buf, sizeof buf, "x%s", n);
    agree(p, buf, buf);
    if (i % 16 == 0) { /* uppercase + trailing dots give the same answer */
      size_t k = 0;
      for (; n[k]; k++)
        up[k] =
            (n[k] >= 'a' && n[k] <= 'z' && k % 2) ? (char)(n[k] - 32) : n[k];
      up[k++] = '.';
      up[k++] = '.';
      up[k] = '\0';
      agree(p, up, n);
    }
  }
  /* Random names: random labels over random list suffixes, and pure noise. */
  for (size_t i = 0; i < n_random; i++) {
    char a[64], b[64];
    rand_label(a, 10);
    const char *base = g_ref[rnd() % g_nref].name;
    const char *dot = strchr(base, '.');
    switch (rnd() % 4) {
    case 0: snprintf(buf, sizeof buf, "%s.%s", a, dot ? dot + 1 : base); break;
    case 1:
      rand_label(b, 3);
      snprintf(buf, sizeof buf, "%s.%s.%s", b, a, base);
      break;
    case 2:
      rand_label(b, 4);
      snprintf(buf, sizeof buf, "%s.%s", a, b);
      break;
    default: snprintf(buf, sizeof buf, "%s", a); break;
    }
    agree(p, buf, buf);
  }
}

int main(void) {
  const char *jpath =
      DETOUR_BUILD_DIR "/preload/transport_security_state_static.json";
  size_t jlen = 0;
  char *json = read_file(jpath, &jlen);
  CHECK(json != NULL);
  if (!json) {
    fprintf(stderr, "cannot read %s (build the detour_preload_blob target)\n",
            jpath);
    return dt_test_summary("test_preload_agree");
  }
  /* The reference set, read with the JSON reader only. */
  dt__json_doc *doc = NULL;
  CHECK_INT(dt__json_parse(&doc, json, jlen, DT_JSON_ALLOW_COMMENTS, NULL), 0);
  const dt__json *ents = dt__json_get(dt__json_root(doc), "entries");
  g_ref = calloc(dt__json_count(ents), sizeof *g_ref);
  size_t skipped_ip = 0;
  for (const dt__json *e = dt__json_first(ents); e; e = dt__json_next(e)) {
    const char *nm = dt__json_string(dt__json_get(e, "name"), NULL);
    /* The compiler skips a name whose last label is a number (an IPv4
     * address: the list has "1.0.0.1"); the reference does too. */
    const char *last = strrchr(nm, '.') ? strrchr(nm, '.') + 1 : nm;
    if (strspn(last, "0123456789") == strlen(last)) {
      skipped_ip++;
      continue;
    }
    g_ref[g_nref].name = nm;
    g_ref[g_nref++].incsub =
        dt__json_bool(dt__json_get(e, "include_subdomains"));
  }
  qsort(g_ref, g_nref, sizeof *g_ref, cmp_ref);
  CHECK_INT(g_nref, 94599);
  CHECK_INT(skipped_ip, 1);

  /* 1. The blob the build embedded (default.bin), opened untrusted. */
  dt__preload *p = NULL;
  dt__preload_error err;
  int rc =
      dt__preload_open_file(&p, DETOUR_BUILD_DIR "/preload/default.bin", &err);
  CHECK_INT(rc, 0);
  if (rc == 0) {
    dt__preload_info info;
    dt__preload_get_info(p, &info);
    CHECK_INT(info.entries, 94599);
    CHECK_INT(info.include_subdomains, 94350);
    CHECK_INT(info.overrides, 0); /* the list has force-https entries only */
    CHECK_STR(info.list_date, "2026-06-01");
    /* What docs/embedding.md promises a context costs besides the blob:
     * the pair table (78 KB) and the smaller tables, under 112 KB. */
    CHECK_(info.derived_bytes > 78 * 1024 && info.derived_bytes < 112 * 1024,
           "derived %zu bytes", info.derived_bytes);
    clock_t t0 = clock();
    run_all(p, 1, 1000000);
    printf("default blob: %zu lookups compared (%zu known), %zu mismatches, "
           "%.2f s\n",
           g_checked, g_known, g_mismatch,
           (double)(clock() - t0) / CLOCKS_PER_SEC);
    CHECK_INT(g_mismatch, 0);
    CHECK(g_known > 500000); /* the mix really exercises hits */
    dt__preload_free(p);
  }

  /* 2. Compiling the list again here gives the same bytes as the build's
   * default.bin: the writer is deterministic, which the untrusted open
   * relies on (it rewrites a blob's keys and compares). Then the same
   * blob with the filter bypassed (DT__PRELOAD_NO_FILTER): every ancestor
   * of every host is searched in the blocks, as if each were a false
   * positive, so the block search alone must still agree. */
  {
    dt__preload_compile_opts o = {20605};
    unsigned char *blob = NULL;
    size_t blen = 0, dlen = 0;
    CHECK_INT(dt__preload_compile(json, jlen, &o, &blob, &blen, NULL, &err), 0);
    char *def = read_file(DETOUR_BUILD_DIR "/preload/default.bin", &dlen);
    CHECK(def != NULL && blob != NULL && dlen == blen &&
          memcmp(def, blob, blen) == 0);
    free(def);
    rc = blob
             ? dt__preload_open_mem(&p, blob, blen, DT__PRELOAD_NO_FILTER, &err)
             : -1;
    CHECK_INT(rc, 0);
    if (rc == 0) {
      g_checked = g_known = g_mismatch = 0;
      run_all(p, 5, 50000);
      printf("filter bypassed: %zu lookups compared, %zu mismatches\n",
             g_checked, g_mismatch);
      CHECK_INT(g_mismatch, 0);
      dt__preload_free(p);
    }
    free(blob);
  }
  free(g_ref);
  dt__json_free(doc);
  free(json);
  return dt_test_summary("test_preload_agree");
}
