/* jar_file.c — see jar_file.h.
 *
 * detour's file, version 2, one record a line after the magic (the kit's
 * CRC after each), read in file order:
 *   c <created> <seq> <last_access> <expires> <flags> <samesite> <priority>
 *     <domain> <path> <name> <value>        a cookie (replaces its key's)
 *   d <h|-> <domain> <path> <name>          the cookie with that key went
 *   x <from> <to> [<domain>]                a clear: cookies above created
 *                                           in [from, to] (on DOMAIN or
 *                                           under it) went
 * flags: any of "h" host-only, "s" Secure, "o" HttpOnly, or "-"; samesite
 * "-", "None", "Lax", "Strict"; priority "Low", "Medium", "High"; text
 * fields percent-encoded (the kit's record fields). seq 0 (a journal's
 * cookies) numbers the cookie after those read before it. Version 1 (c
 * records only) still loads. */
#include "engine/cookie/jar_file.h"

#include "hsts/base/buf.h"

#include <stdlib.h>
#include <string.h>

static const char *const magics[] = {"detour-cookies 2", "detour-cookies 1",
                                     NULL};
#define WHAT "cookie jar"
#define COMMENT "# cookies a browser keeps (docs/cookies.md)\n"

/* ---- detour's file ------------------------------------------------------- */

typedef struct {
  dt__cookie_jar *j;
  int64_t now_ms;
} rec_ctx;

static int flags_of(dt__recfield f, dt__cookie *c) {
  if (dt__record_is(f, "-")) return 0;
  for (const char *p = f.s; p < f.e; p++) {
    if (*p == 'h')
      c->host_only = 1;
    else if (*p == 's')
      c->secure = 1;
    else if (*p == 'o')
      c->http_only = 1;
    else
      return -1;
  }
  return 0;
}

static int samesite_of(dt__recfield f) {
  return dt__record_is(f, "-")        ? DT__SAMESITE_UNSPECIFIED
         : dt__record_is(f, "None")   ? DT__SAMESITE_NONE
         : dt__record_is(f, "Lax")    ? DT__SAMESITE_LAX
         : dt__record_is(f, "Strict") ? DT__SAMESITE_STRICT
                                      : -1;
}

static int priority_of(dt__recfield f) {
  return dt__record_is(f, "Low")      ? DT__PRIORITY_LOW
         : dt__record_is(f, "Medium") ? DT__PRIORITY_MEDIUM
         : dt__record_is(f, "High")   ? DT__PRIORITY_HIGH
                                      : -1;
}

static void free_cookie(dt__cookie *c) {
  free(c->name);
  free(c->value);
  free(c->domain);
  free(c->path);
  free(c);
}

/* "d <h|-> <domain> <path> <name>": the cookie with that key went. */
static int take_deletion(dt__cookie_jar *j, const char *p, size_t n) {
  dt__recfield f[6];
  if (dt__record_split(p, n, f, 5) != 5 ||
      !(dt__record_is(f[1], "h") || dt__record_is(f[1], "-")))
    return -1;
  char *domain = dt__record_text(f[2]), *path = dt__record_text(f[3]),
       *name = dt__record_text(f[4]);
  int rc = domain && path && name ? 0 : -1;
  if (!rc) dt__jar_forget(j, name, domain, dt__record_is(f[1], "h"), path);
  free(domain);
  free(path);
  free(name);
  return rc;
}

/* "x <from> <to> [<domain>]": a clear of what came before it. */
static int take_clear(dt__cookie_jar *j, const char *p, size_t n) {
  dt__recfield f[5];
  size_t nf = dt__record_split(p, n, f, 4);
  int64_t from, to;
  if ((nf != 3 && nf != 4) || dt__record_sint(f[1], &from) ||
      dt__record_sint(f[2], &to) || from > to)
    return -1;
  char *domain = nf == 4 ? dt__record_text(f[3]) : NULL;
  if (nf == 4 && !domain) return -1;
  dt__jar_clear(j, domain, from, to);
  free(domain);
  return 0;
}

