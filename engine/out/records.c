/* records.c — see records.h; also the public *_to_json of the records
 * (detour.h) and dt_version_info. */
#include "engine/out/records.h"

#include "engine/out/decision_text.h"

#include <stdio.h>
#include <string.h>

static char *finish(dt__jw *w) { return dt__jw_finish(w); }

void dt__decision_json(dt__jw *w, const dt_hsts_decision *d) {
  dt__jw_obj_open(w);
  dt__jw_key(w, "type");
  dt__jw_str(w, "hsts");
  dt__jw_key(w, "store");
  dt__jw_str(w, d->source == DT_HSTS_SOURCE_PRELOAD ? "preload" : "dynamic");
  dt__jw_key(w, "host");
  dt__jw_str(w, d->host);
  dt__jw_key(w, "entry");
  dt__jw_str(w, d->entry);
  dt__jw_key(w, "include_subdomains");
  dt__jw_bool(w, d->include_subdomains);
  if (d->source == DT_HSTS_SOURCE_PRELOAD) {
    dt__jw_key(w, "list_date");
    dt__jw_str(w, d->list_date);
  } else {
    dt__jw_key(w, "expires");
    dt__jw_time(w, d->expires_ms);
    dt__jw_key(w, "observed");
    dt__jw_time(w, d->observed_ms);
  }
  dt__jw_obj_close(w);
}

void dt__sts_note_json(dt__jw *w, const dt_sts_note *n) {
  dt__jw_obj_open(w);
  dt__jw_key(w, "header");
  dt__jw_str(w, n->header);
  dt__jw_key(w, "ignored");
  dt__jw_str(w, n->ignored); /* null when the header was considered */
  dt__jw_key(w, "outcome");
  dt__jw_str(w, n->outcome_name);
  dt__jw_key(w, "noted");
  if (n->outcome == DT_STS_NOTED) {
    dt__jw_obj_open(w);
    dt__jw_key(w, "host");
    dt__jw_str(w, n->host);
    dt__jw_key(w, "max_age");
    dt__jw_uint(w, n->max_age);
    dt__jw_key(w, "include_subdomains");
    dt__jw_bool(w, n->include_subdomains);
    dt__jw_key(w, "expires");
    dt__jw_time(w, n->expires_ms);
    dt__jw_key(w, "clamped");
    dt__jw_bool(w, n->clamped);
    dt__jw_obj_close(w);
  } else {
    dt__jw_null(w);
  }
  dt__jw_key(w, "rejected");
  if (n->outcome == DT_STS_REJECTED || n->outcome == DT_STS_REFUSED_HOST) {
    dt__jw_obj_open(w);
    dt__jw_key(w, "code");
    dt__jw_str(w, n->code);
    if (n->outcome == DT_STS_REJECTED) {
      dt__jw_key(w, "offset");
      dt__jw_uint(w, n->offset);
    }
    dt__jw_key(w, "message");
    dt__jw_str(w, n->message);
    dt__jw_obj_close(w);
  } else {
    dt__jw_null(w);
  }
  dt__jw_obj_close(w);
}

void dt__hsts_entry_json(dt__jw *w, const dt_hsts_entry *e) {
  dt__jw_obj_open(w);
  dt__jw_key(w, "host");
  dt__jw_str(w, e->host);
  dt__jw_key(w, "include_subdomains");
  dt__jw_bool(w, e->include_subdomains);
  dt__jw_key(w, "expires");
  dt__jw_time(w, e->expires_ms);
  dt__jw_key(w, "observed");
  dt__jw_time(w, e->observed_ms);
  dt__jw_obj_close(w);
}

void dt__hop_note_json(dt__jw *w, const dt_hop *h) {
  dt__buf note = dt__buf_make(0);
  dt__hop_note(&note, h);
  dt__jw_str(w, note.len ? note.p : NULL);
  dt__buf_free(&note);
}

char *dt_hsts_entry_to_json(const dt_hsts_entry *e) {
  if (!e) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__hsts_entry_json(&w, e);
  return finish(&w);
}

static int each_entry(const dt_hsts_entry *e, void *ud) {
  dt__hsts_entry_json(ud, e);
  return 0;
}

char *dt_hsts_store_to_json(dt_hsts_store *s) {
  if (!s) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "entries");
  dt__jw_arr_open(&w);
  dt_hsts_store_each(s, each_entry, &w);
  dt__jw_arr_close(&w);
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_hsts_decision_to_json(const dt_hsts_decision *d) {
  if (!d) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  if (d->known)
    dt__decision_json(&w, d);
  else
    dt__jw_null(&w);
  return finish(&w);
}

