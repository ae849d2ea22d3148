/* preload_compile.c — Chromium's transport_security_state_static.json →
 * the preload blob (docs/preload-format.md, "Source").
 *
 * Input schema (net/http/transport_security_state_static.json): a top-level
 * object whose "entries" array holds objects with "name", "policy", "mode"
 * ("force-https", Chromium's only mode), "include_subdomains",
 * "include_subdomains_for_pinning", "pins", "expect_ct" and
 * "expect_ct_report_uri". Every one of those is read and its type checked;
 * any other field of an entry is ignored and counted. "pinsets" and any
 * other top-level member are ignored.
 *
 * An entry without "mode" (pins or Expect-CT only) is kept as an override:
 * in Chromium it still matches, and as the deepest entry at a label
 * boundary it decides "no HSTS" for its name and every name under it
 * (net/http/transport_security_state.cc, PreloadDecoder::ReadEntry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsts/base/ascii.h"
#include "hsts/base/file.h"
#include "hsts/base/json.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

typedef struct ent {
  uint32_t off;       /* key bytes in the arena */
  uint32_t line, col; /* where the entry's name is, for errors */
  uint8_t len;
  uint8_t incsub; /* "include_subdomains" as written */
  uint8_t force;  /* "mode": "force-https"; 0: an override */
  uint8_t upper;  /* the name had ASCII uppercase */
} ent;

static const uint8_t *g_arena; /* qsort has no user pointer in C11 */

static int cmp_ent(const void *a, const void *b) {
  const ent *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(g_arena + x->off, g_arena + y->off, n);
  if (c) return c;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->col < y->col ? -1 : x->col > y->col;
}

/* A compile error at LINE, COL (0: no column) with an optional name. */
static int fail_at(dt__preload_error *err, size_t line, size_t col,
                   const char *msg, const char *name) {
  if (err) {
    char at[64];
    err->line = line;
    err->col = col;
    int k = col ? snprintf(at, sizeof at, "line %zu, column %zu", line, col)
                : snprintf(at, sizeof at, "line %zu", line);
    /* A long name is cut in the message (the return values say so). */
    k = name ? snprintf(err->msg, sizeof err->msg, "%.40s: %.100s: \"%.100s\"",
                        at, msg, name)
             : snprintf(err->msg, sizeof err->msg, "%.40s: %.180s", at, msg);
    (void)k;
  }
  return DT_EPARSE;
}
/* The same at a JSON node. */
static int fail(dt__preload_error *err, const dt__json *v, const char *msg,
                const char *name) {
  return fail_at(err, dt__json_line(v), dt__json_col(v), msg, name);
}

/* Checks a name and writes its key: lowered, reversed character by
 * character ("www.example.com" → "moc.elpmaxe.www"). Returns NULL or the
 * problem. *upper is set when ASCII uppercase was lowered: Chromium
 * lowercases names when it builds its table, and the genuine 2016 file has
 * one ("0xAA55.me"), so we do too and count it rather than refuse the real
 * format. */
static const char *make_key(const char *name, size_t n, uint8_t *out,
                            int *upper) {
  *upper = 0;
  if (n == 0) return "empty name";
  if (n > DT_MAX_HOST_BYTES) return "name longer than 253 bytes";
  size_t ll = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '.') {
      if (ll == 0) return "empty label (leading, trailing or double dot)";
      ll = 0;
    } else {
      if (dt__ascii_lower(c) != c) {
        c = dt__ascii_lower(c);
        *upper = 1;
      }
      if (!dt__preload_label_byte(c))
        return "character outside [a-z0-9-_] in name";
      if (++ll > DT_MAX_LABEL_BYTES) return "label longer than 63 bytes";
    }
    out[n - 1 - i] = c;
  }
  if (ll == 0) return "empty label (leading, trailing or double dot)";
  return NULL;
}

/* KEY (reversed, N bytes) is an IPv4 address as a URL parser sees one: its
 * last label is all digits (the WHATWG URL Standard's "ends in a number"
 * for decimal labels), which covers every dotted-decimal address. */
static int ends_in_number(const uint8_t *key, size_t n) {
  size_t i = 0;
  while (i < n && key[i] >= '0' && key[i] <= '9')
    i++;
  return i > 0 && (i == n || key[i] == '.');
}

/* The fields Chromium's file defines for an entry, with their JSON type. */
enum { F_NAME, F_POLICY, F_MODE, F_ISD, F_ISD_PIN, F_PINS, F_ECT, F_ECT_URI };
static const struct {
  const char *key;
  dt__json_type type;
  const char *what; /* the type, for the message */
} k_fields[] = {{"name", DT_JSON_STRING, "a string"},
                {"policy", DT_JSON_STRING, "a string"},
                {"mode", DT_JSON_STRING, "a string"},
                {"include_subdomains", DT_JSON_BOOL, "a boolean"},
                {"include_subdomains_for_pinning", DT_JSON_BOOL, "a boolean"},
                {"pins", DT_JSON_STRING, "a string"},
                {"expect_ct", DT_JSON_BOOL, "a boolean"},
                {"expect_ct_report_uri", DT_JSON_STRING, "a string"}};
