/* redirect_cache.c — see redirect_cache.h.
 *
 * File (docs/redirect-cache.md), one entry a line after the magic:
 *   e <stored_ms> <expires_ms|forever> <status> <url> <reason>
 * [<name>=<value>]... <crc> every text field percent-encoded (space, '%', '=',
 * control bytes), the CRC-32 over the line before its space (the kit's rule).
 */
#include "engine/nav/redirect_cache.h"

#include "hsts/base/ascii.h"
#include "hsts/base/buf.h"
#include "hsts/base/headers.h"
#include "hsts/base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const magics[] = {"detour-redirect-cache 2",
                                     "detour-redirect-cache 1", NULL};
#define MAX_FILE (64u << 20)

/* ---- freshness (RFC 9111 §4.2) ------------------------------------------- */

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7) in ms,
 * or -1. (The obsolete forms are not read: such an Expires counts as
 * already past, which RFC 9111 §5.3 allows for an invalid date.) */
static int64_t http_date(const char *s) {
  static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int d, y, hh, mm, ss;
  char wd[4], m[4], gmt[4];
  if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s", wd, &d, m, &y, &hh, &mm,
             &ss, gmt) != 8 ||
      strcmp(gmt, "GMT") != 0)
    return -1;
  int mi = -1;
  for (int i = 0; i < 12; i++)
    if (strcmp(m, mon[i]) == 0) mi = i;
  if (mi < 0 || !dt__civil_valid(y, mi + 1, d) || hh > 23 || mm > 59 || ss > 60)
    return -1;
  dt__civil c = {0};
  c.year = y;
  c.month = mi + 1;
  c.day = d;
  c.hour = hh;
  c.minute = mm;
  c.second = ss;
  return dt__ms_from_civil(&c);
}

/* Cache-Control: no-store / no-cache (-1), max-age (seconds, first one),
 * or nothing said (-2). */
static int64_t cache_control(const dt_header *f, size_t count) {
  int64_t max_age = -2;
  size_t pos = 0;
  for (const dt_header *h;
       (h = dt__header_next(f, count, "Cache-Control", &pos));) {
    const char *p = h->value;
    while (*p) {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      const char *s = p;
      while (*p && *p != ',')
        p++;
      size_t n = (size_t)(p - s);
      while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
      if (dt__ascii_istarts(s, n, "no-store") ||
          dt__ascii_istarts(s, n, "no-cache"))
        return -1;
      if (max_age == -2 && dt__ascii_istarts(s, n, "max-age=")) {
        int64_t v = 0;
        const char *d = s + 8;
        if (d < s + n && *d == '"') d++; /* max-age="60": lenient */
        int any = 0;
        for (; d < s + n && *d >= '0' && *d <= '9'; d++, any = 1)
          v = v < (INT64_MAX / 10 - 10) ? v * 10 + (*d - '0') : v;
        if (any) max_age = v;
      }
    }
  }
  return max_age;
}

int64_t dt__rc_expiry(const char *method, int status, const dt_header *fields,
                      size_t count, int64_t now_ms, int heuristic_permanent) {
  if (!method || strcmp(method, "GET") != 0) return -1;
  if (status != 301 && status != 302 && status != 307 && status != 308)
    return -1;
  int64_t cc = cache_control(fields, count);
  if (cc == -1) return -1;
  for (size_t i = 0; i < count; i++) /* HTTP/1.0's no-cache */
    if (dt__ascii_ieq(fields[i].name, "Pragma") &&
        dt__ascii_istarts(fields[i].value, strlen(fields[i].value), "no-cache"))
      return -1;
  int64_t age_ms = 0; /* RFC 9111 §4.2.3: an Age already spent */
  const char *age = dt__header_value(fields, count, "Age");
  if (age && *age >= '0' && *age <= '9') age_ms = strtoll(age, NULL, 10) * 1000;
  if (cc >= 0) { /* max-age wins over Expires (§5.3) */
    int64_t left = cc * 1000 - age_ms;
    return left > 0 ? now_ms + left : -1;
  }
  const char *exp = dt__header_value(fields, count, "Expires");
  if (exp) {
    const char *date = dt__header_value(fields, count, "Date");
    int64_t e = http_date(exp), d = date ? http_date(date) : now_ms;
    if (e < 0 || d < 0 || e <= d) return -1;
    int64_t left = e - d - age_ms;
    return left > 0 ? now_ms + left : -1;
  }
  /* no freshness said: a permanent redirect is heuristically fresh, kept
   * for good (Chromium, measured; RFC 9111 §4.2.2 allows it) */
  if ((status == 301 || status == 308) && heuristic_permanent)
    return DT__RC_FOREVER;
  return -1;
}

/* ---- the entries --------------------------------------------------------- */

