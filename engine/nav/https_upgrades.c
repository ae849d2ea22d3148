/* https_upgrades.c — see https_upgrades.h. */
#include "engine/nav/https_upgrades.h"

#include <libpsl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dt__fallback_has(const dt__fallback_list *l, const char *host) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->host[i], host) == 0) return 1;
  return 0;
}

/* Keeps the newest when full: the oldest goes. FRESH: added here. */
static int put(dt__fallback_list *l, const char *host, int64_t at, int fresh) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->host[i], host) == 0) {
      if (at > l->at[i]) l->at[i] = at;
      if (fresh) l->fresh[i] = 1;
      return 0;
    }
  char *h = strdup(host);
  if (!h) return DT_ENOMEM;
  if (l->n == DT__FALLBACK_MAX) {
    size_t old = 0;
    for (size_t i = 1; i < l->n; i++)
      if (l->at[i] < l->at[old]) old = i;
    if (at < l->at[old]) {
      free(h);
      return 0;
    }
    free(l->host[old]);
    l->host[old] = l->host[l->n - 1];
    l->at[old] = l->at[l->n - 1];
    l->fresh[old] = l->fresh[l->n - 1];
    l->n--;
  }
  l->host[l->n] = h;
  l->fresh[l->n] = (unsigned char)fresh;
  l->at[l->n++] = at;
  return 0;
}

int dt__fallback_add(dt__fallback_list *l, const char *host, int64_t at_ms) {
  if (dt__fallback_has(l, host)) return 0;
  int rc = put(l, host, at_ms, 1);
  if (!rc) l->dirty = 1;
  return rc;
}

void dt__fallback_clear(dt__fallback_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->host[i]);
  l->n = 0;
  dt__buf_free(&l->pending);
}

/* Forgets the hosts that fell back in [FROM_MS, TO_MS]: how many. */
static size_t drop_between(dt__fallback_list *l, int64_t from_ms,
                           int64_t to_ms) {
  size_t gone = 0;
  for (size_t i = l->n; i-- > 0;)
    if (l->at[i] >= from_ms && l->at[i] <= to_ms) {
      free(l->host[i]);
      l->host[i] = l->host[l->n - 1];
      l->at[i] = l->at[l->n - 1];
      l->fresh[i] = l->fresh[l->n - 1];
      l->n--;
      gone++;
    }
  return gone;
}

size_t dt__fallback_clear_between(dt__fallback_list *l, int64_t from_ms,
                                  int64_t to_ms) {
  size_t gone = drop_between(l, from_ms, to_ms);
  dt__clears_add(&l->cleared, from_ms, to_ms);
  l->dirty = 1;
  return gone;
}

/* ---- the file ------------------------------------------------------------ */

static const char *const magics[] = {"detour-https-upgrades 2",
                                     "detour-https-upgrades 1", NULL};
#define MAX_FILE (1u << 20)
#define WHAT "HTTPS-Upgrades fallback list"

/* One record "f <host> <at_ms>" (the kit has checked its CRC) into HOST
 * (256 bytes) and *AT: 0 or -1. */
static int parse_record(const char *p, size_t n, char *host, int64_t *at) {
  const char *end = p + n;
  if (n < 4 || p[0] != 'f' || p[1] != ' ') return -1;
  const char *h = p + 2, *e = memchr(h, ' ', (size_t)(end - h));
  if (!e || e == h || (size_t)(e - h) >= 256) return -1;
  memcpy(host, h, (size_t)(e - h));
  host[e - h] = 0;
  for (const char *c = host; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
          *c == '.' || *c == '_'))
      return -1;
  int64_t v = 0;
  const char *d = e + 1;
  if (d == end) return -1;
  for (; d < end; d++) {
    if (*d < '0' || *d > '9' || v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*d - '0');
  }
  *at = v;
  return 0;
}

/* A record in file order: a host, or a clear of what came before it. */
static int take_record(void *ud, const char *p, size_t n) {
  dt__fallback_list *l = ud;
  if (n && p[0] == 'x') {
    dt__recfield f[4];
    int64_t from, to;
    if (dt__record_split(p, n, f, 3) != 3 || !dt__record_is(f[0], "x") ||
        dt__record_sint(f[1], &from) || dt__record_sint(f[2], &to) || from > to)
      return -1;
    drop_between(l, from, to);
    return 0;
  }
  char host[256];
  int64_t at;
  if (parse_record(p, n, host, &at)) return -1;
  return put(l, host, at, 0) ? DT_ENOMEM : 0;
}

int dt__fallback_load_mem(dt__fallback_list *l, const char *buf, size_t len,
                          dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, NULL);
  return dt__safefile_records(buf, len, magics, take_record, l, rep);
}

int dt__fallback_load(dt__fallback_list *l, const char *path,
                      dt__file_report *rep) {
  dt__file_report_start(rep, WHAT, path);
  int dirty = l->dirty;
  int rc =
      dt__safefile_load_records(path, MAX_FILE, magics, take_record, l, rep);
  l->dirty = dirty;
  return rc;
}

static int gen(FILE *out, const dt__fallback_list *l, size_t *count) {
  fprintf(out,
          "%s\n# hosts whose https failed: not upgraded again "
          "(docs/https-upgrades.md)\n",
          magics[0]);
  for (size_t i = 0; i < l->n; i++) {
    char line[320];
    int n = snprintf(line, sizeof line, "f %s %lld", l->host[i],
                     (long long)l->at[i]);
    if (n < 0 || (size_t)n >= sizeof line) continue;
    dt__safefile_put_record(out, line, (size_t)n);
    (*count)++;
  }
  return ferror(out) ? DT_EIO : 0;
}

