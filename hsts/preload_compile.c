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

#include "hsts/base/ascii.h"
#include "hsts/base/json.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

typedef struct ent {
  uint32_t off;  /* key bytes in the arena */
  uint32_t line; /* input line of the entry, for errors */
  uint8_t len;
  uint8_t incsub;
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
    int upper = 0;
    const char *why = memchr(name, '\0', nl) ? "NUL byte in name"
                                             : make_key(name, nl, key, &upper);
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
    memcpy(arena + used, key, nl);
    es[n] = (ent){(uint32_t)used, (uint32_t)line, (uint8_t)nl,
                  (uint8_t)(iv && dt__json_bool(iv)), (uint8_t)upper};
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
       * differs only by case is merged and counted, not an error. */
      if ((es[i].upper || prev->upper) && es[i].incsub == prev->incsub) {
        st.case_duplicates++;
        continue;
      }
      char text[DT_MAX_HOST_BYTES + 1], msg[64];
      /* Back to the name's (lowered) text for the message. */
      for (size_t k = 0; k < es[i].len; k++)
        text[k] = (char)arena[es[i].off + es[i].len - 1 - k];
      text[es[i].len] = '\0';
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
  dt__preload_key_ref *refs = malloc((n ? n : 1) * sizeof *refs);
  if (!refs) {
    rc = DT_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    refs[i] = (dt__preload_key_ref){arena + es[i].off, es[i].len, es[i].incsub};
  rc = dt__preload_emit(refs, n, opts->list_date_days, blob, blob_len);
  free(refs);
  if (rc == DT_EINVAL)
    rc = fail(err, 0,
              "the list cannot be written as a blob (too large, or "
              "two names with the same 64-bit hash)",
              NULL);
  if (rc == 0) st.blob_bytes = *blob_len;
out:
  free(es);
  free(arena);
  dt__json_free(doc);
  if (stats) *stats = st;
  return rc;
}
