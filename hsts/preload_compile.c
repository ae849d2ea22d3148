/* preload_compile.c — Chromium's transport_security_state_static.json →
 * the preload blob (docs/preload-format.md).
 *
 * Input schema (net/http/transport_security_state_static.json): a top-level
 * object whose "entries" array holds objects with "name", "mode"
 * ("force-https" for HSTS), "include_subdomains" (bool) and fields we do not
 * use ("policy", "pins", "expect_ct", ...). "pinsets" and any other
 * top-level member are ignored. Entries whose mode is not "force-https"
 * (pin-only entries have none) are skipped and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/json.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

typedef struct ent {
  uint32_t off;  /* key bytes in the arena */
  uint32_t line; /* input line of the entry, for errors */
  uint8_t len;
  uint8_t incsub;
  uint8_t multi; /* >= 2 labels */
  uint8_t upper; /* the name had ASCII uppercase */
} ent;

static const uint8_t *g_arena; /* qsort has no user pointer in C11 */

static int cmp_ent(const void *a, const void *b) {
  const ent *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(g_arena + x->off, g_arena + y->off, n);
  if (c) return c;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

static int fail(dt__preload_error *err, size_t line, const char *msg,
                const char *name) {
  if (err) {
    err->line = line;
    if (name)
      snprintf(err->msg, sizeof err->msg, "line %zu: %.80s: \"%.100s\"", line,
               msg, name);
    else
      snprintf(err->msg, sizeof err->msg, "line %zu: %.200s", line, msg);
  }
  return DT_EPARSE;
}

/* Checks a name and writes its reversed key (labels right to left, joined
 * by SEP) into out. Returns NULL or the problem. *upper is set when ASCII
 * uppercase was lowered: Chromium lowercases names when it builds its
 * table, and the genuine 2016 file has one ("0xAA55.me"), so we do too and
 * count it rather than refuse the real format. */
static const char *make_key(const char *name, size_t n, uint8_t *out,
                            size_t *outn, int *labels, int *upper) {
  *upper = 0;
  if (n == 0) return "empty name";
  if (n > DT_MAX_HOST_BYTES) return "name longer than 253 bytes";
  size_t k = 0, end = n;
  *labels = 0;
  for (size_t i = n + 1; i-- > 0;) {
    if (i == 0 || name[i - 1] == '.') {
      size_t ll = end - i;
      if (ll == 0) return "empty label (leading, trailing or double dot)";
      if (ll > DT_MAX_LABEL_BYTES) return "label longer than 63 bytes";
      if ((*labels)++) out[k++] = DT__PRELOAD_SEP;
      for (size_t j = i; j < end; j++) {
        unsigned char c = (unsigned char)name[j];
        if (c >= 'A' && c <= 'Z') {
          c = (unsigned char)(c + 32);
          *upper = 1;
        }
        if (!dt__preload_label_byte(c))
          return "character outside [a-z0-9-_] in name";
        out[k++] = c;
      }
      if (i == 0) break;
      end = i - 1;
    }
  }
  *outn = k;
  return NULL;
}

/* A growable byte buffer for the output. */
typedef struct obuf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} obuf;

static void put(obuf *o, const void *d, size_t n) {
  if (o->oom || n == 0) return;
  if (o->n + n > o->cap) {
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->n + n)
      cap *= 2;
    uint8_t *np = realloc(o->p, cap);
    if (!np) {
      o->oom = 1;
      return;
    }
    o->p = np;
    o->cap = cap;
  }
  memcpy(o->p + o->n, d, n);
  o->n += n;
}
static void put8(obuf *o, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(o, &b, 1);
}
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void wr64(uint8_t *p, uint64_t v) {
  wr32(p, (uint32_t)v);
  wr32(p + 4, (uint32_t)(v >> 32));
}
static void put32(obuf *o, uint32_t v) {
  uint8_t b[4];
  wr32(b, v);
  put(o, b, 4);
}

/* Suffix characters to nibbles (preload_format.h); returns the count.
 * Every key byte is in one of the two tables (make_key checked them). */
static size_t nib_encode(const uint8_t *k, size_t n, uint8_t *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const char *a = memchr(DT__PRELOAD_NIB1, k[i], sizeof DT__PRELOAD_NIB1 - 1);
    if (a) {
      out[m++] = (uint8_t)(a - DT__PRELOAD_NIB1);
    } else {
      const char *b =
          memchr(DT__PRELOAD_NIB2, k[i], sizeof DT__PRELOAD_NIB2 - 1);
      size_t j = b ? (size_t)(b - DT__PRELOAD_NIB2) : 0;
      out[m++] = (uint8_t)(14 + j / 16);
      out[m++] = (uint8_t)(j % 16);
    }
  }
  return m;
}

