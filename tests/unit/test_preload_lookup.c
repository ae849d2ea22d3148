/* test_preload_lookup.c — matching rules as table rows (docs/decisions.md knob
 * 8, the host-form rules of "Settled for every profile"), the list's date
 * and the 70-day freshness rule against an injected clock; then a list in
 * the shape of Chromium's genuine file (comments, pinsets, policy, pins-only
 * and Expect-CT-only entries under force-https ancestors) checked over many
 * generated hosts against a reference matcher written here from Chromium's
 * decoder rule, for both decision rules. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dt_test.h"
#include "hsts/base/json.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

static const char *list =
    "// a small list covering each rule\n"
    "{\"entries\": [\n"
    "{\"name\": \"dev\", \"mode\": \"force-https\", \"include_subdomains\": "
    "true},\n"
    "{\"name\": \"foo\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"a.test\", \"mode\": \"force-https\", \"include_subdomains\": "
    "true},\n"
    "{\"name\": \"b.a.test\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"d.c.b.a.test\", \"mode\": \"force-https\", "
    "\"include_subdomains\": true},\n"
    "{\"name\": \"exact.test\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"x-y.test\", \"mode\": \"force-https\", "
    "\"include_subdomains\": true},\n"
    "{\"name\": \"pins.test\", \"pins\": \"google\"},\n"
    "{\"name\": \"ovr.a.test\", \"include_subdomains\": true, \"pins\": "
    "\"google\"},\n"
    "{\"name\": \"sub.example.dev\", \"mode\": \"force-https\"},\n"
    "{\"name\": \"1.0.0.1\", \"mode\": \"force-https\"}\n"
    "]}";

#define CH DT__PRELOAD_MOST_SPECIFIC
#define FX DT__PRELOAD_ANY_ANCESTOR

typedef struct row {
  const char *host;
  int mode;
  int known;
  dt__preload_reason reason;
  const char *name; /* entry reported ("" none) */
  int incsub;
  const char *cancelled;
} row;

