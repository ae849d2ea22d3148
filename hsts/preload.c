/* preload.c — the preload blob: open (validate once), info, freshness and
 * the in-place lookup. The format is described in docs/preload-format.md;
 * the compiler is preload_compile.c.
 *
 * Layout in one sentence: the names of two or more labels, each written as
 * its labels reversed and joined by 0x01 ("www.example.com" → "com␁example␁
 * www"), sorted bytewise, front-coded in blocks of B names, with an index
 * line per 5 blocks (first 8 key bytes and byte range of each); one-label
 * names (TLDs such as "dev") sit in a small sorted table of their own; a
 * Bloom filter over every key turns most absent ancestors away before the
 * blocks; the few entries without include_subdomains carry a flag in their
 * head.
 *
 * Why 0x01 as the separator: it sorts below every label byte, so the
 * subtree of a name follows the name immediately, and one forward scan from
 * the shallowest ancestor the filter lets through meets every deeper one
 * and stops at the first key greater than the host. */
#include "hsts/preload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsts/preload_format.h"

struct dt__preload {
  const uint8_t *base;
  size_t len;
  void *map; /* mmap'ed region owned by the handle, or NULL */
  size_t map_len;
  int disabled_stale;
  /* The first block prefix of every index line, copied at open (4.6 KB
   * for the 2026 list): the binary search runs here, then one index line
   * of the blob is read — one cache miss instead of one per search level
   * (bench_preload: random-order lookups were memory-bound). */
  uint64_t *top;
  size_t ntop;
  dt__preload_hdr h;
};

/* ---- small helpers ------------------------------------------------------- */

static void set_err(dt__preload_error *err, const char *fmt, const char *a,
                    unsigned long b) {
  if (!err) return;
  err->line = 0;
  snprintf(err->msg, sizeof err->msg, fmt, a, b);
}

/* XXH64 (Yann Collet's xxHash, BSD-2): a fast, well-known 64-bit checksum,
 * so a whole 700 KB blob is checked in well under a millisecond. */
#define XP1 0x9E3779B185EBCA87ULL
#define XP2 0xC2B2AE3D27D4EB4FULL
#define XP3 0x165667B19E3779F9ULL
#define XP4 0x85EBCA77C2B2AE63ULL
#define XP5 0x27D4EB2F165667C5ULL
static uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static uint64_t xround(uint64_t acc, uint64_t in) {
  acc += in * XP2;
  acc = rotl64(acc, 31);
  return acc * XP1;
}
static uint64_t xmerge(uint64_t acc, uint64_t v) {
  acc ^= xround(0, v);
  return acc * XP1 + XP4;
}
uint64_t dt__preload_xxh64(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data, *end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + XP1 + XP2, v2 = seed + XP2, v3 = seed, v4 = seed - XP1;
    const uint8_t *limit = end - 32;
    do {
      v1 = xround(v1, dt__preload_rd64(p));
      v2 = xround(v2, dt__preload_rd64(p + 8));
      v3 = xround(v3, dt__preload_rd64(p + 16));
      v4 = xround(v4, dt__preload_rd64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xmerge(h, v1);
    h = xmerge(h, v2);
    h = xmerge(h, v3);
    h = xmerge(h, v4);
  } else {
    h = seed + XP5;
  }
  h += (uint64_t)len;
  while ((size_t)(end - p) >= 8) {
    h ^= xround(0, dt__preload_rd64(p));
    h = rotl64(h, 27) * XP1 + XP4;
    p += 8;
  }
  if ((size_t)(end - p) >= 4) {
    h ^= (uint64_t)dt__preload_rd32(p) * XP1;
    h = rotl64(h, 23) * XP2 + XP3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)(*p++) * XP5;
    h = rotl64(h, 11) * XP1;
  }
  h ^= h >> 33;
  h *= XP2;
  h ^= h >> 29;
  h *= XP3;
  h ^= h >> 32;
  return h;
}

uint64_t dt__preload_blob_checksum(const uint8_t *blob, size_t len) {
  uint64_t seed = dt__preload_xxh64(blob, DT__PRELOAD_OFF_CHECKSUM, 0);
  return dt__preload_xxh64(blob + DT__PRELOAD_HDR_SIZE,
                           len - DT__PRELOAD_HDR_SIZE, seed);
}

/* Days since 1970-01-01 ↔ civil date (H. Hinnant's days_from_civil). */
static int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

int dt__preload_parse_date(const char *s, int32_t *days) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return DT_EINVAL;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return DT_EINVAL;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
          (s[3] - '0');
  unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
  unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
  static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
    return DT_EINVAL;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return DT_EINVAL;
  *days = days_from_civil(y, m, d);
  return 0;
}

