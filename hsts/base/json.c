/* json.c — see json.h. A recursive-descent reader with a cursor, an end
 * pointer and an explicit depth bound (no input can overflow the stack). */
#include "hsts/base/json.h"
#include "hsts/base/utf8.h"

#include "hsts/base/buf.h"

#include "detour.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* A node is what callers hold as `const dt__json *`; it carries its doc so
 * siblings and strings can be reached from the node alone. */
typedef struct node {
  const struct dt__json_doc *doc;
  dt__json_type type;
  size_t line, col;        /* where the value starts (col: bytes, 1-based) */
  size_t key_off, key_len; /* member key in arena, key_off NONE if none */
  size_t str_off, str_len; /* string value */
  double num;
  size_t first, last, next, count; /* children (indices) */
} node;

struct dt__json_doc {
  size_t root;
  node *nodes;
  size_t n_nodes, cap_nodes;
  dt__buf arena; /* every string, NUL-terminated, by offset */
};

typedef struct parser {
  const char *p, *end, *start;
  size_t line;
  const char *line_start;
  unsigned flags;
  dt__json_doc *doc;
  dt__json_error *err;
  int failed;
} parser;

static void fail(parser *ps, const char *msg) {
  if (ps->failed) return;
  ps->failed = DT_EPARSE;
  if (ps->err) {
    ps->err->line = ps->line;
    ps->err->col = (size_t)(ps->p - ps->line_start) + 1;
    ps->err->offset = (size_t)(ps->p - ps->start);
    snprintf(ps->err->msg, sizeof ps->err->msg, "%s", msg);
  }
}

static void oom(parser *ps) {
  if (!ps->failed) {
    fail(ps, "out of memory");
    ps->failed = DT_ENOMEM;
  }
}

static size_t new_node(parser *ps, dt__json_type t) {
  dt__json_doc *d = ps->doc;
  if (d->n_nodes == d->cap_nodes) {
    size_t cap = d->cap_nodes ? d->cap_nodes * 2 : 64;
    node *nn = realloc(d->nodes, cap * sizeof *nn);
    if (!nn) {
      oom(ps);
      return NONE;
    }
    d->nodes = nn;
    d->cap_nodes = cap;
  }
  node *n = &d->nodes[d->n_nodes];
  memset(n, 0, sizeof *n);
  n->doc = d;
  n->type = t;
  n->line = ps->line;
  n->key_off = n->first = n->last = n->next = NONE;
  return d->n_nodes++;
}

static int arena_put(parser *ps, const char *s, size_t n) {
  if (dt__buf_put(&ps->doc->arena, s, n)) {
    oom(ps);
    return -1;
  }
  return 0;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end) {
    char c = *ps->p;
    if (c == '\n') {
      ps->line++;
      ps->p++;
      ps->line_start = ps->p;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ps->p++;
    } else if (c == '/' && (ps->flags & DT_JSON_ALLOW_COMMENTS) &&
               ps->end - ps->p >= 2 && ps->p[1] == '/') {
      while (ps->p < ps->end && *ps->p != '\n')
        ps->p++;
    } else if (c == '/' && (ps->flags & DT_JSON_ALLOW_COMMENTS) &&
               ps->end - ps->p >= 2 && ps->p[1] == '*') {
      ps->p += 2;
      for (;;) {
        if (ps->end - ps->p < 2) {
          ps->p = ps->end;
          fail(ps, "unterminated comment");
          return;
        }
        if (ps->p[0] == '*' && ps->p[1] == '/') {
          ps->p += 2;
          break;
        }
        if (*ps->p == '\n') {
          ps->line++;
          ps->line_start = ps->p + 1;
        }
        ps->p++;
      }
    } else {
      break;
    }
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_hex4(parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(ps->p[i]);
    if (h < 0) return -1;
    v = v * 16 + (unsigned)h;
  }
  ps->p += 4;
  *out = v;
  return 0;
}

static int put_utf8(parser *ps, unsigned cp) {
  char b[4];
  return arena_put(ps, b, dt__utf8_encode(cp, b));
}