static void entry_free(dt__rc_entry *e) {
  free(e->url);
  free(e->reason);
  for (size_t i = 0; i < e->nfields; i++) {
    free((char *)e->fields[i].name);
    free((char *)e->fields[i].value);
  }
  memset(e, 0, sizeof *e);
}

static dt__rc_entry *find(dt__redirect_cache *c, const char *url) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->e[i].url, url) == 0) return &c->e[i];
  return NULL;
}

static void drop(dt__redirect_cache *c, size_t i) {
  entry_free(&c->e[i]);
  c->e[i] = c->e[--c->n];
}

/* A slot for a new entry: grows, or the oldest stored goes. */
static dt__rc_entry *slot(dt__redirect_cache *c) {
  if (c->n == DT__RC_MAX) {
    size_t old = 0;
    for (size_t i = 1; i < c->n; i++)
      if (c->e[i].stored_ms < c->e[old].stored_ms) old = i;
    drop(c, old);
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    dt__rc_entry *ne = realloc(c->e, cap * sizeof *ne);
    if (!ne) return NULL;
    c->e = ne;
    c->cap = cap;
  }
  dt__rc_entry *e = &c->e[c->n++];
  memset(e, 0, sizeof *e);
  return e;
}

static char *dupz(const char *s) { return strdup(s ? s : ""); }

/* Puts an entry (replacing URL's) from its parts; 0 or DT_ENOMEM. */
static int put(dt__redirect_cache *c, const char *url, int status,
               const char *reason, const dt_header *fields, size_t count,
               int64_t stored, int64_t expires, int fresh_here) {
  dt__rc_entry *old = find(c, url);
  if (old) {
    if (old->stored_ms > stored) return 0; /* the later answer wins */
    drop(c, (size_t)(old - c->e));
  }
  dt__rc_entry *e = slot(c);
  if (!e) return DT_ENOMEM;
  e->url = dupz(url);
  e->reason = dupz(reason);
  e->status = status;
  e->stored_ms = stored;
  e->expires_ms = expires;
  e->fresh_here = fresh_here;
  int rc = e->url && e->reason ? 0 : DT_ENOMEM;
  for (size_t i = 0; !rc && i < count && e->nfields < DT__RC_MAX_FIELDS; i++) {
    /* Set-Cookie is never kept: Chromium's cache persists headers "sans
     * cookies" (HttpResponseHeaders::PERSIST_SANS_COOKIES), so a served
     * redirect sets nothing, and no session token lands in the file */
    if (dt__ascii_ieq(fields[i].name, "Set-Cookie")) continue;
    dt_header *f = &e->fields[e->nfields];
    f->name = dupz(fields[i].name);
    f->value = dupz(fields[i].value);
    if (!f->name || !f->value) rc = DT_ENOMEM;
    e->nfields++;
  }
  if (rc) drop(c, (size_t)(e - c->e));
  return rc;
}

/* The URL without its fragment: what a cache keys on. */
static int key_of(const char *url, char *out, size_t cap) {
  size_t n = strcspn(url, "#");
  if (n >= cap) return -1;
  memcpy(out, url, n);
  out[n] = 0;
  return 0;
}

int dt__rc_store(dt__redirect_cache *c, const char *url, const char *method,
                 int status, const char *reason, const dt_header *fields,
                 size_t count, int64_t now_ms, int heuristic_permanent,
                 uint64_t nav_id) {
  int64_t exp =
      dt__rc_expiry(method, status, fields, count, now_ms, heuristic_permanent);
  char key[DT__RC_MAX_URL];
  if (exp < 0 || key_of(url, key, sizeof key)) return 0;
  int rc = put(c, key, status, reason, fields, count, now_ms, exp, 1);
  if (!rc) {
    c->dirty = 1;
    dt__rc_entry *e = find(c, key);
    if (e) e->by = nav_id;
  }
  return rc;
}

const dt__rc_entry *dt__rc_lookup(dt__redirect_cache *c, const char *url,
                                  int64_t now_ms, uint64_t nav_id) {
  char key[DT__RC_MAX_URL];
  if (key_of(url, key, sizeof key)) return NULL;
  dt__rc_entry *e = find(c, key);
  if (e && e->expires_ms != DT__RC_FOREVER && e->expires_ms <= now_ms) {
    drop(c, (size_t)(e - c->e));
    c->dirty = 1;
    return NULL;
  }
  return e && e->by && e->by == nav_id ? NULL : e;
}

static size_t drop_between(dt__redirect_cache *c, int64_t from_ms,
                           int64_t to_ms) {
  size_t n = 0;
  for (size_t i = c->n; i > 0; i--)
    if (c->e[i - 1].stored_ms >= from_ms && c->e[i - 1].stored_ms <= to_ms) {
      drop(c, i - 1);
      n++;
    }
  return n;
}

