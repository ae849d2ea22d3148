/* chain_html.c — a navigation as a picture for a class (dt_chain_to_html,
 * dt_chains_to_html): one self-contained HTML page with a sequence diagram
 * in inline SVG — the client, the parts of the browser that acted (HSTS
 * store, preload list, HTTPS-Upgrades, redirect cache, cookie jar) and one
 * lane per origin — one arrow per hop, each hop's fields in a <details>
 * that a click on its arrow opens, and the --explain text beside it.
 *
 * Made from the hops' typed records, as the text, JSON and HAR are; the
 * words come from decision_text and dt_chain_to_explain, so the picture and
 * the text never disagree.
 *
 * A hostile server writes part of this page (its fields, its Location, its
 * reason phrase, the URLs it redirects to): every such value goes through
 * text(), which escapes the characters HTML gives meaning to and shows
 * control bytes, bidirectional overrides and bytes that are not UTF-8 as
 * \xNN / \u{NNNN}; no value from the wire is put in an href, a tag name, an
 * id or an event handler. The page also carries a Content-Security-Policy
 * that allows only its own style and script, by their SHA-256 (CSP Level 3
 * §2.3.1 hash-source), and no load at all: an injected script would still
 * not run, and the page needs nothing outside itself (it works offline,
 * from a mail attachment or a USB stick).
 *
 * Sizes: a chain is bounded by the redirect limit and a hop's fields by
 * the head limits (dt_limits), so the page is too; HTML_MAX is a bug guard.
 */
#include "detour.h"
#include "engine/out/decision_text.h"
#include "hsts/base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX (64u << 20)

/* ---- the page's own style and script ------------------------------------
 * Both are constant, so the CSP names them by hash. Change one and its hash
 * must change with it: integration.test_html recomputes both from the page
 * and checks, through Chromium, that the script ran. */

static const char page_style[] =
    "body{font:14px/1.45 \"DejaVu Sans\",system-ui,sans-serif;margin:16px 20px;"
    "color:#1a1a1a;background:#fff}"
    "h1{font-size:20px;margin:0 0 6px}"
    "h2{font-size:17px;margin:22px 0 4px;border-top:1px solid #ccc;"
    "padding-top:12px}"
    "p{margin:4px 0}"
    ".caption{white-space:pre-wrap;color:#333;max-width:70em}"
    ".sum{font:13px \"DejaVu Sans Mono\",monospace;word-break:break-all}"
    ".warn{color:#8a4b00}"
    ".legend{font-size:13px;color:#333}"
    ".grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(260px,36%);"
    "gap:16px;align-items:start;margin-top:8px}"
    ".grid svg{max-width:100%;height:auto;display:block}"
    ".grid svg text{font-family:\"DejaVu Sans Mono\",monospace;font-size:12px;"
    "fill:#1a1a1a;paint-order:stroke;stroke:#fff;stroke-width:3px;"
    "stroke-linejoin:round}"
    ".grid svg text.h{font-size:11px;stroke:none}"
    ".grid svg text.g{font-family:\"DejaVu Sans\",sans-serif;font-size:11px;"
    "fill:#4a2a80;stroke:none}"
    ".grid svg text.t{fill:#fff;stroke:none;font-size:11px}"
    ".grid svg text.n{fill:#444;font-size:11px}"
    ".grid svg text.k0{fill:#c62828}.grid svg text.k1{fill:#2e7d32}"
    ".grid svg text.k2{fill:#6a3fb5}.grid svg text.k3{fill:#00796b}"
    ".grid svg text.k4{fill:#b71c1c}"
    ".grid svg a{cursor:pointer}"
    ".grid svg a:hover text.l{text-decoration:underline}"
    "h3{font-size:14px;margin:0 0 4px}"
    ".explain{white-space:pre-wrap;word-break:break-word;margin:0;"
    "font:12px/1.35 \"DejaVu Sans Mono\",monospace;background:#f6f6f8;"
    "border:1px solid #ddd;padding:8px;max-height:30em;overflow:auto}"
    "@media print{.explain{max-height:none;overflow:visible}}"
    "details{border:1px solid #ddd;border-radius:4px;margin:4px 0;"
    "padding:2px 8px}"
    "details[open]{background:#fafafa}"
    "summary{cursor:pointer;font:13px \"DejaVu Sans Mono\",monospace;"
    "word-break:break-all}"
    "table{border-collapse:collapse;width:100%;margin:4px 0;"
    "font:12px \"DejaVu Sans Mono\",monospace}"
    "caption{text-align:left;font:bold 12px \"DejaVu Sans\",sans-serif;"
    "padding:4px 0 2px}"
    "td{border-top:1px solid #e4e4e4;padding:1px 6px 1px 0;vertical-align:top;"
    "word-break:break-all}"
    "td:first-child{white-space:nowrap;color:#555;width:1%}"
    ".tag{display:inline-block;font:11px \"DejaVu Sans\",sans-serif;color:#fff;"
    "padding:0 5px;border-radius:3px;margin:0 3px;white-space:nowrap}"
    ".plain{background:#c62828}.tls{background:#2e7d32}"
    ".internal{background:#6a3fb5}.cache{background:#00796b}"
    ".error{background:#b71c1c}"
    ".err{color:#b71c1c}"
    "footer{margin-top:24px;font-size:12px;color:#666}";

/* Opens the <details> a clicked arrow (or the address's #fragment) names;
 * marks the body so a test can see the script ran under the CSP. */
