/* fuzz_chain_html.c — the picture (dt_chain_to_html) of a chain whose every
 * server-made string is the input: URLs, reason phrases, field names and
 * values, cookie names, steps and error messages. A server writes those, so
 * none may become markup. Input: byte 0 picks each hop's kind (sent over
 * http or https, synthetic, from the cache, failed) and byte 1 its records;
 * the rest is strings separated by '\n', taken in turn. The page must be
 * valid UTF-8 without control bytes but newlines, and every tag in it one
 * the writer makes, without an event-handler attribute. */
#include "engine/chain.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed[] = {
    "html", "head",   "meta",    "title",   "style", "body",    "h1",
    "h2",   "h3",     "p",       "span",    "div",   "section", "svg",
    "defs", "marker", "path",    "rect",    "text",  "line",    "circle",
    "g",    "a",      "details", "summary", "b",     "table",   "caption",
    "tr",   "td",     "ul",      "li",      "pre",   "footer",  "script"};

static void check_page(const char *page) {
  const unsigned char *p = (const unsigned char *)page;
  size_t scripts = 0;
  while (*p) { /* valid UTF-8, no control byte but '\n' */
    if (*p < 0x20 && *p != '\n') abort();
    if (*p == 0x7f) abort();
    size_t len = *p < 0x80             ? 1
                 : (*p & 0xE0) == 0xC0 ? 2
                 : (*p & 0xF0) == 0xE0 ? 3
                 : (*p & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (!len) abort();
    for (size_t i = 1; i < len; i++)
      if ((p[i] & 0xC0) != 0x80) abort();
    p += len;
  }
  for (const char *t = page; (t = strchr(t, '<')) != NULL; t++) {
    const char *q = t + 1;
    if (*q == '/' || *q == '!') continue;
    const char *name = q;
    while (isalnum((unsigned char)*q))
      q++;
    size_t n = (size_t)(q - name), ok = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
      ok |= strlen(allowed[i]) == n && strncmp(allowed[i], name, n) == 0;
    if (!ok) abort();
    if (n == 6 && strncmp(name, "script", 6) == 0) scripts++;
    const char *end = strchr(q, '>');
    if (!end) abort();
    for (const char *a = q; a < end; a++) {
      if (*a == '"') {
        a = memchr(a + 1, '"', (size_t)(end - a - 1));
        if (!a) abort();
        continue;
      }
      if (a[-1] == ' ' && (a[0] | 0x20) == 'o' && (a[1] | 0x20) == 'n') abort();
    }
  }
  if (scripts != 1) abort();
}

typedef struct strings {
  char *p;
} strings;

/* The next '\n'-separated string of the input, or "" when it is used up. */
static const char *next(strings *s) {
  if (!s->p) return "";
  char *start = s->p, *nl = strchr(start, '\n');
  if (nl) {
    *nl = 0;
    s->p = nl + 1;
  } else {
    s->p = NULL;
  }
  return start;
}

static void header(dt_chain *c, dt_hop *h, const char *n, const char *v,
                   int resp) {
  if (resp)
    dt__hop_add_resp_header(c, h, n, strlen(n), v, strlen(v));
  else
    dt__hop_add_req_header(c, h, n, strlen(n), v, strlen(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 8192) return 0;
  char *text = malloc(size - 1);
  if (!text) return 0;
  memcpy(text, data + 2, size - 2);
  text[size - 2] = 0;
  strings s = {text};
  const char *first = next(&s);
  dt_chain *c = dt__chain_new("GET", first);
  for (int i = 0; i < 3 && c; i++) {
    int kind = (data[0] >> (2 * i)) & 3, rec = data[1] >> (2 * i);
    dt_hop *h = dt__chain_add_hop(c);
    if (!h) break;
    h->method = dt__chain_strdup(c, next(&s));
    h->url = dt__chain_strdup(c, i == 0 ? first : next(&s));
    header(c, h, next(&s), next(&s), 0);
    if (kind == 3) { /* failed */
      h->error = DT_ECONNECT;
      h->error_message = dt__chain_strdup(c, next(&s));
      continue;
    }
    h->has_response = 1;
    h->status = (int)(unsigned char)first[0] + 100;
    h->reason = dt__chain_strdup(c, next(&s));
    header(c, h, next(&s), next(&s), 1);
    dt__hop_add_step(c, h, next(&s), next(&s));
    if (kind == 1) {
      h->synthetic = 1;
      if (rec & 1) {
        dt_hsts_decision *d = dt__hop_upgrade(h);
        d->known = 1;
        d->source = rec & 2 ? DT_HSTS_SOURCE_PRELOAD : DT_HSTS_SOURCE_DYNAMIC;
        d->expires_ms = DT_HSTS_NEVER;
        strncpy(d->entry, next(&s), sizeof d->entry - 1);
        /* the same size, and entry ends in a NUL: copied whole (a strncpy
         * of size - 1 fails gcc -O2's -Wstringop-truncation under -Werror,
         * the RelWithDebInfo build scripts/test.sh makes) */
        _Static_assert(sizeof d->host == sizeof d->entry,
                       "host and entry differ");
        memcpy(d->host, d->entry, sizeof d->host);
      }
    } else if (kind == 2) {
      h->from_cache = 1;
    } else {
      dt_hop_connection *cn = dt__hop_conn(h);
      cn->remote_addr = dt__chain_strdup(c, next(&s));
      if (rec & 1) cn->tls_version = "TLSv1.3";
      if (rec & 2) {
        dt_sts_note *n = dt__hop_sts(h);
        n->outcome = DT_STS_REFUSED_HOST;
        n->outcome_name = "refused-host";
        n->message = dt__chain_strdup(c, next(&s));
      }
      h->permanent_redirect_cached = (rec >> 1) & 1;
    }
    dt_hop_cookie ck = {0};
    ck.name = next(&s);
    ck.domain = next(&s);
    ck.path = "/";
    ck.blocked = rec & 2 ? next(&s) : NULL;
    ck.why = "";
    dt__hop_add_cookie(c, h, &ck);
    dt_hop_set_cookie sc = {0};
    sc.field = sc.name = next(&s);
    sc.outcome = "rejected";
    sc.reason = next(&s);
    sc.why = "";
    sc.expires_ms = -1;
    dt__hop_add_set_cookie(c, h, &sc);
  }
  if (c) {
    if (data[0] & 0x80) dt__chain_set_error(c, DT_EIO, "%s", next(&s));
    dt__chain_add_warning(c, next(&s));
    char *page = dt_chain_to_html(c);
    if (page) check_page(page);
    dt_free(page);
    const dt_chain *two[2] = {c, c};
    const char *captions[2] = {next(&s), next(&s)};
    page = dt_chains_to_html(two, captions, 2, next(&s));
    if (page) check_page(page);
    dt_free(page);
    dt_chain_free(c);
  }
  free(text);
  return 0;
}
