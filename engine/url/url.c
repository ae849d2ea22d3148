/* url.c — the WHATWG URL Standard's basic URL parser, URL record and API.
 *
 * The parser is the Standard's state machine (§4.4 "basic URL parser"),
 * one switch over the states below, run over the input bytes. It works on
 * UTF-8 bytes rather than code points: every delimiter the machine looks at
 * is ASCII, and the bytes of a multi-byte sequence (all ≥ 0x80) are exactly
 * the ones the percent-encode sets encode. Invalid UTF-8 is first replaced
 * by U+FFFD, as decoding the input to a string of scalar values would.
 *
 *   scheme start ─► scheme ─┬─► file ─► file slash ─► file host ─► path start
 *        │                  ├─► special relative or authority ─► relative
 *        ▼                  ├─► special authority slashes ─► ignore slashes
 *    no scheme ─► relative  ├─► path or authority ─► authority
 *                 │         └─► opaque path ─► query ─► fragment
 *                 ▼
 *        relative slash ─► authority ─► host ─► port ─► path start ─► path
 *                                                         ─► query ─► fragment
 *
 * Setters (dt_url_with) run the same machine from a "state override", as
 * the Standard's URL API setters do.
 *
 * A parsed dt_url is immutable: one buffer holding every getter's string,
 * NUL-separated (href, origin, protocol, ... hash, scheme), computed once at
 * parse time, so getters never allocate. */
#include "engine/url/url_internal.h"
#include "hsts/base/ascii.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPARTS 12 /* the 11 dt_url_part getters + the bare scheme */
#define PART_SCHEME 11

struct dt_url {
  char *buf;              /* every part, NUL-terminated, back to back */
  size_t off[NPARTS];     /* offset of each part in buf */
  int port;               /* -1 when null */
  dt_host_kind host_kind; /* DT_HOST_NONE also for a null host */
  unsigned char has_host, opaque_path, has_query, has_fragment, special,
      opaque_origin;
};

/* The URL record while it is being built (URL Standard §4.1). The path is
 * kept serialized: a list of segments is "/seg/seg" ("" is the empty list),
 * an opaque path is its string. */
typedef struct rec {
  dt__sb scheme, user, pass, host, path, query, frag;
  int has_host, port, opaque_path, has_query, has_frag;
  dt_host_kind host_kind;
} rec;

typedef enum state {
  ST_NONE = 0,
  ST_SCHEME_START, /* first byte: must be ASCII alpha or there is none */
  ST_SCHEME,       /* alnum + - . until ':' */
  ST_NO_SCHEME,    /* relative reference: needs a base */
  ST_SPECIAL_RELATIVE_OR_AUTHORITY,    /* special, same scheme as base */
  ST_PATH_OR_AUTHORITY,                /* non-special "x:/" */
  ST_RELATIVE,                         /* resolve against base */
  ST_RELATIVE_SLASH,                   /* one slash seen after relative */
  ST_SPECIAL_AUTHORITY_SLASHES,        /* expect "//" */
  ST_SPECIAL_AUTHORITY_IGNORE_SLASHES, /* skip any / or \ */
  ST_AUTHORITY,                        /* userinfo up to the last '@' */
  ST_HOST,                             /* host, until ':' or end */
  ST_HOSTNAME,                         /* host setter without port */
  ST_PORT,                             /* digits */
  ST_FILE,                             /* "file:" */
  ST_FILE_SLASH,                       /* "file:/" */
  ST_FILE_HOST,                        /* "file://" host or drive letter */
  ST_PATH_START,                       /* before the first segment */
  ST_PATH,                             /* segments */
  ST_OPAQUE_PATH,                      /* "mailto:x", "data:..." */
  ST_QUERY,                            /* after '?' */
  ST_FRAGMENT                          /* after '#' */
} state;

static void rec_free(rec *r) {
  dt__sb_free(&r->scheme);
  dt__sb_free(&r->user);
  dt__sb_free(&r->pass);
  dt__sb_free(&r->host);
  dt__sb_free(&r->path);
  dt__sb_free(&r->query);
  dt__sb_free(&r->frag);
}

/* The first error any part of R ran into (DT_ENOMEM, DT_ELIMIT_URL), or 0. */
static int rec_bad(const rec *r) {
  const dt__sb *parts[] = {&r->scheme, &r->user,  &r->pass, &r->host,
                           &r->path,   &r->query, &r->frag};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (dt__sb_bad(parts[i])) return dt__sb_bad(parts[i]);
  return 0;
}

static void sb_set(dt__sb *d, const char *s, size_t n) {
  dt__sb_clear(d);
  dt__sb_putn(d, s, n);
}

static void sb_copy(dt__sb *d, const dt__sb *s) { sb_set(d, s->p, s->len); }