static const char page_script[] =
    "(function(){"
    "function open(id){var e=document.getElementById(id);"
    "if(e&&e.tagName==='DETAILS'){e.open=true;}}"
    "document.addEventListener('click',function(ev){"
    "var a=ev.target.closest?ev.target.closest('a'):null;"
    "var h=a&&a.getAttribute('href');"
    "if(h&&h.charAt(0)==='#')open(h.slice(1));});"
    "window.addEventListener('hashchange',function(){"
    "open(location.hash.slice(1));});"
    "if(location.hash)open(location.hash.slice(1));"
    "document.body.setAttribute('data-script','ran');"
    "})();";

/* SHA-256 of page_style and page_script, base64 (CSP hash-source). */
#define STYLE_HASH "sha256-1Cg9Gfkg7Lnpaby9pixONZ4HLx4c42rV0QNmL23v6wA="
#define SCRIPT_HASH "sha256-ostqV+lFygRm1VSYcosneI0k/KSr0LzKgbzIUzV10gk="

/* ---- escaping ----------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at P (N bytes left), or 0 (RFC
 * 3629 §4: no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return 0;
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return len;
}

/* One character of S as the page shows it: into OUT (the markup) and its
 * width in columns. *USED is the bytes of S it took. */
static size_t one_char(const unsigned char *s, size_t n, int keep_nl,
                       char out[16], size_t *used) {
  static const char hex[] = "0123456789abcdef";
  unsigned char c = s[0];
  *used = 1;
  switch (c) {
  case '&': memcpy(out, "&amp;", 6); return 1;
  case '<': memcpy(out, "&lt;", 5); return 1;
  case '>': memcpy(out, "&gt;", 5); return 1;
  case '"': memcpy(out, "&quot;", 7); return 1;
  case '\'': memcpy(out, "&#39;", 6); return 1;
  default: break;
  }
  if (c == '\n' && keep_nl) {
    memcpy(out, "\n", 2);
    return 0;
  }
  if (c < 0x20 || c == 0x7F) {
    out[0] = '\\', out[1] = 'x', out[2] = hex[c >> 4], out[3] = hex[c & 15];
    out[4] = 0;
    return 4;
  }
  if (c < 0x80) {
    out[0] = (char)c, out[1] = 0;
    return 1;
  }
  size_t len = utf8_seq(s, n);
  if (!len) { /* not UTF-8: the byte, visibly */
    out[0] = '\\', out[1] = 'x', out[2] = hex[c >> 4], out[3] = hex[c & 15];
    out[4] = 0;
    return 4;
  }
  /* U+202A..U+202E and U+2066..U+2069 reorder the text around them (the
   * "Trojan Source" trick, CVE-2021-42574): a URL must read as it is. */
  if (len == 3 && s[0] == 0xE2 &&
      ((s[1] == 0x80 && s[2] >= 0xAA && s[2] <= 0xAE) ||
       (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9))) {
    unsigned cp = ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3F) | 0x2000;
    memcpy(out, "\\u{", 3);
    for (int k = 0; k < 4; k++)
      out[3 + k] = hex[(cp >> (12 - 4 * k)) & 15];
    out[7] = '}', out[8] = 0;
    *used = 3;
    return 9;
  }
  memcpy(out, s, len);
  out[len] = 0;
  *used = len;
  return 1;
}

/* The columns S takes on the page (an escaped byte is four). */
static size_t text_cols(const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p), used, cols = 0;
  char out[16];
  for (size_t i = 0; i < n; i += used)
    cols += one_char(p + i, n - i, 0, out, &used);
  return cols;
}

/* Appends S as HTML text, safe in element content and in a double-quoted
 * attribute, and returns the columns written. With MAX_COLS > 0 and S
 * wider than that, the first MAX_COLS-1 columns and "…". KEEP_NL keeps
 * newlines (a <pre>); any other control byte is \xNN, as in the text
 * output. */
static size_t text_fit(dt__buf *b, const char *s, int keep_nl,
                       size_t max_cols) {
  if (!s) return 0;
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), used, cols = 0;
  char out[16];
  for (size_t i = 0; i < n; i += used) {
    size_t w = one_char(p + i, n - i, keep_nl, out, &used);
    if (max_cols > 0 && cols + w > max_cols - 1 &&
        text_cols(s + i) > max_cols - cols) {
      dt__buf_str(b, "\xE2\x80\xA6"); /* … */
      return cols + 1;
    }
    dt__buf_str(b, out);
    cols += w;
  }
  return cols;
}

static void text(dt__buf *b, const char *s) { text_fit(b, s, 0, 0); }

/* ---- the lanes ---------------------------------------------------------- */

/* Browser parts, in the order their lanes appear. */
enum { B_STORE, B_PRELOAD, B_UPGRADES, B_RCACHE, B_JAR, B_COUNT };
static const char *const part_name[B_COUNT] = {"HSTS store", "preload list",
                                               "HTTPS-Upgrades",
                                               "redirect cache", "cookie jar"};
static const char *const part_sub[B_COUNT] = {
    "from headers", "built in", "https first", "kept redirects", "cookies"};

#define LANE_W 132    /* a lane's width */
#define PAD 8         /* the picture's margin */
#define HEAD_Y 24     /* the lane headers' top */
#define HEAD_H 36     /* their height */
#define ROW_TOP 76    /* the first row */
#define ROW_MAIN 62   /* a hop: label, arrow, status */
#define ROW_DETAIL 16 /* a hop's reason or error line */
#define ROW_NOTE 26   /* what a browser part did with the hop */
#define MIN_W 720     /* room for labels when there are few lanes */
/* DejaVu Sans Mono advances 0.602 em: 7.22 px at 12 px, rounded up so an
 * estimate never overflows. */
