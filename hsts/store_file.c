/* store_file.c — the HSTS store on disk (store_file.h,
 * docs/hsts-store-format.md).
 *
 * File format, version 1 (one record per line, '\n'-terminated):
 *
 *   detour-hsts-store 1
 *   # comments and empty lines are ignored
 *   r <from_ms> <to_ms> <crc>                 range deletion (observed times)
 *   d <host> <deleted_ms> <crc>               deletion of one host
 *   h <host> <i|-> <expires_ms|never> <observed_ms> <crc>   an entry
 *
 * <crc> is the CRC-32 (IEEE) of every byte before the space that precedes
 * it, as 8 lowercase hex digits. A line that fails its checksum, or does
 * not parse, is skipped and counted: one damaged line costs one record,
 * never the file (the idea of Firefox's per-slot checksums).
 *
 * Saving is a locked reload-merge-save (wget2's answer to parallel runs,
 * curl/curl#21847): under flock on PATH.lock the file is re-read into an
 * "image" (entries, deletions, ranges), this process's journal is applied
 * to it with "the later observation wins", and the image is written to
 * PATH.tmp, fsynced, renamed over PATH, and the directory fsynced. Readers
 * take no lock: rename makes every version they can see complete. */
#include "hsts/store_file.h"

#include "hsts/base/file.h"
#include "hsts/base/safefile.h"
#include "hsts/base/time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- reports: the kit's, as "HSTS store" ------------------------------- */
static void rep_start(dt__hsts_file_report *rep, const char *path) {
  dt__file_report_start(rep, "HSTS store", path);
}

/* ---- small parsers ------------------------------------------------------- */
/* Decimal int64 with an optional '-'; the whole span, no overflow. */
static int parse_i64(const char *p, size_t n, int64_t *out) {
  int neg = 0;
  if (n && p[0] == '-') {
    neg = 1;
    p++;
    n--;
  }
  if (n == 0 || n > 19) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  if (!neg && v > (uint64_t)INT64_MAX) return -1;
  if (neg && v > (uint64_t)INT64_MAX + 1) return -1;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 0;
}

/* The next ' '-separated field of [*p, end): empty fields are errors. */
static int next_field(const char **p, const char *end, const char **f,
                      size_t *fl) {
  const char *s = *p;
  if (s >= end) return -1;
  const char *sp = memchr(s, ' ', (size_t)(end - s));
  const char *e = sp ? sp : end;
  if (e == s) return -1;
  *f = s;
  *fl = (size_t)(e - s);
  *p = sp ? sp + 1 : end;
  return 0;
}

/* A host field must already be the canonical key (rules 18-20): a line
 * with any other form was not written by us and is a bad line. */
static int parse_host(const char *f, size_t fl, char *out) {
  size_t n;
  if (dt__host_canon(f, fl, out, &n) != DT__HOST_OK) return -1;
  return (n == fl && memcmp(out, f, fl) == 0) ? 0 : -1;
}

typedef struct rec {
  char kind; /* 'h' entry, 'd' deletion, 'r' range */
  dt__hsts_entry e;
  int64_t from, to;
} rec;