static int str_eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Special schemes and their default ports (URL Standard §4.1). */
static int special_port(const char *scheme, int *is_special) {
  static const struct {
    const char *s;
    int port;
  } t[] = {{"ftp", 21},    {"file", -1}, {"http", 80},
           {"https", 443}, {"ws", 80},   {"wss", 443}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (str_eq(scheme, t[i].s)) {
      if (is_special) *is_special = 1;
      return t[i].port;
    }
  if (is_special) *is_special = 0;
  return -1;
}

static int is_special(const char *scheme) {
  int sp;
  special_port(scheme, &sp);
  return sp;
}

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int lower(int c) { return dt__ascii_lower((unsigned char)c); }

/* Windows drive letter: ASCII alpha then ':' or '|'; "normalized" only ':'.
 * "Starts with" also needs the next byte to end the segment. */
static int is_drive(const char *s, size_t n, int normalized) {
  return n == 2 && is_alpha((unsigned char)s[0]) &&
         (s[1] == ':' || (!normalized && s[1] == '|'));
}

static int starts_with_drive(const char *s, size_t n) {
  if (n < 2 || !is_drive(s, 2, 0)) return 0;
  return n == 2 || s[2] == '/' || s[2] == '\\' || s[2] == '?' || s[2] == '#';
}

static int ieq(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n != m) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)s[i]) != lit[i]) return 0;
  return 1;
}

static int single_dot(const char *s, size_t n) {
  return ieq(s, n, ".") || ieq(s, n, "%2e");
}

static int double_dot(const char *s, size_t n) {
  return ieq(s, n, "..") || ieq(s, n, ".%2e") || ieq(s, n, "%2e.") ||
         ieq(s, n, "%2e%2e");
}

/* "Shorten a URL's path": drop the last segment, except a file URL's lone
 * normalized drive letter ("/C:"). */
static void shorten_path(rec *r) {
  dt__sb *p = &r->path;
  if (str_eq(dt__sb_cstr(&r->scheme), "file") && p->len == 3 &&
      p->p[0] == '/' && is_drive(p->p + 1, 2, 1))
    return;
  size_t i = p->len;
  while (i > 0 && p->p[i - 1] != '/')
    i--;
  if (i > 0) i--;
  p->len = i;
  if (p->p) p->p[i] = '\0';
}

static void path_append(rec *r, const char *seg, size_t n) {
  dt__sb_putc(&r->path, '/');
  dt__sb_putn(&r->path, seg, n);
}

static int rec_has_credentials(const rec *r) {
  return r->user.len > 0 || r->pass.len > 0;
}

/* Copy the base's authority (userinfo, host, port). */
static void take_authority(rec *r, const rec *b) {
  sb_copy(&r->user, &b->user);
  sb_copy(&r->pass, &b->pass);
  sb_copy(&r->host, &b->host);
  r->has_host = b->has_host;
  r->host_kind = b->host_kind;
  r->port = b->port;
}

/* "Let host be the result of host parsing buffer. If host is failure,
 * return failure. Set url's host to host." — the URL keeps its old host when
 * parsing fails, which a setter's result shows. */
static int set_host(rec *r, const dt__sb *buf, int not_special) {
  dt__sb h = {0};
  dt_host_kind kind = DT_HOST_NONE;
  int rc = dt__host_parse(dt__sb_cstr(buf), buf->len, not_special, &h, &kind);
  if (rc == 0) {
    dt__sb_free(&r->host);
    r->host = h;
    r->host_kind = kind;
    r->has_host = 1;
  } else {
    dt__sb_free(&h);
  }
  return rc;
}

/* Where and why the parse failed, for dt_url_parse_err (url_why.c): the
 * first failure is kept; AT is a byte of the preprocessed input. */
static int why_fail(dt__url_why *w, dt__url_why_code code, size_t at) {
  if (w && w->code == DT__URL_WHY_NONE) {
    w->code = code;
    w->at = at;
  }
  return DT_EURL;
}

/* A host that did not parse (BUF, starting at byte START): the first byte
 * a host cannot hold, when there is one, else the host's first byte. */
static void host_fail(dt__url_why *w, const dt__sb *buf, size_t start,
                      int not_special) {
  size_t bad = dt__host_bad_byte(dt__sb_cstr(buf), buf->len, not_special);
  if (bad < buf->len)
    why_fail(w, DT__URL_WHY_HOST_CODE_POINT, start + bad);
  else
    why_fail(w, DT__URL_WHY_HOST_INVALID, start);
}

/* The basic URL parser (URL Standard §4.4). IN is already sanitized UTF-8
 * with tabs/newlines removed (and, without a URL to modify, C0/space
 * trimmed). R is the URL to fill or modify; B the base (or NULL); OVR the
 * state override (ST_NONE for none). Returns 0, DT_EURL (the Standard's
 * failure), DT_ENOMEM or DT_ELIMIT_URL. */
