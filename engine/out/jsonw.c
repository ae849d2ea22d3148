/* jsonw.c — see jsonw.h. */
#include "engine/out/jsonw.h"

#include "detour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void dt__jw_init(dt__jw *w, int pretty) {
  memset(w, 0, sizeof *w);
  w->pretty = pretty;
}

static void put(dt__jw *w, const char *s, size_t n) {
  if (dt__buf_put(&w->b, s, n)) w->failed = 1;
}

static void puts_(dt__jw *w, const char *s) { put(w, s, strlen(s)); }

static void newline(dt__jw *w) {
  if (!w->pretty) return;
  put(w, "\n", 1);
  for (int i = 0; i < w->depth; i++)
    put(w, "  ", 2);
}

/* Before a value or key: comma if needed; a value right after its key
 * gets none. */
static void pre_value(dt__jw *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->depth > 0 && w->depth <= DT_JW_MAX_DEPTH) {
    if (w->need_comma[w->depth - 1]) put(w, ",", 1);
    w->need_comma[w->depth - 1] = 1;
    newline(w);
  }
}

static void open_(dt__jw *w, char c) {
  pre_value(w);
  put(w, &c, 1);
  if (w->depth >= DT_JW_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  w->need_comma[w->depth++] = 0;
}

static void close_(dt__jw *w, char c) {
  if (w->depth <= 0) {
    w->failed = 1;
    return;
  }
  int had = w->need_comma[w->depth - 1];
  w->depth--;
  if (had) newline(w);
  put(w, &c, 1);
}

void dt__jw_obj_open(dt__jw *w) { open_(w, '{'); }
void dt__jw_obj_close(dt__jw *w) { close_(w, '}'); }
void dt__jw_arr_open(dt__jw *w) { open_(w, '['); }
void dt__jw_arr_close(dt__jw *w) { close_(w, ']'); }

static size_t utf8_len(const unsigned char *s, size_t n) {
  /* Length of a valid UTF-8 sequence at s (RFC 3629), or 0. */
  unsigned char c = s[0];
  size_t need;
  unsigned cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    need = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    need = 4, cp = c & 0x07;
  else
    return 0;
  if (n < need) return 0;
  for (size_t i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return need;
}

static void write_string(dt__jw *w, const char *s, size_t n) {
  put(w, "\"", 1);
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    const unsigned char *run = p;
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
      p++;
    if (p > run) put(w, (const char *)run, (size_t)(p - run));
    if (p >= end) break;
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      put(w, esc, 2);
      p++;
    } else if (*p < 0x20 || *p == 0x7F) {
      const char *named = *p == '\n'   ? "\\n"
                          : *p == '\r' ? "\\r"
                          : *p == '\t' ? "\\t"
                                       : NULL;
      if (named) {
        puts_(w, named);
      } else {
        snprintf(esc, sizeof esc, "\\u%04x", *p);
        puts_(w, esc);
      }
      p++;
    } else {
      size_t l = utf8_len(p, (size_t)(end - p));
      if (l) {
        put(w, (const char *)p, l);
        p += l;
      } else {
        snprintf(esc, sizeof esc, "\\u%04x", *p);
        puts_(w, esc);
        p++;
      }
    }
  }
  put(w, "\"", 1);
}

void dt__jw_key(dt__jw *w, const char *key) {
  pre_value(w);
  write_string(w, key, strlen(key));
  put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
  w->after_key = 1;
}

void dt__jw_strn(dt__jw *w, const char *s, size_t n) {
  pre_value(w);
  if (!s)
    puts_(w, "null");
  else
    write_string(w, s, n);
}

void dt__jw_str(dt__jw *w, const char *s) {
  dt__jw_strn(w, s, s ? strlen(s) : 0);
}

void dt__jw_int(dt__jw *w, int64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%lld", (long long)v);
  pre_value(w);
  puts_(w, b);
}

void dt__jw_uint(dt__jw *w, uint64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%llu", (unsigned long long)v);
  pre_value(w);
  puts_(w, b);
}

void dt__jw_double(dt__jw *w, double v) {
  char b[48];
  snprintf(b, sizeof b, "%.3f", v);
  pre_value(w);
  puts_(w, b);
}

void dt__jw_bool(dt__jw *w, int v) {
  pre_value(w);
  puts_(w, v ? "true" : "false");
}

void dt__jw_null(dt__jw *w) {
  pre_value(w);
  puts_(w, "null");
}

void dt__jw_raw(dt__jw *w, const char *json) {
  pre_value(w);
  puts_(w, json ? json : "null");
}

char *dt__jw_finish(dt__jw *w) {
  if (w->failed || w->depth != 0) {
    dt__jw_discard(w);
    return NULL;
  }
  char *b = dt__buf_finish(&w->b);
  memset(w, 0, sizeof *w);
  return b;
}

void dt__jw_discard(dt__jw *w) {
  dt__buf_free(&w->b);
  memset(w, 0, sizeof *w);
}

/* ---- the public writer (detour.h) ------------------------------------- */

struct dt_json {
  dt__jw w;
};

dt_json *dt_json_new(int pretty) {
  dt_json *j = malloc(sizeof *j);
  if (j) dt__jw_init(&j->w, pretty);
  return j;
}
void dt_json_obj_open(dt_json *j) {
  if (j) dt__jw_obj_open(&j->w);
}
void dt_json_obj_close(dt_json *j) {
  if (j) dt__jw_obj_close(&j->w);
}
void dt_json_arr_open(dt_json *j) {
  if (j) dt__jw_arr_open(&j->w);
}
void dt_json_arr_close(dt_json *j) {
  if (j) dt__jw_arr_close(&j->w);
}
void dt_json_key(dt_json *j, const char *key) {
  if (j) dt__jw_key(&j->w, key ? key : "");
}
void dt_json_str(dt_json *j, const char *s) {
  if (j) dt__jw_str(&j->w, s);
}
void dt_json_int(dt_json *j, int64_t v) {
  if (j) dt__jw_int(&j->w, v);
}
void dt_json_uint(dt_json *j, uint64_t v) {
  if (j) dt__jw_uint(&j->w, v);
}
void dt_json_bool(dt_json *j, int v) {
  if (j) dt__jw_bool(&j->w, v);
}
void dt_json_null(dt_json *j) {
  if (j) dt__jw_null(&j->w);
}
void dt_json_raw(dt_json *j, const char *json) {
  if (j) dt__jw_raw(&j->w, json);
}
char *dt_json_finish(dt_json *j) {
  if (!j) return NULL;
  char *s = dt__jw_finish(&j->w);
  free(j);
  return s;
}

/* An RFC 3339 time, or null for "never". */
void dt__jw_time(dt__jw *w, int64_t unix_ms) {
  if (unix_ms == INT64_MAX) {
    dt__jw_null(w);
    return;
  }
  char t[32];
  dt_time_format(unix_ms, t);
  dt__jw_str(w, t);
}