#define R(r) DT__PRELOAD_R_##r
static const row rows[] = {
    /* Exact entries, with and without include_subdomains. */
    {"a.test", CH, 1, R(EXACT), "a.test", 1, ""},
    {"exact.test", CH, 1, R(EXACT), "exact.test", 0, ""},
    {"exact.test", FX, 1, R(EXACT), "exact.test", 0, ""},
    {"dev", CH, 1, R(EXACT), "dev", 1, ""},
    /* Subdomains. */
    {"www.a.test", CH, 1, R(ANCESTOR), "a.test", 1, ""},
    {"www.exact.test", CH, 0, R(ANCESTOR_NO_SUBDOMAINS), "exact.test", 0, ""},
    {"www.exact.test", FX, 0, R(ANCESTOR_NO_SUBDOMAINS), "exact.test", 0, ""},
    {"example.dev", CH, 1, R(ANCESTOR), "dev", 1, ""},
    {"x.y.z.example.dev", FX, 1, R(ANCESTOR), "dev", 1, ""},
    {"bar.foo", CH, 0, R(ANCESTOR_NO_SUBDOMAINS), "foo", 0, ""},
    /* Knob 8: b.a.test has no include_subdomains under a.test which has. */
    {"b.a.test", CH, 1, R(EXACT), "b.a.test", 0, ""},
    {"c.b.a.test", CH, 0, R(CANCELLED), "b.a.test", 0, "a.test"},
    {"c.b.a.test", FX, 1, R(ANCESTOR), "a.test", 1, ""},
    {"z.c.b.a.test", CH, 0, R(CANCELLED), "b.a.test", 0, "a.test"},
    /* ... and a deeper entry with include_subdomains decides again. */
    {"e.d.c.b.a.test", CH, 1, R(ANCESTOR), "d.c.b.a.test", 1, ""},
    {"e.d.c.b.a.test", FX, 1, R(ANCESTOR), "d.c.b.a.test", 1, ""},
    {"sub.example.dev", CH, 1, R(EXACT), "sub.example.dev", 0, ""},
    {"x.sub.example.dev", CH, 0, R(CANCELLED), "sub.example.dev", 0, "dev"},
    {"x.sub.example.dev", FX, 1, R(ANCESTOR), "dev", 1, ""},
    /* Host forms: case and trailing dots; xa.test never matches a.test. */
    {"WWW.A.Test", CH, 1, R(ANCESTOR), "a.test", 1, ""},
    {"a.test.", CH, 1, R(EXACT), "a.test", 1, ""},
    {"a.test...", FX, 1, R(EXACT), "a.test", 1, ""},
    {"xa.test", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"a.testx", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"x-y.test", CH, 1, R(EXACT), "x-y.test", 1, ""},
    {"x.test", CH, 0, R(NO_ENTRY), "", 0, ""},
    {"test", CH, 0, R(NO_ENTRY), "", 0, ""},
    /* Pins only (no mode): an override, which decides "no HSTS" for its
     * subtree under chromium and is not in fetch/firefox's lists. */
    {"pins.test", CH, 0, R(OVERRIDDEN), "pins.test", 0, ""},
    {"pins.test", FX, 0, R(NO_ENTRY), "", 0, ""},
    {"x.pins.test", CH, 0, R(OVERRIDDEN), "pins.test", 0, ""},
    {"ovr.a.test", CH, 0, R(OVERRIDDEN), "ovr.a.test", 0, "a.test"},
    {"x.y.ovr.a.test", CH, 0, R(OVERRIDDEN), "ovr.a.test", 0, "a.test"},
    {"ovr.a.test", FX, 1, R(ANCESTOR), "a.test", 1, ""},
    {"x.ovr.a.test", FX, 1, R(ANCESTOR), "a.test", 1, ""},
    /* An IPv4 name is skipped by the compiler (never looked up). */
    {"1.0.0.1", CH, 0, R(NO_ENTRY), "", 0, ""},
    /* Not names. */
    {"", CH, 0, R(BAD_HOST), "", 0, ""},
    {".", CH, 0, R(BAD_HOST), "", 0, ""},
    {".a.test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a..test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a test", CH, 0, R(BAD_HOST), "", 0, ""},
    {"[::1]", CH, 0, R(BAD_HOST), "", 0, ""},
    {"a.test:443", CH, 0, R(BAD_HOST), "", 0, ""},
    {"1234567890123456789012345678901234567890123456789012345678901234.a.test",
     CH, 0, R(BAD_HOST), "", 0, ""},
};

/* ---- Chromium's file, as Chromium reads it ------------------------------
 * A list in the genuine file's shape: the licence comment, pinsets,
 * "policy", entries that are pins-only or Expect-CT-only (no "mode") under
 * force-https ancestors with include_subdomains, a pins-only entry without
 * include_subdomains, a force-https entry without it under an ancestor
 * with it, include_subdomains_for_pinning, fields Chromium's file no
 * longer defines (counted), a case duplicate and an IPv4 name. */