void dt__preload_format_date(int32_t days, char out[11]) {
  int z = days + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = (int)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) y = 0;
  snprintf(out, 11, "%04d-%02u-%02u", y, m % 100, d % 100);
}

/* A label byte of a canonical name: Chromium's list uses [a-z0-9-] and
 * a few names with '_' exist in the wild, so '_' is accepted too. */
static int label_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
int dt__preload_label_byte(unsigned char c) { return label_byte(c); }

/* ---- open and validate --------------------------------------------------- */

/* Checks one key (reversed form): label bytes and SEPs, no empty label, no
 * label over 63 bytes; MULTI says whether it must have >= 2 labels. */
static int key_ok(const uint8_t *k, size_t n, int multi) {
  size_t lab = 0, labels = 1;
  if (n == 0 || n > DT_MAX_HOST_BYTES) return 0;
  for (size_t i = 0; i < n; i++) {
    if (k[i] == DT__PRELOAD_SEP) {
      if (lab == 0) return 0;
      lab = 0;
      labels++;
    } else if (!label_byte(k[i]) || ++lab > DT_MAX_LABEL_BYTES) {
      return 0;
    }
  }
  return lab > 0 && (multi ? labels >= 2 : labels == 1);
}

/* Keys are short (a dozen bytes), so a plain loop beats a call to memcmp
 * (measured with bench_preload). */
static int cmp_keys(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return an < bn ? -1 : an > bn;
}

/* Block BI's index line, first-key prefix and byte range. */
static inline const uint8_t *block_line(const dt__preload *p, size_t bi) {
  return p->base + p->h.off_index +
         (bi / DT__PRELOAD_LINE_BLOCKS) * DT__PRELOAD_LINE;
}
static inline uint64_t block_prefix(const dt__preload *p, size_t bi) {
  return dt__preload_rd64(block_line(p, bi) +
                          8 * (bi % DT__PRELOAD_LINE_BLOCKS));
}
static inline const uint8_t *block_start(const dt__preload *p, size_t bi) {
  return p->base + p->h.off_blocks +
         dt__preload_rd32(block_line(p, bi) + 8 * DT__PRELOAD_LINE_BLOCKS +
                          4 * (bi % DT__PRELOAD_LINE_BLOCKS));
}
static inline const uint8_t *block_end(const dt__preload *p, size_t bi) {
  return p->base + p->h.off_blocks +
         dt__preload_rd32(block_line(p, bi) + 8 * DT__PRELOAD_LINE_BLOCKS +
                          4 * (bi % DT__PRELOAD_LINE_BLOCKS) + 4);
}

/* Does the filter let hash H through (maybe present)? */
static int filter_has(const dt__preload *p, uint64_t h) {
  uint64_t m = dt__preload_filter_mask(h);
  const uint8_t *w = p->base + p->h.off_filter +
                     8 * dt__preload_filter_word(h, p->h.filter_words);
  return (dt__ld_le64(w) & m) == m;
}