#define COL_PX 7.3
#define COL_PX_SMALL 6.7

typedef struct server {
  char *origin;  /* the lane's key: the URL's origin, or the URL */
  char *host;    /* shown on the lane's first line */
  char *line2;   /* "https", "http · plaintext", with a port */
  int plaintext; /* http: */
} server;

typedef struct layout {
  int part_x[B_COUNT]; /* a used part's lane centre, or -1 */
  int client_x;
  server *srv;
  size_t nsrv;
  size_t *hop_srv; /* the server lane of hop i (sent hops) */
  int width, height;
} layout;

/* Which browser part a hop that sent nothing came from, or -1. */
static int internal_part(const dt_hop *h) {
  if (h->from_cache) return B_RCACHE;
  if (!h->synthetic) return -1;
  if (h->upgrade)
    return h->upgrade->source == DT_HSTS_SOURCE_PRELOAD ? B_PRELOAD : B_STORE;
  return B_UPGRADES; /* HttpsUpgrades: the attempt, or its fallback */
}

static int is_plain(const char *url) {
  return url && (strncmp(url, "http:", 5) == 0 || strncmp(url, "ws:", 3) == 0);
}

static char *dupstr(const char *s) {
  size_t n = strlen(s ? s : "");
  char *p = malloc(n + 1);
  if (p) memcpy(p, s ? s : "", n + 1);
  return p;
}

/* The server lane for URL, added when new. (size_t)-1 on ENOMEM. */
static size_t server_for(layout *L, const char *url) {
  dt_url *u = NULL;
  const char *u_s = url ? url : "";
  int ok = dt_url_parse(&u, u_s, strlen(u_s), NULL) == 0;
  const char *origin = ok ? dt_url_get(u, DT_URL_ORIGIN) : u_s;
  if (ok && (!origin || !strcmp(origin, "null"))) origin = u_s;
  for (size_t i = 0; i < L->nsrv; i++)
    if (!strcmp(L->srv[i].origin, origin)) {
      dt_url_free(u);
      return i;
    }
  server *s = &L->srv[L->nsrv];
  memset(s, 0, sizeof *s);
  s->plaintext = is_plain(u_s);
  s->origin = dupstr(origin);
  s->host = dupstr(ok ? dt_url_get(u, DT_URL_HOSTNAME) : "?");
  const char *scheme = ok ? dt_url_get(u, DT_URL_PROTOCOL) : "";
  const char *port = ok ? dt_url_get(u, DT_URL_PORT) : "";
  dt__buf l2 = dt__buf_make(0);
  dt__buf_printf(
      &l2, "%.*s%s%s%s", (int)(scheme && *scheme ? strlen(scheme) - 1 : 0),
      scheme ? scheme : "", s->plaintext ? " \xC2\xB7 plaintext" : "",
      port && *port ? " :" : "", port ? port : "");
  s->line2 = dt__buf_finish(&l2);
  dt_url_free(u);
  if (!s->origin || !s->host || !s->line2) {
    free(s->origin), free(s->host), free(s->line2);
    return (size_t)-1;
  }
  return L->nsrv++;
}

static int has_steps(const dt_hop *h) { return h->step_count > 0; }

/* The rows a hop takes, each with its height. */
static int hop_has_detail(const dt_hop *h) {
  return h->error || !h->has_response || internal_part(h) >= 0 || has_steps(h);
}

static int cookies_sent_or_held(const dt_hop *h) { return h->cookie_count > 0; }

static int hop_height(const dt_hop *h) {
  int y = ROW_MAIN + (hop_has_detail(h) ? ROW_DETAIL : 0);
  if (cookies_sent_or_held(h)) y += ROW_NOTE;
  if (internal_part(h) < 0) {
    if (h->sts) y += ROW_NOTE;
    if (h->set_cookie_count) y += ROW_NOTE;
    if (h->permanent_redirect_cached) y += ROW_NOTE;
  }
  return y;
}

static void layout_free(layout *L) {
  for (size_t i = 0; i < L->nsrv; i++)
    free(L->srv[i].origin), free(L->srv[i].host), free(L->srv[i].line2);
  free(L->srv);
  free(L->hop_srv);
}

static int layout_make(layout *L, const dt_chain *c) {
  memset(L, 0, sizeof *L);
  size_t n = dt_chain_hop_count(c);
  L->srv = calloc(n + 1, sizeof *L->srv);
  L->hop_srv = calloc(n + 1, sizeof *L->hop_srv);
  if (!L->srv || !L->hop_srv) return DT_ENOMEM;
  int used[B_COUNT] = {0};
  int y = ROW_TOP;
  for (size_t i = 0; i < n; i++) {
    const dt_hop *h = dt_chain_hop(c, i);
    int part = internal_part(h);
    if (part >= 0) {
      used[part] = 1;
    } else {
      L->hop_srv[i] = server_for(L, h->url);
      if (L->hop_srv[i] == (size_t)-1) return DT_ENOMEM;
      if (h->sts) used[B_STORE] = 1;
      if (h->set_cookie_count) used[B_JAR] = 1;
      if (h->permanent_redirect_cached) used[B_RCACHE] = 1;
    }
    if (cookies_sent_or_held(h)) used[B_JAR] = 1;
    y += hop_height(h);
  }
  int lane = 0;
  L->client_x = PAD + LANE_W / 2 + LANE_W * lane++;
  for (int p = 0; p < B_COUNT; p++)
    L->part_x[p] = used[p] ? PAD + LANE_W / 2 + LANE_W * lane++ : -1;
  int first_srv = lane;
  L->width = PAD * 2 + LANE_W * (first_srv + (int)L->nsrv);
  if (L->width < MIN_W) L->width = MIN_W;
  L->height = y + 12;
  return 0;
}