/* Reads a string at ps->p (on the opening quote) into the arena. */
static int read_string(parser *ps, size_t *off, size_t *len) {
  ps->p++; /* opening quote */
  *off = ps->doc->arena.len;
  for (;;) {
    const char *run = ps->p;
    while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
           (unsigned char)*ps->p >= 0x20)
      ps->p++;
    if (ps->p > run && arena_put(ps, run, (size_t)(ps->p - run))) return -1;
    if (ps->p >= ps->end) {
      fail(ps, "unterminated string");
      return -1;
    }
    char c = *ps->p;
    if (c == '"') {
      ps->p++;
      break;
    }
    if ((unsigned char)c < 0x20) {
      fail(ps, "control character in string");
      return -1;
    }
    /* backslash */
    ps->p++;
    if (ps->p >= ps->end) {
      fail(ps, "unterminated escape");
      return -1;
    }
    char e = *ps->p++;
    const char *lit = NULL;
    switch (e) {
    case '"': lit = "\""; break;
    case '\\': lit = "\\"; break;
    case '/': lit = "/"; break;
    case 'b': lit = "\b"; break;
    case 'f': lit = "\f"; break;
    case 'n': lit = "\n"; break;
    case 'r': lit = "\r"; break;
    case 't': lit = "\t"; break;
    case 'u': {
      unsigned cp;
      if (read_hex4(ps, &cp)) {
        fail(ps, "bad \\u escape");
        return -1;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        const char *save = ps->p;
        if (ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
          ps->p += 2;
          if (read_hex4(ps, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            ps->p = save;
            cp = 0xFFFD;
          }
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      if (put_utf8(ps, cp)) return -1;
      continue;
    }
    default: fail(ps, "bad escape"); return -1;
    }
    if (arena_put(ps, lit, 1)) return -1;
  }
  *len = ps->doc->arena.len - *off;
  return arena_put(ps, "", 1); /* NUL terminator */
}

static size_t parse_value(parser *ps, int depth);
static size_t parse_value_at(parser *ps, int depth);

static void append_child(parser *ps, size_t parent, size_t child) {
  node *P = &ps->doc->nodes[parent];
  if (P->last == NONE)
    P->first = child;
  else
    ps->doc->nodes[P->last].next = child;
  P->last = child;
  P->count++;
}

static size_t parse_container(parser *ps, int depth, int is_obj) {
  size_t me = new_node(ps, is_obj ? DT_JSON_OBJECT : DT_JSON_ARRAY);
  if (me == NONE) return NONE;
  char close = is_obj ? '}' : ']';
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return me;
  }
  for (;;) {
    size_t koff = NONE, klen = 0;
    if (is_obj) {
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, "expected a string key");
        return NONE;
      }
      if (read_string(ps, &koff, &klen)) return NONE;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        fail(ps, "expected ':'");
        return NONE;
      }
      ps->p++;
    }
    size_t child = parse_value(ps, depth + 1);
    if (child == NONE) return NONE;
    ps->doc->nodes[child].key_off = koff;
    ps->doc->nodes[child].key_len = klen;
    append_child(ps, me, child);
    skip_ws(ps);
    if (ps->p >= ps->end) {
      fail(ps, is_obj ? "unterminated object" : "unterminated array");
      return NONE;
    }
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == close) {
      ps->p++;
      return me;
    }
    fail(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    return NONE;
  }
}

static int match_lit(parser *ps, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0) return 0;
  ps->p += n;
  return 1;
}

static size_t parse_number(parser *ps) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end) goto bad;
  if (*ps->p == '0') {
    ps->p++;
  } else if (*ps->p >= '1' && *ps->p <= '9') {
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  } else {
    goto bad;
  }
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') goto bad;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') goto bad;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  }
  char buf[64];
  size_t n = (size_t)(ps->p - s);
  if (n >= sizeof buf) n = sizeof buf - 1; /* precision beyond is moot */
  memcpy(buf, s, n);
  buf[n] = '\0';
  size_t me = new_node(ps, DT_JSON_NUMBER);
  if (me != NONE) ps->doc->nodes[me].num = strtod(buf, NULL);
  return me;
bad:
  fail(ps, "bad number");
  return NONE;
}

static size_t parse_value(parser *ps, int depth) {
  if (depth > DT_JSON_MAX_DEPTH) {
    fail(ps, "nesting too deep");
    return NONE;
  }
  skip_ws(ps);
  if (ps->failed) return NONE;
  if (ps->p >= ps->end) {
    fail(ps, "unexpected end of input");
    return NONE;
  }
  /* Where the value starts, for callers' messages: a node is made once
   * the value is read, when the cursor may be lines further on. */
  size_t line = ps->line, col = (size_t)(ps->p - ps->line_start) + 1;
  size_t me = parse_value_at(ps, depth);
  if (me != NONE) {
    ps->doc->nodes[me].line = line;
    ps->doc->nodes[me].col = col;
  }
  return me;
}

