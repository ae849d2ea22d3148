/* cmd_audit.c — `detour audit DOMAIN|URL`, and `detour audit --from FILE`
 * for many sites on one loop: the HSTS preload checker's verdict plus what a
 * browser does, with a stable code, severity, evidence and fix per finding
 * (dt_audit in detour.h; docs/audit.md).
 *
 * Exit status: 0 no error finding, 1 at least one error finding (in bulk:
 * any target), 2 usage, 3.. an error class when the audit could not run
 * (docs/cli.md). Bulk mode keeps no per-target state after a line is
 * printed: memory is bounded by --concurrency, whatever the list's length. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

/* The window's bound. Each audit in flight holds about 0.2 MB and up to
 * six sockets (docs/audit.md, "What an audit in flight costs"); past about a
 * thousand the pools' idle lists grow with the window and audits a minute
 * fall (docs/benchmarks.md): a larger window costs memory and descriptors
 * and buys nothing. */
#define MAX_CONCURRENCY 1024u

static const char help[] =
    "usage: detour audit [options] DOMAIN|URL\n"
    "       detour audit [options] --from FILE\n"
    "\n"
    "Audits a site the way the HSTS preload checker (hstspreload.org) and a\n"
    "browser see it: every finding with a stable code, severity, evidence\n"
    "and fix (docs/audit.md). Exit status 1 when an error is found.\n"
    "\n"
    "target\n"
    "  DOMAIN                    audit the domain (http://D/, https://D/, "
    "www)\n"
    "  URL                       the domain of URL, and a browser navigation "
    "to URL\n"
    "  -X, --request METHOD      the navigation's method (POST with -d)\n"
    "  -d, --data DATA           the navigation's body (@FILE reads a file)\n"
    "  -H, --header 'N: V'       extra header on the navigation (repeatable)\n"
    "many sites\n"
    "      --from FILE           one DOMAIN, URL or 'METHOD URL' a line ('-' "
    "=\n"
    "                            stdin; # comments); JSON Lines out\n"
    "      --concurrency N       audits in flight at once (default 64, at "
    "most\n"
    "                            1024); each holds about 0.2 MB and up to 6\n"
    "                            sockets (docs/audit.md)\n"
    "      --shard I/N           only the I-th of N slices of the list "
    "(1-based)\n"
    "      --progress, --no-progress  progress on stderr (default: when a "
    "terminal)\n"
    "connection\n"
    "      --resolve H:P:ADDR    resolve H:P to ADDR (curl semantics)\n"
    "      --connect-to H:P:H2:P2  connect to H2:P2 for H:P (audit a staging\n"
    "                            server under the production name)\n"
    "      --cacert FILE         trust the CAs in FILE\n"
    "  -A, --user-agent UA       User-Agent\n"
    "      --connect-timeout S   per address attempt (seconds)\n"
    "  -m, --max-time S          each navigation (seconds; default 10, as the "
    "checker)\n"
    "browser\n"
    "      --profile NAME        " CLI_PROFILES "\n"
    "      --no-preload          the browser navigation without the preload "
    "list\n"
    "      --preload-file FILE   a blob from `detour preload compile`\n"
    "      --disable-stale-preload  a list older than 70 days is not used "
    "(Chromium)\n"
    "output\n"
    "      --json                one JSON object (with the chains)\n"
    "      --chains, --no-chains  include the hop chains in JSON (default: "
    "yes\n"
    "                            for one target, no with --from)\n";

enum {
  O_JSON = 256,
  O_FROM,
  O_CONCURRENCY,
  O_SHARD,
  O_PROGRESS,
  O_NO_PROGRESS,
  O_RESOLVE,
  O_CONNECT_TO,
  O_CACERT,
  O_CONNECT_TIMEOUT,
  O_PROFILE,
  O_NO_PRELOAD,
  O_PRELOAD_FILE,
  O_STALE_OFF,
  O_CHAINS,
  O_NO_CHAINS,
  O_HELP
};

static const struct option longopts[] = {
    {"request", required_argument, 0, 'X'},
    {"data", required_argument, 0, 'd'},
    {"header", required_argument, 0, 'H'},
    {"user-agent", required_argument, 0, 'A'},
    {"max-time", required_argument, 0, 'm'},
    {"json", no_argument, 0, O_JSON},
    {"from", required_argument, 0, O_FROM},
    {"concurrency", required_argument, 0, O_CONCURRENCY},
    {"shard", required_argument, 0, O_SHARD},
    {"progress", no_argument, 0, O_PROGRESS},
    {"no-progress", no_argument, 0, O_NO_PROGRESS},
    {"resolve", required_argument, 0, O_RESOLVE},
    {"connect-to", required_argument, 0, O_CONNECT_TO},
    {"cacert", required_argument, 0, O_CACERT},
    {"connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT},
    {"profile", required_argument, 0, O_PROFILE},
    {"no-preload", no_argument, 0, O_NO_PRELOAD},
    {"preload-file", required_argument, 0, O_PRELOAD_FILE},
    {"disable-stale-preload", no_argument, 0, O_STALE_OFF},
    {"chains", no_argument, 0, O_CHAINS},
    {"no-chains", no_argument, 0, O_NO_CHAINS},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0}};