static int srv_x(const layout *L, size_t s) {
  int lanes = 1;
  for (int p = 0; p < B_COUNT; p++)
    lanes += L->part_x[p] >= 0;
  return PAD + LANE_W / 2 + LANE_W * (lanes + (int)s);
}

/* ---- SVG pieces --------------------------------------------------------- */

/* Colours: plaintext red, TLS green, inside the browser purple, the
 * redirect cache teal, errors dark red, notes grey. */
enum { C_PLAIN, C_TLS, C_INT, C_CACHE, C_ERR, C_NOTE, C_COUNT };
static const char *const colour[C_COUNT] = {"#c62828", "#2e7d32", "#6a3fb5",
                                            "#00796b", "#b71c1c", "#666666"};
static const char *const colour_name[C_COUNT] = {"plain", "tls", "int",
                                                 "cache", "err", "note"};
/* the same colours for text (the page's style sets text's fill, which a
 * presentation attribute cannot override) */
static const char *const cls_int[C_COUNT] = {"k0", "k1", "k2", "k3", "k4", "n"};
static const char *const cls_small[C_COUNT] = {"n k0", "n k1", "n k2",
                                               "n k3", "n k4", "n"};

static void markers(dt__buf *b, const char *id) {
  dt__buf_str(b, "<defs>");
  for (int k = 0; k < C_COUNT; k++)
    dt__buf_printf(b,
                   "<marker id=\"%s-m-%s\" viewBox=\"0 0 10 10\" refX=\"9\" "
                   "refY=\"5\" markerWidth=\"11\" markerHeight=\"11\" "
                   "markerUnits=\"userSpaceOnUse\" "
                   "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 "
                   "10z\" fill=\"%s\"/></marker>",
                   id, colour_name[k], colour[k]);
  dt__buf_str(b, "</defs>");
}

/* A label at X,Y no wider than the picture's right edge allows (COL_PX
 * a column), the whole value in its <title> when cut. CLS: its classes. */
static void label(dt__buf *b, const layout *L, int x, int y, const char *cls,
                  double col_px, const char *s) {
  double room = (double)(L->width - PAD - x);
  size_t cols = room > col_px * 4 ? (size_t)(room / col_px) : 4;
  dt__buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
  if (text_fit(b, s, 0, cols) < text_cols(s)) {
    dt__buf_str(b, "<title>");
    text(b, s);
    dt__buf_str(b, "</title>");
  }
  dt__buf_str(b, "</text>");
}

/* A small coloured tag with white words, at X (left) on baseline Y;
 * returns its width. */
static int tag(dt__buf *b, int x, int y, int k, const char *words) {
  int w = (int)(strlen(words) * COL_PX_SMALL) + 10;
  dt__buf_printf(b,
                 "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"15\" rx=\"3\" "
                 "fill=\"%s\"/><text class=\"t\" x=\"%d\" y=\"%d\">",
                 x, y - 11, w, colour[k], x + 5, y);
  text(b, words);
  dt__buf_str(b, "</text>");
  return w;
}

static void lane_head(dt__buf *b, int cx, const char *fill, const char *stroke,
                      const char *l1, const char *l2, const char *full) {
  int x = cx - LANE_W / 2 + 6;
  dt__buf_printf(b,
                 "<g><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                 "rx=\"5\" fill=\"%s\" stroke=\"%s\"/>",
                 x, HEAD_Y, LANE_W - 12, HEAD_H, fill, stroke);
  if (full) {
    dt__buf_str(b, "<title>");
    text(b, full);
    dt__buf_str(b, "</title>");
  }
  size_t cols = (size_t)((LANE_W - 20) / COL_PX_SMALL);
  dt__buf_printf(b, "<text class=\"h\" x=\"%d\" y=\"%d\" font-weight=\"bold\">",
                 x + 5, HEAD_Y + 15);
  text_fit(b, l1, 0, cols);
  dt__buf_printf(b, "</text><text class=\"h\" x=\"%d\" y=\"%d\">", x + 5,
                 HEAD_Y + 29);
  text_fit(b, l2, 0, cols);
  dt__buf_str(b, "</text></g>");
}

/* A note row: a thin arrow from lane X0 to lane X1 with what the browser
 * part did, above it. */
static void note_row(dt__buf *b, const layout *L, const char *id, int y, int x0,
                     int x1, const char *what) {
  int left = x0 < x1 ? x0 : x1;
  label(b, L, left + 6, y + 11, "n", COL_PX_SMALL, what);
  int dir = x1 > x0 ? 1 : -1;
  dt__buf_printf(b,
                 "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                 "stroke-width=\"1.3\" stroke-dasharray=\"2 3\" "
                 "marker-end=\"url(#%s-m-note)\"/>",
                 x0, y + 17, x1 - dir * 2, y + 17, colour[C_NOTE], id);
}