/* Parses one record line (without '\n'). Returns 0, or -1 for a bad line. */
static int parse_line(const char *p, size_t n, rec *r) {
  if (n > DT__HSTS_FILE_MAX_LINE || n < 10) return -1;
  /* The checksum is the last 8 bytes, after a space. */
  const char *crc = p + n - 8;
  if (crc[-1] != ' ') return -1;
  uint32_t want = 0;
  for (int i = 0; i < 8; i++) {
    char c = crc[i];
    uint32_t d;
    if (c >= '0' && c <= '9')
      d = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (uint32_t)(c - 'a' + 10);
    else
      return -1;
    want = want << 4 | d;
  }
  size_t body = n - 9;
  if (dt__crc32(p, body) != want) return -1;
  const char *cur = p, *end = p + body, *f;
  size_t fl;
  if (next_field(&cur, end, &f, &fl) || fl != 1) return -1;
  memset(r, 0, sizeof *r);
  r->kind = f[0];
  if (r->kind == 'h') {
    if (next_field(&cur, end, &f, &fl) || parse_host(f, fl, r->e.host))
      return -1;
    if (next_field(&cur, end, &f, &fl) || fl != 1 ||
        (f[0] != 'i' && f[0] != '-' && f[0] != 'k'))
      return -1;
    r->e.include_subdomains = f[0] == 'i';
    r->e.knockout = f[0] == 'k';
    if (next_field(&cur, end, &f, &fl)) return -1;
    if (fl == 5 && memcmp(f, "never", 5) == 0)
      r->e.expires_ms = DT__HSTS_NEVER;
    else if (parse_i64(f, fl, &r->e.expires_ms))
      return -1;
    if (next_field(&cur, end, &f, &fl) || parse_i64(f, fl, &r->e.observed_ms))
      return -1;
  } else if (r->kind == 'd') {
    if (next_field(&cur, end, &f, &fl) || parse_host(f, fl, r->e.host))
      return -1;
    if (next_field(&cur, end, &f, &fl) || parse_i64(f, fl, &r->e.observed_ms))
      return -1;
  } else if (r->kind == 'r') {
    if (next_field(&cur, end, &f, &fl) || parse_i64(f, fl, &r->from)) return -1;
    if (next_field(&cur, end, &f, &fl) || parse_i64(f, fl, &r->to)) return -1;
    if (r->from > r->to) return -1;
  } else {
    return -1;
  }
  return cur == end ? 0 : -1; /* no extra fields */
}

/* ---- the file image: what a store file says ------------------------------ */
typedef struct image {
  dt__hsts_store *f; /* entries */
  dt__hsts_store *t; /* deletions: host → deletion time in observed_ms */
  int64_t ranges[2 * DT__HSTS_FILE_RANGES_KEPT];
  size_t nranges;
  int64_t now;
} image;

/* The image reads time through a fixed value taken from the store's clock
 * when the load or save started, so one operation sees one "now". */
static int64_t image_clock(void *ud) { return *(const int64_t *)ud; }

static int image_init(image *im, dt__hsts_store *s) {
  memset(im, 0, sizeof *im);
  im->now = dt__hsts_store_now(s);
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(s, &st);
  size_t max = st.max_entries;
  dt_clock clk = {image_clock, &im->now};
  if (dt__hsts_store_new(&im->f, max, &clk)) return DT_ENOMEM;
  if (dt__hsts_store_new(&im->t, max, &clk)) {
    dt__hsts_store_free(im->f);
    im->f = NULL;
    return DT_ENOMEM;
  }
  return 0;
}
static void image_free(image *im) {
  dt__hsts_store_free(im->f);
  dt__hsts_store_free(im->t);
  im->f = im->t = NULL;
}

/* Whether the image has a deletion of HOST; its time in *t. */
static int tomb_time(image *im, const char *host, int64_t *t) {
  dt__hsts_decision d;
  if (dt__hsts_store_lookup(im->t, host, strlen(host), &d) &&
      d.reason == DT__HSTS_R_EXACT) {
    *t = d.entry.observed_ms;
    return 1;
  }
  return 0;
}

/* Would a deletion in the image remove an entry observed at OBS? */
static int covered(image *im, const char *host, int64_t obs) {
  int64_t t;
  if (tomb_time(im, host, &t) && t >= obs) return 1;
  for (size_t i = 0; i < im->nranges; i++)
    if (obs >= im->ranges[2 * i] && obs <= im->ranges[2 * i + 1]) return 1;
  return 0;
}

static void image_range(image *im, int64_t from, int64_t to) {
  dt__hsts_store_merge_range(im->f, from, to);
  for (size_t i = 0; i < im->nranges; i++)
    if (im->ranges[2 * i] == from && im->ranges[2 * i + 1] == to) return;
  size_t slot = im->nranges;
  if (slot == DT__HSTS_FILE_RANGES_KEPT) {
    /* Bounded: replace the range that ended first (its deletions are the
     * oldest; documented in docs/hsts-store-format.md). */
    slot = 0;
    for (size_t i = 1; i < im->nranges; i++)
      if (im->ranges[2 * i + 1] < im->ranges[2 * slot + 1]) slot = i;
    if (to < im->ranges[2 * slot + 1]) return;
  } else {
    im->nranges++;
  }
  im->ranges[2 * slot] = from;
  im->ranges[2 * slot + 1] = to;
}