static const char *chromium_list =
    "// Copyright 2012 The Chromium Authors\n"
    "// Use of this source code is governed by a BSD-style license.\n"
    "\n"
    "// This file contains the HSTS preloaded list in a machine readable "
    "format.\n"
    "{\n"
    "  // pinsets: the SPKI hashes a pinned name must chain to.\n"
    "  \"pinsets\": [\n"
    "    {\n"
    "      \"name\": \"test\",\n"
    "      \"static_spki_hashes\": [\"TestSPKI\"]\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"google\",\n"
    "      \"static_spki_hashes\": [\"GoogleBackup2048\", "
    "\"GeoTrustGlobal\"],\n"
    "      \"report_uri\": \"http://clients3.google.com/cert_upload_json\"\n"
    "    }\n"
    "  ],\n"
    "  \"entries\": [\n"
    "    // Dummy entries to test certificate pinning.\n"
    "    { \"name\": \"pinningtest.appspot.com\", \"policy\": \"test\", "
    "\"include_subdomains\": true, \"pins\": \"test\" },\n"
    "    { \"name\": \"appspot.com\", \"policy\": \"google\", "
    "\"include_subdomains\": true, \"pins\": \"google\" },\n"
    "    { \"name\": \"www.appspot.com\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\" },\n"
    "\n"
    "    // Google.\n"
    "    { \"name\": \"google.com\", \"policy\": \"google\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true, \"pins\": \"google\" },\n"
    "    { \"name\": \"apis.google.com\", \"policy\": \"google\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true, \"pins\": \"google\" },\n"
    "    { \"name\": \"chart.apis.google.com\", \"policy\": \"google\", "
    "\"include_subdomains\": true, \"pins\": \"google\" },\n"
    "    { \"name\": \"www.google.com\", \"policy\": \"google\", \"mode\": "
    "\"force-https\", \"pins\": \"google\" },\n"
    "    { \"name\": \"a.b.c.google.com\", \"policy\": \"google\", "
    "\"pins\": \"google\" },\n"
    "    { \"name\": \"googlecode.com\", \"policy\": \"google\", "
    "\"include_subdomains\": true, \"pins\": \"google\" },\n"
    "    { \"name\": \"code.googlecode.com\", \"policy\": \"google\", "
    "\"mode\": "
    "\"force-https\", \"include_subdomains\": true },\n"
    "    { \"name\": \"static.googlecode.com\", \"policy\": \"google\", "
    "\"mode\": \"force-https\" },\n"
    "\n"
    "    // Pins and Expect-CT without include_subdomains.\n"
    "    { \"name\": \"pins-only.test\", \"policy\": \"custom\", \"pins\": "
    "\"test\" },\n"
    "    { \"name\": \"sub.pins-only.test\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true },\n"
    "    { \"name\": \"pin-isd.test\", \"policy\": \"custom\", \"pins\": "
    "\"test\", \"include_subdomains_for_pinning\": true },\n"
    "    { \"name\": \"deep.pin-isd.test\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true, "
    "\"include_subdomains_for_pinning\": true },\n"
    "    { \"name\": \"ct.test\", \"policy\": \"custom\", \"expect_ct\": true, "
    "\"expect_ct_report_uri\": \"https://report.test/ct\" },\n"
    "    { \"name\": \"hsts.ct.test\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\" },\n"
    "    { \"name\": \"staple.test\", \"expect_staple\": true, "
    "\"expect_staple_report_uri\": \"https://report.test/s\", "
    "\"include_subdomains_for_expect_staple\": true },\n"
    "\n"
    "    // A top-level domain and names under it.\n"
    "    { \"name\": \"dev\", \"policy\": \"public-suffix\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true },\n"
    "    { \"name\": \"pinned.dev\", \"policy\": \"custom\", \"pins\": "
    "\"test\" },\n"
    "    { \"name\": \"x.pinned.dev\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\" },\n"
    "    { \"name\": \"plain.dev\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\" },\n"
    "    { \"name\": \"y.plain.dev\", \"policy\": \"custom\", \"pins\": "
    "\"test\", \"include_subdomains\": true },\n"
    "    { \"name\": \"Mixed.Case.test\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true },\n"
    "    { \"name\": \"mixed.case.test\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\", \"include_subdomains\": true },\n"
    "    { \"name\": \"1.0.0.1\", \"policy\": \"custom\", \"mode\": "
    "\"force-https\" }\n"
    "  ],\n"
    "  \"domain_ids\": [\"NOT_PINNED\", \"GOOGLE_COM\"]\n"
    "}\n";

/* The reference: the entries as Chromium's generator keeps them (name
 * lowered, force_https, include_subdomains, include_subdomains_for
 * pinning), in a plain array, read with the JSON reader alone. */
typedef struct chr_ent {
  char name[DT_MAX_HOST_BYTES + 1];
  int force, isd, isd_pin;
} chr_ent;
static chr_ent g_chr[64];
static size_t g_nchr;