static int basic_parse(const char *in, size_t len, const rec *b, rec *r,
                       state ovr, dt__url_why *why) {
  state st = ovr ? ovr : ST_SCHEME_START;
  dt__sb buf = {0};
  int at_seen = 0, inside_brackets = 0, password_seen = 0, port_n = 0;
  long port_v = 0;
  int rc = 0;
  size_t p = 0;
  /* p may step to "one before the start" (the Standard's pointer -1), so it
   * is unsigned and wraps; p + 1 then brings it back to 0. */
  for (;; p++) {
    int c = p < len ? (unsigned char)in[p] : -1;             /* -1 is EOF */
    const char *rest = p + 1 <= len ? in + p + 1 : in + len; /* remaining */
    size_t rn = p + 1 <= len ? len - p - 1 : 0;
    int special = is_special(dt__sb_cstr(&r->scheme));
    switch (st) {
    case ST_NONE: goto done;
    case ST_SCHEME_START:
      if (is_alpha(c)) {
        dt__sb_putc(&buf, (char)lower(c));
        st = ST_SCHEME;
      } else if (!ovr) {
        st = ST_NO_SCHEME;
        p--;
      } else {
        rc = DT_EURL;
        goto done;
      }
      break;
    case ST_SCHEME:
      if (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.') {
        dt__sb_putc(&buf, (char)lower(c));
      } else if (c == ':') {
        const char *nb = dt__sb_cstr(&buf);
        if (ovr) {
          /* Protocol setter: special and non-special don't trade places;
           * file can't have credentials, a port or an empty host. */
          if (special != is_special(nb)) goto done;
          if ((rec_has_credentials(r) || r->port >= 0) && str_eq(nb, "file"))
            goto done;
          if (str_eq(dt__sb_cstr(&r->scheme), "file") && r->has_host &&
              r->host.len == 0)
            goto done;
        }
        sb_copy(&r->scheme, &buf);
        special = is_special(nb);
        if (ovr) {
          if (r->port >= 0 && r->port == special_port(nb, NULL)) r->port = -1;
          goto done;
        }
        dt__sb_clear(&buf);
        if (str_eq(dt__sb_cstr(&r->scheme), "file")) {
          st = ST_FILE;
        } else if (special && b &&
                   str_eq(dt__sb_cstr(&b->scheme), dt__sb_cstr(&r->scheme))) {
          st = ST_SPECIAL_RELATIVE_OR_AUTHORITY;
        } else if (special) {
          st = ST_SPECIAL_AUTHORITY_SLASHES;
        } else if (rn > 0 && rest[0] == '/') {
          st = ST_PATH_OR_AUTHORITY;
          p++;
        } else {
          r->opaque_path = 1;
          dt__sb_clear(&r->path);
          st = ST_OPAQUE_PATH;
        }
      } else if (!ovr) {
        dt__sb_clear(&buf);
        st = ST_NO_SCHEME;
        p = (size_t)-1; /* start over from the first byte */
      } else {
        rc = DT_EURL;
        goto done;
      }
      break;
    case ST_NO_SCHEME:
      if (b == NULL || (b->opaque_path && c != '#')) {
        rc = why_fail(why, DT__URL_WHY_NO_SCHEME, 0);
        goto done;
      } else if (b->opaque_path && c == '#') {
        sb_copy(&r->scheme, &b->scheme);
        sb_copy(&r->path, &b->path);
        r->opaque_path = 1;
        sb_copy(&r->query, &b->query);
        r->has_query = b->has_query;
        dt__sb_clear(&r->frag);
        r->has_frag = 1;
        st = ST_FRAGMENT;
      } else if (!str_eq(dt__sb_cstr(&b->scheme), "file")) {
        st = ST_RELATIVE;
        p--;
      } else {
        st = ST_FILE;
        p--;
      }
      break;
    case ST_SPECIAL_RELATIVE_OR_AUTHORITY:
      if (c == '/' && rn > 0 && rest[0] == '/') {
        st = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
        p++;
      } else {
        st = ST_RELATIVE;
        p--;
      }
      break;
    case ST_PATH_OR_AUTHORITY:
      if (c == '/') {
        st = ST_AUTHORITY;
      } else {
        st = ST_PATH;
        p--;
      }
      break;
    case ST_RELATIVE:
      sb_copy(&r->scheme, &b->scheme);
      special = is_special(dt__sb_cstr(&r->scheme));
      if (c == '/' || (special && c == '\\')) {
        st = ST_RELATIVE_SLASH;
      } else {
        take_authority(r, b);
        sb_copy(&r->path, &b->path);
        sb_copy(&r->query, &b->query);
        r->has_query = b->has_query;
        if (c == '?') {
          dt__sb_clear(&r->query);
          r->has_query = 1;
          st = ST_QUERY;
        } else if (c == '#') {
          dt__sb_clear(&r->frag);
          r->has_frag = 1;
          st = ST_FRAGMENT;
        } else if (c != -1) {
          r->has_query = 0;
          dt__sb_clear(&r->query);
          shorten_path(r);
          st = ST_PATH;
          p--;
        }
      }
      break;
    case ST_RELATIVE_SLASH:
      if (special && (c == '/' || c == '\\')) {
        st = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
      } else if (c == '/') {
        st = ST_AUTHORITY;
      } else {
        take_authority(r, b);
        st = ST_PATH;
        p--;
      }
      break;
    case ST_SPECIAL_AUTHORITY_SLASHES:
      st = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
      if (c == '/' && rn > 0 && rest[0] == '/')
        p++;
      else
        p--;
      break;
    case ST_SPECIAL_AUTHORITY_IGNORE_SLASHES:
      if (c != '/' && c != '\\') {
        st = ST_AUTHORITY;
        p--;
      }
      break;
    case ST_AUTHORITY:
      if (c == '@') {
        /* Everything up to the last '@' is userinfo; an earlier '@' is
         * data, encoded as %40. */
        if (at_seen) {
          dt__sb *dst = password_seen ? &r->pass : &r->user;
          dt__sb_puts(dst, "%40");
        }
        at_seen = 1;
        for (size_t i = 0; i < buf.len; i++) {
          unsigned char ch = (unsigned char)buf.p[i];
          if (ch == ':' && !password_seen) {
            password_seen = 1;
            continue;
          }
          dt__pct_put(password_seen ? &r->pass : &r->user, ch,
                      DT__PCT_USERINFO);
        }
        dt__sb_clear(&buf);
      } else if (c == -1 || c == '/' || c == '?' || c == '#' ||
                 (special && c == '\\')) {
        if (at_seen && buf.len == 0) {
          rc = why_fail(why, DT__URL_WHY_HOST_MISSING, p);
          goto done;
        }
        p -= buf.len + 1;
        dt__sb_clear(&buf);
        st = ST_HOST;
      } else {
        dt__sb_putc(&buf, (char)c);
      }
      break;
    case ST_HOST:
    case ST_HOSTNAME:
      if (ovr && str_eq(dt__sb_cstr(&r->scheme), "file")) {
        p--;
        st = ST_FILE_HOST;
      } else if (c == ':' && !inside_brackets) {
        if (buf.len == 0 || ovr == ST_HOSTNAME) {
          rc = why_fail(why, DT__URL_WHY_HOST_MISSING, p);
          goto done;
        }
        rc = set_host(r, &buf, !special);
        if (rc) {
          host_fail(why, &buf, p - buf.len, !special);
          goto done;
        }
        dt__sb_clear(&buf);
        st = ST_PORT;
      } else if (c == -1 || c == '/' || c == '?' || c == '#' ||
                 (special && c == '\\')) {
        p--;
        if (special && buf.len == 0) {
          rc = why_fail(why, DT__URL_WHY_HOST_MISSING, p + 1);
          goto done;
        }
        if (ovr && buf.len == 0 && (rec_has_credentials(r) || r->port >= 0)) {
          rc = DT_EURL;
          goto done;
        }
        rc = set_host(r, &buf, !special);
        if (rc) {
          host_fail(why, &buf, p + 1 - buf.len, !special);
          goto done;
        }
        dt__sb_clear(&buf);
        st = ST_PATH_START;
        if (ovr) goto done;
      } else {
        if (c == '[') inside_brackets = 1;
        if (c == ']') inside_brackets = 0;
        dt__sb_putc(&buf, (char)c);
      }
      break;
    case ST_PORT:
      if (is_digit(c)) {
        /* Clamp: anything past 65535 fails below, however long. */
        port_v = port_v * 10 + (c - '0');
        if (port_v > 100000) port_v = 100000;
        port_n++;
      } else if (c == -1 || c == '/' || c == '?' || c == '#' ||
                 (special && c == '\\') || ovr) {
        if (port_n > 0) {
          if (port_v > 65535) {
            rc = why_fail(why, DT__URL_WHY_PORT_RANGE, p - (size_t)port_n);
            goto done;
          }
          /* The scheme's default port is stored as no port. */
          int def = special_port(dt__sb_cstr(&r->scheme), NULL);
          r->port = (port_v == def) ? -1 : (int)port_v;
          port_v = 0;
          port_n = 0;
          if (ovr) goto done;
        }
        if (ovr) {
          rc = DT_EURL;
          goto done;
        }
        st = ST_PATH_START;
        p--;
      } else {
        rc = why_fail(why, DT__URL_WHY_PORT_INVALID, p);
        goto done;
      }
      break;
    case ST_FILE:
      dt__sb_clear(&r->scheme);
      dt__sb_puts(&r->scheme, "file");
      special = 1;
      dt__sb_clear(&r->host);
      r->has_host = 1;
      r->host_kind = DT_HOST_NONE;
      if (c == '/' || c == '\\') {
        st = ST_FILE_SLASH;
      } else if (b && str_eq(dt__sb_cstr(&b->scheme), "file")) {
        sb_copy(&r->host, &b->host);
        r->has_host = b->has_host;
        r->host_kind = b->host_kind;
        sb_copy(&r->path, &b->path);
        sb_copy(&r->query, &b->query);
        r->has_query = b->has_query;
        if (c == '?') {
          dt__sb_clear(&r->query);
          r->has_query = 1;
          st = ST_QUERY;
        } else if (c == '#') {
          dt__sb_clear(&r->frag);
          r->has_frag = 1;
          st = ST_FRAGMENT;
        } else if (c != -1) {
          r->has_query = 0;
          dt__sb_clear(&r->query);
          if (!starts_with_drive(in + p, len - p))
            shorten_path(r);
          else
            dt__sb_clear(&r->path);
          st = ST_PATH;
          p--;
        }
      } else {
        st = ST_PATH;
        p--;
      }
      break;
    case ST_FILE_SLASH:
      if (c == '/' || c == '\\') {
        st = ST_FILE_HOST;
      } else {
        if (b && str_eq(dt__sb_cstr(&b->scheme), "file")) {
          sb_copy(&r->host, &b->host);
          r->has_host = b->has_host;
          r->host_kind = b->host_kind;
          /* Keep the base's drive letter: "file:/x" against "file:///C:/y". */
          if (!starts_with_drive(in + p, p < len ? len - p : 0) &&
              b->path.len >= 3 && b->path.p[0] == '/' &&
              is_drive(b->path.p + 1, 2, 1) &&
              (b->path.len == 3 || b->path.p[3] == '/'))
            dt__sb_putn(&r->path, b->path.p, 3);
        }
        st = ST_PATH;
        p--;
      }
      break;
    case ST_FILE_HOST:
      if (c == -1 || c == '/' || c == '\\' || c == '?' || c == '#') {
        p--;
        if (!ovr && is_drive(dt__sb_cstr(&buf), buf.len, 0)) {
          st = ST_PATH; /* "file://C:/" — the buffer is the first segment */
        } else if (buf.len == 0) {
          dt__sb_clear(&r->host);
          r->has_host = 1;
          r->host_kind = DT_HOST_NONE;
          if (ovr) goto done;
          st = ST_PATH_START;
        } else {
          rc = set_host(r, &buf, !special);
          if (rc) {
            host_fail(why, &buf, p + 1 - buf.len, !special);
            goto done;
          }
          if (str_eq(dt__sb_cstr(&r->host), "localhost")) {
            dt__sb_clear(&r->host);
            r->host_kind = DT_HOST_NONE;
          }
          if (ovr) goto done;
          dt__sb_clear(&buf);
          st = ST_PATH_START;
        }
      } else {
        dt__sb_putc(&buf, (char)c);
      }
      break;
    case ST_PATH_START:
      if (special) {
        st = ST_PATH;
        if (c != '/' && c != '\\') p--;
      } else if (!ovr && c == '?') {
        dt__sb_clear(&r->query);
        r->has_query = 1;
        st = ST_QUERY;
      } else if (!ovr && c == '#') {
        dt__sb_clear(&r->frag);
        r->has_frag = 1;
        st = ST_FRAGMENT;
      } else if (c != -1) {
        st = ST_PATH;
        if (c != '/') p--;
      } else if (ovr && !r->has_host) {
        path_append(r, "", 0);
      }
      break;
    case ST_PATH:
      if (c == -1 || c == '/' || (special && c == '\\') ||
          (!ovr && (c == '?' || c == '#'))) {
        int slash = c == '/' || (special && c == '\\');
        const char *s = dt__sb_cstr(&buf);
        if (double_dot(s, buf.len)) {
          shorten_path(r);
          if (!slash) path_append(r, "", 0);
        } else if (single_dot(s, buf.len) && !slash) {
          path_append(r, "", 0);
        } else if (!single_dot(s, buf.len)) {
          if (str_eq(dt__sb_cstr(&r->scheme), "file") && r->path.len == 0 &&
              is_drive(s, buf.len, 0))
            buf.p[1] = ':';
          path_append(r, s, buf.len);
        }
        dt__sb_clear(&buf);
        if (c == '?') {
          dt__sb_clear(&r->query);
          r->has_query = 1;
          st = ST_QUERY;
        } else if (c == '#') {
          dt__sb_clear(&r->frag);
          r->has_frag = 1;
          st = ST_FRAGMENT;
        }
      } else {
        dt__pct_put(&buf, (unsigned char)c, DT__PCT_PATH);
      }
      break;
    case ST_OPAQUE_PATH:
      if (c == '?') {
        dt__sb_clear(&r->query);
        r->has_query = 1;
        st = ST_QUERY;
      } else if (c == '#') {
        dt__sb_clear(&r->frag);
        r->has_frag = 1;
        st = ST_FRAGMENT;
      } else if (c == ' ') {
        /* A space right before '?' or '#' is encoded so that the path
         * survives reparsing unchanged. */
        if (rn > 0 && (rest[0] == '?' || rest[0] == '#'))
          dt__sb_puts(&r->path, "%20");
        else
          dt__sb_putc(&r->path, ' ');
      } else if (c != -1) {
        dt__pct_put(&r->path, (unsigned char)c, DT__PCT_C0);
      }
      break;
    case ST_QUERY:
      if (!ovr && c == '#') {
        dt__sb_clear(&r->frag);
        r->has_frag = 1;
        st = ST_FRAGMENT;
      } else if (c != -1) {
        dt__pct_put(&r->query, (unsigned char)c,
                    special ? DT__PCT_SPECIAL_QUERY : DT__PCT_QUERY);
      }
      break;
    case ST_FRAGMENT:
      if (c != -1) dt__pct_put(&r->frag, (unsigned char)c, DT__PCT_FRAGMENT);
      break;
    }
    /* "If after a run pointer points to the EOF code point", stop. */
    if (p == len) break;
  }
done:
  if (rc == 0) rc = dt__sb_bad(&buf) ? dt__sb_bad(&buf) : rec_bad(r);
  dt__sb_free(&buf);
  return rc;
}

