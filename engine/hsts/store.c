/* store.c — dt_hsts_store: the dynamic HSTS store as embedders and
 * `detour hsts` manage it (detour.h). The rules are hsts/'s; this file
 * adds what a caller needs around them: host canonicalisation, the
 * profile's max-age cap, the file, and messages that say what to do. */
#include "engine/hsts/store.h"
#include "engine/hsts/suffix.h"
#include "hsts/base/sized.h"

#include "hsts/base/error.h"
#include "hsts/store_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(DT__HSTS_NEVER == DT_HSTS_NEVER, "one 'no expiry' value");

void dt_hsts_store_options_init(dt_hsts_store_options *opt) {
  if (!opt) return;
  memset(opt, 0, sizeof *opt);
  opt->size = sizeof *opt;
}

void dt__store_warn(dt_hsts_store *s, const char *fmt, ...) {
  if (s->nwarnings >= DT__STORE_MAX_WARNINGS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->warnings[s->nwarnings++], DT__STORE_WARNING_BYTES, fmt, ap);
  va_end(ap);
}

void dt__store_changed(dt_hsts_store *s) {
  s->dirty = 1;
  if (s->on_change) s->on_change(s->change_ud);
}

int dt__store_open(dt_hsts_store **out, const char *path,
                   const dt__profile *profile, const dt_clock *clock,
                   size_t max_entries, dt_error *err) {
  *out = NULL;
  dt_hsts_store *s = calloc(1, sizeof *s);
  if (!s) return dt__fail(err, DT_ENOMEM, NULL);
  s->profile = profile;
  if (clock) s->clock = *clock;
  if (dt__hsts_store_new(&s->s, max_entries, &s->clock) ||
      (path && !(s->path = strdup(path)))) {
    dt_hsts_store_free(s);
    return dt__fail(err, DT_ENOMEM, NULL);
  }
  if (path) {
    dt__hsts_file_report rep;
    int rc = dt__hsts_file_load_view(s->s, path, &s->view, &rep);
    if (rc) {
      dt_hsts_store_free(s);
      return dt__fail(err, rc, "%s", rep.message);
    }
    if (rep.skipped)
      dt__store_warn(s,
                     "HSTS store %s: %zu damaged line(s) skipped (first at "
                     "line %zu), %zu entries loaded",
                     path, rep.skipped, rep.nbad ? rep.bad_lines[0] : 0,
                     rep.loaded);
    /* detour < 0.4 kept "knockouts" for the firefox profile; a real Firefox
     * keeps the preload list in force (measured on Firefox ESR 153), so the
     * lines are read as the deletions they also were and go at the next
     * compaction (docs/hsts-store-format.md). */
    s->compact_next = rep.retired != 0;
    if (rep.retired)
      dt__store_warn(s,
                     "HSTS store %s: %zu knockout line(s) written by detour "
                     "before 0.4 dropped (max-age=0 on a preloaded host no "
                     "longer changes anything; each still deletes the host's "
                     "older entry)",
                     path, rep.retired);
  }
  *out = s;
  return 0;
}

int dt_hsts_store_open(dt_hsts_store **out, const char *path,
                       const dt_hsts_store_options *caller, dt_error *err) {
  if (!out) return dt__fail(err, DT_EINVAL, "no handle to open");
  *out = NULL;
  dt_hsts_store_options opt;
  dt_hsts_store_options_init(&opt);
  if (caller) dt__sized_copy(&opt, sizeof opt, caller);
  const dt__profile *p = dt__profile_lookup(opt.profile);
  if (!p) return dt__fail(err, DT_EINVAL, "unknown profile '%s'", opt.profile);
  if (path && !*path)
    return dt__fail(err, DT_EINVAL, "the HSTS store path is empty");
  return dt__store_open(out, path, p, &opt.clock, opt.max_entries, err);
}

void dt_hsts_store_free(dt_hsts_store *s) {
  if (!s) return;
  dt__hsts_store_free(s->s);
  dt__buf_free(&s->pending);
  free(s->path);
  free(s);
}

const char *dt_hsts_store_path(const dt_hsts_store *s) {
  return s && s->path ? s->path : "";
}

int dt_hsts_store_default_path(char *out, size_t cap) {
  return out ? dt__hsts_file_default_path(out, cap) : DT_EINVAL;
}

const char *dt_hsts_store_warning(const dt_hsts_store *s, size_t i) {
  return s && i < s->nwarnings ? s->warnings[i] : NULL;
}

size_t dt_hsts_store_count(const dt_hsts_store *s) {
  return s ? dt__hsts_store_count(s->s) : 0;
}

/* HOST canonicalised as a navigation's would be, then checked for HSTS
 * eligibility (IP literals, localhost, lengths). */