size_t dt__rc_clear(dt__redirect_cache *c, int64_t from_ms, int64_t to_ms) {
  size_t n = drop_between(c, from_ms, to_ms);
  dt__clears_add(&c->cleared, from_ms, to_ms);
  c->dirty = 1;
  return n;
}

void dt__rc_free(dt__redirect_cache *c) {
  for (size_t i = 0; i < c->n; i++)
    entry_free(&c->e[i]);
  free(c->e);
  dt__buf_free(&c->pending);
  memset(c, 0, sizeof *c);
}

/* ---- the file ------------------------------------------------------------ */

/* What a record read needs: the cache it goes into and the clock. */
typedef struct {
  dt__redirect_cache *c;
  int64_t now_ms;
} rec_ctx;

/* A clear record "x <from> <to>": what came before it in [from, to] goes. */
static int take_clear(dt__redirect_cache *c, const char *p, size_t n) {
  dt__recfield f[4];
  int64_t from, to;
  if (dt__record_split(p, n, f, 3) != 3 || !dt__record_is(f[0], "x") ||
      dt__record_sint(f[1], &from) || dt__record_sint(f[2], &to) || from > to)
    return -1;
  drop_between(c, from, to);
  return 0;
}

/* One record (the kit has checked its CRC), in file order: an entry (0, 1
 * stale, -1 bad, DT_ENOMEM) or a clear. */
static int take_record(void *ud, const char *p, size_t n) {
  dt__redirect_cache *c = ((rec_ctx *)ud)->c;
  int64_t now_ms = ((rec_ctx *)ud)->now_ms;
  if (n && p[0] == 'x') return take_clear(c, p, n);
  dt__recfield tok[4 + 2 + DT__RC_MAX_FIELDS];
  size_t nt = dt__record_split(p, n, tok, sizeof tok / sizeof tok[0]);
  if (nt < 6 || nt > sizeof tok / sizeof tok[0] || !dt__record_is(tok[0], "e"))
    return -1;
  int64_t stored, expires, status;
  if (dt__record_int(tok[1], &stored)) return -1;
  if (dt__record_is(tok[2], "forever"))
    expires = DT__RC_FOREVER;
  else if (dt__record_int(tok[2], &expires))
    return -1;
  if (dt__record_int(tok[3], &status) || status < 300 || status > 399)
    return -1;
  if (expires != DT__RC_FOREVER && expires <= now_ms) return 1; /* stale */
  char *url = dt__record_text(tok[4]);
  char *reason = dt__record_text(tok[5]);
  dt_header f[DT__RC_MAX_FIELDS] = {{0}};
  size_t nf = 0;
  int bad = !url || !reason || strlen(url) >= DT__RC_MAX_URL;
  for (size_t i = 6; !bad && i < nt; i++) {
    const char *eq = memchr(tok[i].s, '=', (size_t)(tok[i].e - tok[i].s));
    if (!eq) {
      bad = 1;
      break;
    }
    f[nf].name = dt__record_text((dt__recfield){tok[i].s, eq});
    f[nf].value = dt__record_text((dt__recfield){eq + 1, tok[i].e});
    nf++;
    if (!f[nf - 1].name || !f[nf - 1].value || !f[nf - 1].name[0]) bad = 1;
  }
  int rc =
      bad ? -1 : put(c, url, (int)status, reason, f, nf, stored, expires, 0);
  free(url);
  free(reason);
  for (size_t i = 0; i < nf; i++) {
    free((char *)f[i].name);
    free((char *)f[i].value);
  }
  return rc == DT_ENOMEM ? DT_ENOMEM : rc ? -1 : 0;
}

#define WHAT "redirect cache"

int dt__rc_load_mem(dt__redirect_cache *c, const char *buf, size_t len,
                    int64_t now_ms, dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, NULL);
  rec_ctx rx = {c, now_ms};
  return dt__safefile_records(buf, len, magics, take_record, &rx, rep);
}

int dt__rc_load(dt__redirect_cache *c, const char *path, int64_t now_ms,
                dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, path);
  rec_ctx rx = {c, now_ms};
  int dirty = c->dirty;
  int rc =
      dt__safefile_load_records(path, MAX_FILE, magics, take_record, &rx, rep);
  c->dirty = dirty;
  return rc;
}

/* The record of entry E into B (cleared first). */
static void entry_record(dt__buf *b, const dt__rc_entry *e) {
  dt__buf_clear(b);
  dt__buf_printf(b, "e %lld ", (long long)e->stored_ms);
  if (e->expires_ms == DT__RC_FOREVER)
    dt__buf_printf(b, "forever");
  else
    dt__buf_printf(b, "%lld", (long long)e->expires_ms);
  dt__buf_printf(b, " %d ", e->status);
  dt__record_put_text(b, e->url);
  dt__buf_put(b, " ", 1);
  dt__record_put_text(b, e->reason);
  for (size_t k = 0; k < e->nfields; k++) {
    dt__buf_put(b, " ", 1);
    dt__record_put_text(b, e->fields[k].name);
    dt__buf_put(b, "=", 1);
    dt__record_put_text(b, e->fields[k].value);
  }
}

