/* cmd_audit.c — `detour audit DOMAIN|URL`, and `detour audit --from FILE`
 * for many sites on one loop: the HSTS preload checker's verdict plus what a
 * browser does, with a stable code, severity, evidence and fix per finding
 * (dt_audit in detour.h; docs/audit.md).
 *
 * Exit status: 0 no error finding, 1 at least one error finding (in bulk:
 * any target), 2 usage, 3.. an error class when the audit could not run
 * (docs/cli.md). Bulk mode keeps no per-target state after a result is
 * printed: memory is bounded by --concurrency (and, with --ordered, by the
 * results held for their turn: ORDER_HOLD), whatever the list's length. */
#include "cli.h"

#include <stdio.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

/* The window's bound. Each audit in flight holds about 0.2 MB and up to
 * six sockets (docs/audit.md, "What an audit in flight costs"); past about a
 * thousand the pools' idle lists grow with the window and audits a minute
 * fall (docs/benchmarks.md): a larger window costs memory and descriptors
 * and buys nothing. */

/* --ordered: results that finished before an earlier line's wait for it,
 * at most ORDER_HOLD x --concurrency of them and ORDER_HOLD_BYTES of
 * printed text; past either no new audit starts until the earliest one is
 * printed (a slow early target slows the run, it does not grow its
 * memory). Four windows' worth keeps the other audits busy through one
 * slow target's whole timeout at the usual rates (docs/audit.md). */
#define ORDER_HOLD 4u
#define ORDER_HOLD_BYTES (64u << 20)

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
    "                            stdin; # comments); a report each, then a\n"
    "                            summary (--json: JSON Lines)\n"
    "      --concurrency N       audits in flight at once (default 64, at "
    "most\n"
    "                            1024); each holds about 0.2 MB and up to 6\n"
    "                            sockets (docs/audit.md)\n"
    "      --shard I/N           only the I-th of N slices of the list "
    "(1-based)\n"
    "      --ordered             print results in the list's order (audits\n"
    "                            still run at once; default: as they end)\n"
    "      --progress, --no-progress  done/total, rate and ETA on stderr\n"
    "                            (default: when stderr is a terminal)\n"
    "      --summary, --no-summary  the counts and worst findings at the end\n"
    "                            (default: yes; with --json, no)\n"
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
    "      --chains, --no-chains  each target's hop chains (default: in JSON\n"
    "                            for one target; text and --from: "
    "no)\n" CLI_COLOR_HELP;

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
  O_ORDERED,
  O_SUMMARY,
  O_NO_SUMMARY,
  O_COLOR,
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
    {"ordered", no_argument, 0, O_ORDERED},
    {"summary", no_argument, 0, O_SUMMARY},
    {"no-summary", no_argument, 0, O_NO_SUMMARY},
    {"color", optional_argument, 0, O_COLOR},
    {"colour", optional_argument, 0, O_COLOR},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0}};