static const chr_ent *chr_find(const char *name) {
  for (size_t i = 0; i < g_nchr; i++)
    if (strcmp(g_chr[i].name, name) == 0) return &g_chr[i];
  return NULL;
}

typedef struct chr_res {
  int known;
  dt__preload_reason reason;
  const char *name, *cancelled; /* point into the host; NULL: none */
  int isd;
} chr_res;

/* HOST is lowered, without trailing dots, and a valid name. Its label
 * suffixes, shallowest first ("com", "google.com", ...), as Chromium's
 * trie walk meets them. */
static chr_res chr_match(const char *host, dt__preload_mode mode) {
  const char *suf[128];
  size_t ns = 0;
  for (const char *s = host; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : 0)
    suf[ns++] = s;
  chr_res r = {0, DT__PRELOAD_R_NO_ENTRY, NULL, NULL, 0};
  if (mode == DT__PRELOAD_MOST_SPECIFIC) {
    /* PreloadDecoder::ReadEntry: every entry at a label boundary
     * overwrites the result; for an ancestor, force_https &=
     * sts_include_subdomains and found = sts_include_subdomains ||
     * pkp_include_subdomains; for the host itself found = true.
     * DecodeHSTSPreload answers found, GetStaticSTSState then HSTS when
     * force_https. */
    int found = 0, force = 0;
    const chr_ent *deciding = NULL;
    const char *at = NULL;
    for (size_t i = ns; i-- > 0;) {
      const chr_ent *e = chr_find(suf[i]);
      if (!e) continue;
      int exact = suf[i] == host;
      found = exact || e->isd || e->isd_pin;
      force = exact ? e->force : e->force && e->isd;
      deciding = e;
      at = suf[i];
    }
    if (!deciding) return r;
    r.known = found && force;
    r.name = at;
    r.isd = deciding->force && deciding->isd;
    if (r.known) {
      r.reason = at == host ? DT__PRELOAD_R_EXACT : DT__PRELOAD_R_ANCESTOR;
      return r;
    }
    /* Not known: detour's words for why, and the force-https ancestor
     * with include_subdomains nearest above the deciding entry. */
    for (const char *s = strchr(at, '.'); s && !r.cancelled;
         s = strchr(s + 1, '.')) {
      const chr_ent *e = chr_find(s + 1);
      if (e && e->force && e->isd) r.cancelled = s + 1;
    }
    r.reason = !deciding->force ? DT__PRELOAD_R_OVERRIDDEN
               : r.cancelled    ? DT__PRELOAD_R_CANCELLED
                                : DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS;
    return r;
  }
  /* fetch, firefox: the force-https entries only; the host's own, else the
   * deepest ancestor with include_subdomains. */
  const chr_ent *own = chr_find(host);
  if (own && own->force)
    return (chr_res){1, DT__PRELOAD_R_EXACT, host, NULL, own->isd};
  const char *noisd = NULL;
  for (size_t i = 1; i < ns; i++) {
    const chr_ent *e = chr_find(suf[i]);
    if (!e || !e->force) continue;
    if (e->isd) return (chr_res){1, DT__PRELOAD_R_ANCESTOR, suf[i], NULL, 1};
    if (!noisd) noisd = suf[i];
  }
  if (noisd) {
    r.reason = DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS;
    r.name = noisd;
  }
  return r;
}

static size_t g_cmp, g_bad, g_yes[2];

static void chr_agree(const dt__preload *p, const char *input,
                      const char *host) {
  for (int mode = 0; mode < 2; mode++) {
    dt__preload_match m;
    int k =
        dt__preload_lookup(p, input, strlen(input), (dt__preload_mode)mode, &m);
    chr_res r = chr_match(host, (dt__preload_mode)mode);
    g_cmp++;
    g_yes[mode] += (size_t)k;
    int ok = k == r.known && m.known == r.known && m.reason == r.reason &&
             strcmp(m.name, r.name ? r.name : "") == 0 &&
             strcmp(m.cancelled, r.cancelled ? r.cancelled : "") == 0 &&
             (!r.name || m.include_subdomains == r.isd);
    if (!ok && g_bad++ < 10)
      fprintf(stderr,
              "MISMATCH mode %d \"%s\": blob %d %s \"%s\" inc %d cancelled "
              "\"%s\"; reference %d %s \"%s\" inc %d cancelled \"%s\"\n",
              mode, input, k, dt__preload_reason_name(m.reason), m.name,
              m.include_subdomains, m.cancelled, r.known,
              dt__preload_reason_name(r.reason), r.name ? r.name : "", r.isd,
              r.cancelled ? r.cancelled : "");
  }
}

