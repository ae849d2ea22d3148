/* preload.c — dt_preload: open, share, query and compile the HSTS preload
 * list through the public API (detour.h); the blob format and lookup are
 * hsts/preload*.c's. */
#include "engine/hsts/preload.h"

#include "engine/profile.h"
#include "hsts/base/error.h"
#include "hsts/preload_format.h"

#include <stdlib.h>
#include <string.h>

static int wrap(dt_preload **out, dt__preload *raw, int embedded) {
  dt_preload *p = calloc(1, sizeof *p);
  if (!p) {
    dt__preload_free(raw);
    return DT_ENOMEM;
  }
  p->p = raw;
  p->refs = 1;
  p->embedded = embedded;
  *out = p;
  return 0;
}

static int opened(dt_preload **out, int rc, dt__preload *raw,
                  const dt__preload_error *pe, const char *what, int embedded,
                  dt_error *err) {
  if (rc)
    return dt__fail(err, rc, "cannot use the preload list %s: %s", what,
                    pe && pe->msg[0] ? pe->msg : dt_strerror(rc));
  return wrap(out, raw, embedded);
}

int dt_preload_open_embedded(dt_preload **out, dt_error *err) {
  if (!out) return dt__fail(err, DT_EINVAL, "no handle to open");
  *out = NULL;
  dt__preload *raw = NULL;
  int rc = dt__preload_open_default(&raw);
  return opened(out, rc, raw, NULL, "(embedded)", 1, err);
}

int dt_preload_open_file(dt_preload **out, const char *path, dt_error *err) {
  if (!out || !path) return dt__fail(err, DT_EINVAL, "no preload file given");
  *out = NULL;
  dt__preload *raw = NULL;
  dt__preload_error pe = {0};
  int rc = dt__preload_open_file(&raw, path, &pe);
  return opened(out, rc, raw, &pe, path, 0, err);
}

int dt_preload_open_mem(dt_preload **out, const void *buf, size_t len,
                        dt_error *err) {
  if (!out || !buf) return dt__fail(err, DT_EINVAL, "no preload blob given");
  *out = NULL;
  dt__preload *raw = NULL;
  dt__preload_error pe = {0};
  int rc = dt__preload_open_mem(&raw, buf, len, 0, &pe);
  return opened(out, rc, raw, &pe, "(caller's buffer)", 0, err);
}

dt_preload *dt__preload_ref(dt_preload *p) {
  if (p) p->refs++;
  return p;
}

void dt_preload_free(dt_preload *p) {
  if (!p || --p->refs > 0) return;
  dt__preload_free(p->p);
  free(p);
}

void dt_preload_get_info(const dt_preload *p, dt_preload_info *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!p) return;
  dt__preload_info in;
  dt__preload_get_info(p->p, &in);
  out->entries = in.entries;
  out->include_subdomains = in.include_subdomains;
  out->overrides = in.overrides;
  out->blob_bytes = in.blob_bytes;
  out->derived_bytes = in.derived_bytes;
  out->list_date_days = in.list_date_days;
  memcpy(out->list_date, in.list_date, sizeof out->list_date);
  memcpy(out->checksum_hex, in.checksum_hex, sizeof out->checksum_hex);
  out->embedded = p->embedded;
}

int64_t dt_preload_age_days(const dt_preload *p, const dt_clock *clock) {
  return p ? dt__preload_age_days(p->p, clock) : 0;
}

int dt__preload_match_host(const dt_preload *p, const char *host, size_t n,
                           dt__preload_mode mode, int disable_stale,
                           const dt_clock *clock, dt__preload_match *m) {
  if (p && disable_stale && dt__preload_is_stale(p->p, clock)) {
    memset(m, 0, sizeof *m);
    m->reason = DT__PRELOAD_R_DISABLED_STALE;
    return 0;
  }
  return dt__preload_lookup(p ? p->p : NULL, host, n, mode, m);
}

int dt_preload_query(const dt_preload *p, const char *host, const char *profile,
                     int disable_stale, const dt_clock *clock,
                     dt_preload_match *out, dt_error *err) {
  if (!p || !host || !out) return dt__fail(err, DT_EINVAL, "no host given");
  memset(out, 0, sizeof *out);
  const dt__profile *prof = dt__profile_lookup(profile);
  if (!prof) return dt__fail(err, DT_EINVAL, "unknown profile '%s'", profile);
  int n = dt_host_canonicalize(host, strlen(host), out->host, sizeof out->host);
  if (n == DT_EINVAL)
    return dt__fail(err, n,
                    "'%s' is an IP literal: IP literals are never "
                    "HSTS hosts (RFC 6797 §8.1.1)",
                    host);
  if (n < 0) return dt__fail(err, n, "'%s' is not a valid domain name", host);
  dt__preload_match m;
  int known = dt__preload_match_host(
      p, out->host, (size_t)n, prof->preload_rule, disable_stale, clock, &m);
  out->known = known;
  out->reason = dt__preload_reason_name(m.reason);
  memcpy(out->entry, m.name, sizeof out->entry);
  out->include_subdomains = m.include_subdomains;
  memcpy(out->cancelled, m.cancelled, sizeof out->cancelled);
  out->profile = prof->name;
  return known;
}

int dt_preload_compile(const char *json, size_t len, int32_t list_date_days,
                       unsigned char **blob, size_t *blob_len,
                       dt_preload_compile_stats *stats, dt_error *err) {
  if (!json || !blob || !blob_len)
    return dt__fail(err, DT_EINVAL, "nothing to compile");
  *blob = NULL;
  *blob_len = 0;
  if (len >= 2 && (unsigned char)json[0] == 0x1f &&
      (unsigned char)json[1] == 0x8b)
    return dt__fail(err, DT_EPARSE,
                    "the input is gzip-compressed: decompress it first "
                    "(zcat list.json.gz | detour preload compile - ...)");
  if (list_date_days < DT__PRELOAD_DATE_MIN ||
      list_date_days > DT__PRELOAD_DATE_MAX)
    return dt__fail(err, DT_EINVAL,
                    "the list date must be 2010-01-01 to 2099-12-31 (a "
                    "date outside would make the list look fresh for ever "
                    "or never)");
  dt__preload_compile_opts o = {list_date_days};
  dt__preload_compile_stats st;
  dt__preload_error pe = {0};
  unsigned char *raw = NULL;
  size_t rlen = 0;
  int rc = dt__preload_compile(json, len, &o, &raw, &rlen, &st, &pe);
  if (rc)
    return dt__fail_at(err, rc, pe.line, pe.col, "%s",
                       pe.msg[0] ? pe.msg : dt_strerror(rc));
  /* The compiler's blob comes from malloc, as dt_free expects. */
  *blob = raw;
  *blob_len = rlen;
  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->entries_total = st.entries_total;
    stats->compiled = st.compiled;
    stats->include_subdomains = st.include_subdomains;
    stats->overrides = st.overrides;
    stats->case_duplicates = st.case_duplicates;
    stats->unknown_fields = st.unknown_fields;
    stats->skipped_ip = st.skipped_ip;
    stats->blob_bytes = st.blob_bytes;
    stats->list_date_days = list_date_days;
  }
  return 0;
}