static int emit(const ent *es, size_t n, const uint8_t *arena,
                const dt__preload_compile_opts *opts, uint32_t bs,
                unsigned char **blob, size_t *blob_len) {
  size_t n_single = 0, n_multi, n_noinc = 0, incsub = 0;
  for (size_t i = 0; i < n; i++) {
    n_single += !es[i].multi;
    n_noinc += es[i].multi && !es[i].incsub;
    incsub += es[i].incsub;
  }
  n_multi = n - n_single;
  size_t n_blocks = (n_multi + bs - 1) / bs;
  size_t n_lines =
      (n_blocks + DT__PRELOAD_LINE_BLOCKS - 1) / DT__PRELOAD_LINE_BLOCKS;
  obuf o = {0};
  uint8_t zero[DT__PRELOAD_OFF_INDEX] = {0};
  put(&o, zero, DT__PRELOAD_OFF_INDEX); /* header, then padding to 64 */
  /* Multi-label entries are in sorted order in es[] (singles interleave;
   * skip them). First pass: block data into a separate buffer. */
  obuf blocks = {0};
  uint32_t *boff = malloc((n_blocks + 1) * sizeof *boff);
  uint64_t *bpre = malloc((n_blocks + 1) * sizeof *bpre);
  if (!boff || !bpre) {
    free(boff);
    free(bpre);
    return DT_ENOMEM;
  }
  const ent *prev = NULL;
  size_t mi = 0;
  for (size_t i = 0; i < n; i++) {
    const ent *e = &es[i];
    if (!e->multi) continue;
    const uint8_t *k = arena + e->off;
    size_t pl = 0;
    if (mi % bs == 0) {
      boff[mi / bs] = (uint32_t)blocks.n;
      bpre[mi / bs] = dt__preload_prefix64(k, e->len);
    } else {
      const uint8_t *pk = arena + prev->off;
      while (pl < e->len && pl < prev->len && k[pl] == pk[pl])
        pl++;
    }
    uint8_t nib[2 * DT_MAX_HOST_BYTES + 2];
    size_t nl = nib_encode(k + pl, e->len - pl, nib);
    if (e->incsub && pl <= 15 && nl <= 15 && !(pl == 15 && nl == 15)) {
      put8(&blocks, (unsigned)(pl << 4 | nl));
    } else {
      unsigned f = (unsigned)nl | (e->incsub ? 0 : DT__PRELOAD_NOINC_BIT);
      put8(&blocks, 0xFF);
      put8(&blocks, (unsigned)pl);
      put8(&blocks, f & 0xFF);
      put8(&blocks, f >> 8);
    }
    nib[nl] = 0; /* padding nibble */
    for (size_t j = 0; j < nl; j += 2)
      put8(&blocks, (unsigned)(nib[j] << 4 | nib[j + 1]));
    prev = e;
    mi++;
  }
  boff[n_blocks] = (uint32_t)blocks.n;
  /* Index lines: LINE_BLOCKS prefixes, then LINE_BLOCKS + 1 offsets. */
  for (size_t l = 0; l < n_lines; l++) {
    uint8_t line[DT__PRELOAD_LINE];
    for (size_t s = 0; s < DT__PRELOAD_LINE_BLOCKS; s++) {
      size_t bi = l * DT__PRELOAD_LINE_BLOCKS + s;
      wr64(line + 8 * s, bi < n_blocks ? bpre[bi] : ~0ULL);
    }
    for (size_t s = 0; s <= DT__PRELOAD_LINE_BLOCKS; s++) {
      size_t bi = l * DT__PRELOAD_LINE_BLOCKS + s;
      wr32(line + 8 * DT__PRELOAD_LINE_BLOCKS + 4 * s,
           boff[bi < n_blocks ? bi : n_blocks]);
    }
    put(&o, line, sizeof line);
  }
  size_t off_single = o.n;
  /* Singles: offset table then records [len][incsub][bytes]. */
  size_t rec = off_single + 4 * n_single;
  for (size_t i = 0; i < n; i++)
    if (!es[i].multi) {
      put32(&o, (uint32_t)rec);
      rec += 2u + es[i].len;
    }
  for (size_t i = 0; i < n; i++)
    if (!es[i].multi) {
      put8(&o, es[i].len);
      put8(&o, es[i].incsub);
      put(&o, arena + es[i].off, es[i].len);
    }
  /* The suffix filter (preload_format.h), 8-aligned so a word is one
   * aligned load in the embedded copy. */
  while (o.n % 8)
    put8(&o, 0);
  size_t off_filter = o.n;
  size_t words = (n * DT__PRELOAD_FILTER_BITS + 63) / 64;
  if (words == 0) words = 1;
  uint64_t *fw = calloc(words, sizeof *fw);
  if (!fw) o.oom = 1;
  for (size_t i = 0; fw && i < n; i++) {
    uint64_t h = dt__preload_key_hash(arena + es[i].off, es[i].len);
    fw[dt__preload_filter_word(h, (uint32_t)words)] |=
        dt__preload_filter_mask(h);
  }
  for (size_t i = 0; fw && i < words; i++) {
    uint8_t b[8];
    wr64(b, fw[i]);
    put(&o, b, 8);
  }
  free(fw);
  size_t off_blocks = o.n;
  put(&o, blocks.p, blocks.n);
  int oom = o.oom || blocks.oom;
  free(blocks.p);
  free(boff);
  free(bpre);
  if (oom || o.n > DT__PRELOAD_MAX_BLOB) {
    free(o.p);
    return DT_ENOMEM;
  }
  uint8_t *h = o.p;
  memcpy(h, DT__PRELOAD_MAGIC, 8);
  wr32(h + 8, DT__PRELOAD_VERSION);
  wr32(h + 12, DT__PRELOAD_HDR_SIZE);
  wr32(h + 16, (uint32_t)o.n);
  wr32(h + 20, (uint32_t)opts->list_date_days);
  wr32(h + 24, (uint32_t)n);
  wr32(h + 28, (uint32_t)incsub);
  wr32(h + 32, bs);
  wr32(h + 36, (uint32_t)n_blocks);
  wr32(h + 40, (uint32_t)n_single);
  wr32(h + 44, (uint32_t)n_noinc);
  wr32(h + 48, DT__PRELOAD_OFF_INDEX);
  wr32(h + 52, (uint32_t)n_lines);
  wr32(h + 56, (uint32_t)off_single);
  wr32(h + 60, (uint32_t)off_filter);
  wr32(h + 64, (uint32_t)off_blocks);
  wr32(h + 68, (uint32_t)words);
  wr64(h + DT__PRELOAD_OFF_CHECKSUM, dt__preload_blob_checksum(h, o.n));
  *blob = o.p;
  *blob_len = o.n;
  return 0;
}