static int validate(dt__preload *p, unsigned flags, dt__preload_error *err) {
  const uint8_t *b = p->base;
  size_t len = p->len;
  dt__preload_hdr *h = &p->h;
  if (len < 8 || memcmp(b, DT__PRELOAD_MAGIC, 8) != 0) {
    set_err(err, "not a detour preload blob (bad magic)%s%lu", "", 0);
    return DT_EPRELOAD;
  }
  if (len < DT__PRELOAD_HDR_SIZE) {
    set_err(err, "truncated blob: %s%lu bytes, header needs 96", "",
            (unsigned long)len);
    return DT_EPRELOAD;
  }
  dt__preload_hdr_read(b, h);
  if (h->version != DT__PRELOAD_VERSION) {
    set_err(err, "unsupported blob version %s%lu (this build reads 2)", "",
            (unsigned long)h->version);
    return DT_EPRELOAD;
  }
  if (h->header_size != DT__PRELOAD_HDR_SIZE) {
    set_err(err, "bad header size %s%lu", "", (unsigned long)h->header_size);
    return DT_EPRELOAD;
  }
  if (h->total_size != len) {
    set_err(err, "blob length mismatch: header says %s%lu bytes", "",
            (unsigned long)h->total_size);
    return DT_EPRELOAD;
  }
  if (!(flags & DT__PRELOAD_TRUSTED) &&
      dt__preload_blob_checksum(b, len) != h->checksum) {
    set_err(err, "checksum mismatch: the blob is corrupted%s%lu", "", 0);
    return DT_EPRELOAD;
  }
  /* Sections: in order, inside the blob, sized by the counts. All sums
   * are done in size_t on values < 2^32, so they cannot overflow. */
  size_t n_multi = (size_t)h->entries - h->n_single;
  if (h->n_single > h->entries || h->block_size < 1 || h->block_size > 255 ||
      h->n_blocks != (n_multi + h->block_size - 1) / h->block_size ||
      h->n_noinc > h->entries || h->include_subdomains > h->entries) {
    set_err(err, "inconsistent counts in header%s%lu", "", 0);
    return DT_EPRELOAD;
  }
  size_t n_lines = ((size_t)h->n_blocks + DT__PRELOAD_LINE_BLOCKS - 1) /
                   DT__PRELOAD_LINE_BLOCKS;
  if (h->off_index != DT__PRELOAD_OFF_INDEX || h->n_lines != n_lines ||
      (size_t)h->off_single !=
          (size_t)h->off_index + n_lines * DT__PRELOAD_LINE ||
      (size_t)h->off_filter < (size_t)h->off_single + (size_t)h->n_single * 4 ||
      h->off_filter % 8 != 0 || h->filter_words == 0 ||
      (size_t)h->off_blocks !=
          (size_t)h->off_filter + (size_t)h->filter_words * 8 ||
      (size_t)h->off_blocks > len) {
    set_err(err, "section offsets out of bounds%s%lu", "", 0);
    return DT_EPRELOAD;
  }
  /* Index lines: offsets start at 0, never decrease, increase across every
   * real block (so a lookup never leaves its block, even in a trusted
   * blob), chain from line to line and end at the data's end; unused
   * prefix slots are all ones. Cheap: one pass over 94 KB at most. */
  size_t data_len = len - h->off_blocks;
  uint32_t last = 0;
  for (size_t l = 0; l < n_lines; l++) {
    const uint8_t *ln = b + h->off_index + l * DT__PRELOAD_LINE;
    for (size_t s = 0; s <= DT__PRELOAD_LINE_BLOCKS; s++) {
      size_t bi = l * DT__PRELOAD_LINE_BLOCKS + s;
      uint32_t o = dt__preload_rd32(ln + 8 * DT__PRELOAD_LINE_BLOCKS + 4 * s);
      int real = s > 0 && bi <= h->n_blocks; /* o ends block bi - 1 */
      if ((s == 0 || !real ? o != last : o <= last) ||
          (s > 0 && s < DT__PRELOAD_LINE_BLOCKS && bi >= h->n_blocks &&
           dt__preload_rd64(ln + 8 * s) != ~0ULL)) {
        set_err(err, "bad block index line %s%lu", "#", (unsigned long)l);
        return DT_EPRELOAD;
      }
      last = o;
    }
  }
  if (last != data_len) {
    set_err(err, "block index does not cover the block data%s%lu", "", 0);
    return DT_EPRELOAD;
  }
  /* Singles: offsets into [off_single + 4n, off_filter), sorted keys. */
  size_t noinc_single = 0;
  const uint8_t *prev = NULL;
  size_t prevn = 0;
  for (uint32_t i = 0; i < h->n_single; i++) {
    size_t o = dt__preload_rd32(b + h->off_single + 4 * (size_t)i);
    if (o < (size_t)h->off_single + (size_t)h->n_single * 4 ||
        o + 2 > h->off_filter || o + 2 + b[o] > h->off_filter || b[o + 1] > 1 ||
        !key_ok(b + o + 2, b[o], 0) ||
        (prev && cmp_keys(prev, prevn, b + o + 2, b[o]) >= 0)) {
      set_err(err, "bad one-label entry %s%lu", "#", (unsigned long)i);
      return DT_EPRELOAD;
    }
    if (!(flags & DT__PRELOAD_TRUSTED) &&
        !filter_has(p, dt__preload_key_hash(b + o + 2, b[o]))) {
      set_err(err, "filter misses one-label entry %s%lu", "#",
              (unsigned long)i);
      return DT_EPRELOAD;
    }
    noinc_single += b[o + 1] == 0;
    prev = b + o + 2;
    prevn = b[o];
  }
  if ((size_t)h->include_subdomains + h->n_noinc + noinc_single != h->entries) {
    set_err(err, "include_subdomains count does not match the tables%s%lu", "",
            0);
    return DT_EPRELOAD;
  }
  /* The build verified the embedded blob entry by entry; re-walking 94,600
   * names would cost milliseconds at every start-up (bench_preload). */
  if (flags & DT__PRELOAD_TRUSTED) return 0;
  /* Blocks: every entry decodes inside its block, keys valid and strictly
   * increasing across the whole list, index prefixes right, every key in
   * the filter (a miss there would be a wrong "not listed"), and the
   * entries without include_subdomains as many as the header says. */
  uint8_t key[DT_MAX_HOST_BYTES + 1], lastk[DT_MAX_HOST_BYTES + 1];
  size_t keyn = 0, lastn = 0, left = n_multi, noinc = 0;
  for (uint32_t bi = 0; bi < h->n_blocks; bi++) {
    const uint8_t *c = block_start(p, bi), *e = block_end(p, bi);
    size_t cnt = left < h->block_size ? left : h->block_size;
    for (size_t j = 0; j < cnt; j++) {
      size_t pl, nl;
      int sl = -1, inc = 1;
      if (dt__preload_entry_head(&c, e, &pl, &nl, &inc) &&
          !(j == 0 && pl != 0) && pl <= keyn &&
          (nl + 1) / 2 <= (size_t)(e - c) && !((nl & 1) && (c[nl / 2] & 15)))
        sl = dt__preload_nib_decode(c, nl, key + pl, DT_MAX_HOST_BYTES - pl);
      if (sl < 0) {
        set_err(err, "bad entry in block %s%lu", "#", (unsigned long)bi);
        return DT_EPRELOAD;
      }
      keyn = pl + (size_t)sl;
      c += (nl + 1) / 2;
      noinc += !inc;
      if (!key_ok(key, keyn, 1) ||
          (lastn && cmp_keys(lastk, lastn, key, keyn) >= 0)) {
        set_err(err, "bad or unsorted name in block %s%lu", "#",
                (unsigned long)bi);
        return DT_EPRELOAD;
      }
      if (!filter_has(p, dt__preload_key_hash(key, keyn))) {
        set_err(err, "filter misses an entry of block %s%lu", "#",
                (unsigned long)bi);
        return DT_EPRELOAD;
      }
      if (j == 0 && block_prefix(p, bi) != dt__preload_prefix64(key, keyn)) {
        set_err(err, "index prefix mismatch at block %s%lu", "#",
                (unsigned long)bi);
        return DT_EPRELOAD;
      }
      memcpy(lastk, key, keyn);
      lastn = keyn;
    }
    if (c != e) {
      set_err(err, "trailing bytes in block %s%lu", "#", (unsigned long)bi);
      return DT_EPRELOAD;
    }
    left -= cnt;
  }
  if (noinc != h->n_noinc) {
    set_err(err,
            "%s%lu entries flagged without include_subdomains, header "
            "disagrees",
            "", (unsigned long)noinc);
    return DT_EPRELOAD;
  }
  return 0;
}

