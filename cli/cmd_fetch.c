/* cmd_fetch.c — `detour fetch URL`: one navigation, printed as the hop
 * chain (text, --json or --har). curl's option names where curl has the
 * same option. */
#include "cli.h"

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
    "every hop.\n"
    "\n"
    "request\n"
    "  -X, --request METHOD      method (default GET, POST with -d)\n"
    "  -d, --data DATA           body (@FILE reads a file); method POST\n"
    "      --data-binary DATA    same, bytes kept as they are\n"
    "  -H, --header 'N: V'       extra request header (repeatable)\n"
    "  -A, --user-agent UA       User-Agent\n"
    "      --initiator URL       navigate as a link/form on that page "
    "(Referer, Origin)\n"
    "navigation\n"
    "      --profile NAME        " CLI_PROFILES " (docs/profiles.md)\n"
    "      --no-follow           do not follow redirects\n"
    "      --max-redirs N        follow at most N redirects\n"
    "HSTS\n"
    "      --hsts-store FILE     store file (default "
    "$XDG_DATA_HOME/detour/hsts.txt)\n"
    "      --no-hsts-store       keep the store in memory only\n"
    "      --no-hsts             no HSTS at all (no store, no preload list)\n"
    "      --no-preload          no preload list\n"
    "      --preload-file FILE   use a blob from `detour preload compile`\n"
    "      --disable-stale-preload  a list older than 70 days is not used "
    "(Chromium)\n"
    "connection\n"
    "      --resolve H:P:ADDR    resolve H:P to ADDR (curl semantics)\n"
    "      --connect-to H:P:H2:P2  connect to H2:P2 for H:P\n"
    "      --cacert FILE         trust the CAs in FILE\n"
    "  -k, --insecure            do not enforce certificate checks (never "
    "for\n"
    "                            a Known HSTS Host)\n"
    "      --connect-timeout S   per address attempt (seconds)\n"
    "  -m, --max-time S          whole navigation (seconds)\n"
    "      --dns-timeout S, --tls-timeout S, --first-byte-timeout S,\n"
    "      --idle-timeout S      the other phases (seconds; docs/cli.md)\n"
    "      --max-header-bytes N  response head limit\n"
    "      --max-body-bytes N    body bytes kept per hop\n"
    "output\n"
    "      --json                the chain as JSON (docs/json-output.md)\n"
    "      --har FILE            also write the chain as HAR 1.2 ('-' = "
    "stdout)\n"
    "      --explain             narrate every decision with its rule\n"
    "  -o, --output FILE         write the final body to FILE ('-' = "
    "stdout; the chain\n"
    "                            then goes to stderr)\n"
    "  -v, --verbose             wire trace on stderr\n";

enum {
  O_DATA_BINARY = 256, O_JSON, O_HAR, O_CACERT, O_RESOLVE, O_CONNECT_TO,
  O_CONNECT_TIMEOUT, O_MAX_HEADER_BYTES, O_MAX_BODY_BYTES, O_PROFILE,
  O_NO_FOLLOW, O_MAX_REDIRS, O_INITIATOR, O_HSTS_STORE, O_NO_HSTS_STORE,
  O_NO_HSTS, O_NO_PRELOAD, O_PRELOAD_FILE, O_STALE_OFF, O_EXPLAIN, O_HELP, O_DNS_TIMEOUT,
  O_TLS_TIMEOUT, O_FIRST_BYTE_TIMEOUT, O_IDLE_TIMEOUT, O_VERSION
};