static uint32_t g_seed = 12345;
static uint32_t next_rnd(void) {
  g_seed = g_seed * 1103515245u + 12345u;
  return g_seed >> 8;
}

static void chromium_shape(void) {
  /* The reference set, read with the JSON reader only. */
  dt__json_doc *doc = NULL;
  CHECK_INT(dt__json_parse(&doc, chromium_list, strlen(chromium_list),
                           DT_JSON_ALLOW_COMMENTS, NULL),
            0);
  if (!doc) return;
  const dt__json *ents = dt__json_get(dt__json_root(doc), "entries");
  for (const dt__json *e = dt__json_first(ents); e; e = dt__json_next(e)) {
    const char *nm = dt__json_string(dt__json_get(e, "name"), NULL);
    char low[DT_MAX_HOST_BYTES + 1];
    size_t k = 0;
    for (; nm[k]; k++)
      low[k] = (char)(nm[k] >= 'A' && nm[k] <= 'Z' ? nm[k] + 32 : nm[k]);
    low[k] = '\0';
    /* Skipped by the compiler: an IPv4 name, a case duplicate. */
    if (strcmp(low, "1.0.0.1") == 0 || chr_find(low)) continue;
    chr_ent *c = &g_chr[g_nchr++];
    snprintf(c->name, sizeof c->name, "%s", low);
    c->force = dt__json_get(e, "mode") != NULL;
    c->isd = dt__json_bool(dt__json_get(e, "include_subdomains"));
    c->isd_pin =
        dt__json_bool(dt__json_get(e, "include_subdomains_for_pinning"));
  }
  dt__json_free(doc);

  dt__preload_compile_opts o = {20605};
  unsigned char *blob = NULL;
  size_t n = 0;
  dt__preload_compile_stats st;
  dt__preload_error err;
  int rc = dt__preload_compile(chromium_list, strlen(chromium_list), &o, &blob,
                               &n, &st, &err);
  CHECK_(rc == 0, "compile: %s", err.msg);
  if (rc) return;
  CHECK_INT(st.entries_total, 26);
  CHECK_INT(st.compiled, 13);
  CHECK_INT(st.overrides, 11);
  CHECK_INT(st.compiled + st.overrides, g_nchr);
  CHECK_INT(st.include_subdomains, 7);
  CHECK_INT(st.unknown_fields, 3); /* the expect_staple fields */
  CHECK_INT(st.case_duplicates, 1);
  CHECK_INT(st.skipped_ip, 1);

  /* A few answers spelled out (the reference checks them all below). */
  dt__preload *p = NULL;
  CHECK_INT(dt__preload_open_mem(&p, blob, n, 0, &err), 0);
  if (!p) return;
  static const row spelled[] = {
      /* Chromium forces no https for chart.apis.google.com and under it. */
      {"chart.apis.google.com", CH, 0, R(OVERRIDDEN), "chart.apis.google.com",
       0, "apis.google.com"},
      {"x.chart.apis.google.com", CH, 0, R(OVERRIDDEN), "chart.apis.google.com",
       0, "apis.google.com"},
      {"x.chart.apis.google.com", FX, 1, R(ANCESTOR), "apis.google.com", 1, ""},
      {"x.apis.google.com", CH, 1, R(ANCESTOR), "apis.google.com", 1, ""},
      {"www.google.com", CH, 1, R(EXACT), "www.google.com", 0, ""},
      {"x.www.google.com", CH, 0, R(CANCELLED), "www.google.com", 0,
       "google.com"},
      {"c.google.com", CH, 1, R(ANCESTOR), "google.com", 1, ""},
      {"b.c.google.com", CH, 1, R(ANCESTOR), "google.com", 1, ""},
      {"z.a.b.c.google.com", CH, 0, R(OVERRIDDEN), "a.b.c.google.com", 0,
       "google.com"},
      {"appspot.com", CH, 0, R(OVERRIDDEN), "appspot.com", 0, ""},
      {"www.appspot.com", CH, 1, R(EXACT), "www.appspot.com", 0, ""},
      {"x.www.appspot.com", CH, 0, R(ANCESTOR_NO_SUBDOMAINS), "www.appspot.com",
       0, ""},
      {"foo.code.googlecode.com", CH, 1, R(ANCESTOR), "code.googlecode.com", 1,
       ""},
      {"foo.static.googlecode.com", CH, 0, R(ANCESTOR_NO_SUBDOMAINS),
       "static.googlecode.com", 0, ""},
      {"sub.pins-only.test", CH, 1, R(EXACT), "sub.pins-only.test", 1, ""},
      {"x.pins-only.test", CH, 0, R(OVERRIDDEN), "pins-only.test", 0, ""},
      {"x.pin-isd.test", CH, 0, R(OVERRIDDEN), "pin-isd.test", 0, ""},
      {"x.deep.pin-isd.test", CH, 1, R(ANCESTOR), "deep.pin-isd.test", 1, ""},
      {"a.ct.test", CH, 0, R(OVERRIDDEN), "ct.test", 0, ""},
      {"staple.test", CH, 0, R(OVERRIDDEN), "staple.test", 0, ""},
      {"staple.test", FX, 0, R(NO_ENTRY), "", 0, ""},
      {"pinned.dev", CH, 0, R(OVERRIDDEN), "pinned.dev", 0, "dev"},
      {"q.pinned.dev", CH, 0, R(OVERRIDDEN), "pinned.dev", 0, "dev"},
      {"q.pinned.dev", FX, 1, R(ANCESTOR), "dev", 1, ""},
      {"x.pinned.dev", CH, 1, R(EXACT), "x.pinned.dev", 0, ""},
      {"z.y.plain.dev", CH, 0, R(OVERRIDDEN), "y.plain.dev", 0, "dev"},
      {"z.plain.dev", CH, 0, R(CANCELLED), "plain.dev", 0, "dev"},
      {"MIXED.case.test.", CH, 1, R(EXACT), "mixed.case.test", 1, ""},
  };
  for (size_t i = 0; i < sizeof spelled / sizeof *spelled; i++) {
    const row *r = &spelled[i];
    dt__preload_match m;
    int k = dt__preload_lookup(p, r->host, strlen(r->host),
                               (dt__preload_mode)r->mode, &m);
    CHECK_(k == r->known && m.reason == r->reason &&
               strcmp(m.name, r->name) == 0 &&
               m.include_subdomains == r->incsub &&
               strcmp(m.cancelled, r->cancelled) == 0,
           "chromium-shape row %zu \"%s\" mode %d: got %d %s \"%s\" inc %d "
           "cancelled \"%s\"",
           i, r->host, r->mode, k, dt__preload_reason_name(m.reason), m.name,
           m.include_subdomains, m.cancelled);
  }

  /* Every lookup against the reference, over generated hosts: each name,
   * its ancestors, subdomains one and two labels deep, near misses, case
   * and trailing dots, and random names made of the list's labels (so most
   * land under listed names at every depth). With the filter in front and
   * bypassed (every ancestor searched in the blocks). */
  static const char *labels[] = {
      "google",     "apis", "chart",     "www",         "com",     "a",
      "b",          "c",    "appspot",   "pinningtest", "code",    "static",
      "googlecode", "test", "pins-only", "sub",         "pin-isd", "deep",
      "ct",         "hsts", "staple",    "dev",         "pinned",  "x",
      "plain",      "y",    "mixed",     "case",        "q",       "z0"};
  const size_t nl = sizeof labels / sizeof *labels;
  for (int pass = 0; pass < 2; pass++) {
    dt__preload *q = p;
    if (pass == 1 &&
        dt__preload_open_mem(&q, blob, n, DT__PRELOAD_NO_FILTER, &err) != 0)
      break;
    char h[600], in[600];
    for (size_t i = 0; i < g_nchr; i++) {
      const char *nm = g_chr[i].name;
      chr_agree(q, nm, nm);
      for (const char *s = strchr(nm, '.'); s; s = strchr(s + 1, '.'))
        chr_agree(q, s + 1, s + 1);
      for (size_t j = 0; j < nl; j++) {
        snprintf(h, sizeof h, "%s.%.300s", labels[j], nm);
        chr_agree(q, h, h);
        snprintf(h, sizeof h, "%s.%s.%.300s", labels[(i + j) % nl], labels[j],
                 nm);
        chr_agree(q, h, h);
      }
      snprintf(h, sizeof h, "x%.300s", nm); /* xa.test is not under a.test */
      chr_agree(q, h, h);
      size_t k = 0; /* uppercase and trailing dots change nothing */
      for (; nm[k]; k++)
        in[k] =
            (char)(nm[k] >= 'a' && nm[k] <= 'z' && k % 2 ? nm[k] - 32 : nm[k]);
      in[k++] = '.';
      in[k] = '\0';
      chr_agree(q, in, nm);
    }
    for (size_t i = 0; i < 20000; i++) {
      size_t depth = 1 + next_rnd() % 6, at = 0;
      for (size_t d = 0; d < depth; d++)
        at += (size_t)snprintf(h + at, sizeof h - at, "%s%s", d ? "." : "",
                               labels[next_rnd() % nl]);
      chr_agree(q, h, h);
    }
    if (q != p) dt__preload_free(q);
  }
  printf("chromium-shape list: %zu lookups compared with the reference "
         "(%zu known under chromium, %zu under firefox), %zu mismatches\n",
         g_cmp, g_yes[0], g_yes[1], g_bad);
  CHECK_INT(g_bad, 0);
  CHECK(g_cmp > 40000 && g_yes[0] > 1000 && g_yes[1] > g_yes[0]);
  dt__preload_free(p);
  free(blob);
}