static size_t parse_value_at(parser *ps, int depth) {
  switch (*ps->p) {
  case '{': return parse_container(ps, depth, 1);
  case '[': return parse_container(ps, depth, 0);
  case '"': {
    size_t off, len;
    if (read_string(ps, &off, &len)) return NONE;
    size_t me = new_node(ps, DT_JSON_STRING);
    if (me == NONE) return NONE;
    ps->doc->nodes[me].str_off = off;
    ps->doc->nodes[me].str_len = len;
    return me;
  }
  case 't':
  case 'f':
  case 'n': {
    size_t me = NONE;
    if (match_lit(ps, "true")) {
      if ((me = new_node(ps, DT_JSON_BOOL)) != NONE) ps->doc->nodes[me].num = 1;
    } else if (match_lit(ps, "false")) {
      me = new_node(ps, DT_JSON_BOOL);
    } else if (match_lit(ps, "null")) {
      me = new_node(ps, DT_JSON_NULL);
    } else {
      fail(ps, "unexpected token");
    }
    return me;
  }
  default: return parse_number(ps);
  }
}

struct dt__json {
  node n; /* callers' handle is the node itself (never moves after parse) */
};

static const node *N(const dt__json *v) { return &v->n; }
static const dt__json *J(const dt__json_doc *d, size_t i) {
  return i == NONE ? NULL : (const dt__json *)(const void *)&d->nodes[i];
}

int dt__json_parse(dt__json_doc **out, const char *text, size_t len,
                   unsigned flags, dt__json_error *err) {
  *out = NULL;
  if (err) memset(err, 0, sizeof *err);
  dt__json_doc *d = calloc(1, sizeof *d);
  if (!d) return DT_ENOMEM;
  parser ps = {text, text + len, text, 1, text, flags, d, err, 0};
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ps.p += 3; /* BOM */
  size_t root = parse_value(&ps, 0);
  if (root != NONE) {
    skip_ws(&ps);
    if (!ps.failed && ps.p != ps.end) fail(&ps, "trailing characters");
  }
  if (ps.failed || root == NONE) {
    int r = ps.failed ? ps.failed : DT_EPARSE;
    dt__json_free(d);
    return r;
  }
  d->root = root;
  *out = d;
  return 0;
}

void dt__json_free(dt__json_doc *d) {
  if (!d) return;
  free(d->nodes);
  dt__buf_free(&d->arena);
  free(d);
}

const dt__json *dt__json_root(const dt__json_doc *d) { return J(d, d->root); }
dt__json_type dt__json_type_of(const dt__json *v) { return N(v)->type; }
size_t dt__json_count(const dt__json *v) {
  return v && (N(v)->type == DT_JSON_ARRAY || N(v)->type == DT_JSON_OBJECT)
             ? N(v)->count
             : 0;
}
const dt__json *dt__json_first(const dt__json *v) {
  return v ? J(N(v)->doc, N(v)->first) : NULL;
}
const dt__json *dt__json_next(const dt__json *v) {
  return v ? J(N(v)->doc, N(v)->next) : NULL;
}
const char *dt__json_key(const dt__json *v, size_t *len) {
  if (!v || N(v)->key_off == NONE) return NULL;
  if (len) *len = N(v)->key_len;
  return N(v)->doc->arena.p + N(v)->key_off;
}
const dt__json *dt__json_get(const dt__json *obj, const char *key) {
  if (!obj || N(obj)->type != DT_JSON_OBJECT) return NULL;
  size_t klen = strlen(key);
  for (const dt__json *m = dt__json_first(obj); m; m = dt__json_next(m)) {
    size_t ml;
    const char *k = dt__json_key(m, &ml);
    if (k && ml == klen && memcmp(k, key, klen) == 0) return m;
  }
  return NULL;
}
const dt__json *dt__json_at(const dt__json *arr, size_t i) {
  const dt__json *v = dt__json_first(arr);
  while (v && i--)
    v = dt__json_next(v);
  return v;
}
const char *dt__json_string(const dt__json *v, size_t *len) {
  if (!v || N(v)->type != DT_JSON_STRING) return NULL;
  if (len) *len = N(v)->str_len;
  return N(v)->doc->arena.p + N(v)->str_off;
}
double dt__json_number(const dt__json *v) {
  return v && N(v)->type == DT_JSON_NUMBER ? N(v)->num : 0;
}
int dt__json_bool(const dt__json *v) {
  return v && N(v)->type == DT_JSON_BOOL && N(v)->num != 0;
}
size_t dt__json_line(const dt__json *v) { return v ? N(v)->line : 0; }
size_t dt__json_col(const dt__json *v) { return v ? N(v)->col : 0; }
