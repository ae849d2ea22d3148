/* cmd_fetch.c — `detour fetch URL`: one navigation, printed as the hop
 * chain (text, --json, --har or --html). curl's option names where curl has the
 * same option. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour fetch [options] URL\n"
    "\n"
    "Navigates to URL as a browser would: HSTS upgrade before any traffic "
    "(307\n"
    "Internal Redirect), redirects with the profile's method rules, and "
    "prints\n"
    "every hop. URL may lack its scheme, as typed (docs/cli.md).\n"
    "\n"
    "request\n"
    "  -X, --request METHOD      method (default GET, POST with -d)\n"
    "  -d, --data DATA           body (@FILE reads a file); method POST;\n"
    "                            repeated: joined with '&'; Content-Type\n"
    "                            urlencoded unless -H sets one (as curl)\n"
    "      --data-binary DATA    same, @FILE's bytes kept as they are\n"
    "      --data-raw DATA       same, '@' not special\n"
    "  -H, --header 'N: V'       extra request header (repeatable)\n"
    "  -A, --user-agent UA       User-Agent (only: client hints stay)\n"
    "      --identity browser|minimal  the profile browser's request fields\n"
    "                            (default), or curl's Host/User-Agent/Accept\n"
    "      --browser-version N   the browser's major version (UA, sec-ch-ua)\n"
    "      --initiator URL       navigate as a link/form on that page "
    "(Referer, Origin)\n"
    "      --mode navigate|cors  a top-level navigation, or fetch() from the\n"
    "                            --initiator page (default: the profile's)\n"
    "      --credentials omit|same-origin|include  fetch()'s (default "
    "same-origin)\n"
    "cookies (docs/cookies.md)\n"
    "  -b, --cookie DATA|FILE    'name=value; ...' for the URL, or curl's "
    "cookie file\n"
    "  -c, --cookie-jar FILE     write the jar there after the navigation "
    "('-' = stdout)\n"
    "      --no-cookies          no cookie jar: nothing sent, Set-Cookie "
    "ignored\n"
    "navigation\n"
    "      --profile NAME        " CLI_PROFILES " (docs/profiles.md)\n"
    "      --no-follow           do not follow redirects\n"
    "      --max-redirs N        follow at most N redirects\n";
/* in two: C11 promises string literals of 4,095 bytes, not more */
static const char help_more[] =
    "HSTS\n"
    "      --hsts-store FILE     store file (default "
    "$XDG_DATA_HOME/detour/hsts.txt)\n"
    "      --no-hsts-store       keep the store in memory only\n"
    "      --no-hsts             no HSTS at all (no store, no preload list)\n"
    "      --no-preload          no preload list\n"
    "      --no-https-upgrades   do not try https first for http URLs\n"
    "      --https-upgrades-wait S  https alone before the fallback (3) or\n"
    "                            the http probe (firefox, 2.2)\n"
    "      --no-redirect-cache   ask for every redirect again\n"
    "      --user-data-dir DIR   what the browser remembers (HSTS store, "
    "cookies,\n"
    "                            redirect cache, HTTPS-Upgrades fallbacks; "
    "default\n"
    "                            ~/.local/share/detour)\n"
    "      --preload-file FILE   use a blob from `detour preload compile`\n"
    "      --disable-stale-preload  a list older than 70 days is not used "
    "(Chromium)\n"
    "connection\n"
    "      --resolve H:P:ADDR    resolve H:P to ADDR (curl semantics)\n"
    "      --connect-to H:P:H2:P2  connect to H2:P2 for H:P\n"
    "      --cacert FILE         trust the CAs in FILE\n"
    "      --http1.1             offer only HTTP/1.1 in TLS (ALPN)\n"
    "      --http2               offer h2, then http/1.1 (the default, as "
    "browsers)\n"
    "  -k, --insecure            do not enforce certificate checks (never "
    "for\n"
    "                            a Known HSTS Host)\n"
    "      --connect-timeout S   per address attempt (seconds)\n"
    "  -m, --max-time S          whole navigation (seconds)\n"
    "      --dns-timeout S, --tls-timeout S, --first-byte-timeout S,\n"
    "      --idle-timeout S      the other phases (seconds; docs/cli.md)\n"
    "      --max-header-bytes N  response head limit (256 KiB, Chromium's)\n"
    "      --max-header-count N  response header fields (1000)\n"
    "      --max-body-bytes N    body bytes kept per hop\n"
    "output\n"
    "      --json                the chain as JSON (docs/json-output.md)\n"
    "      --har FILE            also write the chain as HAR 1.2 ('-' = "
    "stdout)\n"
    "      --html FILE           also write the chain as a picture: one HTML "
    "page,\n"
    "                            offline, --explain beside it ('-' = "
    "stdout)\n"
    "      --explain             narrate every decision with its rule\n"
    "  -o, --output FILE         write the final body to FILE ('-' = "
    "stdout; the chain\n"
    "                            then goes to stderr)\n"
    "  -v, --verbose             wire trace on stderr\n" CLI_COLOR_HELP;