static int64_t fixed_now(void *ud) { return *(int64_t *)ud; }

int main(void) {
  dt__preload_compile_opts o = {20605}; /* 2026-06-01 */
  unsigned char *blob = NULL;
  size_t n = 0;
  dt__preload_compile_stats st;
  dt__preload_error err;
  CHECK_INT(dt__preload_compile(list, strlen(list), &o, &blob, &n, &st, &err),
            0);
  CHECK_INT(st.compiled, 8);
  CHECK_INT(st.overrides, 2);
  CHECK_INT(st.skipped_ip, 1);
  CHECK_INT(st.include_subdomains, 4);
  dt__preload *p = NULL;
  CHECK_INT(dt__preload_open_mem(&p, blob, n, 0, &err), 0);
  if (!p) return dt_test_summary("test_preload_lookup");

  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const row *r = &rows[i];
    dt__preload_match m;
    int k = dt__preload_lookup(p, r->host, strlen(r->host),
                               (dt__preload_mode)r->mode, &m);
    CHECK_(k == r->known && m.known == r->known && m.reason == r->reason &&
               strcmp(m.name, r->name) == 0 &&
               m.include_subdomains == r->incsub &&
               strcmp(m.cancelled, r->cancelled) == 0,
           "row %zu \"%s\" mode %d: got %d %s \"%s\" inc %d cancelled \"%s\"",
           i, r->host, r->mode, k, dt__preload_reason_name(m.reason), m.name,
           m.include_subdomains, m.cancelled);
  }
  /* Input need not be NUL-terminated: only len bytes are read. */
  CHECK_INT(dt__preload_lookup(p, "a.testXYZ", 6, CH, NULL), 1);
  dt__preload_match m;
  CHECK_INT(dt__preload_lookup(p, NULL, 5, CH, &m), 0);
  CHECK_INT(m.reason, R(BAD_HOST));
  /* No list: nothing is known. */
  CHECK_INT(dt__preload_lookup(NULL, "a.test", 6, CH, &m), 0);
  CHECK_INT(m.reason, R(NO_ENTRY));

  /* Info. */
  dt__preload_info info;
  dt__preload_get_info(p, &info);
  CHECK_INT(info.entries, 8);
  CHECK_INT(info.overrides, 2);
  CHECK_INT(info.include_subdomains, 4);
  CHECK_INT(info.blob_bytes, n);
  CHECK_STR(info.list_date, "2026-06-01");
  CHECK_INT(strlen(info.checksum_hex), 16);

  /* Freshness (Chromium's IsBuildTimely: timely while the age in whole
   * days is < 70): day 69 is fresh, day 70 stale. */
  int64_t now = (20605LL + 69) * 86400000LL + 3600000;
  dt_clock clk = {fixed_now, &now};
  CHECK_INT(dt__preload_age_days(p, &clk), 69);
  CHECK_INT(dt__preload_is_stale(p, &clk), 0);
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 0);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, NULL), 1);
  now += 86400000LL;
  CHECK_INT(dt__preload_is_stale(p, &clk), 1);
  /* Default: a stale list is reported and still enforced. */
  CHECK_INT(dt__preload_apply_stale_policy(p, 0, &clk), 1);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, &m), 1);
  /* The embedder's choice: disable it. */
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 1);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, &m), 0);
  CHECK_INT(m.reason, R(DISABLED_STALE));
  CHECK_STR(dt__preload_reason_name(m.reason), "disabled-stale");
  now = 20605LL * 86400000LL - 1; /* a clock before the list date */
  CHECK_INT(dt__preload_age_days(p, &clk), -1);
  CHECK_INT(dt__preload_apply_stale_policy(p, 1, &clk), 0);
  CHECK_INT(dt__preload_lookup(p, "a.test", 6, CH, NULL), 1);
  /* The age is 64-bit: a clock 2^31 days on is stale, not wrapped into a
   * negative age that is never stale (issue 18). */
  now = (20605LL + 2147483648LL) * 86400000LL;
  CHECK(dt__preload_age_days(p, &clk) == 2147483648LL);
  CHECK_INT(dt__preload_is_stale(p, &clk), 1);

  /* A list date outside 2010-01-01..2099-12-31 is refused when a blob is
   * written and when one is opened (a forged far-future date would never
   * be stale). */
  {
    dt__preload_key_ref one = {(const uint8_t *)"tset.a", 6, 1, 0};
    uint8_t *b2 = NULL;
    size_t n2 = 0;
    CHECK_INT(dt__preload_emit(&one, 1, DT__PRELOAD_DATE_MAX + 1, &b2, &n2),
              DT_EINVAL);
    CHECK_INT(dt__preload_emit(&one, 1, DT__PRELOAD_DATE_MIN - 1, &b2, &n2),
              DT_EINVAL);
    CHECK_INT(dt__preload_emit(&one, 1, 20605, &b2, &n2), 0);
    if (b2) {
      /* Forge the date (bytes 20..23) and fix the checksum: still refused. */
      int32_t far = 2000000000;
      memcpy(b2 + 20, &far, 4);
      uint64_t ck = dt__preload_blob_checksum(b2, n2);
      memcpy(b2 + DT__PRELOAD_OFF_CHECKSUM, &ck, 8);
      dt__preload *fp = NULL;
      dt__preload_error fe = {0};
      CHECK_INT(dt__preload_open_mem(&fp, b2, n2, 0, &fe), DT_EPRELOAD);
      CHECK(strstr(fe.msg, "list date out of range") != NULL);
      free(b2);
    }
  }

  dt__preload_free(p);
  free(blob);

  chromium_shape();
  return dt_test_summary("test_preload_lookup");
}