static int image_delete(image *im, const char *host, int64_t t) {
  dt__hsts_store_merge_delete(im->f, host, t);
  int64_t had;
  if (tomb_time(im, host, &had) && had >= t) return 0;
  int rc =
      dt__hsts_store_add(im->t, host, strlen(host), 0, DT__HSTS_NEVER, t, NULL);
  return rc == DT_ENOMEM ? rc : 0;
}

static int image_entry(image *im, const dt__hsts_entry *e) {
  if (im->now > e->expires_ms) return 0; /* rule 17 */
  if (covered(im, e->host, e->observed_ms)) return 0;
  dt__hsts_store_merge_entry(im->f, e);
  return 0;
}

/* Parses a whole store file into IM. Returns 0, DT_ESTORE (not ours, or a
 * newer version: nothing was added) or DT_ENOMEM. */
static int parse_file(image *im, const char *buf, size_t len,
                      dt__hsts_file_report *rep) {
  if (len == 0) return 0; /* an empty file is an empty store */
  const char *end = buf + len;
  const char *nl = memchr(buf, '\n', len);
  size_t hl = nl ? (size_t)(nl - buf) : len;
  size_t ml = sizeof DT__HSTS_FILE_MAGIC - 1;
  rep->lines = 1;
  if (hl <= ml || memcmp(buf, DT__HSTS_FILE_MAGIC " ", ml + 1) != 0)
    return dt__file_report_fail(
        rep, DT_ESTORE, 0,
        "not a detour HSTS store (the first line is not "
        "\"" DT__HSTS_FILE_MAGIC " 1\")",
        "move the file away or use another store path; a curl "
        "--hsts file can be imported instead");
  const char *v = buf + ml + 1, *ve = v;
  while (ve < buf + hl && *ve >= '0' && *ve <= '9')
    ve++;
  int64_t ver;
  if (ve == v || (ve < buf + hl && *ve != ' ') ||
      parse_i64(v, (size_t)(ve - v), &ver))
    return dt__file_report_fail(
        rep, DT_ESTORE, 0, "the header line has no format version",
        "move the damaged file away (detour starts a new one)");
  if (ver != DT__HSTS_FILE_VERSION) {
    char cause[160];
    snprintf(cause, sizeof cause,
             "format version %lld; this build reads version %d", (long long)ver,
             DT__HSTS_FILE_VERSION);
    return dt__file_report_fail(
        rep, DT_ESTORE, 0, cause,
        "use the detour that wrote it (or a newer one), or use "
        "another store path; the file is left as it is");
  }
  const char *p = nl ? nl + 1 : end, *line;
  size_t lineno = 1, n;
  while (dt__safefile_line(&p, end, &line, &n)) {
    lineno++;
    rep->lines++;
    rec r;
    if (n == 0 || line[0] == '#') {
      /* empty line or comment */
    } else if (parse_line(line, n, &r) != 0) {
      dt__file_report_bad(rep, lineno);
    } else if (r.kind == 'h') {
      if (im->now > r.e.expires_ms)
        rep->expired++;
      else
        rep->loaded++;
      if (image_entry(im, &r.e)) return DT_ENOMEM;
    } else if (r.kind == 'd') {
      rep->tombstones++;
      if (image_delete(im, r.e.host, r.e.observed_ms)) return DT_ENOMEM;
    } else {
      image_range(im, r.from, r.to);
    }
  }
  return 0;
}

/* ---- applying an image to a store, a journal to an image ----------------- */
static int apply_delete_cb(const dt__hsts_entry *e, void *ud) {
  dt__hsts_store_merge_delete(ud, e->host, e->observed_ms);
  return 0;
}
static int apply_entry_cb(const dt__hsts_entry *e, void *ud) {
  dt__hsts_store_merge_entry(ud, e);
  return 0;
}

/* Merges a loaded image into S; S's journal is kept (its changes are not
 * in the file yet). An empty S simply takes the image. */