/* "sent: a, b; held back: c (SameSiteStrict)" */
static void cookies_words(dt__buf *t, const dt_hop *h) {
  for (int pass = 0; pass < 2; pass++) {
    size_t k = 0;
    for (size_t i = 0; i < h->cookie_count; i++) {
      const dt_hop_cookie *c = &h->cookies[i];
      if (!c->blocked != !pass) continue;
      if (k++ == 0)
        dt__buf_str(t, pass ? (t->len ? "; held back: " : "held back: ")
                            : "Cookie sent: ");
      else
        dt__buf_str(t, ", ");
      dt__buf_str(t, c->name && c->name[0] ? c->name : "(no name)");
      if (pass && c->blocked) dt__buf_printf(t, " (%s)", c->blocked);
    }
  }
}

static void set_cookies_words(dt__buf *t, const dt_hop *h) {
  dt__buf_str(t, "Set-Cookie: ");
  for (size_t i = 0; i < h->set_cookie_count; i++) {
    const dt_hop_set_cookie *c = &h->set_cookies[i];
    if (i) dt__buf_str(t, "; ");
    dt__buf_printf(t, "%s %s",
                   c->name ? (c->name[0] ? c->name : "(no name)")
                           : "(unparsed)",
                   c->outcome ? c->outcome : "?");
    if (c->reason) dt__buf_printf(t, " (%s)", c->reason);
  }
}

/* The steps' words joined by "; " (the redirect rules the hop followed). */
static void steps_words(dt__buf *t, const dt_hop *h) {
  for (size_t i = 0; i < h->step_count; i++)
    dt__buf_printf(t, "%s%s", i ? "; " : "", h->steps[i].text);
}

/* One hop: its notes and its arrow, from y; returns the next row's y. */
static int hop_rows(dt__buf *b, const layout *L, const char *id, size_t i,
                    const dt_hop *h, int y) {
  int part = internal_part(h);
  int xc = L->client_x;
  if (cookies_sent_or_held(h)) {
    dt__buf t = dt__buf_make(0);
    cookies_words(&t, h);
    note_row(b, L, id, y, L->part_x[B_JAR], xc, t.p ? t.p : "");
    dt__buf_free(&t);
    y += ROW_NOTE;
  }
  int plain = part < 0 && is_plain(h->url);
  int failed = !h->has_response;
  int k = part == B_RCACHE ? C_CACHE
          : part >= 0      ? C_INT
          : failed         ? C_ERR
          : plain          ? C_PLAIN
                           : C_TLS;
  int xt = part >= 0 ? L->part_x[part] : srv_x(L, L->hop_srv[i]);

  dt__buf_printf(b,
                 "<a href=\"#%s-hop-%zu\"><title>hop %zu: click for its "
                 "request and response fields</title>",
                 id, i + 1, i + 1);
  /* a clickable band under the whole row */
  dt__buf_printf(b,
                 "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                 "fill=\"#fff\" fill-opacity=\"0\"/>",
                 PAD, y, L->width - 2 * PAD,
                 ROW_MAIN + (hop_has_detail(h) ? ROW_DETAIL : 0) - 4);
  dt__buf t = dt__buf_make(0);
  dt__buf_printf(&t, "%zu  %s ", i + 1, h->method ? h->method : "?");
  dt__buf_str(&t, h->url ? h->url : "");
  label(b, L, xc + 6, y + 16, "l", COL_PX, t.p ? t.p : "");
  dt__buf_clear(&t);

  int ya = y + 26;
  if (part >= 0) {
    /* inside the browser: out to the part that decided and back, never
     * reaching a server's lane */
    dt__buf_printf(b,
                   "<path d=\"M%d %dH%dV%dH%d\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"2.2\" marker-end=\"url(#%s-m-%s)\"/>",
                   xc, ya - 3, xt, ya + 7, xc + 2, colour[k], id,
                   colour_name[k]);
    dt__buf_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>", xt,
                   ya + 2, colour[k]);
  } else if (failed) {
    int xe = xc + (xt - xc) * 3 / 4;
    dt__buf_printf(
        b,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
        "stroke-width=\"2.2\"%s/>"
        "<path d=\"M%d %dl10 10M%d %dl-10 10\" stroke=\"%s\" "
        "stroke-width=\"2.5\"/>",
        xc, ya, xe, ya, colour[k], plain ? " stroke-dasharray=\"7 4\"" : "",
        xe - 5, ya - 5, xe + 5, ya - 5, colour[k]);
  } else {
    dt__buf_printf(
        b,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
        "stroke-width=\"2.2\"%s marker-end=\"url(#%s-m-%s)\"/>",
        xc, ya, xt - 2, ya, colour[k], plain ? " stroke-dasharray=\"7 4\"" : "",
        id, colour_name[k]);
  }

  /* the answer, and what kind of hop it was */
  int yb = y + 48, x = xc + 6;
  if (h->has_response)
    dt__buf_printf(&t, "%d %s", h->status, h->reason ? h->reason : "");
  else
    dt__buf_str(&t, "no response");
  dt__buf_printf(b,
                 "<text class=\"l %s\" x=\"%d\" y=\"%d\" "
                 "font-weight=\"bold\">",
                 cls_int[k], x, yb);
  x += (int)(text_fit(b, t.p ? t.p : "", 0, 40) * COL_PX) + 8;
  dt__buf_str(b, "</text>");
  dt__buf_clear(&t);
  if (part == B_RCACHE)
    x += tag(b, x, yb, C_CACHE, "from the redirect cache: nothing sent") + 4;
  else if (part >= 0)
    x += tag(b, x, yb, C_INT, "inside the browser: nothing sent") + 4;
  else if (plain)
    x += tag(b, x, yb, C_PLAIN, "plaintext") + 4;
  else if (h->conn && h->conn->tls_version)
    x += tag(b, x, yb, C_TLS, h->conn->tls_version) + 4;
  if (h->error || failed)
    x += tag(b, x, yb, C_ERR, dt_err_name(h->error ? h->error : DT_EIO)) + 4;
  (void)x;

  /* why: the deciding entry, the error, or the redirect rules */
  int next = y + ROW_MAIN;
  if (hop_has_detail(h)) {
    if (h->error || failed) {
      dt__buf_printf(&t, "%s",
                     h->error_message && h->error_message[0]
                         ? h->error_message
                         : dt_strerror(h->error));
    } else if (h->upgrade) {
      dt__decision_text(&t, h->upgrade);
    } else {
      steps_words(&t, h);
    }
    label(b, L, xc + 6, y + 64, part >= 0 ? cls_small[k] : "n", COL_PX_SMALL,
          t.p ? t.p : "");
    next += ROW_DETAIL;
  }
  dt__buf_free(&t);
  dt__buf_str(b, "</a>");

  if (part >= 0) return next;
  /* what the browser's parts took from the response */
  int xs = xt;
  if (h->sts) {
    dt__buf n = dt__buf_make(0);
    dt__sts_text(&n, h->sts);
    note_row(b, L, id, next, xs, L->part_x[B_STORE], n.p ? n.p : "");
    dt__buf_free(&n);
    next += ROW_NOTE;
  }
  if (h->set_cookie_count) {
    dt__buf n = dt__buf_make(0);
    set_cookies_words(&n, h);
    note_row(b, L, id, next, xs, L->part_x[B_JAR], n.p ? n.p : "");
    dt__buf_free(&n);
    next += ROW_NOTE;
  }
  if (h->permanent_redirect_cached) {
    char n[96];
    snprintf(n, sizeof n,
             "%d kept for good (no Cache-Control or Expires): next time "
             "nothing is sent",
             h->status);
    note_row(b, L, id, next, xs, L->part_x[B_RCACHE], n);
    next += ROW_NOTE;
  }
  return next;
}