typedef struct audit_opts {
  dt_ctx_options ctx;
  dt_limits limits;
  const char *method, *from, *target;
  cli_request_opts rq; /* -H, -d, --resolve, --connect-to */
  unsigned concurrency;
  unsigned shard_i, shard_n; /* 1-based slice I of N; 0/0: all */
  int json, chains, progress;
} audit_opts;

static int parse_shard(audit_opts *o, const char *arg) {
  unsigned long long i, n;
  const char *slash = strchr(arg, '/');
  char a[32];
  if (!slash || (size_t)(slash - arg) >= sizeof a)
    return cli_usage_error("--shard wants I/N (e.g. 1/4), got '%s'", arg);
  memcpy(a, arg, (size_t)(slash - arg));
  a[slash - arg] = 0;
  if (cli_parse_uint(a, 1000000, &i) ||
      cli_parse_uint(slash + 1, 1000000, &n) || n == 0 || i == 0 || i > n)
    return cli_usage_error("--shard wants I/N with 1 <= I <= N, got '%s'", arg);
  o->shard_i = (unsigned)i;
  o->shard_n = (unsigned)n;
  return 0;
}

static int parse(audit_opts *o, int argc, char **argv) {
  int c, rc = 0;
  optind = 1;
  while (!rc &&
         (c = getopt_long(argc, argv, "X:d:H:A:m:", longopts, NULL)) != -1) {
    switch (c) {
    case 'X': o->method = optarg; break;
    case 'd': /* bytes as given: the audit replays the form exactly */
      rc = cli_req_set_body(&o->rq, optarg, 1, o->limits.max_request_body);
      break;
    case 'H': rc = cli_req_add_header(&o->rq, optarg); break;
    case 'A': o->ctx.user_agent = optarg; break;
    case 'm':
      if (cli_parse_seconds_ms(optarg, &o->limits.total_timeout_ms))
        rc = cli_usage_error("--max-time wants seconds, got '%s'", optarg);
      break;
    case O_CONNECT_TIMEOUT:
      if (cli_parse_seconds_ms(optarg, &o->limits.connect_timeout_ms))
        rc = cli_usage_error("--connect-timeout wants seconds, got '%s'",
                             optarg);
      break;
    case O_JSON:
      o->json = 1;
      cli_json_mode();
      break;
    case O_FROM: o->from = optarg; break;
    case O_CONCURRENCY: {
      unsigned long long v;
      if (cli_parse_uint(optarg, MAX_CONCURRENCY, &v) || v == 0)
        rc = cli_usage_error("--concurrency wants 1..%u, got '%s'",
                             MAX_CONCURRENCY, optarg);
      o->concurrency = (unsigned)v;
      break;
    }
    case O_SHARD: rc = parse_shard(o, optarg); break;
    case O_PROGRESS: o->progress = 1; break;
    case O_NO_PROGRESS: o->progress = 0; break;
    case O_RESOLVE: rc = cli_req_add_resolve(&o->rq, optarg); break;
    case O_CONNECT_TO: rc = cli_req_add_connect_to(&o->rq, optarg); break;
    case O_CACERT: o->ctx.ca_file = optarg; break;
    case O_PROFILE: o->ctx.profile = optarg; break;
    case O_NO_PRELOAD: o->ctx.no_preload = 1; break;
    case O_PRELOAD_FILE: o->ctx.preload_file = optarg; break;
    case O_STALE_OFF: o->ctx.preload_disable_stale = 1; break;
    case O_CHAINS: o->chains = 1; break;
    case O_NO_CHAINS: o->chains = 0; break;
    case O_HELP: fputs(help, stdout); return -1;
    default: return cli_usage_error("try 'detour audit --help'");
    }
  }
  if (rc) return rc;
  if (o->from) {
    if (optind != argc)
      return cli_usage_error("--from takes the targets from FILE: drop '%s'",
                             argv[optind]);
  } else {
    if (optind != argc - 1)
      return cli_usage_error(optind >= argc
                                 ? "audit wants a DOMAIN or URL (or --from)"
                                 : "audit wants exactly one DOMAIN or URL");
    o->target = argv[optind];
    if (o->shard_n)
      return cli_usage_error("--shard only makes sense with --from");
  }
  if ((o->method || o->rq.body) && !o->from && !strstr(o->target, "://"))
    return cli_usage_error("-X/-d need a URL target (the form's URL)");
  /* -A, -X and -H are checked as the library will check them, with the
   * value named, before any audit starts. */
  dt_request rq;
  dt_request_init(&rq);
  rq.method = o->method;
  rq.headers = o->rq.headers;
  rq.header_count = o->rq.nheaders;
  return cli_check_wire(&o->ctx, &rq);
}