/* ---- the parsed URL ------------------------------------------------------ */

/* URL Standard §4.5 "URL serializer" for href (without exclude-fragment). */
static void serialize(const rec *r, dt__sb *o) {
  dt__sb_putn(o, r->scheme.p, r->scheme.len);
  dt__sb_putc(o, ':');
  if (r->has_host) {
    dt__sb_puts(o, "//");
    if (rec_has_credentials(r)) {
      dt__sb_putn(o, r->user.p, r->user.len);
      if (r->pass.len) {
        dt__sb_putc(o, ':');
        dt__sb_putn(o, r->pass.p, r->pass.len);
      }
      dt__sb_putc(o, '@');
    }
    dt__sb_putn(o, r->host.p, r->host.len);
    if (r->port >= 0) {
      char b[16];
      snprintf(b, sizeof b, ":%d", r->port);
      dt__sb_puts(o, b);
    }
  } else if (!r->opaque_path && r->path.len > 1 && r->path.p[0] == '/' &&
             r->path.p[1] == '/') {
    /* "web+demo:/.//not-a-host/": keep a path starting with an empty
     * segment from reading as an authority. */
    dt__sb_puts(o, "/.");
  }
  dt__sb_putn(o, r->path.p, r->path.len);
  if (r->has_query) {
    dt__sb_putc(o, '?');
    dt__sb_putn(o, r->query.p, r->query.len);
  }
  if (r->has_frag) {
    dt__sb_putc(o, '#');
    dt__sb_putn(o, r->frag.p, r->frag.len);
  }
}