#define COMMENT                                                                \
  "# redirects a browser serves again without asking "                         \
  "(docs/redirect-cache.md)\n"

static int gen(FILE *out, const dt__redirect_cache *c, size_t *count) {
  fprintf(out, "%s\n" COMMENT, magics[0]);
  dt__buf b = dt__buf_make(0);
  for (size_t i = 0; i < c->n; i++) {
    entry_record(&b, &c->e[i]);
    if (b.failed) break;
    dt__safefile_put_record(out, b.p, b.len);
    (*count)++;
  }
  int oom = b.failed;
  dt__buf_free(&b);
  return oom ? DT_ENOMEM : ferror(out) ? DT_EIO : 0;
}

/* ---- saving: the journal (hsts/base/journal.h) ----------------------------
 */

static int header(const char *line, size_t n, dt__file_report *rep) {
  return dt__journal_magic(magics, WHAT, line, n, rep);
}

/* The file anew: its records replayed into a fresh cache and written out;
 * UD points to the job's now (stale entries are left out). */
static int compact(void *ud, const char *buf, size_t len, FILE *out,
                   size_t *count, dt__file_report *rep) {
  dt__redirect_cache c = {0};
  rec_ctx rx = {&c, *(const int64_t *)ud};
  dt__file_report r;
  dt__file_report_start(&r, WHAT, NULL);
  int rc = dt__safefile_records(buf, len, magics, take_record, &rx, &r);
  if (rc == DT_ENOMEM) rc = dt__file_report_oom(rep);
  if (!rc) rc = gen(out, &c, count);
  dt__rc_free(&c);
  return rc;
}

static const dt__journal_kind kind = {
    WHAT, MAX_FILE, "detour-redirect-cache 2\n" COMMENT, header, compact, NULL};

const dt__journal_kind *dt__rc_journal_kind(void) { return &kind; }

static void put_line(dt__buf *out, const char *rec, size_t n) {
  dt__buf_put(out, rec, n);
  dt__buf_printf(out, " %08x\n", (unsigned)dt__crc32(rec, n));
}

dt__journal_job *dt__rc_save_begin(dt__redirect_cache *c, const char *path,
                                   int64_t now_ms, int *err) {
  *err = DT_ENOMEM;
  if (!c->dirty && !c->pending.len) {
    *err = 0;
    return NULL;
  }
  int64_t *ud = malloc(sizeof *ud);
  dt__journal_job *j = ud ? dt__journal_job_new(&kind, path, ud) : NULL;
  if (!j) {
    free(ud);
    return NULL;
  }
  *ud = now_ms;
  /* what an earlier save could not write, then the clears (they forget
   * what came before them), then what this process stored */
  dt__buf_put(&j->recs, c->pending.p, c->pending.len);
  dt__buf b = dt__buf_make(0);
  for (size_t i = 0; i < c->cleared.n; i++) {
    dt__buf_clear(&b);
    dt__buf_printf(&b, "x %lld %lld", (long long)c->cleared.from[i],
                   (long long)c->cleared.to[i]);
    put_line(&j->recs, b.p, b.len);
  }
  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].fresh_here) {
      entry_record(&b, &c->e[i]);
      put_line(&j->recs, b.p, b.len);
    }
  int failed = b.failed || j->recs.failed;
  dt__buf_free(&b);
  if (failed) {
    free(ud);
    dt__journal_job_free(j);
    return NULL;
  }
  *err = 0;
  dt__buf_free(&c->pending);
  c->dirty = 0;
  c->cleared.n = 0;
  for (size_t i = 0; i < c->n; i++)
    c->e[i].fresh_here = 0;
  if (!j->recs.len) { /* only stale entries dropped: the file need not know */
    free(ud);
    dt__journal_job_free(j);
    return NULL;
  }
  return j;
}

int dt__rc_save_end(dt__redirect_cache *c, dt__journal_job *j,
                    dt__file_report *rep) {
  free(j->ud);
  int rc = dt__journal_job_end(j, &c->pending, rep);
  if (rc) c->dirty = 1; /* the records wait for the next save */
  return rc;
}

int dt__rc_save(dt__redirect_cache *c, const char *path, int64_t now_ms,
                dt__file_report *rep) {
  int err;
  dt__journal_job *j = dt__rc_save_begin(c, path, now_ms, &err);
  if (!j) {
    dt__file_report_start(rep, WHAT, path);
    if (err) return dt__file_report_oom(rep);
    rep->unchanged = 1;
    return 0;
  }
  dt__journal_run(j);
  return dt__rc_save_end(c, j, rep);
}