/* One record, in file order: 0, 1 (expired), -1 (bad), DT_ENOMEM. */
static int take_record(void *ud, const char *p, size_t n) {
  rec_ctx *rx = ud;
  if (n > 1 && p[1] == ' ' && p[0] == 'd') return take_deletion(rx->j, p, n);
  if (n > 1 && p[1] == ' ' && p[0] == 'x') return take_clear(rx->j, p, n);
  dt__recfield f[12];
  if (dt__record_split(p, n, f, 12) != 12 || !dt__record_is(f[0], "c"))
    return -1;
  dt__cookie *c = calloc(1, sizeof *c);
  if (!c) return DT_ENOMEM;
  int64_t seq = 0;
  int ss = samesite_of(f[6]), pr = priority_of(f[7]);
  int bad = dt__record_int(f[1], &c->created_ms) ||
            dt__record_int(f[2], &seq) ||
            dt__record_int(f[3], &c->last_access_ms) ||
            dt__record_int(f[4], &c->expires_ms) || flags_of(f[5], c) ||
            ss < 0 || pr < 0;
  c->seq = (uint64_t)seq;
  c->samesite = (unsigned char)(ss < 0 ? 0 : ss);
  c->priority = (unsigned char)(pr < 0 ? 0 : pr);
  c->persistent = 1;
  if (!bad) {
    c->domain = dt__record_text(f[8]);
    c->path = dt__record_text(f[9]);
    c->name = dt__record_text(f[10]);
    c->value = dt__record_text(f[11]);
    bad = !c->domain || !c->path || !c->name || !c->value;
  }
  if (bad || c->expires_ms <= rx->now_ms) {
    free_cookie(c);
    return bad ? -1 : 1;
  }
  int rc = dt__jar_put(rx->j, c); /* checks the fields (dt__cookie_valid) */
  return rc == DT_ENOMEM ? DT_ENOMEM : rc ? -1 : 0;
}

int dt__jar_load_mem(dt__cookie_jar *j, const char *buf, size_t len,
                     int64_t now_ms, dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, NULL);
  rec_ctx rx = {j, now_ms};
  return dt__safefile_records(buf, len, magics, take_record, &rx, rep);
}

int dt__jar_load(dt__cookie_jar *j, const char *path, int64_t now_ms,
                 dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, path);
  rec_ctx rx = {j, now_ms};
  int rc = dt__safefile_load_records(path, DT__JAR_FILE_MAX, magics,
                                     take_record, &rx, rep);
  dt__jar_changes_saved(j); /* what was read is not this process's news */
  return rc;
}

/* The record of C into B (cleared first); SEQ as written. */
static void cookie_record(dt__buf *b, const dt__cookie *c, uint64_t seq) {
  dt__buf_clear(b);
  dt__buf_printf(b, "c %lld %llu %lld %lld %s%s%s%s ", (long long)c->created_ms,
                 (unsigned long long)seq, (long long)c->last_access_ms,
                 (long long)c->expires_ms, c->host_only ? "h" : "",
                 c->secure ? "s" : "", c->http_only ? "o" : "",
                 c->host_only || c->secure || c->http_only ? "" : "-");
  const char *ss = dt__samesite_name((dt__samesite)c->samesite);
  dt__buf_printf(b, "%s %s ", ss ? ss : "-",
                 dt__priority_name((dt__cookie_priority)c->priority));
  dt__record_put_text(b, c->domain);
  dt__buf_put(b, " ", 1);
  dt__record_put_text(b, c->path);
  dt__buf_put(b, " ", 1);
  dt__record_put_text(b, c->name);
  dt__buf_put(b, " ", 1);
  dt__record_put_text(b, c->value);
}

typedef struct {
  dt__buf b;
  FILE *out;
  size_t *count;
} write_ctx;

static int write_one(const dt__cookie *c, void *ud) {
  write_ctx *w = ud;
  if (!c->persistent) return 0;
  cookie_record(&w->b, c, c->seq);
  if (w->b.failed) return DT_ENOMEM;
  dt__safefile_put_record(w->out, w->b.p, w->b.len);
  (*w->count)++;
  return 0;
}

/* ---- saving: the journal (hsts/base/journal.h) ----------------------------
 */

static int header(const char *line, size_t n, dt__file_report *rep) {
  return dt__journal_magic(magics, WHAT, line, n, rep);
}

/* The file anew: its records replayed into a fresh jar (which takes any
 * number: the bounds are the live jar's, applied when it loads), written
 * out in creation order; UD points to the job's now (expired cookies are
 * left out). */
static int compact(void *ud, const char *buf, size_t len, FILE *out,
                   size_t *count, dt__file_report *rep) {
  int64_t now_ms = *(const int64_t *)ud;
  dt__cookie_jar *j = dt__jar_new();
  if (!j) return dt__file_report_oom(rep);
  dt__jar_set_bounds(j, SIZE_MAX, SIZE_MAX);
  rec_ctx rx = {j, now_ms};
  dt__file_report r;
  dt__file_report_start(&r, WHAT, NULL);
  int rc = dt__safefile_records(buf, len, magics, take_record, &rx, &r);
  write_ctx w = {dt__buf_make(0), out, count};
  fprintf(out, "%s\n" COMMENT, magics[0]);
  if (!rc) rc = dt__jar_each(j, now_ms, write_one, &w);
  if (rc == DT_ENOMEM) rc = dt__file_report_oom(rep);
  if (!rc && ferror(out)) rc = DT_EIO;
  dt__buf_free(&w.b);
  dt__jar_free(j);
  return rc;
}