int dt__preload_open_mem(dt__preload **out, const void *buf, size_t len,
                         unsigned flags, dt__preload_error *err) {
  if (!out || (!buf && len)) {
    set_err(err, "invalid argument%s%lu", "", 0);
    return DT_EINVAL;
  }
  *out = NULL;
  if (len > DT__PRELOAD_MAX_BLOB) {
    set_err(err, "blob too large (%s%lu bytes)", "", (unsigned long)len);
    return DT_EPRELOAD;
  }
  dt__preload *p = calloc(1, sizeof *p);
  if (!p) {
    set_err(err, "out of memory%s%lu", "", 0);
    return DT_ENOMEM;
  }
  p->base = buf;
  p->len = len;
  int rc = validate(p, flags, err);
  if (rc) {
    free(p);
    return rc;
  }
  p->ntop = p->h.n_lines;
  p->top = malloc((p->ntop ? p->ntop : 1) * sizeof *p->top);
  if (!p->top) {
    free(p);
    set_err(err, "out of memory%s%lu", "", 0);
    return DT_ENOMEM;
  }
  for (size_t j = 0; j < p->ntop; j++)
    p->top[j] =
        dt__preload_rd64(p->base + p->h.off_index + DT__PRELOAD_LINE * j);
  *out = p;
  return 0;
}