static void image_into_store(image *im, dt__hsts_store *s) {
  dt__hsts_store_stats st;
  const int64_t *rg;
  dt__hsts_store_get_stats(s, &st);
  if (st.entries == 0 && st.tombstones == 0 &&
      dt__hsts_store_ranges(s, &rg) == 0) {
    dt__hsts_store_take(s, im->f); /* frees im->f */
    im->f = NULL;
    return;
  }
  for (size_t i = 0; i < im->nranges; i++)
    dt__hsts_store_merge_range(s, im->ranges[2 * i], im->ranges[2 * i + 1]);
  dt__hsts_store_each(im->t, apply_delete_cb, s);
  dt__hsts_store_each_oldest_first(im->f, apply_entry_cb, s);
}

static int journal_change_cb(const dt__hsts_change *c, void *ud) {
  image *im = ud;
  if (c->deleted) return image_delete(im, c->e.host, c->e.observed_ms);
  return image_entry(im, &c->e);
}

/* S's journal onto the image: its range deletions, deletions and noted
 * entries; a later observation wins (docs/hsts-store-format.md, "Merge"). */
static int journal_into_image(dt__hsts_store *s, image *im) {
  const int64_t *rg;
  size_t nr = dt__hsts_store_ranges(s, &rg);
  for (size_t i = 0; i < nr; i++)
    image_range(im, rg[2 * i], rg[2 * i + 1]);
  return dt__hsts_store_each_change(s, journal_change_cb, im);
}

/* ---- writing ------------------------------------------------------------- */
typedef struct writer {
  FILE *out;
  image *im; /* for tombstone pruning; NULL when writing a plain store */
  int64_t now;
  size_t n;
} writer;

static void put_line(writer *w, const char *body, int len) {
  if (len < 0) return;
  fprintf(w->out, "%s %08x\n", body, (unsigned)dt__crc32(body, (size_t)len));
}

static int write_entry_cb(const dt__hsts_entry *e, void *ud) {
  writer *w = ud;
  char line[DT__HSTS_FILE_MAX_LINE];
  char exp[24];
  if (e->expires_ms == DT__HSTS_NEVER)
    snprintf(exp, sizeof exp, "never");
  else
    snprintf(exp, sizeof exp, "%lld", (long long)e->expires_ms);
  int n = snprintf(line, sizeof line, "h %s %c %s %lld", e->host,
                   e->knockout             ? 'k'
                   : e->include_subdomains ? 'i'
                                           : '-',
                   exp, (long long)e->observed_ms);
  put_line(w, line, n);
  w->n++;
  return 0;
}

/* Deletions older than this are no longer written (saturating: an
 * embedder's clock may return anything). */
static int64_t keep_from(int64_t now) {
  return now < INT64_MIN + DT__HSTS_FILE_TOMB_KEEP_MS
             ? INT64_MIN
             : now - DT__HSTS_FILE_TOMB_KEEP_MS;
}

static int write_tomb_cb(const dt__hsts_entry *e, void *ud) {
  writer *w = ud;
  /* Kept for DT__HSTS_FILE_TOMB_KEEP_MS; dropped early once a later entry
   * for the host exists (it would win anyway). */
  if (e->observed_ms < keep_from(w->now)) return 0;
  dt__hsts_decision d;
  if (dt__hsts_store_lookup(w->im->f, e->host, strlen(e->host), &d) &&
      d.reason == DT__HSTS_R_EXACT && d.entry.observed_ms > e->observed_ms)
    return 0;
  char line[DT__HSTS_FILE_MAX_LINE];
  int n = snprintf(line, sizeof line, "d %s %lld", e->host,
                   (long long)e->observed_ms);
  put_line(w, line, n);
  return 0;
}

static void write_header(FILE *out) {
  fprintf(out, DT__HSTS_FILE_MAGIC " %d\n", DT__HSTS_FILE_VERSION);
  fputs("# detour HSTS store: one record per line, CRC-32 last. "
        "See docs/hsts-store-format.md.\n",
        out);
}