static int api_host(const char *host, char out[DT_MAX_HOST_BYTES + 1],
                    dt__host_reason *why, dt_error *err) {
  *why = DT__HOST_OK;
  if (!host) return dt__fail(err, DT_EINVAL, "no host given");
  int n = dt_host_canonicalize(host, strlen(host), out, DT_MAX_HOST_BYTES + 1);
  if (n == DT_EINVAL) {
    *why = DT__HOST_IP_LITERAL;
    return dt__fail(err, n,
                    "'%s' is an IP literal: IP literals are never "
                    "HSTS hosts (RFC 6797 §8.1.1)",
                    host);
  }
  if (n < 0) return dt__fail(err, n, "'%s' is not a valid domain name", host);
  char key[DT_MAX_HOST_BYTES + 1];
  size_t kl;
  *why = dt__host_canon(out, (size_t)n, key, &kl);
  if (*why != DT__HOST_OK)
    return dt__fail(err, DT_EINVAL, "'%s' is not an HSTS host: %s", host,
                    dt__host_reason_message(*why));
  return 0;
}

static void to_public(const dt__hsts_entry *e, dt_hsts_entry *o) {
  memcpy(o->host, e->host, sizeof o->host);
  o->include_subdomains = e->include_subdomains;
  o->expires_ms = e->expires_ms;
  o->observed_ms = e->observed_ms;
}

int dt_hsts_store_add(dt_hsts_store *s, const char *host, uint64_t max_age_s,
                      int include_subdomains, dt_error *err) {
  char h[DT_MAX_HOST_BYTES + 1];
  dt__host_reason why;
  if (!s) return dt__fail(err, DT_EINVAL, "no store");
  if (max_age_s == 0)
    return dt__fail(err, DT_EINVAL,
                    "max-age 0 adds nothing (delete the "
                    "entry instead)");
  int rc = api_host(host, h, &why, err);
  if (rc) return rc;
  if (dt__hsts_suffix_refused(h, include_subdomains))
    return dt__fail(err, DT_EINVAL, "%s: %s", h, DT__HSTS_SUFFIX_MESSAGE);
  /* As for a header: the profile's cap, then receive time + max-age,
   * saturating (RFC 6797 §6.1.1; docs/hsts.md rule 10). */
  uint64_t cap = s->profile->hsts_max_age_cap;
  if (cap && max_age_s > cap) max_age_s = cap;
  if (max_age_s > (uint64_t)INT64_MAX / 1000)
    max_age_s = (uint64_t)INT64_MAX / 1000;
  int64_t now = dt_clock_now_ms(&s->clock), add = (int64_t)max_age_s * 1000;
  int64_t exp = now > INT64_MAX - add ? DT__HSTS_NEVER - 1 : now + add;
  rc = dt__hsts_store_add(s->s, h, strlen(h), include_subdomains != 0, exp, now,
                          NULL);
  if (rc) return dt__fail(err, rc, "cannot add %s: %s", h, dt_strerror(rc));
  dt__store_changed(s);
  return 0;
}

int dt_hsts_store_get(dt_hsts_store *s, const char *host, dt_hsts_entry *out) {
  char h[DT_MAX_HOST_BYTES + 1];
  dt__host_reason why;
  dt__hsts_entry e;
  if (!s || !out || api_host(host, h, &why, NULL) ||
      !dt__hsts_store_get(s->s, h, strlen(h), &e))
    return 0;
  to_public(&e, out);
  return 1;
}

int dt_hsts_store_query(dt_hsts_store *s, const char *host, dt_hsts_match *out,
                        dt_error *err) {
  if (!s || !out) return dt__fail(err, DT_EINVAL, "no store");
  memset(out, 0, sizeof *out);
  dt__host_reason why;
  int rc = api_host(host, out->host, &why, err);
  if (rc && why != DT__HOST_LOCALHOST) return rc;
  dt__error_clear(err);
  dt__hsts_decision d;
  size_t n = strlen(out->host);
  out->known = dt__hsts_store_lookup(s->s, out->host, n, &d);
  out->reason = (dt_hsts_reason)d.reason;
  out->reason_name = dt__hsts_reason_name(d.reason);
  if (d.entry.host[0]) {
    out->has_entry = 1;
    to_public(&d.entry, &out->entry);
  }
  return out->known;
}

int dt_hsts_store_delete(dt_hsts_store *s, const char *host) {
  char h[DT_MAX_HOST_BYTES + 1];
  dt__host_reason why;
  if (!s) return DT_EINVAL;
  int rc = api_host(host, h, &why, NULL);
  if (rc) return rc;
  rc = dt__hsts_store_delete(s->s, h, strlen(h));
  if (rc > 0) dt__store_changed(s);
  return rc;
}

size_t dt_hsts_store_delete_observed_between(dt_hsts_store *s, int64_t from_ms,
                                             int64_t to_ms) {
  if (!s) return 0;
  /* Nothing is observed in the future, and the range is kept in the file
   * for other processes: a range past now would delete headers noted
   * later. */
  int64_t now = dt_clock_now_ms(&s->clock);
  if (to_ms > now) to_ms = now;
  if (from_ms > to_ms) return 0;
  size_t n = dt__hsts_store_delete_observed_between(s->s, from_ms, to_ms);
  /* The range itself is journalled even when nothing here matched: other
   * processes' entries in the shared file fall under it too. */
  dt__store_changed(s);
  return n;
}