#define N_FIELDS (sizeof k_fields / sizeof *k_fields)

/* Reads entry E's members into F (NULL: absent), counting the unknown
 * ones; a known field of the wrong type, or one listed twice, is an
 * error. */
static int read_fields(const dt__json *e, const dt__json *f[N_FIELDS],
                       size_t *unknown, dt__preload_error *err) {
  for (size_t i = 0; i < N_FIELDS; i++)
    f[i] = NULL;
  for (const dt__json *m = dt__json_first(e); m; m = dt__json_next(m)) {
    size_t kl;
    const char *k = dt__json_key(m, &kl);
    size_t i = 0;
    while (i < N_FIELDS && !(strlen(k_fields[i].key) == kl &&
                             memcmp(k_fields[i].key, k, kl) == 0))
      i++;
    if (i == N_FIELDS) {
      (*unknown)++;
      continue;
    }
    char msg[96];
    if (f[i]) {
      snprintf(msg, sizeof msg, "\"%s\" twice in one entry (first at line %zu)",
               k_fields[i].key, dt__json_line(f[i]));
      return fail(err, m, msg, NULL);
    }
    if (dt__json_type_of(m) != k_fields[i].type) {
      snprintf(msg, sizeof msg, "\"%s\" is not %s", k_fields[i].key,
               k_fields[i].what);
      return fail(err, m, msg, NULL);
    }
    f[i] = m;
  }
  return 0;
}

