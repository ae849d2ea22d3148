/* test_chain_html.c — the chain as a picture (engine/out/chain_html.c):
 * a hostile server writes part of the page — its fields, reason phrase,
 * Location, the URLs it redirects to, its cookies' names — and none of it
 * may become markup. Every tag in the page must be one the writer makes,
 * no attribute may be an event handler, every link stays inside the page,
 * and control bytes, bidi overrides and bytes that are not UTF-8 are shown,
 * not passed on. Also: an internal 307 names the entry that decided it,
 * long values are cut in the picture and kept whole in the fields, several
 * chains on one page keep their ids apart. (Rendering is checked with
 * Chromium by integration.test_html.) */
#include "dt_test.h"

#include "engine/chain.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const evil_header = "<script>alert(1)</script>";
static const char *const evil_quote = "\"'><img src=x onerror=alert(1)>";

static void resp(dt_chain *c, dt_hop *h, const char *n, const char *v) {
  dt__hop_add_resp_header(c, h, n, strlen(n), v, strlen(v));
}

static void req(dt_chain *c, dt_hop *h, const char *n, const char *v) {
  dt__hop_add_req_header(c, h, n, strlen(n), v, strlen(v));
}

/* http://evil.test/ upgraded by a preload entry, then its https answer
 * full of markup, then a plaintext hop that failed. */
static dt_chain *hostile_chain(void) {
  const char *url0 = "http://evil.test/\"><script>alert(2)</script>";
  dt_chain *c = dt__chain_new("GET", url0);
  dt_hop *h = dt__chain_add_hop(c);
  h->synthetic = 1;
  h->method = dt__chain_strdup(c, "GET");
  h->url = dt__chain_strdup(c, url0);
  h->has_response = 1;
  h->status = 307;
  h->reason = "Internal Redirect";
  resp(c, h, "Location", "https://evil.test/");
  resp(c, h, "Non-Authoritative-Reason", "HSTS");
  dt_hsts_decision *d = dt__hop_upgrade(h);
  d->known = 1;
  d->source = DT_HSTS_SOURCE_PRELOAD;
  snprintf(d->host, sizeof d->host, "evil.test");
  snprintf(d->entry, sizeof d->entry, "evil.test");
  d->include_subdomains = 1;
  snprintf(d->list_date, sizeof d->list_date, "2026-06-01");
  dt__hop_add_step(c, h, "HSTS: evil.test → https, 307 Internal Redirect",
                   "RFC 6797 §8.3");

  h = dt__chain_add_hop(c);
  h->method = dt__chain_strdup(c, "GET");
  h->url = dt__chain_strdup(c, "https://evil.test/");
  req(c, h, "User-Agent", "detour-test");
  h->has_response = 1;
  h->status = 302;
  h->reason = dt__chain_strdup(c, "Found<script>alert(3)</script>");
  resp(c, h, "X-Evil", evil_header);
  resp(c, h, "X-Quote", evil_quote);
  resp(c, h, "X-Bytes",
       "esc\x1b[2J bad\xff\xfe utf8-ok:\xc3\xa9 "
       "bidi:\xe2\x80\xae!");
  resp(c, h, "Location", "javascript:alert(4)//http://plain.test/");
  resp(c, h, "<b>bold-name</b>", "v");
  dt_hop_connection *cn = dt__hop_conn(h);
  cn->remote_addr = dt__chain_strdup(c, "127.0.0.1:443");
  cn->tls_version = "TLSv1.3";
  cn->cert_verified = 1;
  dt__hop_add_step(c, h, "302: GET kept <i>really</i>", "Fetch §4.4");
  dt_sts_note *n = dt__hop_sts(h);
  n->outcome = DT_STS_REJECTED;
  n->outcome_name = "rejected";
  n->code = "STSMultipleMaxAges";
  dt_hop_set_cookie sc = {0};
  sc.field = "<svg onload=alert(5)>=1";
  sc.outcome = "rejected";
  sc.reason = "InvalidName";
  sc.name = "<svg onload=alert(5)>";
  sc.expires_ms = -1;
  dt__hop_add_set_cookie(c, h, &sc);

  h = dt__chain_add_hop(c);
  h->method = dt__chain_strdup(c, "GET");
  h->url = dt__chain_strdup(c, "http://plain.test/</title><script>x()");
  h->error = DT_ECONNECT;
  h->error_message = dt__chain_strdup(c, "connection refused <b>here</b>");
  dt__chain_set_error(c, DT_ECONNECT, "refused: %s", "<script>y()");
  return c;
}