/* Tuple origin "scheme://host[:port]" (HTML's ASCII serialization). */
static void tuple_origin(const rec *r, dt__sb *o) {
  dt__sb_putn(o, r->scheme.p, r->scheme.len);
  dt__sb_puts(o, "://");
  dt__sb_putn(o, r->host.p, r->host.len);
  if (r->port >= 0) {
    char b[16];
    snprintf(b, sizeof b, ":%d", r->port);
    dt__sb_puts(o, b);
  }
}

static int preprocess(const char *in, size_t len, int trim, char **out,
                      size_t *out_len);

/* URL Standard §4.6 origin. Returns 1 when the origin is a tuple. */
static int origin_of(const rec *r, dt__sb *o) {
  const char *s = dt__sb_cstr(&r->scheme);
  if (str_eq(s, "blob")) {
    /* A blob URL's origin is that of the URL in its path, when that is an
     * http(s) URL. The inner parse is not recursive: it only needs the
     * inner record, not the inner URL's own origin. */
    int tuple = 0;
    char *in = NULL;
    size_t n = 0;
    if (preprocess(r->path.p ? r->path.p : "", r->path.len, 1, &in, &n) == 0) {
      rec inner = {.port = -1};
      if (basic_parse(in, n, NULL, &inner, ST_NONE, NULL) == 0) {
        const char *is = dt__sb_cstr(&inner.scheme);
        if (str_eq(is, "http") || str_eq(is, "https")) {
          tuple_origin(&inner, o);
          tuple = 1;
        }
      }
      rec_free(&inner);
      free(in);
    }
    if (!tuple) dt__sb_puts(o, "null");
    return tuple;
  }
  if (is_special(s) && !str_eq(s, "file")) {
    tuple_origin(r, o);
    return 1;
  }
  dt__sb_puts(o, "null"); /* an opaque origin */
  return 0;
}