int dt__preload_compile(const char *json, size_t len,
                        const dt__preload_compile_opts *opts,
                        unsigned char **blob, size_t *blob_len,
                        dt__preload_compile_stats *stats,
                        dt__preload_error *err) {
  dt__preload_compile_stats st = {0};
  if (err) {
    err->line = err->col = 0;
    err->msg[0] = '\0';
  }
  if (!json || !opts || !blob || !blob_len) return DT_EINVAL;
  *blob = NULL;
  *blob_len = 0;
  if (len > DT__PRELOAD_MAX_JSON) { /* also keeps arena offsets in 32 bits */
    if (err)
      snprintf(err->msg, sizeof err->msg,
               "the list is %zu bytes, over the compiler's limit of %u bytes "
               "(%u MiB)",
               len, (unsigned)DT__PRELOAD_MAX_JSON,
               (unsigned)(DT__PRELOAD_MAX_JSON >> 20));
    return DT_EINVAL;
  }
  dt__json_doc *doc = NULL;
  dt__json_error jerr;
  int rc = dt__json_parse(&doc, json, len, DT_JSON_ALLOW_COMMENTS, &jerr);
  if (rc) {
    if (rc == DT_ENOMEM) return rc;
    if (err) {
      err->line = jerr.line;
      err->col = jerr.col;
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
  dt__preload_key_ref *refs = NULL;
  if (dt__json_type_of(root) != DT_JSON_OBJECT) {
    rc = fail(err, root, "top level is not an object", NULL);
    goto out;
  }
  entries = dt__json_get(root, "entries");
  if (!entries || dt__json_type_of(entries) != DT_JSON_ARRAY) {
    rc = fail(err, entries ? entries : root, "no \"entries\" array", NULL);
    goto out;
  }
  size_t cnt = dt__json_count(entries);
  if (cnt == 0) { /* a list with nothing in it is a mistake, not a list */
    rc = fail(err, entries, "\"entries\" is empty", NULL);
    goto out;
  }
  if (cnt > DT__PRELOAD_MAX_ENTRIES) {
    rc = fail(err, entries, "too many entries", NULL);
    goto out;
  }
  es = malloc(cnt * sizeof *es);
  /* A name's key is as long as its decoded text, which is never longer
   * than its JSON source, so LEN bounds the arena. */
  arena = malloc(len + 1);
  if (!es || !arena) {
    rc = DT_ENOMEM;
    goto out;
  }
  size_t n = 0, used = 0;
  for (const dt__json *e = dt__json_first(entries); e; e = dt__json_next(e)) {
    st.entries_total++;
    if (dt__json_type_of(e) != DT_JSON_OBJECT) {
      rc = fail(err, e, "entry is not an object", NULL);
      goto out;
    }
    const dt__json *f[N_FIELDS];
    if ((rc = read_fields(e, f, &st.unknown_fields, err)) != 0) goto out;
    size_t nl;
    const char *name = dt__json_string(f[F_NAME], &nl);
    if (!name) {
      rc = fail(err, e, "entry without a string \"name\"", NULL);
      goto out;
    }
    const char *mode = dt__json_string(f[F_MODE], NULL);
    /* Chromium's generator knows one mode; anything else is a typo whose
     * entry Chromium would refuse too (transport_security_state_generator's
     * "Unhandled mode"), not a pins-only entry. */
    if (mode && strcmp(mode, "force-https") != 0) {
      rc = fail(err, f[F_MODE], "\"mode\" is not \"force-https\"", mode);
      goto out;
    }
    /* An IPv6 address is not a name: say so rather than "character
     * outside" for its ':'. */
    if (memchr(name, ':', nl)) {
      rc = fail(err, f[F_NAME], "name is an IPv6 address", name);
      goto out;
    }
    uint8_t key[DT_MAX_HOST_BYTES + 1];
    int upper = 0;
    const char *why = memchr(name, '\0', nl) ? "NUL byte in name"
                                             : make_key(name, nl, key, &upper);
    if (why) {
      rc = fail(err, f[F_NAME], why, name);
      goto out;
    }
    /* An IPv4 address (Chromium's file has had "1.0.0.1" since 2018):
     * skipped and counted, not refused, so the genuine file compiles. The
     * engine never looks an IP literal up (RFC 6797 §8.1.1; the URL parser
     * makes a name ending in a number an address or a failure), so such an
     * entry could never match. */
    if (ends_in_number(key, nl)) {
      st.skipped_ip++;
      continue;
    }
    st.force_https += mode != NULL;
    st.lowercased += (size_t)upper;
    memcpy(arena + used, key, nl);
    es[n] = (ent){(uint32_t)used,
                  (uint32_t)dt__json_line(f[F_NAME]),
                  (uint32_t)dt__json_col(f[F_NAME]),
                  (uint8_t)nl,
                  (uint8_t)dt__json_bool(f[F_ISD]),
                  (uint8_t)(mode != NULL),
                  (uint8_t)upper};
    used += nl;
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
       * differs only by case is merged and counted, not an error. A name
       * listed with and without "mode" is a duplicate like any other. */
      if ((es[i].upper || prev->upper) && es[i].incsub == prev->incsub &&
          es[i].force == prev->force) {
        st.case_duplicates++;
        continue;
      }
      char text[DT_MAX_HOST_BYTES + 1], msg[96];
      /* Back to the name's (lowered) text for the message. */
      for (size_t k = 0; k < es[i].len; k++)
        text[k] = (char)arena[es[i].off + es[i].len - 1 - k];
      text[es[i].len] = '\0';
      snprintf(msg, sizeof msg,
               "duplicate name (first at line %u, column %u%s)", prev->line,
               prev->col,
               es[i].force != prev->force
                   ? "; once force-https, once without \"mode\""
                   : "");
      rc = fail_at(err, es[i].line, es[i].col, msg, text);
      goto out;
    }
    es[w++] = es[i];
  }
  n = w;
  refs = malloc((n ? n : 1) * sizeof *refs);
  if (!refs) {
    rc = DT_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    st.compiled += es[i].force;
    st.overrides += !es[i].force;
    st.include_subdomains += es[i].force & es[i].incsub;
    /* An override is written without include_subdomains: Chromium's
     * answer for it and its subtree is "no HSTS" either way. */
    refs[i] = (dt__preload_key_ref){arena + es[i].off, es[i].len,
                                    (uint8_t)(es[i].incsub & es[i].force),
                                    (uint8_t)!es[i].force};
  }
  rc = dt__preload_emit(refs, n, opts->list_date_days, blob, blob_len);
  if (rc == DT_EINVAL)
    rc = fail_at(err, 0, 0,
                 "the list cannot be written as a blob (too large, or "
                 "two names with the same 64-bit hash)",
                 NULL);
  if (rc == 0) st.blob_bytes = *blob_len;
out:
  free(refs);
  free(es);
  free(arena);
  dt__json_free(doc);
  if (stats) *stats = st;
  return rc;
}

int dt__preload_compile_file(const char *path,
                             const dt__preload_compile_opts *opts,
                             unsigned char **blob, size_t *blob_len,
                             dt__preload_compile_stats *stats,
                             dt__preload_error *err) {
  if (err) {
    err->line = err->col = 0;
    err->msg[0] = '\0';
  }
  if (stats) memset(stats, 0, sizeof *stats);
  if (!path || !opts || !blob || !blob_len) return DT_EINVAL;
  *blob = NULL;
  *blob_len = 0;
  /* The size first, from the file system: a file over the limit is
   * refused without opening it, let alone reading half a gigabyte of it
   * (dt__file_read checks again on the descriptor, against a file that
   * grows meanwhile). */
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
      (unsigned long long)sb.st_size > DT__PRELOAD_MAX_JSON) {
    if (err)
      snprintf(err->msg, sizeof err->msg,
               "%.120s is %llu bytes, over the compiler's limit of %u bytes "
               "(%u MiB)",
               path, (unsigned long long)sb.st_size,
               (unsigned)DT__PRELOAD_MAX_JSON,
               (unsigned)(DT__PRELOAD_MAX_JSON >> 20));
    return DT_EINVAL;
  }
  char *json = NULL;
  size_t len = 0;
  dt_error fe;
  int rc = dt__file_read(path, DT__PRELOAD_MAX_JSON, &json, &len, &fe);
  if (rc) {
    if (err && snprintf(err->msg, sizeof err->msg, "%.*s",
                        (int)sizeof err->msg - 1, fe.message) < 0)
      err->msg[0] = '\0';
    return rc;
  }
  rc = dt__preload_compile(json, len, opts, blob, blob_len, stats, err);
  free(json);
  return rc;
}