enum {
  O_DATA_BINARY = 256,
  O_DATA_RAW,
  O_JSON,
  O_HAR,
  O_HTML,
  O_CACERT,
  O_RESOLVE,
  O_CONNECT_TO,
  O_CONNECT_TIMEOUT,
  O_MAX_HEADER_BYTES,
  O_MAX_HEADER_COUNT,
  O_MAX_BODY_BYTES,
  O_PROFILE,
  O_NO_FOLLOW,
  O_MAX_REDIRS,
  O_INITIATOR,
  O_HSTS_STORE,
  O_NO_HSTS_STORE,
  O_NO_HSTS,
  O_NO_PRELOAD,
  O_PRELOAD_FILE,
  O_STALE_OFF,
  O_EXPLAIN,
  O_HELP,
  O_DNS_TIMEOUT,
  O_TLS_TIMEOUT,
  O_FIRST_BYTE_TIMEOUT,
  O_IDLE_TIMEOUT,
  O_HTTP1_1,
  O_HTTP2,
  O_IDENTITY,
  O_BROWSER_VERSION,
  O_NO_HTTPS_UPGRADES,
  O_HTTPS_UPGRADES_WAIT,
  O_USER_DATA_DIR,
  O_NO_REDIRECT_CACHE,
  O_NO_COOKIES,
  O_MODE,
  O_CREDENTIALS,
  O_COLOR,
  O_VERSION
};

