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
 * detour before 0.4 also wrote `h <host> k never <observed_ms> <crc>`, a
 * "knockout" of the firefox profile (max-age=0 from a preloaded host). A
 * real Firefox keeps the preload list in force there (measured on Firefox
 * ESR 153), so such a line is read as what it also meant — the host sent
 * max-age=0 at <observed_ms>, a deletion of its entry (rule 15) — and
 * counted in the report's `retired`; no knockout is kept or written.
 *
 * <crc> is the CRC-32 (IEEE) of every byte before the space that precedes
 * it, as 8 lowercase hex digits. A line that fails its checksum, or does
 * not parse, is skipped and counted: one damaged line costs one record,
 * never the file (the idea of Firefox's per-slot checksums).
 *
 * Records may come in any order and merge by "the later observation wins"
 * (an h record covered by a d or r record anywhere is dropped), so a save
 * appends this process's changes as records at the end of the file (the
 * kit's journal, hsts/base/journal.h: under flock on PATH.lock, one write,
 * fdatasync) and the file means what a full rewrite would have said; now
 * and then the journal is compacted: the file is read into an "image"
 * (entries, deletions, ranges) and written anew (PATH.tmp, fsync, rename,
 * fsync of the directory). Under the lock the save also reads what other
 * processes appended since this one last read the file (its view), so the
 * store in memory learns their entries, as with curl/curl#21847's fix of
 * reloading before saving. Readers take no lock: every version of the file
 * they can open is complete but for, at worst, a last line a crash cut
 * short, which is dropped. */
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
  char kind; /* 'h' entry, 'd' deletion, 'r' range, 'k' a retired knockout
                (an h line with flag k: read as a deletion) */
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
    if (f[0] == 'k') r->kind = 'k';
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

static size_t max_of(const dt__hsts_store *s) {
  dt__hsts_store_stats st;
  dt__hsts_store_get_stats(s, &st);
  return st.max_entries;
}

/* An empty image read at NOW with MAX entries at most. IM must stay where
 * it is while it lives (its stores read the clock through it). */