int dt__preload_open_file(dt__preload **out, const char *path,
                          dt__preload_error *err) {
  if (!out || !path) {
    set_err(err, "invalid argument%s%lu", "", 0);
    return DT_EINVAL;
  }
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, "cannot open %s: errno %lu", path, (unsigned long)errno);
    return DT_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    set_err(err, "%s is not a regular file%lu", path, 0);
    return DT_EIO;
  }
  if ((uint64_t)st.st_size > DT__PRELOAD_MAX_BLOB || st.st_size == 0) {
    close(fd);
    set_err(err, "%s: size %lu is not a plausible blob", path,
            (unsigned long)st.st_size);
    return DT_EPRELOAD;
  }
  size_t n = (size_t)st.st_size;
  void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) {
    set_err(err, "cannot map %s%lu", path, 0);
    return DT_EIO;
  }
  int rc = dt__preload_open_mem(out, m, n, 0, err);
  if (rc) {
    munmap(m, n);
    return rc;
  }
  (*out)->map = m;
  (*out)->map_len = n;
  return 0;
}

void dt__preload_free(dt__preload *p) {
  if (!p) return;
  if (p->map) munmap(p->map, p->map_len);
  free(p->top);
  free(p);
}

void dt__preload_get_info(const dt__preload *p, dt__preload_info *info) {
  memset(info, 0, sizeof *info);
  if (!p) return;
  info->entries = p->h.entries;
  info->include_subdomains = p->h.include_subdomains;
  info->blob_bytes = p->len;
  info->list_date_days = p->h.list_date;
  dt__preload_format_date(p->h.list_date, info->list_date);
  info->checksum = p->h.checksum;
  snprintf(info->checksum_hex, sizeof info->checksum_hex, "%016llx",
           (unsigned long long)p->h.checksum);
  info->block_size = p->h.block_size;
}

int32_t dt__preload_age_days(const dt__preload *p, const dt_clock *clock) {
  int64_t now = dt_clock_now_ms(clock);
  /* Floor division so times before 1970 still give whole days. */
  int64_t day = now >= 0 ? now / 86400000 : -((-now + 86399999) / 86400000);
  return (int32_t)(day - (p ? p->h.list_date : 0));
}

int dt__preload_is_stale(const dt__preload *p, const dt_clock *clock) {
  return p && dt__preload_age_days(p, clock) > DT__PRELOAD_STALE_DAYS;
}

int dt__preload_apply_stale_policy(dt__preload *p, int disable,
                                   const dt_clock *clock) {
  if (!p) return 0;
  int stale = dt__preload_is_stale(p, clock);
  p->disabled_stale = disable && stale;
  return stale;
}

const char *dt__preload_reason_name(dt__preload_reason r) {
  switch (r) {
  case DT__PRELOAD_R_EXACT: return "exact";
  case DT__PRELOAD_R_ANCESTOR: return "ancestor";
  case DT__PRELOAD_R_NO_ENTRY: return "no-entry";
  case DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS:
    return "ancestor-without-include-subdomains";
  case DT__PRELOAD_R_CANCELLED: return "cancelled-by-deeper-entry";
  case DT__PRELOAD_R_BAD_HOST: return "bad-host";
  case DT__PRELOAD_R_DISABLED_STALE: return "disabled-stale";
  }
  return "unknown";
}

/* ---- lookup -------------------------------------------------------------- */