int dt__preload_compile(const char *json, size_t len,
                        const dt__preload_compile_opts *opts,
                        unsigned char **blob, size_t *blob_len,
                        dt__preload_compile_stats *stats,
                        dt__preload_error *err) {
  dt__preload_compile_stats st = {0};
  if (err) {
    err->line = 0;
    err->msg[0] = '\0';
  }
  if (!json || !opts || !blob || !blob_len) return DT_EINVAL;
  *blob = NULL;
  *blob_len = 0;
  uint32_t bs = opts->block_size ? opts->block_size : DT__PRELOAD_DEFAULT_BLOCK;
  if (bs > 255) return DT_EINVAL;
  dt__json_doc *doc = NULL;
  dt__json_error jerr;
  int rc = dt__json_parse(&doc, json, len, DT_JSON_ALLOW_COMMENTS, &jerr);
  if (rc) {
    if (rc == DT_ENOMEM) return rc;
    if (err) {
      err->line = jerr.line;
      snprintf(err->msg, sizeof err->msg,
               "line %zu, column %zu: malformed JSON: %.128s", jerr.line,
               jerr.col, jerr.msg);
    }
    return DT_EPARSE;
  }
  const dt__json *root = dt__json_root(doc);
  const dt__json *entries = NULL;
  ent *es = NULL;
  uint8_t *arena = NULL;
  if (dt__json_type_of(root) != DT_JSON_OBJECT) {
    rc = fail(err, dt__json_line(root), "top level is not an object", NULL);
    goto out;
  }
  entries = dt__json_get(root, "entries");
  if (!entries || dt__json_type_of(entries) != DT_JSON_ARRAY) {
    rc = fail(err, dt__json_line(root), "no \"entries\" array", NULL);
    goto out;
  }
  size_t cnt = dt__json_count(entries);
  if (cnt > DT__PRELOAD_MAX_ENTRIES) {
    rc = fail(err, dt__json_line(entries), "too many entries", NULL);
    goto out;
  }
  es = malloc((cnt ? cnt : 1) * sizeof *es);
  /* A name's key is as long as its decoded text, which is never longer
   * than its JSON source, so LEN bounds the arena. */
  arena = malloc(len + 1);
  if (!es || !arena) {
    rc = DT_ENOMEM;
    goto out;
  }
  size_t n = 0, used = 0;
  for (const dt__json *e = dt__json_first(entries); e; e = dt__json_next(e)) {
    size_t line = dt__json_line(e);
    st.entries_total++;
    if (dt__json_type_of(e) != DT_JSON_OBJECT) {
      rc = fail(err, line, "entry is not an object", NULL);
      goto out;
    }
    size_t nl;
    const char *name = dt__json_string(dt__json_get(e, "name"), &nl);
    if (!name) {
      rc = fail(err, line, "entry without a string \"name\"", NULL);
      goto out;
    }
    const dt__json *mv = dt__json_get(e, "mode");
    if (mv && dt__json_type_of(mv) != DT_JSON_STRING) {
      rc = fail(err, line, "\"mode\" is not a string", name);
      goto out;
    }
    const dt__json *iv = dt__json_get(e, "include_subdomains");
    if (iv && dt__json_type_of(iv) != DT_JSON_BOOL) {
      rc = fail(err, line, "\"include_subdomains\" is not a boolean", name);
      goto out;
    }
    uint8_t key[DT_MAX_HOST_BYTES + 1];
    size_t kn = 0;
    int labels = 0, upper = 0;
    const char *why = memchr(name, '\0', nl)
                          ? "NUL byte in name"
                          : make_key(name, nl, key, &kn, &labels, &upper);
    if (why) {
      rc = fail(err, line, why, name);
      goto out;
    }
    const char *mode = mv ? dt__json_string(mv, NULL) : NULL;
    if (!mode || strcmp(mode, "force-https") != 0) {
      st.skipped_mode++;
      continue;
    }
    st.force_https++;
    st.lowercased += (size_t)upper;
    memcpy(arena + used, key, kn);
    es[n] = (ent){(uint32_t)used,
                  (uint32_t)line,
                  (uint8_t)kn,
                  (uint8_t)(iv && dt__json_bool(iv)),
                  (uint8_t)(labels >= 2),
                  (uint8_t)upper};
    used += kn;
    n++;
  }
  g_arena = arena;
  qsort(es, n, sizeof *es, cmp_ent);
  size_t w = n ? 1 : 0;
  for (size_t i = 1; i < n; i++) {
    const ent *prev = &es[w - 1];
    if (es[i].len == prev->len &&
        memcmp(arena + es[i].off, arena + prev->off, es[i].len) == 0) {
      /* The genuine 2016 file lists both "0xAA55.me" and "0xaa55.me" with
       * the same flags: once lowered they are one name, so the copy that
       * differs only by case is merged and counted, not an error. */
      if ((es[i].upper || prev->upper) && es[i].incsub == prev->incsub) {
        st.case_duplicates++;
        continue;
      }
      char text[DT_MAX_HOST_BYTES + 1], msg[64];
      /* Back to the dotted form for the message. */
      size_t k = 0, end = es[i].len;
      const uint8_t *kk = arena + es[i].off;
      for (size_t j = es[i].len + 1; j-- > 0;)
        if (j == 0 || kk[j - 1] == DT__PRELOAD_SEP) {
          if (k) text[k++] = '.';
          memcpy(text + k, kk + j, end - j);
          k += end - j;
          if (j == 0) break;
          end = j - 1;
        }
      text[k] = '\0';
      snprintf(msg, sizeof msg, "duplicate name (first at line %u)",
               prev->line);
      rc = fail(err, es[i].line, msg, text);
      goto out;
    }
    es[w++] = es[i];
  }
  n = w;
  st.compiled = n;
  for (size_t i = 0; i < n; i++)
    st.include_subdomains += es[i].incsub;
  rc = emit(es, n, arena, opts, bs, blob, blob_len);
  if (rc == 0) st.blob_bytes = *blob_len;
out:
  free(es);
  free(arena);
  dt__json_free(doc);
  if (stats) *stats = st;
  return rc;
}