static void diagram(dt__buf *b, const layout *L, const char *id,
                    const dt_chain *c) {
  dt__buf_printf(b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d "
                 "%d\" width=\"%d\" height=\"%d\" role=\"img\" "
                 "aria-label=\"the navigation as a sequence diagram\">",
                 L->width, L->height, L->width, L->height);
  markers(b, id);
  /* the browser's parts, on a shaded band: what happens there sends
   * nothing */
  int first = -1, last = -1;
  for (int p = 0; p < B_COUNT; p++)
    if (L->part_x[p] >= 0) {
      if (first < 0) first = L->part_x[p];
      last = L->part_x[p];
    }
  if (first >= 0) {
    dt__buf_printf(b,
                   "<rect x=\"%d\" y=\"4\" width=\"%d\" height=\"%d\" "
                   "rx=\"6\" fill=\"#f3eefb\" stroke=\"#d5c7ef\"/>"
                   "<text class=\"g\" x=\"%d\" y=\"17\">inside the browser: "
                   "no network</text>",
                   first - LANE_W / 2 + 2, last - first + LANE_W - 4,
                   L->height - 8, first - LANE_W / 2 + 8);
  }
  /* lifelines, then the heads */
  int lanes_x[B_COUNT + 1];
  size_t nl = 0;
  lanes_x[nl++] = L->client_x;
  for (int p = 0; p < B_COUNT; p++)
    if (L->part_x[p] >= 0) lanes_x[nl++] = L->part_x[p];
  for (size_t i = 0; i < nl; i++)
    dt__buf_printf(b,
                   "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                   "stroke=\"#bbb\" stroke-dasharray=\"3 3\"/>",
                   lanes_x[i], HEAD_Y + HEAD_H, lanes_x[i], L->height - 6);
  for (size_t s = 0; s < L->nsrv; s++)
    dt__buf_printf(b,
                   "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                   "stroke=\"#bbb\" stroke-dasharray=\"3 3\"/>",
                   srv_x(L, s), HEAD_Y + HEAD_H, srv_x(L, s), L->height - 6);
  lane_head(b, L->client_x, "#e3f2fd", "#1565c0", "client", "the user's click",
            NULL);
  for (int p = 0; p < B_COUNT; p++)
    if (L->part_x[p] >= 0)
      lane_head(b, L->part_x[p], "#ede7f6", "#6a3fb5", part_name[p],
                part_sub[p], NULL);
  for (size_t s = 0; s < L->nsrv; s++) {
    const server *v = &L->srv[s];
    lane_head(b, srv_x(L, s), v->plaintext ? "#fdecea" : "#e8f5e9",
              v->plaintext ? colour[C_PLAIN] : colour[C_TLS], v->host, v->line2,
              v->origin);
  }
  int y = ROW_TOP;
  for (size_t i = 0; i < dt_chain_hop_count(c); i++)
    y = hop_rows(b, L, id, i, dt_chain_hop(c, i), y);
  dt__buf_str(b, "</svg>");
}

/* ---- the hops' fields --------------------------------------------------- */

static void fields_table(dt__buf *b, const char *caption, const dt_header *f,
                         size_t n) {
  dt__buf_printf(b, "<table><caption>%s</caption>", caption);
  if (!n) dt__buf_str(b, "<tr><td>(none)</td><td></td></tr>");
  for (size_t i = 0; i < n; i++) {
    dt__buf_str(b, "<tr><td>");
    text(b, f[i].name);
    dt__buf_str(b, "</td><td>");
    text(b, f[i].value);
    dt__buf_str(b, "</td></tr>");
  }
  dt__buf_str(b, "</table>");
}

