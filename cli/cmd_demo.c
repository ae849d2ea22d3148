/* cmd_demo.c — `detour demo`: detour's main job, shown on a built-in site.
 *
 * A throw-away site (cli/demo_site.c) plays demo.test on 127.0.0.1, with a
 * certificate made for this run. detour navigates to http://demo.test/
 * twice with a memory-only HSTS store, then submits two forms:
 *
 *   1. first visit: out over http, 301 to https, the STS field is noted;
 *   2. second visit: a synthetic 307 Internal Redirect, nothing sent to
 *      port 80 (the site's own connection count proves it);
 *   3. POST answered 302: followed with GET, body dropped;
 *   4. POST answered 307: followed with POST, body kept.
 *
 * Every step is also checked, so the demo is a self-test of the installed
 * binary: exit 0 when everything behaved as described, 1 (and which
 * expectation failed, on stderr) when not. Needs no file, fixture or
 * network.
 *
 * Why one loop and the async API (not dt_sync): dt_sync runs a private
 * loop only while it waits, and the site must answer while the client
 * waits. With the site and the client on one loop there is no thread and
 * no lock, and the counts are exact when a chain arrives: the site's
 * accept callback for a connection runs before its answer can reach the
 * client, so "plain-http connections during the second visit" is read
 * after everything that visit caused. */
#include "cli.h"
#include "demo_site.h"

#include <uv.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit status when an expectation fails (the error classes use 0, 2..11;
 * docs/cli.md). */
#define DEMO_EXIT_EXPECTATION 1
/* Each navigation is bounded, so a broken build cannot hang the demo. */
#define DEMO_TOTAL_TIMEOUT_MS 10000u

static const char help[] =
    "usage: detour demo [--json] [--html DIR]\n"
    "\n"
    "Starts a throw-away site on 127.0.0.1 that plays demo.test (http -> "
    "301 ->\n"
    "https with Strict-Transport-Security; two forms answering 302 and "
    "307), and\n"
    "shows, step by step, what detour does with it:\n"
    "  1. first visit to http://demo.test/: out over http, the STS field is "
    "noted\n"
    "  2. second visit: a synthetic 307 Internal Redirect, nothing sent to "
    "port 80\n"
    "  3. a form POST answered 302 is followed with GET, body dropped\n"
    "  4. a form POST answered 307 is followed with POST, body kept\n"
    "Nothing leaves this machine, and your HSTS store is not touched (the "
    "demo\n"
    "keeps its own in memory). Exit status 0 when every step behaved as "
    "described,\n"
    "1 when one did not (which one is said on stderr).\n"
    "\n"
    "      --json      {\"visits\": [chain, chain], \"forms\": [chain, "
    "chain],\n"
    "                   \"plain_connections_second_visit\": N}\n"
    "      --html DIR  also draw the four steps as one page, DIR/index.html "
    "(a\n"
    "                  sequence diagram per step; works offline; DIR is "
    "made\n"
    "                  when missing)\n";

