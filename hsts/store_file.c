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
#include "hsts/base/time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) --------------------- */
static const uint32_t crc_tab[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u,
    0x706af48fu, 0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u,
    0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u,
    0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu,
    0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 0x136c9856u,
    0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u,
    0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
    0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u,
    0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 0x26d930acu, 0x51de003au,
    0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u,
    0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u,
    0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu,
    0x9fbfe4a5u, 0xe8b8d433u, 0x7807c9a2u, 0x0f00f934u, 0x9609a88eu,
    0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
    0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu, 0x6c0695edu,
    0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u,
    0xfbd44c65u, 0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u,
    0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au,
    0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u,
    0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau, 0xbe0b1010u,
    0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u,
    0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u,
    0x03b6e20cu, 0x74b1d29au, 0xead54739u, 0x9dd277afu, 0x04db2615u,
    0x73dc1683u, 0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
    0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 0xf00f9344u,
    0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au,
    0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
    0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u,
    0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu, 0xd80d2bdau, 0xaf0a1b4cu,
    0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu,
    0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu,
    0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u,
    0x2cd99e8bu, 0x5bdeae1du, 0x9b64c2b0u, 0xec63f226u, 0x756aa39cu,
    0x026d930au, 0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
    0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u, 0x92d28e9bu,
    0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u,
    0x18b74777u, 0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu,
    0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u, 0xa00ae278u,
    0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u,
    0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 0x40df0b66u,
    0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u,
    0xcdd70693u, 0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u,
    0x5d681b02u, 0x2a6f2b94u, 0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu,
    0x2d02ef8du};