/* ---- saving: the journal (hsts/base/journal.h) ----------------------------
 */

static int header(const char *line, size_t n, dt__file_report *rep) {
  return dt__journal_magic(magics, WHAT, line, n, rep);
}

/* The file anew: its records replayed into a fresh list, written out. */
static int compact(void *ud, const char *buf, size_t len, FILE *out,
                   size_t *count, dt__file_report *rep) {
  (void)ud;
  dt__fallback_list *l = calloc(1, sizeof *l);
  if (!l) return dt__file_report_oom(rep);
  dt__file_report r;
  dt__file_report_start(&r, WHAT, NULL);
  int rc = dt__safefile_records(buf, len, magics, take_record, l, &r);
  if (rc == DT_ENOMEM) rc = dt__file_report_oom(rep);
  if (!rc) rc = gen(out, l, count);
  dt__fallback_clear(l);
  free(l);
  return rc;
}

static const dt__journal_kind kind = {
    WHAT,
    MAX_FILE,
    "detour-https-upgrades 2\n# hosts whose https failed: not upgraded again "
    "(docs/https-upgrades.md)\n",
    header,
    compact,
    NULL};

const dt__journal_kind *dt__fallback_journal_kind(void) { return &kind; }

static void put_line(dt__buf *b, const char *line, int n) {
  if (n < 0) return;
  dt__buf_printf(b, "%.*s %08x\n", n, line,
                 (unsigned)dt__crc32(line, (size_t)n));
}

dt__journal_job *dt__fallback_save_begin(dt__fallback_list *l, const char *path,
                                         int *err) {
  *err = 0;
  if (!l->dirty && !l->pending.len) return NULL;
  dt__journal_job *j = dt__journal_job_new(&kind, path, NULL);
  if (!j) {
    *err = DT_ENOMEM;
    return NULL;
  }
  /* what an earlier save could not write, then the clears, then the hosts
   * added: a clear forgets what came before it in the file */
  dt__buf_put(&j->recs, l->pending.p, l->pending.len);
  char line[320];
  for (size_t i = 0; i < l->cleared.n; i++) {
    int n =
        snprintf(line, sizeof line, "x %lld %lld",
                 (long long)l->cleared.from[i], (long long)l->cleared.to[i]);
    put_line(&j->recs, line, n);
  }
  for (size_t i = 0; i < l->n; i++)
    if (l->fresh[i]) {
      int n = snprintf(line, sizeof line, "f %s %lld", l->host[i],
                       (long long)l->at[i]);
      if (n > 0 && (size_t)n < sizeof line) put_line(&j->recs, line, n);
    }
  if (j->recs.failed) {
    dt__journal_job_free(j);
    *err = DT_ENOMEM;
    return NULL;
  }
  dt__buf_free(&l->pending);
  l->dirty = 0;
  l->cleared.n = 0;
  for (size_t i = 0; i < l->n; i++)
    l->fresh[i] = 0;
  return j;
}

int dt__fallback_save_end(dt__fallback_list *l, dt__journal_job *j,
                          dt__file_report *rep) {
  int rc = dt__journal_job_end(j, &l->pending, rep);
  if (rc) l->dirty = 1; /* the records wait for the next save */
  return rc;
}

int dt__fallback_save(dt__fallback_list *l, const char *path,
                      dt__file_report *rep) {
  int err;
  dt__journal_job *j = dt__fallback_save_begin(l, path, &err);
  if (!j) {
    dt__file_report_start(rep, WHAT, path);
    if (err) return dt__file_report_oom(rep);
    rep->unchanged = 1;
    return 0;
  }
  dt__journal_run(j);
  return dt__fallback_save_end(l, j, rep);
}

int dt__https_upgrades_unique_host(const dt_url *url) {
  if (dt_url_host_kind(url) != DT_HOST_DOMAIN) return 0;
  const char *h = dt_url_get(url, DT_URL_HOSTNAME);
  const psl_ctx_t *psl = psl_builtin();
  const char *suffix = psl_unregistrable_domain(psl, h);
  /* a registrable domain exists, and its suffix is on the list itself,
   * not only under the "*" default rule that makes .test a suffix */
  return suffix && suffix != h && psl_registrable_domain(psl, h) &&
         psl_is_public_suffix2(psl, suffix,
                               PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

int dt__https_upgrades_eligible(const dt__https_upgrades *p, const dt_url *url,
                                const char *method, dt__input input, int api,
                                const dt__fallback_list *fallback) {
  if (!p->name || api) return 0;
  if (!(p->inputs & DT__INPUT_BIT(input))) return 0;
  if (strcmp(dt_url_scheme(url), "http") != 0) return 0;
  if (dt_url_port_or_default(url) != 80) return 0; /* the default port only */
  if (strcmp(method, "GET") != 0) return 0;        /* not a form POST */
  if (!dt__https_upgrades_unique_host(url)) return 0;
  return !dt__fallback_has(fallback, dt_url_get(url, DT_URL_HOSTNAME));
}

int dt__https_upgrades_exempts(const dt__https_upgrades *p, const dt_url *url,
                               dt__input input, int api) {
  return p->name && p->typed_http_exempts && !api && input == DT__INPUT_TYPED &&
         strcmp(dt_url_scheme(url), "http") == 0 &&
         dt__https_upgrades_unique_host(url);
}

int dt__https_upgrades_status_fails(const dt__https_upgrades *p, int status) {
  return p->status_min && status >= p->status_min && status <= p->status_max;
}