static const struct option longopts[] = {{"json", no_argument, 0, 'j'},
                                         {"html", required_argument, 0, 'H'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};

typedef struct demo_run {
  uv_loop_t loop;
  int loop_ok;
  demo_site *site;
  dt_ctx *ctx;
  char ca_path[1024];
  int ca_made;
  int json;
  dt_chain *visits[2], *forms[2];
  unsigned plain[2]; /* plain-http connections during visit 1, visit 2 */
  char thanks_method[2][24];
  size_t thanks_body[2];
  unsigned checks, failed;
} demo_run;

/* ---- expectations ------------------------------------------------------- */

static void expect(demo_run *r, int ok, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void expect(demo_run *r, int ok, const char *fmt, ...) {
  r->checks++;
  if (ok) return;
  r->failed++;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cli_error("demo: expectation failed: %s", msg);
}

/* Hop I of CHAIN is METHOD URL answered STATUS, synthetic or not. */
static void expect_hop(demo_run *r, const char *step, const dt_chain *chain,
                       size_t i, const char *method, const char *url,
                       int status, int synthetic) {
  const dt_hop *h =
      i < dt_chain_hop_count(chain) ? dt_chain_hop(chain, i) : NULL;
  expect(r, h != NULL, "%s: no hop %zu", step, i + 1);
  if (!h) return;
  expect(r, h->method && !strcmp(h->method, method),
         "%s: hop %zu should be %s, was %s", step, i + 1, method,
         h->method ? h->method : "?");
  expect(r, h->url && !strcmp(h->url, url),
         "%s: hop %zu should go to %s, went to %s", step, i + 1, url,
         h->url ? h->url : "?");
  expect(r, h->has_response && h->status == status,
         "%s: hop %zu should be answered %d, was %d", step, i + 1, status,
         h->has_response ? h->status : 0);
  expect(r, !h->synthetic == !synthetic, "%s: hop %zu should %sbe synthetic",
         step, i + 1, synthetic ? "" : "not ");
}

static void expect_chain(demo_run *r, const char *step, const dt_chain *chain,
                         size_t hops) {
  int err = dt_chain_error(chain);
  const char *m = dt_chain_error_message(chain);
  expect(r, err == 0, "%s: navigation failed: %s: %s", step, dt_err_name(err),
         m ? m : dt_strerror(err));
  expect(r, dt_chain_hop_count(chain) == hops, "%s: %zu hops, expected %zu",
         step, dt_chain_hop_count(chain), hops);
}

/* ---- running ------------------------------------------------------------ */

static void on_chain(dt_chain *chain, void *ud) { *(dt_chain **)ud = chain; }

/* One navigation on the shared loop: the site answers from the same
 * uv_run calls that drive the client. Returns 0 or the DT_E* that kept it
 * from starting. */
static int navigate(demo_run *r, const dt_request *req, dt_chain **out) {
  *out = NULL;
  int rc = dt_fetch(r->ctx, req, on_chain, out, NULL);
  if (rc) {
    cli_error("demo: cannot start %s %s: %s", req->method ? req->method : "GET",
              req->url, dt_strerror(rc));
    return rc;
  }
  /* UV_RUN_ONCE until the callback: the listeners keep the loop alive. */
  while (!*out)
    uv_run(&r->loop, UV_RUN_ONCE);
  return 0;
}

/* The CA goes to a private temp file for ca_file (the context loads trust
 * from a path). mkstemp creates it 0600; removed at exit. */
static int write_ca(demo_run *r) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  int n =
      snprintf(r->ca_path, sizeof r->ca_path, "%s/detour-demo-ca-XXXXXX", dir);
  if (n < 0 || (size_t)n >= sizeof r->ca_path) {
    cli_error("demo: TMPDIR is too long");
    return DT_EIO;
  }
  int fd = mkstemp(r->ca_path);
  if (fd < 0) {
    cli_error("demo: cannot create a temporary file in %s", dir);
    return DT_EIO;
  }
  r->ca_made = 1;
  const char *pem = demo_site_ca_pem(r->site);
  size_t len = strlen(pem), off = 0;
  int bad = fchmod(fd, 0600) != 0;
  while (!bad && off < len) {
    ssize_t w = write(fd, pem + off, len - off);
    if (w <= 0)
      bad = 1;
    else
      off += (size_t)w;
  }
  bad |= close(fd) != 0;
  if (bad) {
    cli_error("demo: cannot write %s", r->ca_path);
    return DT_EIO;
  }
  return 0;
}

static int setup(demo_run *r) {
  char err[256];
  if (uv_loop_init(&r->loop) != 0) {
    cli_error("demo: cannot make an event loop");
    return DT_EINTERNAL;
  }
  r->loop_ok = 1;
  if (demo_site_start(&r->site, &r->loop, err, sizeof err) != 0) {
    cli_error("%s", err);
    return DT_EINTERNAL;
  }
  int rc = write_ca(r);
  if (rc) return rc;
  dt_ctx_options o;
  dt_limits lim;
  dt_ctx_options_init(&o);
  dt_limits_default(&lim);
  lim.total_timeout_ms = DEMO_TOTAL_TIMEOUT_MS;
  o.loop = &r->loop;
  o.limits = &lim;
  o.ca_file = r->ca_path;
  o.hsts_store_path = NULL; /* memory-only: the user's store stays as it is */
  rc = dt_ctx_new(&r->ctx, &o);
  if (rc) {
    cli_error("demo: cannot start: %s", dt_strerror(rc));
    return rc;
  }
  /* demo.test's two ports go to the site's listeners; Host, SNI and the
   * certificate check still use demo.test (curl's --connect-to). */
  char spec[64];
  snprintf(spec, sizeof spec, "demo.test:80:127.0.0.1:%d",
           demo_site_port(r->site, DEMO_PLAIN));
  rc = dt_ctx_add_connect_to(r->ctx, spec);
  if (rc == 0) {
    snprintf(spec, sizeof spec, "demo.test:443:127.0.0.1:%d",
             demo_site_port(r->site, DEMO_TLS));
    rc = dt_ctx_add_connect_to(r->ctx, spec);
  }
  if (rc) {
    cli_error("demo: cannot map demo.test: %s", dt_strerror(rc));
    return rc;
  }
  for (size_t i = 0; dt_ctx_warning(r->ctx, i); i++)
    cli_error("warning: %s", dt_ctx_warning(r->ctx, i));
  return 0;
}

static void on_ctx_closed(void *ud) { *(int *)ud = 1; }

static void teardown(demo_run *r) {
  for (int i = 0; i < 2; i++) {
    dt_chain_free(r->visits[i]);
    dt_chain_free(r->forms[i]);
  }
  if (r->ctx) {
    int closed = 0;
    dt_ctx_close(r->ctx, on_ctx_closed, &closed);
    while (!closed)
      uv_run(&r->loop, UV_RUN_ONCE);
  }
  demo_site_close(r->site);
  if (r->loop_ok) {
    uv_run(&r->loop, UV_RUN_DEFAULT); /* the site's close callbacks */
    if (uv_loop_close(&r->loop) != 0)
      cli_error("demo: internal error: a handle was left open");
  }
  if (r->ca_made) unlink(r->ca_path);
}

/* The four navigations. Returns 0, or the DT_E* that kept one from
 * starting (a failed navigation still gives a chain: checked later). */
static int run_steps(demo_run *r) {
  dt_request req;
  dt_request_init(&req);
  req.url = "http://demo.test/";
  unsigned before = demo_site_connections(r->site, DEMO_PLAIN);
  int rc = navigate(r, &req, &r->visits[0]);
  if (rc) return rc;
  unsigned mid = demo_site_connections(r->site, DEMO_PLAIN);
  r->plain[0] = mid - before;
  rc = navigate(r, &req, &r->visits[1]);
  if (rc) return rc;
  r->plain[1] = demo_site_connections(r->site, DEMO_PLAIN) - mid;

  /* The forms on https://demo.test/, submitted as a browser does: the page
   * is the initiator (Referer, Origin), the body urlencoded. */
  static const dt_header form_headers[] = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  static const char *const form_urls[2] = {"https://demo.test/form302",
                                           "https://demo.test/form307"};
  for (int i = 0; i < 2; i++) {
    dt_request_init(&req);
    req.method = "POST";
    req.url = form_urls[i];
    req.headers = form_headers;
    req.header_count = 1;
    req.body = (const uint8_t *)DEMO_SITE_FORM_BODY;
    req.body_len = sizeof DEMO_SITE_FORM_BODY - 1;
    req.initiator = "https://demo.test/";
    rc = navigate(r, &req, &r->forms[i]);
    if (rc) return rc;
    snprintf(r->thanks_method[i], sizeof r->thanks_method[i], "%s",
             demo_site_last_thanks(r->site, &r->thanks_body[i]));
  }
  return 0;
}

static void check(demo_run *r) {
  const size_t body = sizeof DEMO_SITE_FORM_BODY - 1;
  const dt_chain *v1 = r->visits[0], *v2 = r->visits[1];
  expect_chain(r, "first visit", v1, 2);
  expect_hop(r, "first visit", v1, 0, "GET", "http://demo.test/", 301, 0);
  expect_hop(r, "first visit", v1, 1, "GET", "https://demo.test/", 200, 0);
  const dt_hop *h = dt_chain_hop_count(v1) > 1 ? dt_chain_hop(v1, 1) : NULL;
  expect(r, h && h->sts && h->sts->outcome == DT_STS_NOTED,
         "first visit: the STS field should be noted, was %s",
         h && h->sts ? h->sts->outcome_name : "absent");
  expect(r, r->plain[0] == 1,
         "first visit: 1 plain-http connection expected, the site saw %u",
         r->plain[0]);

  expect_chain(r, "second visit", v2, 2);
  expect_hop(r, "second visit", v2, 0, "GET", "http://demo.test/", 307, 1);
  expect_hop(r, "second visit", v2, 1, "GET", "https://demo.test/", 200, 0);
  expect(r, r->plain[1] == 0,
         "second visit: no plain-http connection expected, the site saw %u",
         r->plain[1]);

  const char *step[2] = {"form answered 302", "form answered 307"};
  const char *next[2] = {"GET", "POST"};
  const size_t next_body[2] = {0, body};
  for (int i = 0; i < 2; i++) {
    const dt_chain *f = r->forms[i];
    expect_chain(r, step[i], f, 2);
    expect_hop(r, step[i], f, 0, "POST",
               i ? "https://demo.test/form307" : "https://demo.test/form302",
               i ? 307 : 302, 0);
    expect_hop(r, step[i], f, 1, next[i], "https://demo.test/thanks", 200, 0);
    const dt_hop *t = dt_chain_hop_count(f) > 1 ? dt_chain_hop(f, 1) : NULL;
    expect(r, t && t->req_body_bytes == next_body[i],
           "%s: the follow-up should send %zu body bytes, sent %zu", step[i],
           next_body[i], t ? (size_t)t->req_body_bytes : (size_t)0);
    /* What reached the wire, from the site's side. */
    expect(r,
           !strcmp(r->thanks_method[i], next[i]) &&
               r->thanks_body[i] == next_body[i],
           "%s: the site should see %s /thanks with %zu body bytes, saw "
           "'%s' with %zu",
           step[i], next[i], next_body[i], r->thanks_method[i],
           r->thanks_body[i]);
  }
}

/* ---- output ------------------------------------------------------------- */

static int print_chain(const dt_chain *chain) {
  char *s = dt_chain_to_text(chain);
  if (!s) {
    cli_error("out of memory");
    return DT_ENOMEM;
  }
  /* Indent so the chain stands apart from the narration. */
  for (char *line = s; *line;) {
    char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    printf("    %.*s\n", (int)len, line);
    line += len + (nl ? 1 : 0);
  }
  dt_free(s);
  return 0;
}

/* Each step's heading and explanation, for the text and the picture. */
static const char *const step_head[4] = {
    "Step 1. First visit to http://demo.test/",
    "Step 2. Second visit to http://demo.test/",
    "Step 3. A form on https://demo.test/ is POSTed, and answered 302",
    "Step 4. The same form POSTed to an endpoint answering 307"};
static const char *const step_body[4] = {
    "Nothing is known about demo.test yet, so the request goes out over "
    "plain\n"
    "http. The site redirects to https, and its https answer carries\n"
    "Strict-Transport-Security: max-age=31536000; includeSubDomains.\n"
    "The certificate verified, so detour notes demo.test as a Known HSTS "
    "Host\n"
    "(RFC 6797 section 8.1).",
    "demo.test is now a Known HSTS Host: the http URL becomes https before\n"
    "anything is sent (RFC 6797 section 8.3). That step shows as a "
    "synthetic\n"
    "\"307 Internal Redirect\", as browsers show it: no DNS lookup, no "
    "connection,\n"
    "no byte on port 80.",
    "Browsers follow a 301 or 302 to a POST with a GET and drop the body\n"
    "(Fetch, HTTP-redirect fetch; RFC 9110 section 15.4.3 allows it).",
    "307 and 308 keep the method and the body (RFC 9110 section 15.4.8):\n"
    "the browser POSTs again."};

static const dt_chain *step_chain(const demo_run *r, int i) {
  return i < 2 ? r->visits[i] : r->forms[i - 2];
}

/* What the site itself saw during step I (the wire's witness). */
static void step_evidence(const demo_run *r, int i, char *out, size_t cap) {
  if (i < 2)
    snprintf(out, cap, "plain-http connections during the %s visit: %u",
             i ? "second" : "first", r->plain[i]);
  else
    snprintf(out, cap, "the site saw: %s /thanks with %zu body bytes",
             r->thanks_method[i - 2], r->thanks_body[i - 2]);
}

static int print_text(demo_run *r) {
  int rc = 0;
  printf("detour demo: a throw-away site plays demo.test on this machine\n"
         "  http://demo.test/   -> 127.0.0.1:%d\n"
         "  https://demo.test/  -> 127.0.0.1:%d  (certificate from a CA made "
         "for this run)\n"
         "  HSTS store: in memory for this run only (yours is not touched)\n",
         demo_site_port(r->site, DEMO_PLAIN),
         demo_site_port(r->site, DEMO_TLS));
  for (int i = 0; i < 4; i++) {
    char evidence[160];
    printf("\n%s\n  ", step_head[i]);
    for (const char *p = step_body[i]; *p; p++) {
      putchar(*p);
      if (*p == '\n') fputs("  ", stdout);
    }
    printf("\n\n");
    if (print_chain(step_chain(r, i))) rc = DT_ENOMEM;
    step_evidence(r, i, evidence, sizeof evidence);
    printf("  %s\n", evidence);
  }
  if (r->failed)
    printf("\n%u of %u expectations FAILED (listed on stderr).\n", r->failed,
           r->checks);
  else
    printf("\nAll %u expectations held.\n", r->checks);
  return rc;
}

/* --html DIR: the four steps as one page, DIR/index.html (DIR is made when
 * missing, its parent is not: as mkdir, and as -o never makes one). */
static int write_html(demo_run *r, const char *dir) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    cli_error("cannot create %s: %s", dir, strerror(errno));
    return DT_EIO;
  }
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/index.html", dir);
  if (n < 0 || (size_t)n >= sizeof path) {
    cli_error("--html: the directory name is too long");
    return DT_EIO;
  }
  const dt_chain *chains[4];
  char caption[4][1024];
  const char *captions[4];
  for (int i = 0; i < 4; i++) {
    char evidence[160];
    step_evidence(r, i, evidence, sizeof evidence);
    /* the explanation as one paragraph: the page wraps it */
    char body[768];
    snprintf(body, sizeof body, "%s", step_body[i]);
    for (char *p = body; *p; p++)
      if (*p == '\n') *p = ' ';
    snprintf(caption[i], sizeof caption[i], "%s\n%s\n%s", step_head[i], body,
             evidence);
    captions[i] = caption[i];
    chains[i] = step_chain(r, i);
  }
  char *html = dt_chains_to_html(
      chains, captions, 4, "detour demo: what a browser does with demo.test");
  if (!html) {
    cli_error("out of memory");
    return DT_ENOMEM;
  }
  int rc = cli_write_file(path, html, strlen(html));
  dt_free(html);
  if (!rc && !r->json)
    printf("\nThe picture: %s (open it in any browser; it loads nothing)\n",
           path);
  return rc;
}