char *dt_hsts_match_to_json(const dt_hsts_match *m) {
  if (!m) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "host");
  dt__jw_str(&w, m->host);
  dt__jw_key(&w, "known");
  dt__jw_bool(&w, m->known);
  dt__jw_key(&w, "match");
  if (m->known)
    dt__hsts_entry_json(&w, &m->entry);
  else
    dt__jw_null(&w);
  dt__jw_key(&w, "reason");
  dt__jw_str(&w, m->reason_name);
  if (!m->known && m->has_entry) {
    dt__jw_key(&w, "near_miss");
    dt__hsts_entry_json(&w, &m->entry);
  }
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_sts_result_to_json(const dt_sts_result *r, const char *value,
                            const char *profile) {
  if (!r) return NULL;
  int ok = r->valid;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "valid");
  dt__jw_bool(&w, ok);
  dt__jw_key(&w, "max_age");
  if (ok)
    dt__jw_uint(&w, r->max_age);
  else
    dt__jw_null(&w);
  dt__jw_key(&w, "include_subdomains");
  dt__jw_bool(&w, ok && r->include_subdomains);
  dt__jw_key(&w, "preload");
  dt__jw_bool(&w, ok && r->preload);
  dt__jw_key(&w, "clamped");
  dt__jw_bool(&w, ok && r->clamped);
  dt__jw_key(&w, "unknown_directives");
  dt__jw_arr_open(&w);
  for (unsigned i = 0;
       ok && value && i < r->unknown_count && i < DT_STS_MAX_UNKNOWN; i++)
    dt__jw_strn(&w, value + r->unknown[i].offset, r->unknown[i].length);
  dt__jw_arr_close(&w);
  dt__jw_key(&w, "error");
  if (ok) {
    dt__jw_null(&w);
  } else {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "code");
    dt__jw_str(&w, r->code);
    /* a rejected value is EPARSE's class: hsts parse exits with it */
    dt__jw_key(&w, "class");
    dt__jw_str(&w, dt_err_class_name(dt_err_class_of(DT_EPARSE)));
    dt__jw_key(&w, "message");
    dt__jw_str(&w, r->message);
    dt__jw_key(&w, "offset");
    dt__jw_uint(&w, r->offset);
    dt__jw_obj_close(&w);
  }
  dt__jw_key(&w, "profile");
  dt__jw_str(&w, profile ? profile : "chromium");
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_preload_info_to_json(const dt_preload *p, const dt_clock *clock) {
  if (!p) return NULL;
  dt_preload_info in;
  dt_preload_get_info(p, &in);
  int64_t age = dt_preload_age_days(p, clock);
  char date[32];
  snprintf(date, sizeof date, "%sT00:00:00Z", in.list_date);
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "entries");
  dt__jw_uint(&w, in.entries);
  dt__jw_key(&w, "include_subdomains");
  dt__jw_uint(&w, in.include_subdomains);
  dt__jw_key(&w, "overrides");
  dt__jw_uint(&w, in.overrides);
  dt__jw_key(&w, "blob_bytes");
  dt__jw_uint(&w, in.blob_bytes);
  dt__jw_key(&w, "derived_bytes");
  dt__jw_uint(&w, in.derived_bytes);
  dt__jw_key(&w, "list_date");
  dt__jw_str(&w, date);
  dt__jw_key(&w, "checksum");
  dt__jw_str(&w, in.checksum_hex);
  dt__jw_key(&w, "age_days");
  dt__jw_int(&w, age);
  dt__jw_key(&w, "stale");
  dt__jw_bool(&w, age >= DT_PRELOAD_STALE_DAYS);
  dt__jw_key(&w, "source");
  dt__jw_str(&w, in.embedded ? "embedded" : "file");
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_preload_match_to_json(const dt_preload_match *m) {
  if (!m) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "host");
  dt__jw_str(&w, m->host);
  dt__jw_key(&w, "known");
  dt__jw_bool(&w, m->known);
  dt__jw_key(&w, "entry");
  if (m->entry[0]) {
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "name");
    dt__jw_str(&w, m->entry);
    dt__jw_key(&w, "include_subdomains");
    dt__jw_bool(&w, m->include_subdomains);
    dt__jw_obj_close(&w);
  } else {
    dt__jw_null(&w);
  }
  dt__jw_key(&w, "reason");
  dt__jw_str(&w, m->reason);
  if (m->cancelled[0]) {
    dt__jw_key(&w, "cancelled");
    dt__jw_str(&w, m->cancelled);
  }
  dt__jw_key(&w, "profile");
  dt__jw_str(&w, m->profile);
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_preload_compile_stats_to_json(const dt_preload_compile_stats *st) {
  if (!st) return NULL;
  char d[11], date[32];
  dt_date_format(st->list_date_days, d);
  snprintf(date, sizeof date, "%sT00:00:00Z", d);
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "entries");
  dt__jw_uint(&w, st->compiled);
  dt__jw_key(&w, "include_subdomains");
  dt__jw_uint(&w, st->include_subdomains);
  dt__jw_key(&w, "overrides");
  dt__jw_uint(&w, st->overrides);
  dt__jw_key(&w, "case_duplicates");
  dt__jw_uint(&w, st->case_duplicates);
  dt__jw_key(&w, "unknown_fields");
  dt__jw_uint(&w, st->unknown_fields);
  dt__jw_key(&w, "skipped_ip");
  dt__jw_uint(&w, st->skipped_ip);
  dt__jw_key(&w, "blob_bytes");
  dt__jw_uint(&w, st->blob_bytes);
  dt__jw_key(&w, "list_date");
  dt__jw_str(&w, date);
  dt__jw_obj_close(&w);
  return finish(&w);
}

char *dt_error_to_json(const dt_error *err) {
  if (!err) return NULL;
  dt__jw w;
  dt__jw_init(&w, 0);
  dt__jw_obj_open(&w);
  dt__jw_key(&w, "code");
  if (err->code)
    dt__jw_str(&w, dt_err_name(err->code));
  else
    dt__jw_null(&w);
  dt__jw_key(&w, "class");
  dt__jw_str(&w, dt_err_class_name(dt_err_class_of(err->code)));
  dt__jw_key(&w, "message");
  dt__jw_str(&w, err->message[0] ? err->message : dt_strerror(err->code));
  dt__jw_key(&w, "hint");
  dt__jw_str(&w, err->hint[0] ? err->hint : NULL);
  if (err->line) {
    dt__jw_key(&w, "line");
    dt__jw_uint(&w, err->line);
  }
  if (err->column) {
    dt__jw_key(&w, "column");
    dt__jw_uint(&w, err->column);
  }
  dt__jw_obj_close(&w);
  return finish(&w);
}