/* ---- the run ------------------------------------------------------------ */

typedef struct run {
  audit_opts *o;
  dt_audit *audit;
  cli_lines list; /* bulk: the targets, a line each */
  int list_open;
  unsigned long long index, done, with_errors;
  int single_rc; /* single target: its exit status */
  int finished;
  uint64_t t0, last_progress;
} run;

static void progress(run *r, int final) {
  if (!r->o->progress) return;
  uint64_t now = uv_hrtime();
  if (!final && now - r->last_progress < 200000000u) return;
  r->last_progress = now;
  double secs = (double)(now - r->t0) / 1e9;
  fprintf(stderr, "\raudit: %llu done, %llu with errors, %.0f/min   %s",
          r->done, r->with_errors,
          secs > 0 ? (double)r->done * 60.0 / secs : 0.0, final ? "\n" : "");
  fflush(stderr);
}

static void on_single(const dt_audit_result *res, void *ud) {
  run *r = ud;
  if (r->o->json)
    cli_print_owned(dt_audit_result_to_json(res, r->o->chains));
  else
    cli_print_owned(dt_audit_result_to_text(res));
  r->single_rc = res->errors ? 1 : res->error ? cli_exit_for(res->error) : 0;
  r->finished = 1;
}

static void on_bulk(const dt_audit_result *res, void *ud) {
  run *r = ud;
  if (!res) { /* the stream is done */
    r->finished = 1;
    return;
  }
  r->done++;
  if (res->errors || res->error) r->with_errors++;
  char *js = dt_audit_result_to_json(res, r->o->chains);
  if (js && js[0] == '{' && js[1] != '}') {
    if (r->o->progress) fputs("\r\033[K", stderr);
    cli_stdout_used();
    /* Each result names its input line first (the tag is the line). */
    printf("{\"line\":%llu,%s\n", (unsigned long long)res->tag, js + 1);
    fflush(stdout); /* stream: a reader sees each result when it is done */
    dt_free(js);
  } else {
    dt_free(js);
    cli_error("out of memory writing a result");
  }
  progress(r, 0);
}

/* The methods a line may start with (RFC 9110 §9.3, PATCH RFC 5789): any
 * other first word is not a method but a mistake. */
static int known_method(const char *w) {
  static const char *const m[] = {"GET",    "HEAD",    "POST",  "PUT",
                                  "DELETE", "OPTIONS", "PATCH", NULL};
  for (int i = 0; m[i]; i++)
    if (!strcmp(w, m[i])) return 1;
  return 0;
}

/* One target line: "DOMAIN", "URL" or "METHOD URL", a '#' starting a
 * comment to the end of the line (issue 19: "a.test # prod" audits a.test).
 * Returns 1 with the parts, 0 for a blank or comment line, -1 for a line
 * that is none of these (a first word that is no method, words left over). */
static int split_line(char *line, const char **method, const char **target) {
  char *hash = strchr(line, '#');
  if (hash) *hash = 0;
  char *w[3] = {NULL, NULL, NULL};
  int nw = 0;
  for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n"))
    if (nw < 3)
      w[nw++] = t;
    else
      nw = 4;
  *method = NULL;
  if (nw == 0) return 0;
  if (nw == 1) {
    *target = w[0];
    return 1;
  }
  if (nw == 2 && known_method(w[0])) {
    *method = w[0];
    *target = w[1];
    return 1;
  }
  return -1;
}

/* The stream's source: the next target line of the list (the library calls
 * this when it has room, so memory stays bounded by --concurrency). */