static const struct option longopts[] = {
    {"request", required_argument, 0, 'X'},
    {"data", required_argument, 0, 'd'},
    {"data-binary", required_argument, 0, O_DATA_BINARY},
    {"data-raw", required_argument, 0, O_DATA_RAW},
    {"header", required_argument, 0, 'H'},
    {"user-agent", required_argument, 0, 'A'},
    {"output", required_argument, 0, 'o'},
    {"insecure", no_argument, 0, 'k'},
    {"verbose", no_argument, 0, 'v'},
    {"max-time", required_argument, 0, 'm'},
    {"json", no_argument, 0, O_JSON},
    {"har", required_argument, 0, O_HAR},
    {"html", required_argument, 0, O_HTML},
    {"cacert", required_argument, 0, O_CACERT},
    {"resolve", required_argument, 0, O_RESOLVE},
    {"connect-to", required_argument, 0, O_CONNECT_TO},
    {"connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT},
    {"max-header-bytes", required_argument, 0, O_MAX_HEADER_BYTES},
    {"max-header-count", required_argument, 0, O_MAX_HEADER_COUNT},
    {"max-body-bytes", required_argument, 0, O_MAX_BODY_BYTES},
    {"profile", required_argument, 0, O_PROFILE},
    {"no-follow", no_argument, 0, O_NO_FOLLOW},
    {"max-redirs", required_argument, 0, O_MAX_REDIRS},
    {"initiator", required_argument, 0, O_INITIATOR},
    {"hsts-store", required_argument, 0, O_HSTS_STORE},
    {"no-hsts-store", no_argument, 0, O_NO_HSTS_STORE},
    {"no-hsts", no_argument, 0, O_NO_HSTS},
    {"no-preload", no_argument, 0, O_NO_PRELOAD},
    {"preload-file", required_argument, 0, O_PRELOAD_FILE},
    {"disable-stale-preload", no_argument, 0, O_STALE_OFF},
    {"explain", no_argument, 0, O_EXPLAIN},
    {"dns-timeout", required_argument, 0, O_DNS_TIMEOUT},
    {"tls-timeout", required_argument, 0, O_TLS_TIMEOUT},
    {"first-byte-timeout", required_argument, 0, O_FIRST_BYTE_TIMEOUT},
    {"idle-timeout", required_argument, 0, O_IDLE_TIMEOUT},
    {"http1.1", no_argument, 0, O_HTTP1_1},
    {"http2", no_argument, 0, O_HTTP2},
    {"identity", required_argument, 0, O_IDENTITY},
    {"browser-version", required_argument, 0, O_BROWSER_VERSION},
    {"no-https-upgrades", no_argument, 0, O_NO_HTTPS_UPGRADES},
    {"https-upgrades-wait", required_argument, 0, O_HTTPS_UPGRADES_WAIT},
    {"user-data-dir", required_argument, 0, O_USER_DATA_DIR},
    {"no-redirect-cache", no_argument, 0, O_NO_REDIRECT_CACHE},
    {"cookie", required_argument, 0, 'b'},
    {"cookie-jar", required_argument, 0, 'c'},
    {"no-cookies", no_argument, 0, O_NO_COOKIES},
    {"mode", required_argument, 0, O_MODE},
    {"credentials", required_argument, 0, O_CREDENTIALS},
    {"color", optional_argument, 0, O_COLOR},
    {"colour", optional_argument, 0, O_COLOR},
    {"help", no_argument, 0, O_HELP},
    {"version", no_argument, 0, O_VERSION},
    {0, 0, 0, 0}};

/* -v: one trace line per line of data, control bytes escaped so a hostile
 * server cannot drive the terminal. */
static void trace(char dir, const char *data, size_t len, void *ud) {
  (void)ud;
  size_t i = 0;
  while (i < len) {
    fprintf(stderr, "%c ", dir);
    for (; i < len; i++) {
      unsigned char c = (unsigned char)data[i];
      if (c == '\n') {
        i++;
        break;
      }
      if (c == '\r') continue;
      if (c < 0x20 || c == 0x7f)
        fprintf(stderr, "\\x%02x", c);
      else
        fputc(c, stderr);
    }
    fputc('\n', stderr);
  }
}

typedef struct fetch_opts {
  dt_ctx_options ctx;
  dt_limits limits;
  dt_request req;
  int max_body_set;    /* --max-body-bytes given: with -o, a cap on the file */
  cli_request_opts rq; /* -H, -d, --resolve, --connect-to */
  int json, explain, verbose, no_store;
  int color; /* CLI_COLOR_*: the chain text's */
  const char *output, *store_opt, *har, *html, *user_data_dir;
  const char *cookies[16]; /* -b, in order */
  size_t ncookies;
  const char *cookie_jar; /* -c */
} fetch_opts;

static int limit_opt(const char *name, const char *arg, size_t *out) {
  unsigned long long v;
  if (cli_parse_uint(arg, SIZE_MAX, &v) || v == 0)
    return cli_usage_error("%s wants a positive number of bytes, got '%s'",
                           name, arg);
  *out = (size_t)v;
  return 0;
}

static int timeout_opt(const char *name, uint32_t *ms) {
  if (cli_parse_seconds_ms(optarg, ms))
    return cli_usage_error("%s wants seconds (e.g. 2 or 0.5), got '%s'", name,
                           optarg);
  return 0;
}

static int parse(fetch_opts *o, int argc, char **argv, const char **url) {
  int c, rc = 0;
  optind = 1;
  while (!rc && (c = getopt_long(argc, argv, "X:d:H:A:o:kvm:b:c:", longopts,
                                 NULL)) != -1) {
    switch (c) {
    case 'X': o->req.method = optarg; break;
    case 'd':
    case O_DATA_BINARY:
    case O_DATA_RAW:
      rc = cli_req_add_body(&o->rq, optarg,
                            c == 'd'             ? CLI_BODY_DATA
                            : c == O_DATA_BINARY ? CLI_BODY_BINARY
                                                 : CLI_BODY_RAW,
                            o->limits.max_request_body);
      break;
    case 'H': rc = cli_req_add_header(&o->rq, optarg); break;
    case 'A': o->ctx.user_agent = optarg; break;
    case 'o': o->output = optarg; break;
    case 'k': o->ctx.insecure = 1; break;
    case 'v': o->verbose = 1; break;
    case 'm':
      rc = timeout_opt("--max-time", &o->limits.total_timeout_ms);
      break;
    case O_CONNECT_TIMEOUT:
      rc = timeout_opt("--connect-timeout", &o->limits.connect_timeout_ms);
      break;
    case O_DNS_TIMEOUT:
      rc = timeout_opt("--dns-timeout", &o->limits.dns_timeout_ms);
      break;
    case O_TLS_TIMEOUT:
      rc = timeout_opt("--tls-timeout", &o->limits.tls_timeout_ms);
      break;
    case O_FIRST_BYTE_TIMEOUT:
      rc =
          timeout_opt("--first-byte-timeout", &o->limits.first_byte_timeout_ms);
      break;
    case O_IDLE_TIMEOUT:
      rc = timeout_opt("--idle-timeout", &o->limits.idle_timeout_ms);
      break;
    case O_JSON:
      o->json = 1;
      cli_json_mode();
      break;
    case O_HAR: o->har = optarg; break;
    case O_HTML: o->html = optarg; break;
    case O_EXPLAIN: o->explain = 1; break;
    case O_CACERT: o->ctx.ca_file = optarg; break;
    case O_RESOLVE: rc = cli_req_add_resolve(&o->rq, optarg); break;
    case O_CONNECT_TO: rc = cli_req_add_connect_to(&o->rq, optarg); break;
    case O_MAX_HEADER_COUNT:
      rc = limit_opt("--max-header-count", optarg, &o->limits.max_header_count);
      break;
    case O_MAX_HEADER_BYTES:
      rc = limit_opt("--max-header-bytes", optarg, &o->limits.max_header_bytes);
      break;
    case O_MAX_BODY_BYTES:
      rc = limit_opt("--max-body-bytes", optarg, &o->limits.max_body_bytes);
      o->max_body_set = 1;
      break;
    case O_PROFILE: o->ctx.profile = optarg; break;
    case O_NO_FOLLOW: o->req.no_follow = 1; break;
    case O_MAX_REDIRS: {
      unsigned long long v = 0;
      if (cli_parse_uint(optarg, 1000, &v)) {
        rc = cli_usage_error("--max-redirs wants 0..1000, got '%s'", optarg);
        break;
      }
      o->req.max_redirects_set = 1;
      o->req.max_redirects = (unsigned)v;
      break;
    }
    case O_INITIATOR: o->req.initiator = optarg; break;
    case O_HSTS_STORE: o->store_opt = optarg; break;
    case O_NO_HSTS_STORE: o->no_store = 1; break;
    case O_NO_HSTS: o->ctx.hsts_off = 1; break;
    case O_NO_PRELOAD: o->ctx.no_preload = 1; break;
    case O_PRELOAD_FILE: o->ctx.preload_file = optarg; break;
    case O_STALE_OFF: o->ctx.preload_disable_stale = 1; break;
    case O_HTTP1_1: o->ctx.http_version = DT_HTTP_1_1; break;
    case O_HTTP2: o->ctx.http_version = DT_HTTP_2; break;
    case O_NO_HTTPS_UPGRADES: o->ctx.no_https_upgrades = 1; break;
    case O_HTTPS_UPGRADES_WAIT: {
      uint32_t ms = 0;
      rc = timeout_opt("--https-upgrades-wait", &ms);
      if (!rc && (ms == 0 || ms > 600000))
        rc = cli_usage_error("--https-upgrades-wait wants more than 0 and at "
                             "most 600 seconds, got '%s'",
                             optarg);
      o->ctx.https_upgrades_wait_ms = ms;
      break;
    }
    case O_USER_DATA_DIR: o->user_data_dir = optarg; break;
    case O_NO_REDIRECT_CACHE: o->ctx.no_redirect_cache = 1; break;
    case 'b':
      if (o->ncookies == sizeof o->cookies / sizeof o->cookies[0])
        rc = cli_usage_error("-b: at most 16");
      else
        o->cookies[o->ncookies++] = optarg;
      break;
    case 'c': o->cookie_jar = optarg; break;
    case O_NO_COOKIES: o->ctx.no_cookies = 1; break;
    case O_MODE:
      if (strcmp(optarg, "navigate") == 0)
        o->req.mode = DT_MODE_NAVIGATE;
      else if (strcmp(optarg, "cors") == 0)
        o->req.mode = DT_MODE_CORS;
      else
        rc = cli_usage_error("--mode is navigate or cors, got '%s'", optarg);
      break;
    case O_CREDENTIALS:
      if (strcmp(optarg, "omit") == 0)
        o->req.credentials = DT_CREDENTIALS_OMIT;
      else if (strcmp(optarg, "same-origin") == 0)
        o->req.credentials = DT_CREDENTIALS_SAME_ORIGIN;
      else if (strcmp(optarg, "include") == 0)
        o->req.credentials = DT_CREDENTIALS_INCLUDE;
      else
        rc = cli_usage_error(
            "--credentials is omit, same-origin or include, got '%s'", optarg);
      break;
    case O_IDENTITY:
      if (strcmp(optarg, "browser") == 0)
        o->ctx.identity = DT_IDENTITY_BROWSER;
      else if (strcmp(optarg, "minimal") == 0)
        o->ctx.identity = DT_IDENTITY_MINIMAL;
      else
        rc = cli_usage_error("--identity is browser or minimal, got '%s'",
                             optarg);
      break;
    case O_BROWSER_VERSION: {
      unsigned long long v = 0;
      if (cli_parse_uint(optarg, 9999, &v) || v == 0) {
        rc = cli_usage_error("--browser-version wants 1..9999, got '%s'",
                             optarg);
        break;
      }
      o->ctx.browser_version = (unsigned)v;
      break;
    }
    case O_COLOR: rc = cli_color_parse(optarg, &o->color); break;
    case O_HELP:
      fputs(help, stdout);
      fputs(help_more, stdout);
      return -1;
    case O_VERSION: printf("%s\n", dt_version_info()); return -1;
    default: return cli_bad_option("fetch", argc, argv);
    }
  }
  if (rc) return rc;
  if (optind != argc - 1)
    return cli_usage_error(optind >= argc ? "fetch wants a URL"
                                          : "fetch wants exactly one URL");
  *url = argv[optind];
  if (o->json + o->explain > 1)
    return cli_usage_error("--json and --explain are exclusive");
  if (o->har && !strcmp(o->har, "-") && (o->json || o->explain))
    return cli_usage_error("--har - takes stdout: drop --json/--explain");
  if (o->html && !strcmp(o->html, "-") &&
      (o->json || o->explain || (o->har && !strcmp(o->har, "-"))))
    return cli_usage_error(
        "--html - takes stdout: drop --json/--explain/--har -");
  /* -o -: the body alone on stdout, as curl's; the chain text then goes
   * to stderr, like curl -v's lines. A JSON or HAR document cannot. */
  if (o->output && !strcmp(o->output, "-") &&
      (o->json || o->explain || (o->har && !strcmp(o->har, "-")) ||
       (o->html && !strcmp(o->html, "-"))))
    return cli_usage_error("-o - takes stdout: drop --json/--explain/--har "
                           "-/--html - (or -o FILE)");
  if (o->ctx.profile && !strcmp(o->ctx.profile, ""))
    return cli_usage_error("--profile wants a name");
  if (o->req.mode == DT_MODE_CORS && !o->req.initiator)
    return cli_usage_error("--mode cors is fetch() run by a page: give "
                           "--initiator URL");
  if ((o->ncookies || o->cookie_jar) && o->ctx.no_cookies)
    return cli_usage_error("-b/-c and --no-cookies are exclusive");
  int brc = cli_req_body_fields(&o->rq); /* curl's Content-Type for -d */
  if (brc) return brc;
  o->req.headers = o->rq.headers;
  o->req.header_count = o->rq.nheaders;
  o->req.body = (const uint8_t *)o->rq.body;
  o->req.body_len = o->rq.body_len;
  if (!o->req.method) o->req.method = o->req.body ? "POST" : "GET";
  return cli_check_wire(&o->ctx, &o->req);
}

/* -o FILE: the final body streams to the file as it arrives, so a body of
 * any size lands whole in constant memory; a write error or the
 * --max-body-bytes cap stops the navigation with a named error, never a
 * silent truncation. */
typedef struct sink {
  FILE *f;
  const char *path;
  uint64_t written, cap; /* cap 0: none */
  int err_no;            /* errno of a failed write */
} sink;

static int write_body(const dt_hop *hop, const uint8_t *data, size_t len,
                      void *ud) {
  (void)hop;
  sink *k = ud;
  if (k->cap && k->written + len > k->cap) {
    size_t room = (size_t)(k->cap - k->written);
    if (room) fwrite(data, 1, room, k->f);
    k->written += room;
    return DT_ELIMIT_BODY_BYTES;
  }
  if (fwrite(data, 1, len, k->f) != len) {
    k->err_no = errno ? errno : EIO;
    return DT_EIO;
  }
  k->written += len;
  return 0;
}

static int open_sink(sink *k, const char *path) {
  k->path = path;
  if (!strcmp(path, "-")) {
    k->f = stdout;
    cli_stdout_used();
    return 0;
  }
  k->f = fopen(path, "wb");
  if (!k->f) {
    cli_error("cannot create %s: %s", path, strerror(errno));
    return DT_EIO;
  }
  return 0;
}

static int close_sink(sink *k) {
  if (!k->f) return 0;
  int bad = k->f == stdout ? fflush(k->f) != 0 : fclose(k->f) != 0;
  if (bad && !k->err_no) k->err_no = errno ? errno : EIO;
  k->f = NULL;
  return bad;
}

/* -b: "name=value; n2=v2" are cookies for URL (set as its response would
 * set them: host-only, session, the jar's rules), anything else is curl's
 * Netscape cookie file, as curl reads -b. */
static int load_cookies(fetch_opts *o, dt_ctx *ctx, const char *url) {
  for (size_t i = 0; i < o->ncookies; i++) {
    const char *b = o->cookies[i];
    if (!strchr(b, '=')) {
      dt_cookie_import_report rep;
      dt_error e = {0};
      if (dt_ctx_cookies_import(ctx, b, &rep, &e)) return cli_fail(&e);
      if (rep.skipped)
        cli_error("warning: %s: %zu bad line%s skipped", b, rep.skipped,
                  rep.skipped == 1 ? "" : "s");
      continue;
    }
    char *copy = strdup(b);
    if (!copy) return cli_exit_for(DT_ENOMEM);
    for (char *save = NULL, *pair = strtok_r(copy, ";", &save); pair;
         pair = strtok_r(NULL, ";", &save)) {
      while (*pair == ' ')
        pair++;
      if (!*pair) continue;
      char why[256];
      int rc = dt_ctx_cookie_set(ctx, url, pair, why, sizeof why);
      if (rc == DT_EURL) break; /* the navigation reports the URL */
      if (rc) {
        cli_error("-b '%s': not kept: %s", pair,
                  why[0] ? why : dt_strerror(rc));
        free(copy);
        return CLI_EXIT_USAGE;
      }
    }
    free(copy);
  }
  return 0;
}

/* The navigation's error for people, once, on stderr: "detour: CODE:
 * message", the URL with a caret under the byte its parse stopped at, and
 * the hint (dt_chain_error_hint). */
static void fetch_error(const dt_chain *chain, int err, const char *url) {
  dt_error e = {0};
  e.code = err;
  snprintf(e.message, sizeof e.message, "%s: %s", dt_err_name(err),
           dt_chain_error(chain) ? dt_chain_error_message(chain)
                                 : dt_strerror(err));
  const char *hint = dt_chain_error(chain) ? dt_chain_error_hint(chain) : NULL;
  if (hint) snprintf(e.hint, sizeof e.hint, "%s", hint);
  /* where the URL's parse stopped: the parser says it again */
  dt_url *u = NULL;
  dt_error pe = {0};
  char *bar = NULL;
  if (err == DT_EURL && dt_chain_hop_count(chain) == 0 &&
      (dt_chain_typed(chain) /* address-bar input: the bar's own parse */
           ? dt_address_bar_url(url, &bar, NULL, &pe) == DT_EURL
           : dt_url_parse_err(&u, url, strlen(url), NULL, &pe) == DT_EURL))
    e.column = pe.column;
  dt_url_free(u);
  dt_free(bar);
  cli_error_why(&e, url);
}

int cli_cmd_fetch(int argc, char **argv) {
  fetch_opts o;
  memset(&o, 0, sizeof o);
  dt_ctx_options_init(&o.ctx);
  dt_limits_default(&o.limits);
  dt_request_init(&o.req);
  o.ctx.limits = &o.limits;
  const char *url = NULL;
  char store_path[1024];
  sink body = {0};
  int rc = parse(&o, argc, argv, &url);
  dt_sync *s = NULL;
  dt_chain *chain = NULL;
  if (rc) goto out;
  /* What the browser remembers: the user-data directory (--user-data-dir,
   * else the default store's directory), the HSTS store in it unless
   * --hsts-store names another file; --no-hsts-store keeps it all in
   * memory. */
  char udd[1024];
  if (!o.no_store && o.user_data_dir) {
    if ((rc = cli_user_data_dir(o.user_data_dir, udd, sizeof udd)) != 0 ||
        (o.store_opt && (rc = cli_hsts_store_path(o.store_opt, store_path,
                                                  sizeof store_path)) != 0))
      goto out;
    o.ctx.user_data_dir = udd;
    if (o.store_opt) o.ctx.hsts_store_path = store_path;
  } else if (!o.no_store) {
    int prc = cli_hsts_store_path(o.store_opt, store_path, sizeof store_path);
    if (prc == 0) {
      if (!o.ctx.hsts_off) o.ctx.hsts_store_path = store_path;
      if (!o.store_opt && cli_user_data_dir(NULL, udd, sizeof udd) == 0)
        o.ctx.user_data_dir = udd;
    } else if (prc == -1) {
      cli_error("warning: no HSTS store path ($XDG_DATA_HOME and $HOME "
                "unset): the store is kept in memory only");
    } else {
      rc = prc;
      goto out;
    }
  }
  dt_error start_err = {0};
  o.ctx.error = &start_err;
  rc = dt_sync_new(&s, &o.ctx);
  if (rc) {
    if (rc == DT_EINVAL && o.ctx.profile && !dt_profile_exists(o.ctx.profile))
      rc = cli_unknown_profile(o.ctx.profile);
    else {
      cli_error("cannot start: %s",
                start_err.message[0] ? start_err.message : dt_strerror(rc));
      rc = cli_exit_for(rc);
    }
    goto out;
  }
  dt_ctx *ctx = dt_sync_ctx(s);
  if ((rc = cli_req_apply_overrides(&o.rq, ctx)) != 0) goto out;
  /* The context's warnings: on stderr as they come, or in the JSON
   * document's "warnings", never both. */
  size_t warned = 0;
  for (; !o.json && dt_ctx_warning(ctx, warned); warned++)
    cli_error("warning: %s", dt_ctx_warning(ctx, warned));
  if (o.verbose) dt_ctx_set_trace(ctx, trace, NULL);
  o.req.url = url;
  /* Typed, the URL is address-bar input: without a scheme the bar adds
   * one and the profile's HTTPS-Upgrades / HTTPS-First decides whether
   * https goes first (dt_address_bar_url). A link's URL (--initiator) is
   * a URL. */
  if (!o.req.initiator) o.req.input = DT_INPUT_ADDRESS_BAR;
  /* -b's cookies are for the URL the navigation goes to */
  char *bar_url = NULL;
  if (o.req.input == DT_INPUT_ADDRESS_BAR)
    dt_address_bar_url(url, &bar_url, NULL, NULL); /* a failure: the
                                                      navigation says why */
  rc = load_cookies(&o, ctx, bar_url ? bar_url : url);
  dt_free(bar_url);
  if (rc) goto out;
  if (o.output) {
    if ((rc = open_sink(&body, o.output)) != 0) {
      rc = cli_exit_for(rc);
      goto out;
    }
    body.cap = o.max_body_set ? o.limits.max_body_bytes : 0;
    o.req.on_body = write_body;
  }
  int err = dt_sync_fetch(s, &o.req, &chain, &body);
  if (close_sink(&body) && !err) err = DT_EIO;
  if (!chain) {
    cli_error("%s: %s", dt_err_name(err), dt_strerror(err));
    rc = cli_exit_for(err);
    goto out;
  }
  /* The chain's warnings: the context's, and the preload list's age when
   * a preload entry decided a hop (docs/cli.md). */
  for (size_t i = 0; !o.json && dt_chain_warning(chain, i); i++) {
    const char *w = dt_chain_warning(chain, i);
    int seen = 0;
    for (size_t k = 0; k < warned && !seen; k++)
      seen = !strcmp(w, dt_ctx_warning(ctx, k));
    if (!seen) cli_error("warning: %s", w);
  }
  if (o.cookie_jar) { /* -c: as curl, after the transfer, even on error */
    dt_error e = {0};
    int jrc;
    if (!strcmp(o.cookie_jar, "-")) {
      char *t = dt_ctx_cookies_export(ctx);
      jrc = t ? 0 : DT_ENOMEM;
      if (t) fputs(t, stdout);
      dt_free(t);
      cli_stdout_used();
    } else {
      jrc = dt_ctx_cookies_export_file(ctx, o.cookie_jar, &e);
    }
    if (jrc) {
      cli_error("cannot write the cookie jar: %s",
                e.message[0] ? e.message : dt_strerror(jrc));
      err = err ? err : jrc;
    }
  }
  if (o.har) {
    char *har = dt_chain_to_har(chain);
    if (!har || cli_write_file(o.har, har, strlen(har)))
      err = err ? err : DT_EIO;
    dt_free(har);
  }
  if (o.html) { /* the picture: written even when the navigation failed */
    char *html = dt_chain_to_html(chain);
    if (!html || cli_write_file(o.html, html, strlen(html)))
      err = err ? err : DT_EIO;
    dt_free(html);
  }
  /* The error once: in the document (--json, --explain), else on stderr
   * after the hops the navigation made (none: no chain to show). */
  if (o.json)
    cli_print_owned(dt_chain_to_json(chain));
  else if (o.explain)
    cli_print_owned(dt_chain_to_explain(chain));
  else if ((!o.har || strcmp(o.har, "-")) && (!o.html || strcmp(o.html, "-")) &&
           (!dt_chain_error(chain) || dt_chain_hop_count(chain) > 0)) {
    /* the text goes to stderr when -o - takes stdout: coloured for the
     * stream it is written to; the error is said once, below */
    FILE *to = o.output && !strcmp(o.output, "-") ? stderr : stdout;
    dt_text_options topt;
    dt_text_options_init(&topt);
    topt.color = cli_color_for(o.color, to);
    topt.no_error = 1;
    cli_print_owned_to(to, dt_chain_to_text_ex(chain, &topt));
  }
  if (err && !o.json && !o.explain) {
    cli_error_color(cli_color_for(o.color, stderr));
    fetch_error(chain, err, url);
    cli_error_color(0);
  }
  if (o.output && body.err_no)
    cli_error("cannot write %s: %s (%llu bytes written)", o.output,
              strerror(body.err_no), (unsigned long long)body.written);
  else if (o.output && err == DT_ELIMIT_BODY_BYTES)
    cli_error("the body is larger than --max-body-bytes %llu: %s holds only "
              "the first %llu bytes",
              (unsigned long long)body.cap, o.output,
              (unsigned long long)body.written);
  rc = cli_exit_for(err);
out:
  close_sink(&body);
  dt_chain_free(chain);
  if (s) {
    dt_sync_free(s); /* saves the HSTS store */
  }
  cli_req_free(&o.rq);
  return rc < 0 ? 0 : rc;
}