uint32_t dt__hsts_crc32(const void *buf, size_t len) {
  const unsigned char *p = buf;
  uint32_t c = 0xffffffffu;
  while (len--)
    c = crc_tab[(c ^ *p++) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* ---- reports ------------------------------------------------------------- */
static void rep_start(dt__hsts_file_report *rep, const char *path) {
  memset(rep, 0, sizeof *rep);
  if (path) snprintf(rep->path, sizeof rep->path, "%s", path);
}

static void rep_bad(dt__hsts_file_report *rep, size_t lineno) {
  rep->skipped++;
  if (rep->nbad < DT__HSTS_FILE_BAD_KEPT) rep->bad_lines[rep->nbad++] = lineno;
}

/* Fills the error part of REP: the path, the cause, the fix, and one
 * sentence with all three (what the CLI prints). Returns ERR. */
static int rep_fail(dt__hsts_file_report *rep, int err, int sys_errno,
                    const char *cause, const char *fix) {
  rep->err = err;
  rep->sys_errno = sys_errno;
  snprintf(rep->cause, sizeof rep->cause, "%s", cause);
  snprintf(rep->fix, sizeof rep->fix, "%s", fix);
  snprintf(rep->message, sizeof rep->message, "HSTS store %s: %s. Fix: %s.",
           rep->path[0] ? rep->path : "(memory)", rep->cause, rep->fix);
  return err;
}

/* An errno from the file system, turned into cause and fix. WHAT says
 * what was being done ("cannot read the file"). */
static int rep_errno(dt__hsts_file_report *rep, int e, const char *what,
                     const char *where) {
  char cause[256];
  const char *fix;
  switch (e) {
  case EACCES:
  case EPERM:
    fix = "make the file readable and writable by you (chmod 600) and its "
          "directory writable (chmod 700), or use another store path";
    break;
  case ENOENT:
  case ENOTDIR:
    fix = "create the directory (mkdir -p) or use another store path";
    break;
  case ENOSPC:
  case EDQUOT:
  case EFBIG:
    fix = "free space on that file system (or raise the quota / file size "
          "limit); the old file is unchanged";
    break;
  case EROFS: fix = "use a store path on a writable file system"; break;
  case EISDIR:
    fix = "the path names a directory: give the path of a file";
    break;
  default:
    fix = "check the path and its permissions, or use another store path";
  }
  snprintf(cause, sizeof cause, "%s%s%.160s: %s", what,
           where && where[0] ? " " : "", where ? where : "", strerror(e));
  return rep_fail(rep, DT_EIO, e, cause, fix);
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
  if (dt__hsts_crc32(p, body) != want) return -1;
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
    return rep_fail(rep, DT_ESTORE, 0,
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
    return rep_fail(rep, DT_ESTORE, 0, "the header line has no format version",
                    "move the damaged file away (detour starts a new one)");
  if (ver != DT__HSTS_FILE_VERSION) {
    char cause[160];
    snprintf(cause, sizeof cause,
             "format version %lld; this build reads version %d", (long long)ver,
             DT__HSTS_FILE_VERSION);
    return rep_fail(rep, DT_ESTORE, 0, cause,
                    "use the detour that wrote it (or a newer one), or use "
                    "another store path; the file is left as it is");
  }
  const char *p = nl ? nl + 1 : end;
  size_t lineno = 1;
  while (p < end) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    const char *le = e ? e : end;
    size_t n = (size_t)(le - p);
    lineno++;
    rep->lines++;
    rec r;
    if (n == 0 || p[0] == '#') {
      /* empty line or comment */
    } else if (parse_line(p, n, &r) != 0) {
      rep_bad(rep, lineno);
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
    p = e ? e + 1 : end;
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
  fprintf(w->out, "%s %08x\n", body,
          (unsigned)dt__hsts_crc32(body, (size_t)len));
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

typedef int (*gen_fn)(FILE *out, void *ud, size_t *count);

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
    return rep_errno(rep, errno ? errno : EIO, "cannot write", "the output");
  return 0;
}

/* ---- files --------------------------------------------------------------- */
/* Reads PATH whole. A missing file sets rep->missing and *buf = NULL.
 * Refuses what must not be trusted (DT_ESTORE) before reading a byte. */
static int read_file(const char *path, char **buf, size_t *len,
                     dt__hsts_file_report *rep) {
  *buf = NULL;
  *len = 0;
  int fd;
  /* O_NONBLOCK: a FIFO planted at the path must not hang the open; it is
   * refused below as "not a regular file" (regular files ignore it). */
  do
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) {
      rep->missing = 1;
      return 0;
    }
    return rep_errno(rep, errno, "cannot open the file for reading", NULL);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return rep_errno(rep, e, "cannot stat the file", NULL);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return rep_fail(rep, DT_ESTORE, 0, "not a regular file",
                    "give the path of a regular file (detour creates it)");
  }
  if (st.st_mode & S_IWOTH) {
    /* Wget 1.x refuses such a file too, but says only "HSTS will be
     * disabled" (docs/hsts-rules.md §4 item 9): say why and how to fix it. */
    close(fd);
    return rep_fail(rep, DT_ESTORE, 0,
                    "the file is world-writable, so any local user could "
                    "plant or remove HSTS entries; it was not loaded",
                    "run chmod o-w on it (detour creates store files with "
                    "mode 0600), or use another store path");
  }
  if ((uint64_t)st.st_size > DT__HSTS_FILE_MAX_BYTES) {
    close(fd);
    return rep_fail(rep, DT_ESTORE, 0, "the file is larger than 256 MiB",
                    "move it away; a store of the maximum size is far "
                    "smaller");
  }
  /* The file may have grown since fstat (another writer; rename makes that
   * rare): the reader takes what is there, up to the bound. */
  dt_error e;
  int rc = dt__file_read_fd(fd, path, DT__HSTS_FILE_MAX_BYTES, buf, len, &e);
  close(fd);
  if (rc == DT_ENOMEM)
    return rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
  if (rc == DT_EINVAL)
    return rep_fail(rep, DT_ESTORE, 0, "the file is larger than 256 MiB",
                    "move it away; a store of the maximum size is far "
                    "smaller");
  if (rc) return rep_errno(rep, EIO, "cannot read the file", NULL);
  return 0;
}

/* The directory part of PATH into DIR ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t cap) {
  const char *sl = strrchr(path, '/');
  if (!sl)
    snprintf(dir, cap, ".");
  else if (sl == path)
    snprintf(dir, cap, "/");
  else
    snprintf(dir, cap, "%.*s", (int)(sl - path), path);
}

/* mkdir -p of PATH's directory, each new level with mode 0700 (the store
 * says which hosts were visited: private by default). */
static int ensure_dir(const char *path, dt__hsts_file_report *rep) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return 0;
    return rep_errno(rep, ENOTDIR, "cannot use the directory", dir);
  }
  for (char *p = dir + 1;; p++) {
    if (*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rep_errno(rep, errno, "cannot create the directory", dir);
      *p = c;
      if (!c) break;
    }
  }
  return 0;
}