/* Every tag the writer makes; anything else was injected. */
static const char *const allowed[] = {
    "html", "head",   "meta",    "title",   "style", "body",    "h1",
    "h2",   "h3",     "p",       "span",    "div",   "section", "svg",
    "defs", "marker", "path",    "rect",    "text",  "line",    "circle",
    "g",    "a",      "details", "summary", "b",     "table",   "caption",
    "tr",   "td",     "ul",      "li",      "pre",   "footer",  "script"};

static int tag_allowed(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    if (strlen(allowed[i]) == n && strncmp(allowed[i], name, n) == 0) return 1;
  return 0;
}

/* Walks every tag: its name allowed, no on* attribute, every href "#c". */
static void check_markup(const char *page) {
  size_t scripts = 0, bad_tags = 0, handlers = 0, bad_links = 0;
  for (const char *p = page; (p = strchr(p, '<')) != NULL; p++) {
    const char *q = p + 1;
    if (*q == '/' || *q == '!') continue;
    const char *name = q;
    while (isalnum((unsigned char)*q))
      q++;
    if (q == name) continue; /* "<" followed by text: cannot happen */
    if (!tag_allowed(name, (size_t)(q - name))) {
      bad_tags++;
      fprintf(stderr, "injected tag: %.40s\n", p);
    }
    if (q - name == 6 && strncmp(name, "script", 6) == 0) scripts++;
    const char *end = strchr(q, '>');
    if (!end) {
      CHECK(!"a tag without its end");
      return;
    }
    /* attributes: name="value", the value never holds a quote */
    for (const char *a = q; a < end; a++) {
      if (*a == '"') { /* skip the value */
        const char *close = memchr(a + 1, '"', (size_t)(end - a - 1));
        if (!close) {
          CHECK(!"an attribute value without its end");
          break;
        }
        a = close;
        continue;
      }
      if ((a[-1] == ' ') && (a[0] == 'o' || a[0] == 'O') &&
          (a[1] == 'n' || a[1] == 'N'))
        handlers++;
      if (a[-1] == ' ' && strncmp(a, "href=\"", 6) == 0 &&
          strncmp(a + 6, "#c", 2) != 0)
        bad_links++;
    }
  }
  CHECK_INT(scripts, 1); /* the page's own */
  CHECK_INT(bad_tags, 0);
  CHECK_INT(handlers, 0);
  CHECK_INT(bad_links, 0);
}