static const dt__journal_kind kind = {
    WHAT,   DT__JAR_FILE_MAX, "detour-cookies 2\n" COMMENT,
    header, compact,          NULL};

const dt__journal_kind *dt__jar_journal_kind(void) { return &kind; }

static void put_line(dt__buf *out, const dt__buf *rec) {
  dt__buf_put(out, rec->p, rec->len);
  dt__buf_printf(out, " %08x\n", (unsigned)dt__crc32(rec->p, rec->len));
}

typedef struct {
  dt__buf *recs, b;
} fresh_ctx;

static int put_fresh(const dt__cookie *c, void *ud) {
  fresh_ctx *fx = ud;
  if (!c->persistent || !c->fresh) return 0;
  /* seq 0: numbered after the file's cookies when read, as a browser
   * orders cookies it learnt after the ones it had */
  cookie_record(&fx->b, c, 0);
  put_line(fx->recs, &fx->b);
  return fx->b.failed ? DT_ENOMEM : 0;
}

dt__journal_job *dt__jar_save_begin(dt__cookie_jar *j, const char *path,
                                    int64_t now_ms, int *err) {
  *err = DT_ENOMEM;
  if (!dt__jar_dirty(j)) {
    *err = 0;
    return NULL;
  }
  int64_t *ud = malloc(sizeof *ud);
  dt__journal_job *job = ud ? dt__journal_job_new(&kind, path, ud) : NULL;
  if (!job) {
    free(ud);
    return NULL;
  }
  *ud = now_ms;
  /* what an earlier save could not write; this process's deletions and
   * clears in the order made; then its new cookies */
  dt__buf *pending = dt__jar_pending(j);
  dt__buf_put(&job->recs, pending->p, pending->len);
  fresh_ctx fx = {&job->recs, dt__buf_make(0)};
  const dt__jar_change *ch;
  size_t nch = dt__jar_changes(j, &ch);
  for (size_t i = 0; i < nch; i++) {
    dt__buf_clear(&fx.b);
    if (ch[i].kind == 1) {
      dt__buf_printf(&fx.b, "x %lld %lld", (long long)ch[i].from_ms,
                     (long long)ch[i].to_ms);
      if (ch[i].domain) {
        dt__buf_put(&fx.b, " ", 1);
        dt__record_put_text(&fx.b, ch[i].domain);
      }
    } else {
      dt__buf_printf(&fx.b, "d %s ", ch[i].host_only ? "h" : "-");
      dt__record_put_text(&fx.b, ch[i].domain);
      dt__buf_put(&fx.b, " ", 1);
      dt__record_put_text(&fx.b, ch[i].path);
      dt__buf_put(&fx.b, " ", 1);
      dt__record_put_text(&fx.b, ch[i].name);
    }
    put_line(&job->recs, &fx.b);
  }
  int rc = dt__jar_each(j, now_ms, put_fresh, &fx);
  int failed = rc || fx.b.failed || job->recs.failed;
  dt__buf_free(&fx.b);
  if (failed) {
    free(ud);
    dt__journal_job_free(job);
    return NULL;
  }
  *err = 0;
  dt__buf_free(pending);
  dt__jar_changes_saved(j);
  return job;
}

int dt__jar_save_end(dt__cookie_jar *j, dt__journal_job *job,
                     dt__file_report *rep) {
  free(job->ud);
  return dt__journal_job_end(job, dt__jar_pending(j), rep);
}

int dt__jar_save(dt__cookie_jar *j, const char *path, int64_t now_ms,
                 dt__file_report *rep) {
  int err;
  dt__journal_job *job = dt__jar_save_begin(j, path, now_ms, &err);
  if (!job) {
    dt__file_report_start(rep, WHAT, path);
    if (err) return dt__file_report_oom(rep);
    rep->unchanged = 1;
    return 0;
  }
  dt__journal_run(job);
  return dt__jar_save_end(j, job, rep);
}

/* ---- curl's Netscape format ---------------------------------------------- */