static int image_init(image *im, int64_t now, size_t max) {
  memset(im, 0, sizeof *im);
  im->now = now;
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

/* Is LINE (N bytes, no '\n' nor '\r') the header of a store file this
 * build reads? 0, or DT_ESTORE with the cause and the fix. */
static int check_header(const char *line, size_t n, dt__hsts_file_report *rep) {
  size_t ml = sizeof DT__HSTS_FILE_MAGIC - 1;
  if (n <= ml || memcmp(line, DT__HSTS_FILE_MAGIC " ", ml + 1) != 0)
    return dt__file_report_fail(
        rep, DT_ESTORE, 0,
        "not a detour HSTS store (the first line is not "
        "\"" DT__HSTS_FILE_MAGIC " 1\")",
        "move the file away or use another store path; a curl "
        "--hsts file can be imported instead");
  const char *v = line + ml + 1, *ve = v;
  while (ve < line + n && *ve >= '0' && *ve <= '9')
    ve++;
  int64_t ver;
  if (ve == v || (ve < line + n && *ve != ' ') ||
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
  return 0;
}

/* The records of [P, END) into IM (lines counted from LINENO + 1). A last
 * line without its '\n' that does not parse is an append a crash cut
 * short (hsts/base/journal.h): rep->torn, not a damaged line. */
static int parse_records(image *im, const char *p, const char *end,
                         size_t lineno, dt__hsts_file_report *rep) {
  const char *line;
  size_t n;
  while (dt__safefile_line(&p, end, &line, &n)) {
    lineno++;
    rep->lines++;
    rec r;
    if (n == 0 || line[0] == '#') {
      /* empty line or comment */
    } else if (parse_line(line, n, &r) != 0) {
      if (p == end && end[-1] != '\n')
        rep->torn = 1;
      else
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
    } else if (r.kind == 'k') {
      /* detour < 0.4's knockout: max-age=0 seen at observed_ms (above) */
      rep->retired++;
      if (image_delete(im, r.e.host, r.e.observed_ms)) return DT_ENOMEM;
    } else {
      image_range(im, r.from, r.to);
    }
  }
  return 0;
}

/* Parses a whole store file into IM. Returns 0, DT_ESTORE (not ours, or a
 * newer version: nothing was added) or DT_ENOMEM. */
static int parse_file(image *im, const char *buf, size_t len,
                      dt__hsts_file_report *rep) {
  if (len == 0) return 0; /* an empty file is an empty store */
  const char *p = buf, *line;
  size_t n;
  dt__safefile_line(&p, buf + len, &line, &n); /* a CRLF header reads too */
  rep->lines = 1;
  int rc = check_header(line, n, rep);
  return rc ? rc : parse_records(im, p, buf + len, 1, rep);
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
                   e->include_subdomains ? 'i' : '-', exp,
                   (long long)e->observed_ms);
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

/* ---- load ---------------------------------------------------------------- */
static int load_buf(dt__hsts_store *s, const char *buf, size_t len,
                    dt__hsts_file_report *rep) {
  image im;
  if (image_init(&im, dt__hsts_store_now(s), max_of(s)))
    return dt__file_report_oom(rep);
  int rc = parse_file(&im, buf, len, rep);
  dt__hsts_store_shrink(im.f); /* the size is known now */
  if (rc == DT_ENOMEM) dt__file_report_oom(rep);
  if (rc == 0) image_into_store(&im, s);
  image_free(&im);
  return rc;
}

/* The bytes BUF[0..len) or the file PATH (when BUF is NULL) through PARSE,
 * with a fresh report (and VIEW, when not NULL, set to what was read). A
 * missing file is an empty store for detour's own format (a first run) and
 * an error for an import. */
typedef int (*parse_fn)(dt__hsts_store *, const char *, size_t,
                        dt__hsts_file_report *);
static int parse_input(dt__hsts_store *s, const char *path, const char *buf,
                       size_t len, parse_fn parse, int missing_is_error,
                       dt__safefile_view *view, dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, path);
  if (!path) return parse(s, buf, len, rep);
  char *file;
  dt__safefile_view v;
  int rc = dt__safefile_read_view(path, DT__HSTS_FILE_MAX_BYTES, &file, &len,
                                  &v, rep);
  if (rc) return rc;
  if (!file)
    return missing_is_error
               ? dt__file_report_fail(rep, DT_EIO, ENOENT,
                                      "the file to import does not exist",
                                      "check the path of the curl --hsts file")
               : 0;
  rc = parse(s, file, len, rep);
  free(file);
  if (!rc && view) *view = v;
  return rc;
}

int dt__hsts_file_load_mem(dt__hsts_store *s, const char *buf, size_t len,
                           dt__hsts_file_report *rep) {
  return parse_input(s, NULL, buf, len, load_buf, 0, NULL, rep);
}

int dt__hsts_file_load(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep) {
  return parse_input(s, path, NULL, 0, load_buf, 0, NULL, rep);
}

int dt__hsts_file_load_view(dt__hsts_store *s, const char *path,
                            dt__safefile_view *view,
                            dt__hsts_file_report *rep) {
  if (view) memset(view, 0, sizeof *view);
  return parse_input(s, path, NULL, 0, load_buf, 0, view, rep);
}

void dt__hsts_file_set_lock_wait(unsigned ms) {
  dt__safefile_set_lock_wait(ms);
}

/* ---- save: the journal (hsts/base/journal.h) ------------------------------
 */

/* Would applying the entry change C alter what the file (IM) says? An
 * entry the file already has, with the same includeSubDomains and an
 * expiry within a day, is not worth writing: Firefox's rule
 * (SetHSTSState), so a run that meets the same headers again does not
 * write every time. */
static int material(image *im, const dt__hsts_entry *e) {
  if (im->now > e->expires_ms) return 0; /* would be dropped anyway */
  if (covered(im, e->host, e->observed_ms)) return 0;
  dt__hsts_entry f;
  if (!dt__hsts_store_get(im->f, e->host, strlen(e->host), &f)) return 1;
  if (f.observed_ms > e->observed_ms) return 0; /* the file wins */
  if (f.include_subdomains != e->include_subdomains) return 1;
  int64_t a = f.expires_ms, b = e->expires_ms;
  if ((a == DT__HSTS_NEVER) != (b == DT__HSTS_NEVER)) return 1;
  uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
  return diff > DT__HSTS_FILE_REWRITE_SLACK_MS;
}

/* The same rule against what the file had before this process changed
 * the entry (its remembered value): 1 when the change may not matter. */
static int within_a_day(const dt__hsts_change *c) {
  if (!c->has_prev || c->prev.include_subdomains != c->e.include_subdomains)
    return 0;
  int64_t a = c->prev.expires_ms, b = c->e.expires_ms;
  if ((a == DT__HSTS_NEVER) != (b == DT__HSTS_NEVER)) return 0;
  uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
  return diff <= DT__HSTS_FILE_REWRITE_SLACK_MS;
}

struct dt__hsts_save {
  dt__journal_job *job; /* recs: the records written whatever the file says */
  dt__buf opt;          /* records the file may already say (within a day) */
  int has_range;        /* the job clears a range: every record is written */
  int reset;            /* the journal is reset when the save succeeds (sync) */
  size_t max;           /* the store's bound, for the images */
  int64_t now;          /* one "now" for the whole save */
  image *im;            /* the file as it is after the save (it had changed) */
  char *seen;           /* what others appended since the view */
  size_t nseen;
};

/* One record line "BODY <crc>\n" into B. */
static void put_rec(dt__buf *b, const char *body, int n) {
  if (n < 0) return;
  dt__buf_put(b, body, (size_t)n);
  dt__buf_printf(b, " %08x\n", (unsigned)dt__crc32(body, (size_t)n));
}

static int entry_line(const dt__hsts_entry *e, char *line, size_t cap) {
  char exp[24];
  if (e->expires_ms == DT__HSTS_NEVER)
    snprintf(exp, sizeof exp, "never");
  else
    snprintf(exp, sizeof exp, "%lld", (long long)e->expires_ms);
  return snprintf(line, cap, "h %s %c %s %lld", e->host,
                  e->include_subdomains ? 'i' : '-', exp,
                  (long long)e->observed_ms);
}

static int begin_change_cb(const dt__hsts_change *c, void *ud) {
  dt__hsts_save *j = ud;
  char line[DT__HSTS_FILE_MAX_LINE];
  if (c->deleted) {
    /* written unless the file already records a deletion as late (its d
     * record is what keeps others' older notes out): known only when the
     * save reads the whole file */
    put_rec(&j->opt, line,
            snprintf(line, sizeof line, "d %s %lld", c->e.host,
                     (long long)c->e.observed_ms));
    return 0;
  }
  if (j->now > c->e.expires_ms) return 0; /* expired: a load drops it */
  put_rec(within_a_day(c) ? &j->opt : &j->job->recs, line,
          entry_line(&c->e, line, sizeof line));
  return 0;
}

/* Hosts named by the h and d records of SEEN, and whether it has an r. */
typedef struct touched {
  dt__hsts_store *hosts;
  int range;
} touched;

static int touched_init(touched *t, const char *seen, size_t n) {
  t->range = 0;
  if (dt__hsts_store_new(&t->hosts, 0, NULL)) return DT_ENOMEM;
  const char *p = seen, *end = seen + n, *line;
  size_t ln;
  while (dt__safefile_line(&p, end, &line, &ln)) {
    rec r;
    if (ln == 0 || line[0] == '#' || parse_line(line, ln, &r)) continue;
    if (r.kind == 'r')
      t->range = 1;
    else if (dt__hsts_store_add(t->hosts, r.e.host, strlen(r.e.host), 0,
                                DT__HSTS_NEVER, 0, NULL) == DT_ENOMEM)
      return DT_ENOMEM;
  }
  return 0;
}

/* Under the lock, before writing (journal.h): decides which of the
 * records the file may already say are written, against what the file
 * says now — the whole file when it is not the one this process last read
 * (then the store takes its picture afterwards), else what others
 * appended since (then the store learns it afterwards). */
static int hsts_prepare(void *ud, const char *seen, size_t n, int whole,
                        dt__buf *recs, dt__file_report *rep) {
  dt__hsts_save *j = ud;
  const char *p = j->opt.p, *end = p ? p + j->opt.len : p, *line;
  size_t ln;
  if (whole) {
    j->im = malloc(sizeof *j->im);
    if (!j->im || image_init(j->im, j->now, j->max)) {
      free(j->im);
      j->im = NULL;
      return dt__file_report_oom(rep);
    }
    dt__hsts_file_report r;
    rep_start(&r, NULL);
    int rc = parse_file(j->im, seen, n, &r);
    if (rc) return rc == DT_ENOMEM ? dt__file_report_oom(rep) : rc;
    while (p && dt__safefile_line(&p, end, &line, &ln)) {
      rec x;
      int64_t t;
      if (!parse_line(line, ln, &x) &&
          (x.kind == 'd'
               ? !(tomb_time(j->im, x.e.host, &t) && t >= x.e.observed_ms)
               : material(j->im, &x.e))) {
        dt__buf_put(recs, line, ln);
        dt__buf_put(recs, "\n", 1);
      }
    }
    /* the picture after the save: the file and what is written now */
    rc = parse_records(j->im, recs->p ? recs->p : "",
                       recs->p ? recs->p + recs->len : "", 0, &r);
    dt__hsts_store_shrink(j->im->f);
    return rc ? dt__file_report_oom(rep) : 0;
  }
  touched t;
  int rc = touched_init(&t, seen, n);
  while (!rc && p && dt__safefile_line(&p, end, &line, &ln)) {
    rec x;
    /* the file had it as this process last read it, unless another
     * process has written about the host (or cleared a range) since */
    if (!parse_line(line, ln, &x) &&
        (x.kind == 'd' || j->has_range || t.range ||
         dt__hsts_store_get(t.hosts, x.e.host, strlen(x.e.host), NULL))) {
      dt__buf_put(recs, line, ln);
      dt__buf_put(recs, "\n", 1);
    }
  }
  dt__hsts_store_free(t.hosts);
  if (!rc && n) {
    j->seen = malloc(n);
    if (!j->seen) return dt__file_report_oom(rep);
    memcpy(j->seen, seen, n);
    j->nseen = n;
  }
  return rc ? dt__file_report_oom(rep) : 0;
}

/* Compaction: the whole file read into an image and written anew (expired
 * entries and old deletions go, docs/hsts-store-format.md). */
static int hsts_compact(void *ud, const char *buf, size_t len, FILE *out,
                        size_t *count, dt__file_report *rep) {
  dt__hsts_save *j = ud;
  image im;
  if (image_init(&im, j->now, j->max)) return dt__file_report_oom(rep);
  dt__hsts_file_report r;
  rep_start(&r, NULL);
  int rc = parse_file(&im, buf, len, &r);
  if (rc == DT_ENOMEM) rc = dt__file_report_oom(rep);
  if (!rc) rc = gen_image(out, &im, count);
  image_free(&im);
  return rc;
}

static int hsts_header(const char *line, size_t n, dt__file_report *rep) {
  return check_header(line, n, rep);
}

static const dt__journal_kind hsts_kind = {
    "HSTS store",
    DT__HSTS_FILE_MAX_BYTES,
    DT__HSTS_FILE_MAGIC " 1\n# detour HSTS store: one record per line, "
                        "CRC-32 last. See docs/hsts-store-format.md.\n",
    hsts_header,
    hsts_compact,
    hsts_prepare};

dt__hsts_save *dt__hsts_save_begin(dt__hsts_store *s, const char *path,
                                   const dt__safefile_view *view,
                                   const char *pending, size_t npending,
                                   int reset_now, int *err) {
  *err = DT_ENOMEM;
  dt__hsts_save *j = calloc(1, sizeof *j);
  if (!j || !(j->job = dt__journal_job_new(&hsts_kind, path, j))) {
    free(j);
    return NULL;
  }
  j->now = dt__hsts_store_now(s);
  j->max = max_of(s);
  j->reset = !reset_now;
  j->opt = dt__buf_make(DT__HSTS_FILE_MAX_BYTES);
  j->job->want_seen = 1;
  if (view) j->job->view = *view;
  dt__buf *recs = &j->job->recs;
  dt__buf_put(recs, pending, npending);
  const int64_t *rg;
  size_t nr = dt__hsts_store_ranges(s, &rg);
  j->has_range = nr > 0;
  char line[96];
  for (size_t i = 0; i < nr; i++)
    put_rec(recs, line,
            snprintf(line, sizeof line, "r %lld %lld", (long long)rg[2 * i],
                     (long long)rg[2 * i + 1]));
  dt__hsts_store_each_change(s, begin_change_cb, j);
  if (recs->failed || j->opt.failed) {
    dt__hsts_save_free(j);
    return NULL;
  }
  *err = 0;
  if (reset_now) dt__hsts_store_journal_reset(s);
  return j;
}

int dt__hsts_save_run(dt__hsts_save *j) { return dt__journal_run(j->job); }

void dt__hsts_save_free(dt__hsts_save *j) {
  if (!j) return;
  if (j->im) {
    image_free(j->im);
    free(j->im);
  }
  free(j->seen);
  dt__buf_free(&j->opt);
  dt__journal_job_free(j->job);
  free(j);
}

int dt__hsts_save_end(dt__hsts_store *s, dt__hsts_save *j,
                      dt__safefile_view *view, dt__buf *pending,
                      dt__hsts_file_report *rep) {
  int rc = j->job->rc;
  *rep = j->job->rep;
  if (rc) {
    /* the journal is kept (sync), or the records wait for the next save */
    if (!j->reset && pending) {
      dt__buf_put(pending, j->job->recs.p, j->job->recs.len);
      dt__buf_put(pending, j->opt.p, j->opt.len);
    }
    dt__hsts_save_free(j);
    return rc;
  }
  if (view) *view = j->job->view;
  if (j->reset) dt__hsts_store_journal_reset(s);
  if (j->im) {
    /* The file had changed under this process (another compacted it):
     * the store takes its picture, with what this process changed since
     * the save began on top. */
    if (dt__hsts_store_replay(j->im->f, s) == DT_ENOMEM) {
      dt__hsts_save_free(j);
      return dt__file_report_oom(rep);
    }
    dt__hsts_store_take(s, j->im->f);
    j->im->f = NULL;
  } else if (j->nseen) {
    /* what others appended since this process last read the file */
    image im;
    if (image_init(&im, j->now, j->max) == 0) {
      dt__hsts_file_report r;
      rep_start(&r, NULL);
      if (parse_records(&im, j->seen, j->seen + j->nseen, 0, &r) == 0)
        image_into_store(&im, s);
      image_free(&im);
    }
  }
  dt__hsts_save_free(j);
  return 0;
}

int dt__hsts_file_save_view(dt__hsts_store *s, const char *path,
                            dt__safefile_view *view,
                            dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  int err;
  dt__hsts_save *j = dt__hsts_save_begin(s, path, view, NULL, 0, 0, &err);
  if (!j) {
    rep_start(rep, path);
    return dt__file_report_oom(rep);
  }
  dt__hsts_save_run(j);
  return dt__hsts_save_end(s, j, view, NULL, rep);
}

int dt__hsts_file_save(dt__hsts_store *s, const char *path,
                       dt__hsts_file_report *rep) {
  return dt__hsts_file_save_view(s, path, NULL, rep);
}

void dt__hsts_save_compact(dt__hsts_save *j) {
  if (j) j->job->force_compact = 1;
}

int dt__hsts_file_compact(dt__hsts_store *s, const char *path,
                          dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  int err;
  dt__hsts_save *j = dt__hsts_save_begin(s, path, NULL, NULL, 0, 0, &err);
  if (!j) {
    rep_start(rep, path);
    return dt__file_report_oom(rep);
  }
  j->job->force_compact = 1;
  dt__hsts_save_run(j);
  return dt__hsts_save_end(s, j, NULL, NULL, rep);
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
  return parse_input(s, NULL, buf, len, import_buf, 0, NULL, rep);
}

int dt__hsts_file_import_curl(dt__hsts_store *s, const char *path,
                              dt__hsts_file_report *rep) {
  return parse_input(s, path, NULL, 0, import_buf, 1, NULL, rep);
}

typedef struct curl_writer {
  FILE *out;
  size_t n;
} curl_writer;

static int curl_entry_cb(const dt__hsts_entry *e, void *ud) {
  curl_writer *w = ud;
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