/* A dt_url from record R, or NULL with *err set (DT_ENOMEM, or DT_ELIMIT_URL
 * past the build limit). */
static dt_url *url_build(const rec *r, int *err) {
  *err = DT_ENOMEM;
  dt_url *u = calloc(1, sizeof *u);
  if (u == NULL) return NULL;
  /* Each part is bounded by the parse; the host can appear four times. */
  dt__sb b = {.max = NPARTS * (size_t)DT__URL_MAX_BUILD};
  char port[16] = "";
  if (r->port >= 0) snprintf(port, sizeof port, "%d", r->port);
  for (int i = 0; i < NPARTS; i++) {
    u->off[i] = b.len;
    switch (i) {
    case DT_URL_HREF: serialize(r, &b); break;
    case DT_URL_ORIGIN: u->opaque_origin = !origin_of(r, &b); break;
    case DT_URL_PROTOCOL:
      dt__sb_putn(&b, r->scheme.p, r->scheme.len);
      dt__sb_putc(&b, ':');
      break;
    case DT_URL_USERNAME: dt__sb_putn(&b, r->user.p, r->user.len); break;
    case DT_URL_PASSWORD: dt__sb_putn(&b, r->pass.p, r->pass.len); break;
    case DT_URL_HOST:
      dt__sb_putn(&b, r->host.p, r->host.len);
      if (r->has_host && port[0]) {
        dt__sb_putc(&b, ':');
        dt__sb_puts(&b, port);
      }
      break;
    case DT_URL_HOSTNAME: dt__sb_putn(&b, r->host.p, r->host.len); break;
    case DT_URL_PORT: dt__sb_puts(&b, port); break;
    case DT_URL_PATHNAME: dt__sb_putn(&b, r->path.p, r->path.len); break;
    case DT_URL_SEARCH:
      if (r->has_query && r->query.len) {
        dt__sb_putc(&b, '?');
        dt__sb_putn(&b, r->query.p, r->query.len);
      }
      break;
    case DT_URL_HASH:
      if (r->has_frag && r->frag.len) {
        dt__sb_putc(&b, '#');
        dt__sb_putn(&b, r->frag.p, r->frag.len);
      }
      break;
    case PART_SCHEME: dt__sb_putn(&b, r->scheme.p, r->scheme.len); break;
    }
    dt__sb_putn(&b, "", 1); /* the NUL that ends this part */
  }
  if (dt__sb_bad(&b)) {
    *err = dt__sb_bad(&b);
    dt__sb_free(&b);
    free(u);
    return NULL;
  }
  u->buf = b.p;
  u->port = r->port;
  u->has_host = (unsigned char)r->has_host;
  u->host_kind = r->has_host ? r->host_kind : DT_HOST_NONE;
  u->opaque_path = (unsigned char)r->opaque_path;
  u->has_query = (unsigned char)r->has_query;
  u->has_fragment = (unsigned char)r->has_frag;
  u->special = (unsigned char)is_special(dt__sb_cstr(&r->scheme));
  return u;
}