static void ms(dt__buf *b, const char *what, double v) {
  if (v >= 0) dt__buf_printf(b, ", %s %.1f ms", what, v);
}

static void hop_details(dt__buf *b, const char *id, size_t i, const dt_hop *h) {
  int part = internal_part(h);
  int plain = part < 0 && is_plain(h->url);
  dt__buf_printf(b, "<details id=\"%s-hop-%zu\"><summary><b>%zu</b> ", id,
                 i + 1, i + 1);
  text(b, h->method);
  dt__buf_str(b, " ");
  text(b, h->url);
  if (h->has_response) {
    dt__buf_printf(b, " \xE2\x86\x92 %d ", h->status);
    text(b, h->reason);
  } else {
    dt__buf_str(b, " \xE2\x86\x92 no response");
  }
  if (part == B_RCACHE)
    dt__buf_str(b, "<span class=\"tag cache\">from the redirect cache</span>");
  else if (part >= 0)
    dt__buf_printf(b, "<span class=\"tag internal\">internal: %s</span>",
                   part_name[part]);
  else if (plain)
    dt__buf_str(b, "<span class=\"tag plain\">plaintext</span>");
  if (h->error || !h->has_response)
    dt__buf_printf(b, "<span class=\"tag error\">%s</span>",
                   dt_err_name(h->error ? h->error : DT_EIO));
  dt__buf_str(b, "</summary>");

  dt__buf note = dt__buf_make(0);
  dt__hop_note(&note, h);
  if (note.len) {
    dt__buf_str(b, "<p>why: ");
    text(b, note.p);
    dt__buf_str(b, "</p>");
  }
  dt__buf_free(&note);
  if (h->error) {
    dt__buf_printf(b, "<p class=\"err\">error %s: ", dt_err_name(h->error));
    text(b, h->error_message ? h->error_message : dt_strerror(h->error));
    dt__buf_str(b, "</p>");
  }
  dt__buf_str(b, "<p>");
  if (part >= 0) {
    dt__buf_str(b, "nothing sent: no DNS lookup, no connection, no byte");
  } else if (h->conn && h->conn->remote_addr) {
    const dt_hop_connection *cn = h->conn;
    dt__buf_printf(b, "%s connection #%llu to ", cn->reused ? "reused" : "new",
                   (unsigned long long)cn->id);
    text(b, cn->remote_addr);
    if (cn->tls_version) {
      dt__buf_str(b, ", ");
      text(b, cn->tls_version);
      if (cn->tls_cipher) {
        dt__buf_str(b, " ");
        text(b, cn->tls_cipher);
      }
      dt__buf_str(b, cn->cert_verified ? ", certificate verified"
                                       : ", certificate NOT verified");
    } else {
      dt__buf_str(b, ", plaintext: anyone on the path can read and change "
                     "this hop");
    }
    if (h->http_version) {
      dt__buf_str(b, ", ");
      text(b, h->http_version);
    }
  } else {
    dt__buf_str(b, "no connection");
  }
  const dt_hop_timing *t = h->timing;
  if (part < 0 && t) {
    ms(b, "DNS", t->dns_ms);
    ms(b, "connect", t->connect_ms);
    ms(b, "TLS", t->tls_ms);
    ms(b, "first byte", t->first_byte_ms);
    ms(b, "total", t->total_ms);
  }
  dt__buf_str(b, "</p>");
  fields_table(b,
               part >= 0 ? "request fields (what would have gone out)"
                         : "request fields",
               h->req_headers, h->req_header_count);
  if (h->req_body_bytes)
    dt__buf_printf(b, "<p>request body: %llu bytes</p>",
                   (unsigned long long)h->req_body_bytes);
  if (h->has_response) {
    fields_table(b, "response fields", h->resp_headers, h->resp_header_count);
    dt__buf_printf(b, "<p>response body: %llu bytes</p>",
                   (unsigned long long)h->resp_body_bytes);
  }
  if (h->cookie_count || h->set_cookie_count) {
    dt__buf_str(b, "<ul>");
    for (size_t k = 0; k < h->cookie_count; k++) {
      const dt_hop_cookie *c = &h->cookies[k];
      dt__buf_str(b, "<li>cookie ");
      text(b, c->name);
      dt__buf_str(b, " (");
      text(b, c->domain);
      text(b, c->path);
      dt__buf_str(b, c->blocked ? "): held back, " : "): sent");
      if (c->blocked) text(b, c->blocked);
      dt__buf_str(b, "</li>");
    }
    for (size_t k = 0; k < h->set_cookie_count; k++) {
      const dt_hop_set_cookie *c = &h->set_cookies[k];
      dt__buf_str(b, "<li>Set-Cookie ");
      text(b, c->name ? c->name : "(unparsed)");
      dt__buf_str(b, ": ");
      text(b, c->outcome);
      if (c->reason) {
        dt__buf_str(b, ", ");
        text(b, c->reason);
      }
      dt__buf_str(b, "</li>");
    }
    dt__buf_str(b, "</ul>");
  }
  dt__buf_str(b, "</details>");
}

/* ---- the page ----------------------------------------------------------- */