static int gen_image(FILE *out, void *ud, size_t *count) {
  image *im = ud;
  writer w = {out, im, im->now, 0};
  write_header(out);
  char line[96];
  for (size_t i = 0; i < im->nranges; i++) {
    if (im->ranges[2 * i + 1] < keep_from(im->now)) continue;
    int n =
        snprintf(line, sizeof line, "r %lld %lld", (long long)im->ranges[2 * i],
                 (long long)im->ranges[2 * i + 1]);
    put_line(&w, line, n);
  }
  dt__hsts_store_each(im->t, write_tomb_cb, &w);
  dt__hsts_store_each_oldest_first(im->f, write_entry_cb, &w);
  *count = w.n;
  return 0;
}

int dt__hsts_file_write(dt__hsts_store *s, FILE *out,
                        dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, NULL);
  writer w = {out, NULL, 0, 0};
  write_header(out);
  dt__hsts_store_each_oldest_first(s, write_entry_cb, &w);
  rep->saved = w.n;
  if (fflush(out) != 0 || ferror(out))
    return dt__file_report_errno(rep, errno ? errno : EIO, "cannot write",
                                 "the output");
  return 0;
}

/* ---- load / save --------------------------------------------------------- */
static int load_buf(dt__hsts_store *s, const char *buf, size_t len,
                    dt__hsts_file_report *rep) {
  image im;
  if (image_init(&im, s)) return dt__file_report_oom(rep);
  int rc = parse_file(&im, buf, len, rep);
  dt__hsts_store_shrink(im.f); /* the size is known now */
  if (rc == DT_ENOMEM) dt__file_report_oom(rep);
  if (rc == 0) image_into_store(&im, s);
  image_free(&im);
  return rc;
}

/* The bytes BUF[0..len) or the file PATH (when BUF is NULL) through PARSE,
 * with a fresh report. A missing file is an empty store for detour's own
 * format (a first run) and an error for an import. */
typedef int (*parse_fn)(dt__hsts_store *, const char *, size_t,
                        dt__hsts_file_report *);
static int parse_input(dt__hsts_store *s, const char *path, const char *buf,
                       size_t len, parse_fn parse, int missing_is_error,
                       dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, path);
  if (!path) return parse(s, buf, len, rep);
  char *file;
  int rc = dt__safefile_read(path, DT__HSTS_FILE_MAX_BYTES, &file, &len, rep);
  if (rc) return rc;
  if (!file)
    return missing_is_error
               ? dt__file_report_fail(rep, DT_EIO, ENOENT,
                                      "the file to import does not exist",
                                      "check the path of the curl --hsts file")
               : 0;
  rc = parse(s, file, len, rep);
  free(file);
  return rc;
}

int dt__hsts_file_load_mem(dt__hsts_store *s, const char *buf, size_t len,
                           dt__hsts_file_report *rep) {
  return parse_input(s, NULL, buf, len, load_buf, 0, rep);
}

int dt__hsts_file_load(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep) {
  return parse_input(s, path, NULL, 0, load_buf, 0, rep);
}

void dt__hsts_file_set_lock_wait(unsigned ms) {
  dt__safefile_set_lock_wait(ms);
}

/* Would applying change C alter what the file says? An entry the file
 * already has, with the same includeSubDomains and an expiry within a day,
 * is not worth a rewrite: Firefox's rule (SetHSTSState), so a run that
 * meets the same headers again does not rewrite the file every time.
 * A deletion counts unless the file already records one as late: its
 * tombstone keeps other processes' older notes from coming back. */
static int material_cb(const dt__hsts_change *c, void *ud) {
  image *im = ud;
  int64_t t;
  if (c->deleted)
    return !(tomb_time(im, c->e.host, &t) && t >= c->e.observed_ms);
  if (im->now > c->e.expires_ms) return 0; /* would be dropped anyway */
  if (covered(im, c->e.host, c->e.observed_ms)) return 0;
  dt__hsts_entry f;
  if (!dt__hsts_store_get(im->f, c->e.host, strlen(c->e.host), &f)) return 1;
  if (f.observed_ms > c->e.observed_ms) return 0; /* the file wins */
  if (f.include_subdomains != c->e.include_subdomains ||
      f.knockout != c->e.knockout)
    return 1;
  int64_t a = f.expires_ms, b = c->e.expires_ms;
  if ((a == DT__HSTS_NEVER) != (b == DT__HSTS_NEVER)) return 1;
  uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
  return diff > DT__HSTS_FILE_REWRITE_SLACK_MS;
}