/* The record back from a parsed URL (every field is one of its parts). */
static void rec_from_url(const dt_url *u, rec *r) {
  memset(r, 0, sizeof *r);
  dt__sb_puts(&r->scheme, u->buf + u->off[PART_SCHEME]);
  dt__sb_puts(&r->user, u->buf + u->off[DT_URL_USERNAME]);
  dt__sb_puts(&r->pass, u->buf + u->off[DT_URL_PASSWORD]);
  dt__sb_puts(&r->host, u->buf + u->off[DT_URL_HOSTNAME]);
  dt__sb_puts(&r->path, u->buf + u->off[DT_URL_PATHNAME]);
  const char *q = u->buf + u->off[DT_URL_SEARCH];
  dt__sb_puts(&r->query, q[0] ? q + 1 : q);
  const char *f = u->buf + u->off[DT_URL_HASH];
  dt__sb_puts(&r->frag, f[0] ? f + 1 : f);
  r->has_host = u->has_host;
  r->host_kind = u->host_kind;
  r->port = u->port;
  r->opaque_path = u->opaque_path;
  r->has_query = u->has_query;
  r->has_frag = u->has_fragment;
}

/* Input preparation (URL Standard §4.4 steps 1-3): invalid UTF-8 becomes
 * U+FFFD; without a URL to modify, leading and trailing C0 controls and
 * spaces go; ASCII tab and newline go everywhere. */
static int preprocess(const char *in, size_t len, int trim, char **out,
                      size_t *out_len) {
  size_t n = 0;
  char *s = dt__utf8_sanitize(in, len, &n);
  if (s == NULL) return DT_ENOMEM;
  size_t a = 0, e = n;
  if (trim) {
    while (a < e && (unsigned char)s[a] <= 0x20)
      a++;
    while (e > a && (unsigned char)s[e - 1] <= 0x20)
      e--;
  }
  size_t w = 0;
  for (size_t i = a; i < e; i++)
    if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r') s[w++] = s[i];
  s[w] = '\0';
  *out = s;
  *out_len = w;
  return 0;
}

int dt_url_parse(dt_url **out, const char *input, size_t len,
                 const dt_url *base) {
  return dt__url_parse_why(out, input, len, base, NULL);
}

int dt__url_parse_why(dt_url **out, const char *input, size_t len,
                      const dt_url *base, dt__url_why *why) {
  if (out == NULL) return DT_EINVAL;
  *out = NULL;
  if (input == NULL && len > 0) return DT_EINVAL;
  if (len > DT_DEFAULT_MAX_URL_BYTES) return DT_ELIMIT_URL;
  char *s = NULL;
  size_t n = 0;
  int rc = preprocess(input ? input : "", len, 1, &s, &n);
  if (rc) return rc;
  rec b, r = {.port = -1};
  if (base) rec_from_url(base, &b);
  rc = basic_parse(s, n, base ? &b : NULL, &r, ST_NONE, why);
  if (rc == 0) {
    *out = url_build(&r, &rc);
    if (*out != NULL) rc = 0;
  }
  if (base) rec_free(&b);
  rec_free(&r);
  free(s);
  return rc;
}

void dt_url_free(dt_url *url) {
  if (url == NULL) return;
  free(url->buf);
  free(url);
}

dt_url *dt_url_dup(const dt_url *url) {
  if (url == NULL) return NULL;
  dt_url *u = malloc(sizeof *u);
  if (u == NULL) return NULL;
  *u = *url;
  size_t n = url->off[NPARTS - 1];
  n += strlen(url->buf + n) + 1;
  u->buf = malloc(n);
  if (u->buf == NULL) {
    free(u);
    return NULL;
  }
  memcpy(u->buf, url->buf, n);
  return u;
}

const char *dt_url_get(const dt_url *url, dt_url_part part) {
  if (url == NULL || (int)part < 0 || (int)part >= PART_SCHEME) return NULL;
  return url->buf + url->off[part];
}

const char *dt_url_scheme(const dt_url *url) {
  return url ? url->buf + url->off[PART_SCHEME] : NULL;
}

int dt_url_port_or_default(const dt_url *url) {
  if (url == NULL) return -1;
  if (url->port >= 0) return url->port;
  return special_port(dt_url_scheme(url), NULL);
}

dt_host_kind dt_url_host_kind(const dt_url *url) {
  return url ? url->host_kind : DT_HOST_NONE;
}

int dt_url_has_fragment(const dt_url *url) { return url && url->has_fragment; }
int dt_url_is_special(const dt_url *url) { return url && url->special; }