size_t dt_hsts_store_clear(dt_hsts_store *s) {
  if (!s) return 0;
  size_t n = dt__hsts_store_count(s->s);
  dt__hsts_store_clear(s->s);
  dt__store_changed(s);
  return n;
}

typedef struct each_ud {
  int (*cb)(const dt_hsts_entry *, void *);
  void *ud;
} each_ud;

static int each_public(const dt__hsts_entry *e, void *p) {
  each_ud *u = p;
  dt_hsts_entry o;
  to_public(e, &o);
  return u->cb(&o, u->ud);
}

int dt_hsts_store_each(dt_hsts_store *s,
                       int (*cb)(const dt_hsts_entry *entry, void *user_data),
                       void *user_data) {
  if (!s || !cb) return DT_EINVAL;
  each_ud u = {cb, user_data};
  return dt__hsts_store_each(s->s, each_public, &u);
}

int dt_hsts_store_import_curl(dt_hsts_store *s, const char *path,
                              dt_hsts_import_report *out, dt_error *err) {
  if (!s || !path) return dt__fail(err, DT_EINVAL, "no file to import");
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_import_curl(s->s, path, &rep);
  if (rc) return dt__fail(err, rc, "%s", rep.message);
  if (out) {
    out->imported = rep.loaded;
    out->skipped = rep.skipped;
    out->expired = rep.expired;
  }
  if (rep.loaded) dt__store_changed(s);
  return 0;
}

char *dt_hsts_store_export_curl(dt_hsts_store *s) {
  if (!s) return NULL;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  int rc = dt__hsts_file_export_curl(s->s, f, NULL);
  if (fclose(f) != 0 || rc) {
    free(text);
    return NULL;
  }
  return text;
}

int dt_hsts_store_export_curl_file(dt_hsts_store *s, const char *path,
                                   dt_error *err) {
  if (!s || !path) return dt__fail(err, DT_EINVAL, "no file to export to");
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_export_curl_path(s->s, path, &rep);
  return rc ? dt__fail(err, rc, "%s", rep.message) : 0;
}

/* A failed save: a context's store goes on in memory only (a browser
 * with an unusable profile directory still browses), a store the caller
 * opened keeps its path and its changes for a later try. */
static int save_failed(dt_hsts_store *s, int rc,
                       const dt__hsts_file_report *rep, dt_error *err) {
  if (s->memory_only_on_failure) {
    dt__store_warn(s, "%s The HSTS store is kept in memory only.",
                   rep->message);
    free(s->path);
    s->path = NULL;
    dt__buf_free(&s->pending);
  }
  return dt__fail(err, rc, "%s", rep->message);
}

int dt_hsts_store_save(dt_hsts_store *s, dt_error *err) {
  if (!s) return dt__fail(err, DT_EINVAL, "no store");
  if (s->path && s->before_save) s->before_save(s->change_ud);
  if (!s->path || !s->dirty) return 0;
  /* On the caller's thread, from what this store last read of the file
   * (its view): the save reads only what others appended since. */
  int e;
  dt__hsts_save *j = dt__hsts_save_begin(s->s, s->path, &s->view, s->pending.p,
                                         s->pending.len, 0, &e);
  if (!j) return dt__fail(err, e, "cannot save the HSTS store: out of memory");
  if (s->compact_next) dt__hsts_save_compact(j);
  dt__hsts_save_run(j);
  dt__hsts_file_report rep;
  int rc = dt__hsts_save_end(s->s, j, &s->view, NULL, &rep);
  if (rc) return save_failed(s, rc, &rep, err);
  dt__buf_free(&s->pending);
  s->dirty = 0;
  s->compact_next = 0;
  return 0;
}

dt__hsts_save *dt__store_save_begin(dt_hsts_store *s, int *err) {
  *err = 0;
  if (!s->path || !s->dirty) return NULL;
  dt__hsts_save *j = dt__hsts_save_begin(s->s, s->path, &s->view, s->pending.p,
                                         s->pending.len, 1, err);
  if (j) {
    dt__buf_free(&s->pending); /* in the job now */
    s->dirty = 0;
    if (s->compact_next) dt__hsts_save_compact(j);
    s->compact_next = 0; /* a failed save leaves the lines: a load warns */
  }
  return j;
}

int dt__store_save_end(dt_hsts_store *s, dt__hsts_save *j) {
  dt__hsts_file_report rep;
  int rc = dt__hsts_save_end(s->s, j, &s->view, &s->pending, &rep);
  if (!rc) return 0;
  s->dirty = 1; /* the changes wait in pending for the next save */
  if (!s->path) return rc;
  return save_failed(s, rc, &rep, NULL);
}