typedef struct audit_opts {
  dt_ctx_options ctx;
  dt_limits limits;
  const char *method, *from, *target;
  cli_request_opts rq; /* -H, -d, --resolve, --connect-to */
  unsigned concurrency;
  unsigned shard_i, shard_n; /* 1-based slice I of N; 0/0: all */
  int json, chains, progress, ordered, summary, color;
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

/* A target with a port or a path but no scheme ("a.test:8080/x") is
 * neither a domain nor a URL: the checker would call it an IP address.
 * Said with the URL it most likely means (dt_url_missing_scheme). 0, or
 * the url class's exit status. */
static int missing_scheme(const char *target) {
  if (strstr(target, "://") || !strpbrk(target, ":/")) return 0;
  char guess[DT_ERROR_HINT_BYTES - 32], msg[600], hint[DT_ERROR_HINT_BYTES];
  dt_url *u = NULL;
  int domain = dt_url_missing_scheme(target, guess, sizeof guess) &&
               dt_url_parse(&u, guess, strlen(guess), NULL) == 0 &&
               dt_url_host_kind(u) == DT_HOST_DOMAIN;
  dt_url_free(u);
  if (!domain) return 0;
  snprintf(msg, sizeof msg, "'%.200s' is neither a domain nor a URL", target);
  snprintf(hint, sizeof hint, "did you mean %s?", guess);
  cli_error_hint(DT_EURL, msg, hint);
  return cli_exit_for(DT_EURL);
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
      if (cli_parse_uint(optarg, DT_AUDIT_MAX_CONCURRENCY, &v) || v == 0)
        rc = cli_usage_error("--concurrency wants 1..%u, got '%s'",
                             DT_AUDIT_MAX_CONCURRENCY, optarg);
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
    case O_ORDERED: o->ordered = 1; break;
    case O_SUMMARY: o->summary = 1; break;
    case O_NO_SUMMARY: o->summary = 0; break;
    case O_COLOR: rc = cli_color_parse(optarg, &o->color); break;
    case O_HELP: fputs(help, stdout); return -1;
    default: return cli_bad_option("audit", argc, argv);
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
    if (o->ordered)
      return cli_usage_error("--ordered only makes sense with --from");
    int miss = missing_scheme(o->target);
    if (miss) return miss;
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

/* --ordered: a result waiting for the ones before it. */
typedef struct held {
  unsigned long long line;
  char *out; /* the printed text (NULL: it could not be written) */
  size_t len;
  int ready; /* 0: in flight (or never started) */
} held;

typedef struct run {
  audit_opts *o;
  dt_audit *audit;
  cli_lines list; /* bulk: the targets, a line each */
  int list_open, list_eof;
  unsigned long long index;  /* target lines read (before --shard) */
  unsigned long long issued; /* targets handed to the auditor */
  unsigned long long printed, done;
  unsigned long long with_errors; /* the exit status: targets with errors,
                                     lines that were not targets */
  unsigned long long bad_targets; /* targets with errors (progress) */
  unsigned long long total;       /* targets in the list; 0: not known yet */
  held *slots;                    /* --ordered: by issue number mod nslots */
  size_t nslots, held_bytes;
  cli_audit_summary *summary;
  dt_text_options text; /* the reports' style: colour, chains */
  int single_rc;        /* single target: its exit status */
  int finished;
  int progress_shown; /* a progress line is on stderr's last line */
  int progress_tty;   /* stderr is a terminal: the line is cleared */
  uint64_t t0, last_progress;
  uv_timer_t tick; /* refreshes the progress line while nothing ends */
  int tick_open;
  size_t warned; /* the auditor's warnings already printed */
  /* A list's chain warnings in text (the list's age where it decided a
   * walk): the first said at the end with the number of targets like it,
   * not after every report; JSON carries each in its target's chains. */
  char *cw_first;
  unsigned long long cw_line, cw_targets;
} run;

/* "1h02m", "3m05s", "12s". */
static void eta_text(char *out, size_t cap, double secs) {
  unsigned long long s = secs < 0 ? 0 : (unsigned long long)(secs + 0.5);
  if (s >= 3600)
    snprintf(out, cap, "%lluh%02llum", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    snprintf(out, cap, "%llum%02llus", s / 60, s % 60);
  else
    snprintf(out, cap, "%llus", s);
}

/* The progress line on stderr, rewritten in place with \r: done/total
 * (the total once the list's length is known: counted before the run for
 * a file, at its end for a pipe), the targets with errors, the rate a
 * minute, and the time left at that rate. */
static void progress(run *r, int final) {
  if (!r->o->progress) return;
  uint64_t now = uv_hrtime();
  if (!final && r->progress_shown && now - r->last_progress < 200000000u)
    return;
  r->last_progress = now;
  double secs = (double)(now - r->t0) / 1e9;
  double rate = secs > 0 ? (double)r->done * 60.0 / secs : 0.0;
  char total[32] = "", eta[48] = "";
  if (r->total) snprintf(total, sizeof total, "/%llu", r->total);
  if (r->total && r->done && r->done < r->total) {
    char t[24];
    eta_text(t, sizeof t,
             secs / (double)r->done * (double)(r->total - r->done));
    snprintf(eta, sizeof eta, ", ETA %s", t);
  } else if (r->total && r->done >= r->total) {
    char t[24];
    eta_text(t, sizeof t, secs);
    snprintf(eta, sizeof eta, ", took %s", t);
  }
  /* On a terminal \033[K clears what a longer line left; --progress into
   * a file or pipe gets the lines without escape bytes. */
  fprintf(stderr, "\raudit: %llu%s done, %llu with errors, %.0f/min%s%s%s",
          r->done, total, r->bad_targets, rate, eta,
          r->progress_tty ? "\033[K" : "", final ? "\n" : "");
  fflush(stderr);
  r->progress_shown = !final;
}

static void on_tick(uv_timer_t *t) { progress(t->data, 0); }

/* The warnings of a target's chains (the preload list's age where it
 * decided a hop: docs/cli.md "Warnings"), each once, on stderr: the text
 * report has no place for them; JSON carries them in its chains. */
static void chain_warnings(const dt_audit_result *res) {
  for (int i = 0; i < DT_AUDIT_CHAIN_COUNT; i++)
    for (size_t k = 0; dt_chain_warning(res->chains[i], k); k++) {
      const char *w = dt_chain_warning(res->chains[i], k);
      int seen = 0;
      for (int j = 0; j < i && !seen; j++)
        for (size_t m = 0; !seen && dt_chain_warning(res->chains[j], m); m++)
          seen = !strcmp(w, dt_chain_warning(res->chains[j], m));
      if (!seen) cli_error("warning: %s", w);
    }
}

/* Notes RES's chain warnings (from input LINE) for the end of a text list:
 * the earliest line's first is kept to be said, the others counted
 * (bulk_warnings). */
static void note_chain_warnings(run *r, const dt_audit_result *res,
                                unsigned long long line) {
  const char *w = NULL;
  for (int i = 0; i < DT_AUDIT_CHAIN_COUNT && !w; i++)
    w = dt_chain_warning(res->chains[i], 0);
  if (!w) return;
  /* the earliest line's, whatever order the audits end in */
  if (r->cw_targets++ == 0 || line < r->cw_line) {
    free(r->cw_first);
    r->cw_first = strdup(w);
    r->cw_line = line;
  }
}

static void bulk_warnings(run *r) {
  if (!r->cw_targets) return;
  cli_error("warning: %s:%llu: %s", r->list.name, r->cw_line,
            r->cw_first ? r->cw_first : "(out of memory)");
  if (r->cw_targets > 1)
    cli_error("warning: and %llu more target%s with a warning like it "
              "(--json has each in its chains' \"warnings\")",
              r->cw_targets - 1, r->cw_targets == 2 ? "" : "s");
  free(r->cw_first);
  r->cw_first = NULL;
}

static void on_single(const dt_audit_result *res, void *ud) {
  run *r = ud;
  if (r->o->json) {
    cli_print_owned(dt_audit_result_to_json(res, r->o->chains));
  } else {
    cli_print_owned(dt_audit_result_to_text_ex(res, &r->text));
    chain_warnings(res);
  }
  r->single_rc = res->errors ? 1 : res->error ? cli_exit_for(res->error) : 0;
  r->finished = 1;
}

/* One result as printed: a JSON line starting with its input line, or the
 * report for people headed FILE:LINE: and followed by a blank line. NULL
 * when out of memory. */
static char *render(run *r, const dt_audit_result *res, unsigned long long line,
                    size_t *len) {
  char *body = r->o->json ? dt_audit_result_to_json(res, r->o->chains)
                          : dt_audit_result_to_text_ex(res, &r->text);
  if (!body || (r->o->json && (body[0] != '{' || body[1] == '}'))) {
    dt_free(body);
    return NULL;
  }
  size_t n = strlen(body) + strlen(r->list.name) + 48;
  char *out = malloc(n);
  if (out) {
    int k = r->o->json
                ? snprintf(out, n, "{\"line\":%llu,%s\n", line, body + 1)
                : snprintf(out, n, "%s:%llu: %s\n", r->list.name, line, body);
    *len = k > 0 ? (size_t)k : 0;
  }
  dt_free(body);
  return out;
}

/* A terminal's progress line is cleared before anything else is written
 * there (a result on the same terminal, a message), so the two never mix. */
static void clear_progress(run *r) {
  if (r->progress_shown && r->progress_tty) fputs("\r\033[K", stderr);
  r->progress_shown = 0;
}

static void emit(run *r, const char *out, size_t len) {
  clear_progress(r);
  cli_stdout_used();
  fwrite(out, 1, len, stdout);
  fflush(stdout); /* stream: a reader sees each result when it is done */
}

/* --ordered: prints the results whose turn has come. */
static void flush_held(run *r) {
  while (r->printed < r->issued) {
    held *h = &r->slots[r->printed % r->nslots];
    if (!h->ready) return;
    if (h->out) emit(r, h->out, h->len);
    r->held_bytes -= h->len;
    free(h->out);
    *h = (held){0};
    r->printed++;
  }
}

static void on_bulk(const dt_audit_result *res, void *ud) {
  run *r = ud;
  if (!res) { /* the stream is done */
    r->finished = 1;
    return;
  }
  r->done++;
  if (res->errors || res->error) {
    r->with_errors++;
    r->bad_targets++;
  }
  /* Unordered, the tag is the line; ordered, the issue number (the line
   * is in its slot). */
  held *h = r->o->ordered ? &r->slots[res->tag % r->nslots] : NULL;
  unsigned long long line = h ? h->line : res->tag;
  cli_audit_summary_add(r->summary, res, line);
  if (!r->o->json) note_chain_warnings(r, res, line);
  size_t len = 0;
  char *out = render(r, res, line, &len);
  if (!out) {
    cli_error("out of memory writing the result of line %llu", line);
    r->with_errors++;
    len = 0;
  }
  if (h) {
    h->out = out;
    h->len = len;
    h->ready = 1;
    r->held_bytes += len;
    flush_held(r);
  } else {
    if (out) emit(r, out, len);
    free(out);
    r->printed++;
  }
  progress(r, 0);
}

/* The number of targets a file holds, read once before the run for the
 * progress line's total and ETA: the same rules as next_target (comments,
 * methods, --shard), silent about bad lines (the run reports them).
 * 0 when the list is not a regular file (a pipe is read once: its total is
 * known at its end). */
static unsigned long long count_targets(const audit_opts *o) {
  if (!strcmp(o->from, "-")) return 0;
  FILE *f = fopen(o->from, "r");
  if (!f) return 0;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return 0;
  }
  char buf[CLI_LINE_MAX + 2];
  unsigned long long k = 0, n = 0;
  int skipping = 0; /* the rest of a line over CLI_LINE_MAX */
  while (fgets(buf, sizeof buf, f)) {
    size_t len = strlen(buf);
    int whole = len > 0 && buf[len - 1] == '\n';
    if (skipping) {
      skipping = !whole;
      continue;
    }
    if (!whole && len == sizeof buf - 1) {
      skipping = 1;
      continue;
    }
    const char *m, *t;
    if (cli_target_line_split(buf, &m, &t) != 1) continue;
    if (!o->shard_n || k % o->shard_n == o->shard_i - 1) n++;
    k++;
  }
  fclose(f);
  return n;
}

/* The stream's source: the next target line of the list (the library calls
 * this when it has room, so memory stays bounded by --concurrency). With
 * --ordered, "not now" (-1) while the results held for their turn are at
 * their bound: the library asks again after the next result. */
static int next_target(dt_audit_target *t, void *ud) {
  run *r = ud;
  if (r->o->ordered && (r->issued - r->printed >= r->nslots ||
                        r->held_bytes >= ORDER_HOLD_BYTES))
    return -1;
  for (;;) {
    char *line;
    unsigned long long skipped = r->list.too_long;
    if (!cli_lines_next(&r->list, &line)) {
      r->list_eof = 1;
      if (!r->total) r->total = r->issued; /* a pipe: known at its end */
      return 0;
    }
    r->with_errors += r->list.too_long - skipped; /* reported, skipped */
    cli_audit_summary_skipped(r->summary, r->list.too_long - skipped);
    const char *method, *target;
    int sl = cli_target_line_split(line, &method, &target);
    if (sl == 0) continue;
    if (sl < 0) {
      clear_progress(r);
      cli_error("%s:%llu: not a target ('DOMAIN', 'URL' or 'METHOD URL' with "
                "a known method; '#' starts a comment): skipped",
                r->list.name, r->list.lineno);
      r->with_errors++;
      cli_audit_summary_skipped(r->summary, 1);
      continue;
    }
    unsigned long long k = r->index++;
    if (r->o->shard_n && k % r->o->shard_n != r->o->shard_i - 1) continue;
    t->target = target;
    t->method = method;
    if (r->o->ordered) {
      r->slots[r->issued % r->nslots] = (held){r->list.lineno, NULL, 0, 0};
      t->tag = r->issued;
    } else {
      t->tag = r->list.lineno;
    }
    r->issued++;
    return 1;
  }
}

/* What the auditor could not do along the way (a target it could not
 * start), said once each. */
static void print_warnings(run *r) {
  for (; dt_audit_warning(r->audit, r->warned); r->warned++)
    cli_error("warning: %s", dt_audit_warning(r->audit, r->warned));
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
  print_warnings(r);
  return 0;
}

/* --from: the list, audited as a stream on LOOP; the exit status. */
static int run_bulk(run *r, uv_loop_t *loop) {
  audit_opts *o = r->o;
  if (o->ordered) {
    r->nslots = (size_t)o->concurrency * (1 + ORDER_HOLD);
    r->slots = calloc(r->nslots, sizeof *r->slots);
    if (!r->slots) return cli_exit_for(DT_ENOMEM);
  }
  if (o->summary && !(r->summary = cli_audit_summary_new()))
    return cli_exit_for(DT_ENOMEM);
  r->progress_tty = isatty(2);
  if (o->progress) r->total = count_targets(o);
  if (cli_lines_open(&r->list, o->from) != 0) return cli_exit_for(DT_EIO);
  r->list_open = 1;
  if (o->progress && uv_timer_init(loop, &r->tick) == 0) {
    r->tick_open = 1;
    r->tick.data = r;
    uv_timer_start(&r->tick, on_tick, 1000, 1000);
    uv_unref((uv_handle_t *)&r->tick);
  }
  r->t0 = uv_hrtime();
  dt_audit_run_stream(r->audit, next_target, on_bulk, r);
  while (!r->finished && uv_run(loop, UV_RUN_ONCE))
    ;
  int rc = 0;
  if (o->ordered) {
    /* What is left waits behind a target that never started (out of
     * memory: the auditor says which, below); print it in order. */
    while (r->printed < r->issued) {
      held *h = &r->slots[r->printed % r->nslots];
      h->ready = 1;
      flush_held(r);
    }
  }
  if (r->tick_open) uv_timer_stop(&r->tick);
  if (r->done) progress(r, 1);
  print_warnings(r);
  bulk_warnings(r);
  if (!r->list_eof && !r->list.read_error) {
    /* The stream ended with lines unread: only when every audit in
     * flight was done and a held result still waited for one that never
     * started. */
    cli_error("audit: stopped after %s:%llu: a target could not be started",
              r->list.name, r->list.lineno);
    rc = cli_exit_for(DT_ENOMEM);
  }
  /* A list with no target in it (or a slice without one) is not an
   * error, but it is not silent either: a CI job whose list came out
   * empty should see that nothing was audited. */
  if (r->done == 0) {
    if (o->shard_n)
      cli_error("audit: 0 targets in %s (shard %u/%u)", r->list.name,
                o->shard_i, o->shard_n);
    else
      cli_error("audit: 0 targets in %s", r->list.name);
  } else if (r->summary) {
    if (cli_audit_summary_print(r->summary, stdout, o->json, r->text.color,
                                r->list.name))
      cli_error("out of memory writing the summary");
    cli_stdout_used();
    fflush(stdout);
  }
  if (!rc) rc = r->with_errors ? 1 : 0;
  /* A read error cut the list short: not a clean run, whatever was
   * audited before it. */
  r->list_open = 0;
  if (cli_lines_close(&r->list) != 0) rc = cli_exit_for(DT_EIO);
  return rc;
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
  o.summary = -1;
  o.progress = isatty(2);
  run *r = NULL;
  uv_loop_t loop;
  int loop_ok = 0;
  int rc = parse(&o, argc, argv);
  if (rc) goto out;
  /* The chains: in JSON for one target (the evidence, whole); in text and
   * in bulk only when asked (a report each is long enough). */
  if (o.chains < 0) o.chains = o.json && !o.from;
  /* The summary closes a list for people; JSON Lines keep one object per
   * target unless it is asked for (a consumer that reads every line as a
   * result is not surprised by a last one). */
  if (o.summary < 0) o.summary = !o.json;
  if (!o.from) o.progress = 0;
  r = calloc(1, sizeof *r);
  if (!r || uv_loop_init(&loop) != 0) {
    rc = cli_exit_for(DT_ENOMEM);
    goto out;
  }
  loop_ok = 1;
  r->o = &o;
  dt_text_options_init(&r->text);
  r->text.color = !o.json && cli_color_for(o.color, stdout);
  r->text.chains = o.chains;
  rc = setup(r, &loop);
  if (rc) goto out;
  r->t0 = uv_hrtime();
  if (o.from) {
    rc = run_bulk(r, &loop);
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
    if (r->tick_open) uv_close((uv_handle_t *)&r->tick, NULL);
    if (loop_ok) {
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
    }
    if (r->list_open) cli_lines_close(&r->list);
    if (r->slots) {
      for (size_t i = 0; i < r->nslots; i++)
        free(r->slots[i].out);
      free(r->slots);
    }
    cli_audit_summary_free(r->summary);
    free(r);
  }
  cli_req_free(&o.rq);
  return rc < 0 ? 0 : rc;
}