int dt_url_same_origin(const dt_url *a, const dt_url *b) {
  /* HTML "same origin": tuple origins compare by scheme, host, port (the
   * serialization says exactly that); an opaque origin is only the same as
   * itself, and each parse makes a new one. */
  if (a == NULL || b == NULL || a->opaque_origin || b->opaque_origin) return 0;
  return str_eq(dt_url_get(a, DT_URL_ORIGIN), dt_url_get(b, DT_URL_ORIGIN));
}

char *dt_url_request_target(const dt_url *url) {
  if (url == NULL) return NULL;
  const char *path = dt_url_get(url, DT_URL_PATHNAME);
  const char *q = dt_url_get(url, DT_URL_SEARCH);
  size_t pn = strlen(path), qn = strlen(q);
  /* RFC 9112 §3.2.1: origin-form is absolute-path [ "?" query ]; an empty
   * path is sent as "/". A "?" with an empty query is kept. */
  int slash = pn == 0;
  int bare_q = url->has_query && qn == 0;
  char *t = malloc(pn + qn + 3);
  if (t == NULL) return NULL;
  size_t w = 0;
  if (slash) t[w++] = '/';
  memcpy(t + w, path, pn);
  w += pn;
  if (bare_q) t[w++] = '?';
  memcpy(t + w, q, qn);
  w += qn;
  t[w] = '\0';
  return t;
}

/* The URL API setters (URL Standard §6.1), each as the Standard writes it:
 * mostly "basic URL parse VALUE with this URL and a state override". As in
 * the Standard, a value the setter rejects leaves the URL as it is (the
 * copy is returned unchanged); NULL means no memory, a limit, a NULL
 * argument, an href that does not parse, or a part with no setter. */
dt_url *dt_url_with(const dt_url *url, dt_url_part part, const char *value) {
  if (url == NULL || value == NULL) return NULL;
  size_t vlen = strlen(value);
  if (vlen > DT_DEFAULT_MAX_URL_BYTES) return NULL;
  if (part == DT_URL_HREF) {
    dt_url *u = NULL;
    return dt_url_parse(&u, value, vlen, NULL) == 0 ? u : NULL;
  }
  char *v = NULL;
  size_t n = 0;
  if (preprocess(value, vlen, 0, &v, &n) != 0) return NULL;
  rec r;
  rec_from_url(url, &r);
  int cannot_have_port =
      !r.has_host || r.host.len == 0 || str_eq(dt__sb_cstr(&r.scheme), "file");
  int rc = 0;
  switch (part) {
  case DT_URL_PROTOCOL: {
    /* "basic URL parse the given value, followed by U+003A (:)"; the
     * parse stops at the first ':' so extra text is ignored. */
    char *v2 = malloc(n + 2);
    if (v2 == NULL) {
      rc = DT_ENOMEM;
      break;
    }
    memcpy(v2, v, n);
    v2[n] = ':';
    v2[n + 1] = '\0';
    rc = basic_parse(v2, n + 1, NULL, &r, ST_SCHEME_START, NULL);
    free(v2);
    break;
  }
  case DT_URL_USERNAME:
  case DT_URL_PASSWORD: {
    if (cannot_have_port) break;
    dt__sb *d = part == DT_URL_USERNAME ? &r.user : &r.pass;
    dt__sb_clear(d);
    for (size_t i = 0; i < n; i++)
      dt__pct_put(d, (unsigned char)v[i], DT__PCT_USERINFO);
    break;
  }
  case DT_URL_HOST:
  case DT_URL_HOSTNAME:
    if (r.opaque_path) break;
    rc = basic_parse(v, n, NULL, &r,
                     part == DT_URL_HOST ? ST_HOST : ST_HOSTNAME, NULL);
    break;
  case DT_URL_PORT:
    if (cannot_have_port) break;
    if (n == 0)
      r.port = -1;
    else
      rc = basic_parse(v, n, NULL, &r, ST_PORT, NULL);
    break;
  case DT_URL_PATHNAME:
    if (r.opaque_path) break;
    dt__sb_clear(&r.path);
    rc = basic_parse(v, n, NULL, &r, ST_PATH_START, NULL);
    break;
  case DT_URL_SEARCH:
    dt__sb_clear(&r.query);
    r.has_query = n > 0;
    if (n > 0)
      rc = basic_parse(v + (v[0] == '?'), n - (v[0] == '?'), NULL, &r, ST_QUERY,
                       NULL);
    break;
  case DT_URL_HASH:
    dt__sb_clear(&r.frag);
    r.has_frag = n > 0;
    if (n > 0)
      rc = basic_parse(v + (v[0] == '#'), n - (v[0] == '#'), NULL, &r,
                       ST_FRAGMENT, NULL);
    break;
  default:
    rc = DT_EINVAL; /* origin has no setter */
    break;
  }
  /* A setter ignores the parser's "failure": whatever the state override
   * already changed stays (host "a.test:99999" sets the host, not the
   * port), everything else is as before. Only resource limits fail. */
  dt_url *u = NULL;
  if ((rc == 0 || rc == DT_EURL) && !rec_bad(&r)) u = url_build(&r, &rc);
  rec_free(&r);
  free(v);
  return u;
}