static void fsync_dir(const char *path) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  /* Makes the rename durable. Some file systems refuse fsync on a
   * directory (EINVAL); the rename itself has happened, so ignore. */
  (void)fsync(fd);
  close(fd);
}

/* Writes through GEN into TMP (created 0600, a stale one removed first),
 * flushes and fsyncs it, renames it over PATH and fsyncs the directory.
 * On failure TMP is removed and PATH is untouched. */
static int atomic_write(const char *path, const char *tmp, gen_fn gen, void *ud,
                        dt__hsts_file_report *rep) {
  /* A temp file left by a crashed writer is garbage: readers never look
   * at it, and it is replaced here. O_EXCL after unlink so a planted
   * symlink is not followed. */
  if (unlink(tmp) != 0 && errno != ENOENT)
    return rep_errno(rep, errno, "cannot remove the stale temporary file", tmp);
  int fd;
  do
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return rep_errno(rep, errno, "cannot create", tmp);
  (void)fchmod(fd, 0600); /* whatever the umask */
  FILE *out = fdopen(fd, "w");
  if (!out) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return rep_errno(rep, e, "cannot write", tmp);
  }
  size_t count = 0;
  errno = 0;
  int rc = gen(out, ud, &count);
  int e = 0;
  if (rc == 0 && (fflush(out) != 0 || ferror(out))) e = errno ? errno : EIO;
  if (rc == 0 && !e && fsync(fd) != 0) e = errno;
  if (fclose(out) != 0 && rc == 0 && !e) e = errno ? errno : EIO;
  if (rc == 0 && !e && rename(tmp, path) != 0) e = errno;
  if (rc || e) {
    unlink(tmp);
    if (rc) return rc;
    return rep_errno(rep, e, "cannot write", tmp);
  }
  fsync_dir(path);
  rep->saved = count;
  return 0;
}