int dt__hsts_file_save(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, path);
  int rc = dt__safefile_ensure_dir(path, rep);
  if (rc) return rc;
  int lfd = dt__safefile_lock(path, rep);
  if (lfd < 0) return lfd;
  image im;
  char *buf = NULL;
  size_t len = 0;
  if (image_init(&im, s)) {
    dt__safefile_unlock(lfd);
    return dt__file_report_oom(rep);
  }
  rc = dt__safefile_read(path, DT__HSTS_FILE_MAX_BYTES, &buf, &len, rep);
  int have_file = buf != NULL;
  if (rc == 0 && buf) rc = parse_file(&im, buf, len, rep);
  free(buf);
  /* Nothing to add: the file already says everything this process knows,
   * so it is not rewritten (write amplification, docs/hsts-rules.md §3: curl
   * rewrites on every exit). S still takes the file's content. */
  const int64_t *rg;
  int changed = rc == 0 && (dt__hsts_store_ranges(s, &rg) > 0 ||
                            dt__hsts_store_each_change(s, material_cb, &im));
  if (rc == 0 && changed && journal_into_image(s, &im))
    rc = dt__file_report_oom(rep);
  dt__hsts_store_shrink(im.f); /* S takes it: no growth slack */
  if (rc == 0 && (changed || !have_file))
    rc = dt__safefile_replace(path, gen_image, &im, rep);
  else if (rc == 0)
    rep->unchanged = 1;
  if (rc == 0) {
    /* S now holds what the file holds; its journal is in the file. */
    dt__hsts_store_take(s, im.f);
    im.f = NULL;
  } else if (rc == DT_ENOMEM) {
    dt__file_report_oom(rep);
  }
  image_free(&im);
  dt__safefile_unlock(lfd);
  return rc;
}

/* ---- curl's --hsts format ------------------------------------------------ */
static int digits(const char *p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return 0;
}

/* "YYYYMMDD HH:MM:SS" (UTC, exactly 17 bytes) → Unix ms. */
static int parse_curl_stamp(const char *p, size_t n, int64_t *ms) {
  int y, mo, d, h, mi, s;
  if (n != 17 || p[8] != ' ' || p[11] != ':' || p[14] != ':') return -1;
  if (digits(p, 4, &y) || digits(p + 4, 2, &mo) || digits(p + 6, 2, &d) ||
      digits(p + 9, 2, &h) || digits(p + 12, 2, &mi) || digits(p + 15, 2, &s))
    return -1;
  if (!dt__civil_valid(y, mo, d) || h > 23 || mi > 59 || s > 59) return -1;
  dt__civil c = {y, mo, d, h, mi, s};
  *ms = dt__ms_from_civil(&c);
  return 0;
}

/* One curl line: `[.]host "stamp"`, blanks around (curl reads it with
 * sscanf, which skips leading blanks). Returns 0 and fills E, or -1. */
static int parse_curl_line(const char *p, size_t n, dt__hsts_entry *e,
                           int64_t now) {
  const char *end = p + n;
  if (n > DT__HSTS_FILE_MAX_LINE) return -1;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  const char *h = p;
  while (p < end && *p != ' ' && *p != '\t')
    p++;
  size_t hl = (size_t)(p - h);
  memset(e, 0, sizeof *e);
  if (hl > 0 && h[0] == '.') {
    e->include_subdomains = 1;
    h++;
    hl--;
  }
  size_t kl;
  if (hl == 0 || dt__host_canon(h, hl, e->host, &kl) != DT__HOST_OK) return -1;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (end - p < 2 || *p != '"' || end[-1] != '"') return -1;
  const char *st = p + 1;
  size_t sl = (size_t)(end - 1 - st);
  if (sl == 9 && memcmp(st, "unlimited", 9) == 0)
    e->expires_ms = DT__HSTS_NEVER;
  else if (parse_curl_stamp(st, sl, &e->expires_ms))
    return -1;
  e->observed_ms = now;
  return 0;
}