static void hostile_values_stay_text(void) {
  dt_chain *c = hostile_chain();
  char *page = dt_chain_to_html(c);
  CHECK(page != NULL);
  if (!page) {
    dt_chain_free(c);
    return;
  }
  CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
  check_markup(page);
  /* the values are there, as text */
  CHECK(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
  CHECK(strstr(page, "&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;") !=
        NULL);
  CHECK(strstr(page, "Found&lt;script&gt;alert(3)") != NULL);
  CHECK(strstr(page, "&lt;b&gt;bold-name&lt;/b&gt;") != NULL);
  CHECK(strstr(page, "&lt;svg onload=alert(5)&gt;") != NULL);
  CHECK(strstr(page, "javascript:alert(4)") != NULL); /* shown, not linked */
  /* bytes a terminal or a reader must not be fooled by */
  CHECK(strchr(page, 0x1b) == NULL);
  CHECK(strstr(page, "esc\\x1b[2J") != NULL);
  CHECK(strstr(page, "bad\\xff\\xfe") != NULL);
  CHECK(strstr(page, "\xe2\x80\xae") == NULL);
  CHECK(strstr(page, "bidi:\\u{202e}!") != NULL);
  CHECK(strstr(page, "utf8-ok:\xc3\xa9") != NULL); /* valid UTF-8 kept */
  for (const unsigned char *p = (const unsigned char *)page; *p; p++)
    if (*p == 0xff || *p == 0xfe) {
      CHECK(!"a byte that is not UTF-8 reached the page");
      break;
    }
  /* the page loads nothing and runs only its own script */
  CHECK(strstr(page,
               "<meta http-equiv=\"Content-Security-Policy\" "
               "content=\"default-src 'none'; style-src 'sha256-") != NULL);
  CHECK(strstr(page, "script-src 'sha256-") != NULL);
  CHECK(strstr(page, "unsafe-inline") == NULL);
  CHECK(strstr(page, " src=\"") == NULL);
  /* the internal 307 inside the browser, with the entry that decided */
  CHECK(strstr(page, "HSTS: preload entry evil.test, includeSubDomains "
                     "(list 2026-06-01)") != NULL);
  CHECK(strstr(page, ">preload list<") != NULL);
  CHECK(strstr(page, "inside the browser: nothing sent") != NULL);
  /* the failed plaintext hop: crossed, its error named */
  CHECK(strstr(page, ">ECONNECT<") != NULL);
  CHECK(strstr(page, "connection refused &lt;b&gt;here&lt;/b&gt;") != NULL);
  CHECK(strstr(page, ">plaintext<") != NULL);
  /* every hop has its fields, the click's target */
  CHECK(strstr(page, "id=\"c1-hop-1\"") && strstr(page, "id=\"c1-hop-2\"") &&
        strstr(page, "id=\"c1-hop-3\""));
  CHECK(strstr(page, "href=\"#c1-hop-3\"") != NULL);
  dt_free(page);
  dt_chain_free(c);
}

/* A URL far wider than the picture: cut there (with "…" and the whole in
 * a tooltip), whole in the hop's fields. */
static void long_values_cut_in_the_picture(void) {
  char url[3000];
  strcpy(url, "https://long.test/");
  size_t n = strlen(url);
  while (n < sizeof url - 2)
    url[n++] = 'x';
  url[n] = 0;
  dt_chain *c = dt__chain_new("GET", url);
  dt_hop *h = dt__chain_add_hop(c);
  h->method = dt__chain_strdup(c, "GET");
  h->url = dt__chain_strdup(c, url);
  h->has_response = 1;
  h->status = 200;
  h->reason = "OK";
  dt__chain_set_final_url(c, url);
  char *page = dt_chain_to_html(c);
  CHECK(page != NULL);
  if (page) {
    const char *svg = strstr(page, "<svg"), *svg_end = strstr(page, "</svg>");
    CHECK(svg && svg_end);
    if (svg && svg_end) {
      char *pic = strndup(svg, (size_t)(svg_end - svg));
      CHECK(strstr(pic, "xxxxxxxxxx\xe2\x80\xa6") != NULL);
      CHECK(strstr(pic, "<title>1  GET https://long.test/") != NULL);
      free(pic);
    }
    const char *det = strstr(page, "<details");
    CHECK(det && strstr(det, url) != NULL);
  }
  dt_free(page);
  dt_chain_free(c);
}

static void several_chains_on_one_page(void) {
  dt_chain *a = hostile_chain(), *b = hostile_chain();
  const dt_chain *both[2] = {a, b};
  const char *captions[2] = {"First <one>\nwhy it <matters>", NULL};
  char *page = dt_chains_to_html(both, captions, 2, "title <x>");
  CHECK(page != NULL);
  if (page) {
    check_markup(page);
    CHECK(strstr(page, "<title>title &lt;x&gt;</title>") != NULL);
    CHECK(strstr(page, "<h2>First &lt;one&gt;</h2>") != NULL);
    CHECK(strstr(page, "why it &lt;matters&gt;") != NULL);
    CHECK(strstr(page, "id=\"c1-hop-2\"") && strstr(page, "id=\"c2-hop-2\""));
    CHECK(strstr(page, "id=\"c1-m-plain\"") &&
          strstr(page, "id=\"c2-m-plain\""));
  }
  dt_free(page);
  CHECK(dt_chains_to_html(both, NULL, 0, NULL) == NULL);
  const dt_chain *with_null[2] = {a, NULL};
  CHECK(dt_chains_to_html(with_null, NULL, 2, NULL) == NULL);
  CHECK(dt_chain_to_html(NULL) == NULL);
  dt_chain_free(a);
  dt_chain_free(b);
}

/* A navigation that ended before its first hop: its error, no diagram. */
static void no_hop(void) {
  dt_chain *c = dt__chain_new("GET", "http://[bad/");
  dt__chain_set_error(c, DT_EURL, "the URL could not be parsed");
  char *page = dt_chain_to_html(c);
  CHECK(page != NULL);
  if (page) {
    check_markup(page);
    CHECK(strstr(page, "<svg") == NULL);
    CHECK(strstr(page, "error EURL: the URL could not be parsed") != NULL);
  }
  dt_free(page);
  dt_chain_free(c);
}

int main(void) {
  no_hop();
  hostile_values_stay_text();
  long_values_cut_in_the_picture();
  several_chains_on_one_page();
  return dt_test_summary("test_chain_html");
}