/* ---- load / save --------------------------------------------------------- */
static int load_buf(dt__hsts_store *s, const char *buf, size_t len,
                    dt__hsts_file_report *rep) {
  image im;
  if (image_init(&im, s))
    return rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
  int rc = parse_file(&im, buf, len, rep);
  dt__hsts_store_shrink(im.f); /* the size is known now */
  if (rc == DT_ENOMEM)
    rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
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
  int rc = read_file(path, &file, &len, rep);
  if (rc) return rc;
  if (!file)
    return missing_is_error ? rep_fail(rep, DT_EIO, ENOENT,
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

typedef struct paths {
  char lock[4200], tmp[4200];
} paths;

static int make_paths(const char *path, paths *p, dt__hsts_file_report *rep) {
  size_t n = strlen(path);
  if (n == 0 || n >= 4096 || path[n - 1] == '/')
    return rep_fail(rep, DT_EINVAL, 0,
                    "the store path is empty, too long or "
                    "names a directory",
                    "give the path of a file");
  snprintf(p->lock, sizeof p->lock, "%s.lock", path);
  snprintf(p->tmp, sizeof p->tmp, "%s.tmp", path);
  return 0;
}

static unsigned lock_wait_ms = DT__HSTS_FILE_LOCK_WAIT_MS;
void dt__hsts_file_set_lock_wait(unsigned ms) { lock_wait_ms = ms; }

/* flock(LOCK_EX), but never forever: a hung process holding the lock must
 * not hang every other run. Polls every 10 ms up to lock_wait_ms. */
static int take_lock(int fd, const char *lock, dt__hsts_file_report *rep) {
  unsigned waited = 0;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return rep_errno(rep, errno, "cannot lock", lock);
    if (waited >= lock_wait_ms) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    waited += 10;
  }
  char cause[256];
  snprintf(cause, sizeof cause,
           "another process has held the lock %.150s for more than %u ms", lock,
           lock_wait_ms);
  return rep_fail(rep, DT_ESTORE, EWOULDBLOCK, cause,
                  "look for a hung detour process (fuser on the lock file) "
                  "and retry; nothing was written");
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
  paths ps;
  int rc = make_paths(path, &ps, rep);
  if (rc || (rc = ensure_dir(path, rep))) return rc;
  /* The lock is a separate file: the store itself is replaced by rename,
   * so a lock on it would be on a file that no longer has the name. */
  int lfd;
  do
    lfd = open(ps.lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  while (lfd < 0 && errno == EINTR);
  if (lfd < 0)
    return rep_errno(rep, errno, "cannot open the lock file", ps.lock);
  if ((rc = take_lock(lfd, ps.lock, rep))) {
    close(lfd);
    return rc;
  }
  image im;
  char *buf = NULL;
  size_t len = 0;
  if (image_init(&im, s)) {
    close(lfd);
    return rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
  }
  rc = read_file(path, &buf, &len, rep);
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
    rc = rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
  dt__hsts_store_shrink(im.f); /* S takes it: no growth slack */
  if (rc == 0 && (changed || !have_file))
    rc = atomic_write(path, ps.tmp, gen_image, &im, rep);
  else if (rc == 0)
    rep->unchanged = 1;
  if (rc == 0) {
    /* S now holds what the file holds; its journal is in the file. */
    dt__hsts_store_take(s, im.f);
    im.f = NULL;
  } else if (rc == DT_ENOMEM) {
    rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
  }
  image_free(&im);
  close(lfd); /* releases the flock */
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
  const char *p = buf, *end = buf + len;
  size_t lineno = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    size_t n = (size_t)(le - p);
    lineno++;
    rep->lines++;
    const char *q = p;
    while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
      q++;
    dt__hsts_entry e;
    if (q == le || *q == '#') {
      /* blank or comment (CURLOPT_HSTS(3)) */
    } else if (parse_curl_line(p, n, &e, now) != 0) {
      rep_bad(rep, lineno);
    } else if (now > e.expires_ms) {
      rep->expired++; /* curl/curl#21186: expired lines are not loaded */
    } else {
      int rc =
          dt__hsts_store_add(s, e.host, strlen(e.host), e.include_subdomains,
                             e.expires_ms, now, NULL);
      if (rc == DT_ENOMEM)
        return rep_fail(rep, DT_ENOMEM, ENOMEM, "out of memory", "retry");
      if (rc)
        rep_bad(rep, lineno);
      else
        rep->loaded++;
    }
    p = nl ? nl + 1 : end;
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
    return rep_errno(rep, errno ? errno : EIO, "cannot write", "the output");
  return 0;
}

int dt__hsts_file_export_curl_path(dt__hsts_store *s, const char *path,
                                   dt__hsts_file_report *rep) {
  dt__hsts_file_report dummy;
  if (!rep) rep = &dummy;
  rep_start(rep, path);
  paths ps;
  int rc = make_paths(path, &ps, rep);
  if (rc || (rc = ensure_dir(path, rep))) return rc;
  return atomic_write(path, ps.tmp, gen_curl, s, rep);
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