static int import_buf(dt__hsts_store *s, const char *buf, size_t len,
                      dt__hsts_file_report *rep) {
  int64_t now = dt__hsts_store_now(s);
  const char *p = buf, *end = buf + len, *line;
  size_t lineno = 0, n;
  while (dt__safefile_line(&p, end, &line, &n)) {
    const char *le = line + n;
    lineno++;
    rep->lines++;
    const char *q = line;
    while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
      q++;
    dt__hsts_entry e;
    if (q == le || *q == '#') {
      /* blank or comment (CURLOPT_HSTS(3)) */
    } else if (parse_curl_line(line, n, &e, now) != 0) {
      dt__file_report_bad(rep, lineno);
    } else if (now > e.expires_ms) {
      rep->expired++; /* curl/curl#21186: expired lines are not loaded */
    } else {
      int rc =
          dt__hsts_store_add(s, e.host, strlen(e.host), e.include_subdomains,
                             e.expires_ms, now, NULL);
      if (rc == DT_ENOMEM) return dt__file_report_oom(rep);
      if (rc)
        dt__file_report_bad(rep, lineno);
      else
        rep->loaded++;
    }
  }
  return 0;
}

int dt__hsts_file_import_curl_mem(dt__hsts_store *s, const char *buf,
                                  size_t len, dt__hsts_file_report *rep) {
  return parse_input(s, NULL, buf, len, import_buf, 0, rep);
}

int dt__hsts_file_import_curl(dt__hsts_store *s, const char *path,
                              dt__hsts_file_report *rep) {
  return parse_input(s, path, NULL, 0, import_buf, 1, rep);
}

typedef struct curl_writer {
  FILE *out;
  size_t n;
} curl_writer;

static int curl_entry_cb(const dt__hsts_entry *e, void *ud) {
  curl_writer *w = ud;
  if (e->knockout) return 0; /* curl has no such record: not HSTS */
  const char *dot = e->include_subdomains ? "." : "";
  dt__civil c;
  dt__civil_from_ms(e->expires_ms, &c);
  if (e->expires_ms == DT__HSTS_NEVER || c.year > 9999) {
    fprintf(w->out, "%s%s \"unlimited\"\n", dot, e->host);
  } else if (c.year < 1970) {
    return 0; /* cannot be unexpired; not representable in curl's stamp */
  } else {
    fprintf(w->out, "%s%s \"%04d%02d%02d %02d:%02d:%02d\"\n", dot, e->host,
            (int)c.year, c.month, c.day, c.hour, c.minute, c.second);
  }
  w->n++;
  return 0;
}

static int gen_curl(FILE *out, void *ud, size_t *count) {
  curl_writer w = {out, 0};
  fputs("# Your HSTS cache. https://curl.se/docs/hsts.html\n"
        "# Exported by detour; readable by curl --hsts.\n",
        out);
  dt__hsts_store_each_oldest_first(ud, curl_entry_cb, &w);
  *count = w.n;
  return 0;
}

int dt__hsts_file_export_curl(dt__hsts_store *s, FILE *out,
                              dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, NULL);
  gen_curl(out, s, &rep->saved);
  if (fflush(out) != 0 || ferror(out))
    return dt__file_report_errno(rep, errno ? errno : EIO, "cannot write",
                                 "the output");
  return 0;
}

int dt__hsts_file_export_curl_path(dt__hsts_store *s, const char *path,
                                   dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, path);
  /* An export goes where the user said, like every other -o: a missing
   * directory is an error with its fix, never created behind their back
   * (the store's own directory is created: detour owns it). */
  return dt__safefile_replace(path, gen_curl, s, rep);
}

/* ---- default path -------------------------------------------------------- */
int dt__hsts_file_default_path(char *out, size_t cap) {
  if (cap) out[0] = 0;
  const char *x = getenv("XDG_DATA_HOME");
  int n;
  /* XDG Base Directory: a relative XDG_DATA_HOME is invalid and ignored. */
  if (x && x[0] == '/') {
    n = snprintf(out, cap, "%s/detour/hsts.txt", x);
  } else {
    const char *h = getenv("HOME");
    if (!h || h[0] != '/') return DT_EINVAL;
    n = snprintf(out, cap, "%s/.local/share/detour/hsts.txt", h);
  }
  if (n < 0 || (size_t)n >= cap) {
    if (cap) out[0] = 0;
    return DT_EINVAL;
  }
  return 0;
}