/* {"visits": [chain, chain], "forms": [chain, chain],
 *  "plain_connections_second_visit": N}, the chains as the library writes
 * them. */
static void chains_json(dt_json *w, const char *key, dt_chain *const *c) {
  dt_json_key(w, key);
  dt_json_arr_open(w);
  for (int i = 0; i < 2; i++) {
    char *js = dt_chain_to_json(c[i]);
    dt_json_raw(w, js);
    dt_free(js);
  }
  dt_json_arr_close(w);
}

static int print_json(demo_run *r) {
  dt_json *w = dt_json_new(0);
  dt_json_obj_open(w);
  chains_json(w, "visits", r->visits);
  chains_json(w, "forms", r->forms);
  dt_json_key(w, "plain_connections_second_visit");
  dt_json_uint(w, r->plain[1]);
  dt_json_obj_close(w);
  return cli_print_owned(dt_json_finish(w));
}

int cli_cmd_demo(int argc, char **argv) {
  demo_run r;
  memset(&r, 0, sizeof r);
  int c;
  const char *html_dir = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'j':
      r.json = 1;
      cli_json_mode();
      break;
    case 'H':
      if (!*optarg) return cli_usage_error("--html wants a directory");
      html_dir = optarg;
      break;
    case 'h': fputs(help, stdout); return CLI_EXIT_OK;
    default: return cli_bad_option("demo", argc, argv);
    }
  }
  if (optind != argc)
    return cli_usage_error("demo takes no arguments (try --help)");
  int rc = setup(&r);
  if (rc == 0) rc = run_steps(&r);
  if (rc) { /* the cause is already on stderr */
    teardown(&r);
    return cli_exit_for(rc);
  }
  check(&r);
  rc = r.json ? print_json(&r) : print_text(&r);
  if (!rc && html_dir) rc = write_html(&r, html_dir);
  int status = rc         ? cli_exit_for(rc)
               : r.failed ? DEMO_EXIT_EXPECTATION
                          : CLI_EXIT_OK;
  teardown(&r);
  return status;
}