/* CAPTION's first line is the heading, the rest a paragraph. */
static void section(dt__buf *b, const dt_chain *c, size_t idx,
                    const char *caption) {
  char id[32];
  snprintf(id, sizeof id, "c%zu", idx + 1);
  size_t n = dt_chain_hop_count(c);
  dt__buf_printf(b, "<section id=\"%s\"><h2>", id);
  const char *rest = NULL;
  if (caption && caption[0]) {
    const char *nl = strchr(caption, '\n');
    dt__buf head = dt__buf_make(0);
    dt__buf_put(&head, caption, nl ? (size_t)(nl - caption) : strlen(caption));
    text(b, head.p ? head.p : "");
    dt__buf_free(&head);
    rest = nl ? nl + 1 : NULL;
  } else {
    text(b, dt_chain_method(c));
    dt__buf_str(b, " ");
    text(b, dt_chain_url(c));
  }
  dt__buf_str(b, "</h2>");
  if (rest && *rest) {
    dt__buf_str(b, "<p class=\"caption\">");
    text_fit(b, rest, 1, 0);
    dt__buf_str(b, "</p>");
  }
  dt__buf_str(b, "<p class=\"sum\">");
  text(b, dt_chain_method(c));
  dt__buf_str(b, " ");
  text(b, dt_chain_url(c));
  dt__buf_printf(b, " \xC2\xB7 %zu hop%s \xC2\xB7 ", n, n == 1 ? "" : "s");
  int err = dt_chain_error(c);
  if (err) {
    const char *m = dt_chain_error_message(c);
    dt__buf_printf(b, "<span class=\"err\">error %s: ", dt_err_name(err));
    text(b, m && m[0] ? m : dt_strerror(err));
    dt__buf_str(b, "</span>");
  } else if (n) {
    const dt_hop *h = dt_chain_hop(c, n - 1);
    dt__buf_printf(b, "final: %d ", h->status);
    text(b, h->reason);
    dt__buf_str(b, " ");
    text(b, dt_chain_final_url(c));
  }
  dt__buf_str(b, "</p>");
  for (size_t i = 0; dt_chain_warning(c, i); i++) {
    dt__buf_str(b, "<p class=\"warn\">warning: ");
    text(b, dt_chain_warning(c, i));
    dt__buf_str(b, "</p>");
  }

  dt__buf_str(b, "<div class=\"grid\"><div>");
  layout L = {0};
  if (n == 0) /* nothing went anywhere (a URL that does not parse) */
    dt__buf_str(b, "<p>No hop: the navigation ended before its first "
                   "request.</p>");
  else if (layout_make(&L, c) == 0)
    diagram(b, &L, id, c);
  else
    b->failed = DT_ENOMEM;
  layout_free(&L);
  for (size_t i = 0; i < n; i++)
    hop_details(b, id, i, dt_chain_hop(c, i));
  dt__buf_str(b, "</div><div><h3>every decision, with its rule "
                 "(--explain)</h3><pre class=\"explain\">");
  char *ex = dt_chain_to_explain(c);
  if (!ex) b->failed = DT_ENOMEM;
  text_fit(b, ex, 1, 0);
  dt_free(ex);
  dt__buf_str(b, "</pre></div></div></section>");
}

static const char legend[] =
    "<p class=\"legend\">Lanes: the client, the parts of the browser that "
    "acted, then one lane per server (origin). One arrow per hop: "
    "<span class=\"tag plain\">plaintext</span> http, anyone on the path "
    "can read and change it; <span class=\"tag tls\">TLS</span> encrypted; "
    "<span class=\"tag internal\">inside the browser</span> a synthetic "
    "307 decided by a store or list, nothing sent; "
    "<span class=\"tag cache\">redirect cache</span> answered from the "
    "cache, nothing sent; <span class=\"tag error\">error</span> no "
    "answer. Click an arrow (or a line below it) for the hop's request and "
    "response fields.</p>";

char *dt_chains_to_html(const dt_chain *const *chains,
                        const char *const *captions, size_t n,
                        const char *title) {
  if (!chains || n == 0) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!chains[i]) return NULL;
  dt__buf b = dt__buf_make(HTML_MAX);
  dt__buf t = dt__buf_make(0);
  if (title)
    dt__buf_str(&t, title);
  else
    dt__buf_printf(&t, "detour: %s %s", dt_chain_method(chains[0]),
                   dt_chain_url(chains[0]) ? dt_chain_url(chains[0]) : "");
  dt__buf_str(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                  "<meta charset=\"utf-8\">"
                  "<meta http-equiv=\"Content-Security-Policy\" "
                  "content=\"default-src 'none'; style-src '" STYLE_HASH
                  "'; script-src '" SCRIPT_HASH "'; base-uri 'none'; "
                  "form-action 'none'\">"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\">"
                  "<meta name=\"generator\" content=\"detour " DETOUR_VERSION
                  "\"><title>");
  text(&b, t.p ? t.p : "");
  dt__buf_printf(&b, "</title><style>%s</style></head>\n<body><h1>",
                 page_style);
  text(&b, t.p ? t.p : "");
  dt__buf_free(&t);
  dt__buf_str(&b, "</h1>");
  dt__buf_str(&b, legend);
  for (size_t i = 0; i < n; i++)
    section(&b, chains[i], i, captions ? captions[i] : NULL);
  dt__buf_str(&b, "<footer>Made by detour " DETOUR_VERSION
                  " from the navigation's records. This page loads "
                  "nothing: it works offline.</footer>\n<script>");
  dt__buf_str(&b, page_script);
  dt__buf_str(&b, "</script></body></html>\n");
  return dt__buf_finish(&b);
}

char *dt_chain_to_html(const dt_chain *chain) {
  return chain ? dt_chains_to_html(&chain, NULL, 1, NULL) : NULL;
}