static int next_target(dt_audit_target *t, void *ud) {
  run *r = ud;
  for (;;) {
    char *line;
    unsigned long long skipped = r->list.too_long;
    if (!cli_lines_next(&r->list, &line)) return 0;
    r->with_errors += r->list.too_long - skipped; /* reported, skipped */
    const char *method, *target;
    int sl = split_line(line, &method, &target);
    if (sl == 0) continue;
    if (sl < 0) {
      cli_error("%s:%llu: not a target ('DOMAIN', 'URL' or 'METHOD URL' with "
                "a known method; '#' starts a comment): skipped",
                r->list.name, r->list.lineno);
      r->with_errors++;
      continue;
    }
    unsigned long long k = r->index++;
    if (r->o->shard_n && k % r->o->shard_n != r->o->shard_i - 1) continue;
    t->target = target;
    t->method = method;
    t->tag = r->list.lineno;
    return 1;
  }
}

static int setup(run *r, uv_loop_t *loop) {
  audit_opts *o = r->o;
  o->ctx.limits = &o->limits;
  dt_audit_options ao;
  dt_audit_options_init(&ao);
  ao.loop = loop;
  ao.ctx = &o->ctx;
  ao.resolve = o->rq.resolve;
  ao.resolve_count = o->rq.nresolve;
  ao.connect_to = o->rq.connect_to;
  ao.connect_to_count = o->rq.nconnect_to;
  ao.concurrency = o->concurrency;
  dt_error e = {0};
  int rc = dt_audit_new(&r->audit, &ao, &e);
  if (rc) {
    if (rc == DT_EINVAL && o->ctx.profile && !dt_profile_exists(o->ctx.profile))
      return cli_unknown_profile(o->ctx.profile);
    return rc == DT_EINVAL ? cli_usage_error("%s", e.message) : cli_fail(&e);
  }
  for (size_t w = 0; dt_audit_warning(r->audit, w); w++)
    cli_error("warning: %s", dt_audit_warning(r->audit, w));
  return 0;
}

int cli_cmd_audit(int argc, char **argv) {
  audit_opts o;
  memset(&o, 0, sizeof o);
  dt_ctx_options_init(&o.ctx);
  dt_limits_default(&o.limits);
  /* hstspreload's client gives up after 10 s. */
  o.limits.total_timeout_ms = 10000;
  o.concurrency = 64;
  o.chains = -1;
  o.progress = isatty(2);
  run *r = NULL;
  uv_loop_t loop;
  int loop_ok = 0;
  int rc = parse(&o, argc, argv);
  if (rc) goto out;
  if (o.chains < 0) o.chains = o.from ? 0 : 1;
  if (!o.from) o.progress = 0;
  r = calloc(1, sizeof *r);
  if (!r || uv_loop_init(&loop) != 0) {
    rc = cli_exit_for(DT_ENOMEM);
    goto out;
  }
  loop_ok = 1;
  r->o = &o;
  rc = setup(r, &loop);
  if (rc) goto out;
  r->t0 = uv_hrtime();
  if (o.from) {
    if (cli_lines_open(&r->list, o.from) != 0) {
      rc = cli_exit_for(DT_EIO);
      goto out;
    }
    r->list_open = 1;
    dt_audit_run_stream(r->audit, next_target, on_bulk, r);
    while (!r->finished && uv_run(&loop, UV_RUN_ONCE))
      ;
    progress(r, 1);
    /* A list with no target in it (or a slice without one) is not an
     * error, but it is not silent either: a CI job whose list came out
     * empty should see that nothing was audited. */
    if (r->done == 0) {
      if (o.shard_n)
        cli_error("audit: 0 targets in %s (shard %u/%u)", r->list.name,
                  o.shard_i, o.shard_n);
      else
        cli_error("audit: 0 targets in %s", r->list.name);
    }
    rc = r->with_errors ? 1 : 0;
    /* A read error cut the list short: not a clean run, whatever was
     * audited before it. */
    r->list_open = 0;
    if (cli_lines_close(&r->list) != 0) rc = cli_exit_for(DT_EIO);
  } else {
    dt_audit_target t = {0};
    t.target = o.target;
    t.method = o.method;
    t.body = (const uint8_t *)o.rq.body;
    t.body_len = o.rq.body_len;
    t.headers = o.rq.headers;
    t.header_count = o.rq.nheaders;
    int err = dt_audit_run(r->audit, &t, on_single, r);
    if (err) {
      cli_error("cannot audit: %s", dt_strerror(err));
      rc = cli_exit_for(err);
      goto out;
    }
    while (!r->finished && uv_run(&loop, UV_RUN_ONCE))
      ;
    rc = r->single_rc;
  }
out:
  if (r) {
    if (r->audit) dt_audit_close(r->audit, NULL, NULL);
    if (loop_ok) {
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
    }
    if (r->list_open) cli_lines_close(&r->list);
    free(r);
  }
  cli_req_free(&o.rq);
  return rc < 0 ? 0 : rc;
}