static int tf(const char *s, size_t n, int *out) {
  if (n == 4 && memcmp(s, "TRUE", 4) == 0) return *out = 1, 0;
  if (n == 5 && memcmp(s, "FALSE", 5) == 0) return *out = 0, 0;
  return -1;
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

/* One line: 0 put, 1 expired, -1 bad, DT_ENOMEM. */
static int netscape_line(dt__cookie_jar *j, const char *p, size_t n,
                         int64_t now_ms) {
  int http_only = 0;
  if (n >= 10 && memcmp(p, "#HttpOnly_", 10) == 0) {
    http_only = 1;
    p += 10;
    n -= 10;
  }
  if (n && p[n - 1] == '\r') n--;
  const char *f[7];
  size_t fl[7], nf = 0;
  for (const char *s = p, *e = p + n; nf < 7;) {
    const char *t = nf < 6 ? memchr(s, '\t', (size_t)(e - s)) : e;
    if (!t) return -1;
    f[nf] = s;
    fl[nf++] = (size_t)(t - s);
    s = t < e ? t + 1 : e;
  }
  if (memchr(f[6], '\t', fl[6])) return -1;
  int tail, secure;
  if (tf(f[1], fl[1], &tail) || tf(f[3], fl[3], &secure)) return -1;
  int64_t exp = 0;
  if (!fl[4]) return -1;
  for (size_t i = 0; i < fl[4]; i++) {
    if (f[4][i] < '0' || f[4][i] > '9' || exp > (INT64_MAX / 1000 - 9) / 10)
      return -1;
    exp = exp * 10 + (f[4][i] - '0');
  }
  const char *dom = f[0];
  size_t dl = fl[0];
  if (dl && dom[0] == '.') { /* curl writes domain cookies with a dot */
    dom++;
    dl--;
  }
  if (memchr(p, 0, n)) return -1; /* text files have no NUL */
  if (exp && exp * 1000 <= now_ms) return 1;
  dt__cookie *c = calloc(1, sizeof *c);
  if (!c) return DT_ENOMEM;
  c->domain = malloc(dl + 1);
  if (c->domain)
    for (size_t i = 0; i < dl; i++) /* canonical hosts are lowercase */
      c->domain[i] =
          (char)(dom[i] >= 'A' && dom[i] <= 'Z' ? dom[i] + 32 : dom[i]);
  if (c->domain) c->domain[dl] = 0;
  c->path = dup_n(f[2], fl[2]);
  c->name = dup_n(f[5], fl[5]);
  c->value = dup_n(f[6], fl[6]);
  if (!c->domain || !c->path || !c->name || !c->value) {
    free_cookie(c);
    return DT_ENOMEM;
  }
  c->host_only = !tail;
  c->secure = (unsigned char)secure;
  c->http_only = (unsigned char)http_only;
  c->persistent = exp != 0;
  c->expires_ms = exp * 1000;
  c->created_ms = c->last_access_ms = now_ms;
  c->priority = DT__PRIORITY_MEDIUM;
  c->fresh = 1;
  int rc = dt__jar_put(j, c); /* checks the fields (dt__cookie_valid) */
  return rc == DT_ENOMEM ? DT_ENOMEM : rc ? -1 : 0;
}

int dt__jar_import_netscape(dt__cookie_jar *j, const char *buf, size_t len,
                            int64_t now_ms, dt__file_report *rep) {
  const char *p = buf, *end = buf + len, *line;
  size_t n, lineno = 0;
  while (dt__safefile_line(&p, end, &line, &n)) {
    lineno++;
    rep->lines++;
    size_t k = 0;
    while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
      k++;
    if (k == n) continue;
    if (line[k] == '#' &&
        !(n - k >= 10 && memcmp(line + k, "#HttpOnly_", 10) == 0))
      continue; /* a comment (curl's header is one) */
    int rc = netscape_line(j, line + k, n - k, now_ms);
    if (dt__file_report_record(rep, rc, lineno)) return DT_ENOMEM;
  }
  return 0;
}

static int export_one(const dt__cookie *c, void *ud) {
  dt__buf *b = ud;
  dt__buf_printf(b, "%s%s%s\t%s\t%s\t%s\t%lld\t%s\t%s\n",
                 c->http_only ? "#HttpOnly_" : "", c->host_only ? "" : ".",
                 c->domain, c->host_only ? "FALSE" : "TRUE", c->path,
                 c->secure ? "TRUE" : "FALSE",
                 c->persistent ? (long long)(c->expires_ms / 1000) : 0LL,
                 c->name, c->value);
  return b->failed ? DT_ENOMEM : 0;
}

char *dt__jar_export_netscape(dt__cookie_jar *j, int64_t now_ms) {
  dt__buf b = dt__buf_make(0);
  dt__buf_printf(&b, "# Netscape HTTP Cookie File\n"
                     "# written by detour (docs/cookies.md); curl reads it "
                     "with -b\n\n");
  if (dt__jar_each(j, now_ms, export_one, &b)) {
    dt__buf_free(&b);
    return NULL;
  }
  return dt__buf_finish(&b);
}