/* Exact lookup of a one-label key; returns -1 absent, else its flag. */
static int single_find(const dt__preload *p, const uint8_t *k, size_t n) {
  const uint8_t *b = p->base;
  size_t lo = 0, hi = p->h.n_single;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    size_t o = dt__preload_rd32(b + p->h.off_single + 4 * mid);
    int c = cmp_keys(b + o + 2, b[o], k, n);
    if (c == 0) return b[o + 1];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* Compares the entry whose suffix (NL nibbles at C) follows PL characters
 * shared with T, against T[0..tl), decoding only as far as they agree:
 * *k gets the characters equal after PL; returns the key's order against
 * T[0..tl) (0: the key is a prefix of it), or 2 for a code no valid blob
 * has. Character by character on purpose: the first difference is
 * usually within a character or two, so the work over a whole scan is
 * about T's length plus one character per compared entry (callgrind: a
 * variant that nibble-coded T once and compared 16 nibbles at a time spent
 * more building T's code than it saved). */
static inline int cmp_entry(const uint8_t *t, size_t tl, const uint8_t *c,
                            const uint8_t *e, size_t pl, size_t nl, size_t *k) {
  size_t kk = 0, pos = 0;
  /* The first 16 nibbles from one register, high nibble first (a short
   * head has at most 15: the whole suffix), then, for a long suffix (a
   * block's first key), byte loads from where the register stopped. The
   * 8 bytes read stay inside the block. */
  uint64_t w = 0;
  if (e - c >= 8) {
    memcpy(&w, c, 8);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
  } else {
    for (size_t i = 0; i < 8; i++)
      w = w << 8 | (c + i < e ? c[i] : 0);
  }
  size_t rl = nl <= 16 ? nl : 15; /* a 2-nibble code may start at 14 */
  while (pos < rl) {
    unsigned n = (unsigned)(w >> 60), ch;
    if (n < 14) {
      ch = (unsigned char)DT__PRELOAD_NIB1[n];
      w <<= 4;
      pos++;
    } else {
      unsigned j = (n - 14) * 16 + (unsigned)(w >> 56 & 15);
      if (pos + 1 >= nl || j >= sizeof DT__PRELOAD_NIB2 - 1)
        return 2; /* invalid code: only in a forged trusted blob */
      ch = (unsigned char)DT__PRELOAD_NIB2[j];
      w <<= 8;
      pos += 2;
    }
    if (pl + kk >= tl || ch != t[pl + kk]) {
      *k = kk;
      /* Past T[0..tl): T is a proper prefix of the key. */
      return pl + kk >= tl || ch > t[pl + kk] ? 1 : -1;
    }
    kk++;
  }
  while (pos < nl) {
    unsigned char ch = dt__preload_nib_char(c, nl, &pos);
    if (!ch) return 2; /* invalid code: only in a forged trusted blob */
    if (pl + kk >= tl || ch != t[pl + kk]) {
      *k = kk;
      return pl + kk >= tl || ch > t[pl + kk] ? 1 : -1;
    }
    kk++;
  }
  *k = kk;
  return 0;
}

/* Is block BI's first key <= T[0..n)? */
static int block_first_le(const dt__preload *p, size_t bi, const uint8_t *t,
                          size_t n) {
  const uint8_t *c = block_start(p, bi), *e = block_end(p, bi);
  size_t pl, nl, k;
  int inc;
  if (!dt__preload_entry_head(&c, e, &pl, &nl, &inc) ||
      (nl + 1) / 2 > (size_t)(e - c))
    return 1; /* cannot happen on a validated blob */
  return cmp_entry(t, n, c, e, 0, nl, &k) <= 0;
}

/* The last block whose first key is <= T[0..n) (0 if none). A branch-free
 * binary search over the first prefix of every index line (copied at
 * open, 4.6 KB), then the line itself — one cache line for the block's
 * prefix and its byte range — then a short walk back over blocks whose
 * prefix ties with T's and whose first key is greater. */
static size_t find_block(const dt__preload *p, const uint8_t *t, size_t n) {
  /* T has >= 8 readable bytes; keep the first n, big-endian. */
  uint64_t kp;
  memcpy(&kp, t, 8);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  kp = __builtin_bswap64(kp);
#endif
  if (n < 8) kp &= ~0ULL << (8 * (8 - n));
  size_t g = 0, len = p->ntop;
  while (len > 1) {
    size_t half = len / 2;
    g = p->top[g + half] <= kp ? g + half : g;
    len -= half;
  }
  /* Within the line: the prefixes are sorted (unused slots all ones, and
   * a key prefix never is), so the block is the line's first plus how
   * many of the next ones are still <= kp. */
  const uint8_t *ln = p->base + p->h.off_index + g * DT__PRELOAD_LINE;
  size_t lo = g * DT__PRELOAD_LINE_BLOCKS;
  for (size_t s = 1; s < DT__PRELOAD_LINE_BLOCKS; s++)
    lo += dt__preload_rd64(ln + 8 * s) <= kp;
  if (lo >= p->h.n_blocks) lo = p->h.n_blocks - 1; /* forged trusted blob */
  while (lo > 0 && block_prefix(p, lo) == kp && !block_first_le(p, lo, t, n))
    lo--;
  return lo;
}

typedef struct hit {
  size_t klen; /* length of the matched key = of its text name */
  int incsub;
} hit;

/* One forward scan of the blocks for the keys that are label-boundary
 * prefixes of T[0..tl), starting at the block of T[0..from): keys are
 * compared incrementally (mlcp = common prefix of the previous key and T),
 * so most entries are skipped by their head alone. Appends to hits. */
static size_t scan(const dt__preload *p, const uint8_t *t, size_t from,
                   size_t tl, hit *hits, size_t nh) {
  for (size_t bi = find_block(p, t, from); bi < p->h.n_blocks; bi++) {
    /* A block's entries end exactly at its end offset (checked at every
     * untrusted open); in a forged trusted blob the bounds below still
     * keep every read inside the block. */
    const uint8_t *b = block_start(p, bi), *e = block_end(p, bi), *c;
    size_t mlcp = 0, at = 0, end = (size_t)(e - b), nb;
    /* Offsets, not pointers, so a skipped entry may claim more bytes
     * than the block has without a pointer leaving it: the loop test
     * catches that before any read. */
    for (; at < end; at += nb) {
      size_t pl, nl, k;
      int inc = 1;
      unsigned h = b[at++];
      if (h != 0xFF) { /* the short head: nearly every entry */
        pl = h >> 4;
        nl = h & 15;
      } else {
        if (end - at < 3) return nh;
        unsigned f = (unsigned)b[at + 1] | (unsigned)b[at + 2] << 8;
        pl = b[at];
        nl = f & ~DT__PRELOAD_NOINC_BIT;
        inc = !(f & DT__PRELOAD_NOINC_BIT);
        at += 3;
      }
      nb = (nl + 1) / 2;
      if (pl > mlcp) /* shares more with the previous key: still < T */
        continue;
      if (pl < mlcp) /* greater than the previous key where it equalled T */
        return nh;
      if (nb > end - at) return nh; /* only in a forged trusted blob */
      c = b + at;
      int cmp = cmp_entry(t, tl, c, e, pl, nl, &k);
      if (cmp > 0) return nh; /* past T (or a forged code) */
      size_t klen = pl + k;
      /* Hits deepen strictly on a sorted list; the check keeps a forged
       * trusted blob from overfilling hits[]. */
      if (cmp == 0 && (klen == tl || t[klen] == DT__PRELOAD_SEP) &&
          (nh == 0 || klen > hits[nh - 1].klen)) {
        hits[nh++] = (hit){klen, inc};
        if (klen == tl) return nh; /* every later key is greater */
      }
      mlcp = klen;
    }
  }
  return nh;
}

/* Host byte → key byte: ASCII lowered, label bytes kept, '.' kept,
 * anything else 0 (not a name we can look up). One load per byte instead
 * of a chain of range checks. */
#define LB2(c) [c] = c, [c - 32] = c
static const uint8_t k_keybyte[256] = {
    LB2('a'),    LB2('b'),    LB2('c'),    LB2('d'),    LB2('e'),
    LB2('f'),    LB2('g'),    LB2('h'),    LB2('i'),    LB2('j'),
    LB2('k'),    LB2('l'),    LB2('m'),    LB2('n'),    LB2('o'),
    LB2('p'),    LB2('q'),    LB2('r'),    LB2('s'),    LB2('t'),
    LB2('u'),    LB2('v'),    LB2('w'),    LB2('x'),    LB2('y'),
    LB2('z'),    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3',
    ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8',
    ['9'] = '9', ['-'] = '-', ['_'] = '_', ['.'] = '.'};
#undef LB2

/* dt__preload_key_make, inlined into the lookup. */
static inline int key_make(dt__preload_key *k, const char *host, size_t len) {
  if (!host) len = 0;
  while (len > 0 && host[len - 1] == '.')
    len--;
  if (len == 0 || len > DT_MAX_HOST_BYTES) return -1;
  /* Canonical text (lowered) and the label ends, in one forward pass. */
  char *canon = k->canon;
  uint8_t dot[DT_MAX_HOST_BYTES / 2 + 2]; /* positions < 253 */
  size_t nd = 0;
  unsigned bad = 0;
  memset(canon + len, 0, 8); /* the 8-byte label copies read past len */
  for (size_t i = 0; i < len; i++) {
    uint8_t c = k_keybyte[(unsigned char)host[i]];
    bad |= c == 0;
    canon[i] = (char)c;
    if (c == '.') {
      if (nd == sizeof dot) return -1; /* only with empty labels: "a..." */
      dot[nd++] = (uint8_t)i;
    }
  }
  /* The reversed key T, built label by label from the right; bnd[d] is
   * T's length after d + 1 labels, i.e. the key of the host's ancestor of
   * d + 1 labels. Labels are copied 8 bytes at a time (T has slack; the
   * separator and the next label overwrite the excess). */
  uint8_t *t = k->t;
  size_t tn = 0, labels = nd + 1, end = len;
  for (size_t d = 0; d < labels && !bad; d++) {
    size_t start = d < nd ? (size_t)dot[nd - 1 - d] + 1 : 0;
    size_t ll = end - start;
    bad |= ll == 0 || ll > DT_MAX_LABEL_BYTES;
    if (d) t[tn++] = DT__PRELOAD_SEP;
    for (size_t o = 0; o < ll; o += 8)
      memcpy(t + tn + o, canon + start + o, 8);
    tn += ll;
    k->bnd[d] = (uint8_t)tn;
    end = start - 1;
  }
  if (bad) return -1;
  memset(t + tn, 0, 8);
  /* The hash of every label-boundary prefix in one pass over T: the state
   * runs over T's whole words once, and each label boundary adds its
   * partial word and the length (= dt__preload_key_hash of that prefix). */
  uint64_t st = 0;
  size_t wd = 0;
  for (size_t d = 0; d < labels; d++) {
    size_t b = k->bnd[d];
    for (; wd + 8 <= b; wd += 8)
      st = dt__preload_hstep(st, dt__ld_le64(t + wd));
    uint64_t hs = st;
    if (b > wd)
      hs = dt__preload_hstep(st, dt__ld_le64(t + wd) &
                                     (~0ULL >> (64 - 8 * (b - wd))));
    k->hash[d] = dt__preload_hfinal(hs, b);
  }
  k->len = len;
  k->tn = tn;
  k->labels = labels;
  return 0;
}

int dt__preload_key_make(dt__preload_key *k, const char *host, size_t len) {
  return key_make(k, host, len);
}

int dt__preload_lookup(const dt__preload *p, const char *host, size_t len,
                       dt__preload_mode mode, dt__preload_match *m) {
  dt__preload_match scratch;
  if (!m) m = &scratch;
  m->known = 0;
  m->name[0] = m->cancelled[0] = '\0';
  m->include_subdomains = 0;
  m->reason = DT__PRELOAD_R_NO_ENTRY;
  if (!p) return 0;
  if (p->disabled_stale) {
    m->reason = DT__PRELOAD_R_DISABLED_STALE;
    return 0;
  }
  dt__preload_key key;
  if (key_make(&key, host, len)) {
    m->reason = DT__PRELOAD_R_BAD_HOST;
    return 0;
  }
  const char *canon = key.canon;
  const uint8_t *t = key.t, *bnd = key.bnd;
  size_t tn = key.tn, labels = key.labels;
  len = key.len;

  /* The filter, for the host and every ancestor. */
  const uint8_t *fw = p->base + p->h.off_filter;
  uint32_t nw = p->h.filter_words;
  size_t dmin = SIZE_MAX, dmax = 0;
  int single = 0;
  for (size_t d = 0; d < labels; d++) {
    uint64_t h = key.hash[d], msk = dt__preload_filter_mask(h);
    if ((dt__ld_le64(fw + 8 * dt__preload_filter_word(h, nw)) & msk) !=
        msk)
      continue; /* surely not an entry */
    if (d == 0) {
      single = 1;
    } else {
      if (dmin == SIZE_MAX) dmin = d;
      dmax = d;
    }
  }

  hit hits[DT_MAX_HOST_BYTES / 2 + 2]; /* one per label at most */
  size_t nh = 0;
  if (single) {
    int f = single_find(p, t, bnd[0]);
    if (f >= 0) hits[nh++] = (hit){bnd[0], f};
  }
  /* One scan from the shallowest suffix the filter let through to the
   * deepest: no entry lies outside them. */
  if (dmin != SIZE_MAX && p->h.n_blocks > 0)
    nh = scan(p, t, bnd[dmin], bnd[dmax], hits, nh);
  if (nh == 0) return 0;
  /* hits[] are in increasing depth. */
  const hit *deep = &hits[nh - 1], *dec = NULL;
  const hit *inc = NULL; /* deepest proper ancestor with include_subdomains */
  for (size_t q = nh; q-- > 0;)
    if (hits[q].klen < tn && hits[q].incsub) {
      inc = &hits[q];
      break;
    }
  if (deep->klen == tn) {
    m->reason = DT__PRELOAD_R_EXACT;
    dec = deep;
  } else if (mode == DT__PRELOAD_MOST_SPECIFIC) {
    /* Chromium: the most specific entry decides. */
    if (deep->incsub) {
      m->reason = DT__PRELOAD_R_ANCESTOR;
      dec = deep;
    } else {
      m->reason =
          inc ? DT__PRELOAD_R_CANCELLED : DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS;
      if (inc) memcpy(m->cancelled, canon + len - inc->klen, inc->klen);
      m->cancelled[inc ? inc->klen : 0] = '\0';
    }
  } else if (inc) {
    m->reason = DT__PRELOAD_R_ANCESTOR;
    dec = inc;
  } else {
    m->reason = DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS;
  }
  const hit *shown = dec ? dec : deep;
  memcpy(m->name, canon + len - shown->klen, shown->klen);
  m->name[shown->klen] = '\0';
  m->include_subdomains = shown->incsub;
  m->known = dec != NULL;
  return m->known;
}