static const struct option longopts[] = {
    {"request", required_argument, 0, 'X'},
    {"data", required_argument, 0, 'd'},
    {"data-binary", required_argument, 0, O_DATA_BINARY},
    {"header", required_argument, 0, 'H'},
    {"user-agent", required_argument, 0, 'A'},
    {"output", required_argument, 0, 'o'},
    {"insecure", no_argument, 0, 'k'},
    {"verbose", no_argument, 0, 'v'},
    {"max-time", required_argument, 0, 'm'},
    {"json", no_argument, 0, O_JSON},
    {"har", required_argument, 0, O_HAR},
    {"cacert", required_argument, 0, O_CACERT},
    {"resolve", required_argument, 0, O_RESOLVE},
    {"connect-to", required_argument, 0, O_CONNECT_TO},
    {"connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT},
    {"max-header-bytes", required_argument, 0, O_MAX_HEADER_BYTES},
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
      if (c == '\r')
        continue;
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
  dt_request req;
  cli_request_opts rq; /* -H, -d, --resolve, --connect-to */
  int json, explain, verbose, no_store;
  const char *output, *store_opt, *har;
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
  while (!rc && (c = getopt_long(argc, argv, "X:d:H:A:o:kvm:", longopts,
                                 NULL)) != -1) {
    switch (c) {
    case 'X': o->req.method = optarg; break;
    case 'd':
    case O_DATA_BINARY:
      rc = cli_req_set_body(&o->rq, optarg, c == O_DATA_BINARY,
                            o->ctx.limits.max_request_body);
      break;
    case 'H': rc = cli_req_add_header(&o->rq, optarg); break;
    case 'A': o->ctx.user_agent = optarg; break;
    case 'o': o->output = optarg; break;
    case 'k': o->ctx.insecure = 1; break;
    case 'v': o->verbose = 1; break;
    case 'm':
      rc = timeout_opt("--max-time", &o->ctx.limits.total_timeout_ms);
      break;
    case O_CONNECT_TIMEOUT:
      rc = timeout_opt("--connect-timeout", &o->ctx.limits.connect_timeout_ms);
      break;
    case O_DNS_TIMEOUT:
      rc = timeout_opt("--dns-timeout", &o->ctx.limits.dns_timeout_ms);
      break;
    case O_TLS_TIMEOUT:
      rc = timeout_opt("--tls-timeout", &o->ctx.limits.tls_timeout_ms);
      break;
    case O_FIRST_BYTE_TIMEOUT:
      rc = timeout_opt("--first-byte-timeout",
                       &o->ctx.limits.first_byte_timeout_ms);
      break;
    case O_IDLE_TIMEOUT:
      rc = timeout_opt("--idle-timeout", &o->ctx.limits.idle_timeout_ms);
      break;
    case O_JSON: o->json = 1; cli_json_mode(); break;
    case O_HAR: o->har = optarg; break;
    case O_EXPLAIN: o->explain = 1; break;
    case O_CACERT: o->ctx.ca_file = optarg; break;
    case O_RESOLVE: rc = cli_req_add_resolve(&o->rq, optarg); break;
    case O_CONNECT_TO: rc = cli_req_add_connect_to(&o->rq, optarg); break;
    case O_MAX_HEADER_BYTES:
      rc = limit_opt("--max-header-bytes", optarg,
                     &o->ctx.limits.max_header_bytes);
      break;
    case O_MAX_BODY_BYTES:
      rc = limit_opt("--max-body-bytes", optarg,
                     &o->ctx.limits.max_body_bytes);
      break;
    case O_PROFILE: o->ctx.profile = optarg; break;
    case O_NO_FOLLOW: o->req.no_follow = 1; break;
    case O_MAX_REDIRS: {
      unsigned long long v;
      if (cli_parse_uint(optarg, 1000, &v))
        rc = cli_usage_error("--max-redirs wants 0..1000, got '%s'", optarg);
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
    case O_HELP: fputs(help, stdout); return -1;
    case O_VERSION: printf("%s\n", dt_version_info()); return -1;
    default: return cli_usage_error("try 'detour fetch --help'");
    }
  }
  if (rc)
    return rc;
  if (optind != argc - 1)
    return cli_usage_error(optind >= argc ? "fetch wants a URL"
                                          : "fetch wants exactly one URL");
  *url = argv[optind];
  if (o->json + o->explain > 1)
    return cli_usage_error("--json and --explain are exclusive");
  if (o->har && !strcmp(o->har, "-") && (o->json || o->explain))
    return cli_usage_error("--har - takes stdout: drop --json/--explain");
  /* -o -: the body alone on stdout, as curl's; the chain text then goes
   * to stderr, like curl -v's lines. A JSON or HAR document cannot. */
  if (o->output && !strcmp(o->output, "-") &&
      (o->json || o->explain || (o->har && !strcmp(o->har, "-"))))
    return cli_usage_error(
        "-o - takes stdout: drop --json/--explain/--har - (or -o FILE)");
  if (o->ctx.profile && !strcmp(o->ctx.profile, "") )
    return cli_usage_error("--profile wants a name");
  o->req.headers = o->rq.headers;
  o->req.header_count = o->rq.nheaders;
  o->req.body = (const uint8_t *)o->rq.body;
  o->req.body_len = o->rq.body_len;
  if (!o->req.method)
    o->req.method = o->req.body ? "POST" : "GET";
  return 0;
}

/* --explain: each hop with its decisions and the rule behind each. */
static void explain(const dt_chain *chain) {
  size_t n = dt_chain_hop_count(chain);
  printf("%s %s\n", dt_chain_method(chain), dt_chain_url(chain));
  for (size_t i = 0; i < n; i++) {
    const dt_hop *h = dt_chain_hop(chain, i);
    printf("\nhop %zu: %s %s\n", i + 1, h->method, h->url);
    if (h->synthetic)
      printf("  nothing sent: no DNS lookup, no connection, no byte\n");
    else if (h->conn.remote_addr)
      printf("  %s connection #%llu to %s%s%s\n",
             h->conn.reused ? "reused" : "new",
             (unsigned long long)h->conn.id, h->conn.remote_addr,
             h->conn.tls_version ? ", " : "",
             h->conn.tls_version
                 ? (h->conn.cert_verified ? "certificate verified"
                                          : "certificate NOT verified (-k)")
                 : "");
    if (h->has_response)
      printf("  answer: %d %s\n", h->status, h->reason ? h->reason : "");
    if (h->explain)
      fputs(h->explain, stdout);
  }
  int err = dt_chain_error(chain);
  if (err)
    printf("\nresult: error %s: %s\n", dt_err_name(err),
           dt_chain_error_message(chain));
  else
    printf("\nresult: %s\n", dt_chain_final_url(chain));
}

int cli_cmd_fetch(int argc, char **argv) {
  fetch_opts o;
  memset(&o, 0, sizeof o);
  dt_ctx_options_init(&o.ctx);
  const char *url = NULL;
  char store_path[1024];
  int rc = parse(&o, argc, argv, &url);
  dt_sync *s = NULL;
  dt_chain *chain = NULL;
  if (rc)
    goto out;
  if (!o.ctx.hsts_off && !o.no_store) {
    if (cli_hsts_store_path(o.store_opt, store_path, sizeof store_path) == 0)
      o.ctx.hsts_store_path = store_path;
    else
      cli_error("warning: no HSTS store path ($XDG_DATA_HOME and $HOME "
                "unset): the store is kept in memory only");
  }
  rc = dt_sync_new(&s, &o.ctx);
  if (rc) {
    if (rc == DT_EINVAL && o.ctx.profile)
      cli_error("unknown profile '%s' (try " CLI_PROFILES ")", o.ctx.profile);
    else
      cli_error("cannot start: %s", dt_strerror(rc));
    rc = cli_exit_for(rc);
    goto out;
  }
  dt_ctx *ctx = dt_sync_ctx(s);
  if ((rc = cli_req_apply_overrides(&o.rq, ctx)) != 0)
    goto out;
  size_t warned = 0;
  for (; dt_ctx_warning(ctx, warned); warned++)
    cli_error("warning: %s", dt_ctx_warning(ctx, warned));
  if (o.verbose)
    dt_ctx_set_trace(ctx, trace, NULL);
  o.req.url = url;
  int err = dt_sync_fetch(s, &o.req, &chain);
  if (!chain) {
    cli_error("%s: %s", dt_err_name(err), dt_strerror(err));
    rc = cli_exit_for(err);
    goto out;
  }
  for (; dt_ctx_warning(ctx, warned); warned++) /* e.g. the store save */
    cli_error("warning: %s", dt_ctx_warning(ctx, warned));
  if (o.har) {
    char *har = dt_chain_to_har(chain);
    if (!har || cli_write_file(o.har, har, strlen(har)))
      err = err ? err : DT_EIO;
    dt_free(har);
  }
  if (o.json)
    cli_print_owned(dt_chain_to_json(chain));
  else if (o.explain)
    explain(chain);
  else if (!o.har || strcmp(o.har, "-"))
    cli_print_owned_to(o.output && !strcmp(o.output, "-") ? stderr : stdout,
                       dt_chain_to_text(chain));
  if (err && !o.json && !o.explain)
    cli_error("%s: %s", dt_err_name(err), dt_chain_error_message(chain));
  if (!err && o.output) {
    const dt_hop *last = dt_chain_hop(chain, dt_chain_hop_count(chain) - 1);
    if (cli_write_file(o.output, last->body, last->body_kept))
      err = DT_EIO;
  }
  rc = cli_exit_for(err);
out:
  dt_chain_free(chain);
  if (s) {
    dt_sync_free(s); /* saves the HSTS store */
  }
  cli_req_free(&o.rq);
  return rc < 0 ? 0 : rc;
}
