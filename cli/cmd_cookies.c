/* cmd_cookies.c — `detour cookies ...`: the cookie jar of a user-data
 * directory (dt_ctx_cookies_* in detour.h), as a browser's cookie settings
 * show it. Changes are saved with the jar's locked merge, so a concurrent
 * `detour fetch` loses nothing. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour cookies [--user-data-dir DIR] [--json] COMMAND\n"
    "\n"
    "  list [--domain D]            every cookie the jar keeps (persistent "
    "ones:\n"
    "                               session cookies end with each run)\n"
    "  clear [--domain D] [--since 1h|24h|7d|4w|all]\n"
    "                               forget cookies (created in the range)\n"
    "  import FILE                  curl's Netscape cookie file ('-' = "
    "stdin)\n"
    "  export [-o FILE]             the jar as curl's -c writes it\n"
    "  header URL                   the Cookie a typed navigation to URL "
    "sends\n"
    "\n"
    "The directory defaults to $XDG_DATA_HOME/detour (~/.local/share/detour);\n"
    "the jar is DIR/cookies.txt (docs/cookies.md).\n";

typedef struct copts {
  const char *udd_opt, *domain, *output, *since;
  int json;
  char udd[1024];
} copts;

/* A context on the directory; its cookie file must be readable here (a
 * problem is an error, unlike fetch, which goes on in memory). */
static int open_ctx(copts *o, dt_sync **s) {
  int prc = cli_user_data_dir(o->udd_opt, o->udd, sizeof o->udd);
  if (prc == -1) {
    cli_error("no user-data directory: set --user-data-dir, $XDG_DATA_HOME "
              "or $HOME");
    return CLI_EXIT_USAGE;
  }
  if (prc) return prc;
  dt_ctx_options opt;
  dt_ctx_options_init(&opt);
  opt.user_data_dir = o->udd;
  opt.no_preload = 1;
  int rc = dt_sync_new(s, &opt);
  if (rc) {
    cli_error("cannot open %s: %s", o->udd, dt_strerror(rc));
    return cli_exit_for(rc);
  }
  const char *w;
  for (size_t i = 0; (w = dt_ctx_warning(dt_sync_ctx(*s), i)) != NULL; i++)
    if (strstr(w, "cookie jar")) {
      cli_error("%s", w);
      dt_sync_free(*s);
      *s = NULL;
      return cli_exit_for(DT_ESTORE);
    }
  return 0;
}

static int in_domain(const dt_cookie *c, const char *d) {
  if (!d) return 1;
  size_t cn = strlen(c->domain), dn = strlen(d);
  return cn >= dn && strcmp(c->domain + cn - dn, d) == 0 &&
         (cn == dn || c->domain[cn - dn - 1] == '.');
}

typedef struct {
  copts *o;
  dt_json *w;
  size_t n;
} list_state;

static int list_one(const dt_cookie *c, void *ud) {
  list_state *st = ud;
  if (!in_domain(c, st->o->domain)) return 0;
  st->n++;
  char exp[32] = "session";
  if (c->persistent) dt_time_format(c->expires_ms, exp);
  if (!st->w) {
    printf("%s%-30s %-12s %s=%s  expires %s%s%s%s%s\n",
           c->host_only ? " " : ".", c->domain, c->path, c->name, c->value, exp,
           c->secure ? "  Secure" : "", c->http_only ? "  HttpOnly" : "",
           c->same_site ? "  SameSite=" : "", c->same_site ? c->same_site : "");
    return 0;
  }
  dt_json *w = st->w;
  char t[32];
  dt_json_obj_open(w);
  dt_json_key(w, "name");
  dt_json_str(w, c->name);
  dt_json_key(w, "value");
  dt_json_str(w, c->value);
  dt_json_key(w, "domain");
  dt_json_str(w, c->domain);
  dt_json_key(w, "host_only");
  dt_json_bool(w, c->host_only);
  dt_json_key(w, "path");
  dt_json_str(w, c->path);
  dt_json_key(w, "secure");
  dt_json_bool(w, c->secure);
  dt_json_key(w, "http_only");
  dt_json_bool(w, c->http_only);
  dt_json_key(w, "same_site");
  dt_json_str(w, c->same_site);
  dt_json_key(w, "priority");
  dt_json_str(w, c->priority);
  dt_json_key(w, "expires");
  dt_json_str(w, c->persistent ? exp : NULL);
  dt_time_format(c->created_ms, t);
  dt_json_key(w, "created");
  dt_json_str(w, t);
  dt_time_format(c->last_access_ms, t);
  dt_json_key(w, "last_access");
  dt_json_str(w, t);
  dt_json_obj_close(w);
  return 0;
}

static int cmd_list(copts *o, dt_ctx *ctx) {
  list_state st = {o, NULL, 0};
  if (o->json) {
    st.w = dt_json_new(0);
    if (!st.w) return cli_exit_for(DT_ENOMEM);
    dt_json_obj_open(st.w);
    dt_json_key(st.w, "cookies");
    dt_json_arr_open(st.w);
  }
  int rc = dt_ctx_cookies_each(ctx, list_one, &st);
  if (o->json) {
    dt_json_arr_close(st.w);
    dt_json_obj_close(st.w);
    return cli_print_owned(dt_json_finish(st.w)) ? cli_exit_for(DT_ENOMEM)
                                                 : cli_exit_for(rc);
  }
  if (!st.n) printf("(no cookies)\n");
  return cli_exit_for(rc);
}

static int cmd_clear(copts *o, dt_ctx *ctx) {
  int64_t from = INT64_MIN;
  if (o->since && cli_parse_since(o->since, &from)) return CLI_EXIT_USAGE;
  dt_error e = {0};
  size_t removed = 0;
  int rc;
  if (o->domain) /* one site's: a browser's "delete site data" */
    rc = dt_ctx_cookies_clear_domain(ctx, o->domain, from, INT64_MAX, &removed,
                                     &e);
  else
    rc = dt_ctx_clear_data(ctx, DT_DATA_COOKIES, from, INT64_MAX, &removed, &e);
  if (rc) return cli_fail(&e);
  if (o->json) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "removed");
    dt_json_uint(w, removed);
    dt_json_obj_close(w);
    return cli_print_owned(dt_json_finish(w)) ? cli_exit_for(DT_ENOMEM) : 0;
  }
  printf("removed %zu cookie%s\n", removed, removed == 1 ? "" : "s");
  return 0;
}

static int cmd_import(copts *o, dt_ctx *ctx, const char *file) {
  dt_cookie_import_report rep;
  dt_error e = {0};
  int rc = dt_ctx_cookies_import(ctx, file, &rep, &e);
  if (rc) return cli_fail(&e);
  if ((rc = dt_ctx_save(ctx, &e)) != 0) return cli_fail(&e);
  if (o->json) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "imported");
    dt_json_uint(w, rep.imported);
    dt_json_key(w, "skipped");
    dt_json_uint(w, rep.skipped);
    dt_json_key(w, "expired");
    dt_json_uint(w, rep.expired);
    dt_json_obj_close(w);
    return cli_print_owned(dt_json_finish(w)) ? cli_exit_for(DT_ENOMEM) : 0;
  }
  printf("imported %zu cookie%s (%zu bad line%s skipped, %zu expired)\n",
         rep.imported, rep.imported == 1 ? "" : "s", rep.skipped,
         rep.skipped == 1 ? "" : "s", rep.expired);
  return 0;
}

static int cmd_export(copts *o, dt_ctx *ctx) {
  if (o->output && strcmp(o->output, "-") != 0) {
    dt_error e = {0};
    return dt_ctx_cookies_export_file(ctx, o->output, &e) ? cli_fail(&e) : 0;
  }
  char *text = dt_ctx_cookies_export(ctx);
  if (!text) return cli_exit_for(DT_ENOMEM);
  fputs(text, stdout);
  cli_stdout_used();
  dt_free(text);
  return 0;
}

static int cmd_header(copts *o, dt_ctx *ctx, const char *url) {
  char *v = dt_ctx_cookie_header(ctx, url);
  if (!v) { /* why, where and what was meant, as `detour url` says it */
    dt_url *u = NULL;
    dt_error e = {0};
    if (dt_url_parse_err(&u, url, strlen(url), NULL, &e) == 0) {
      dt_url_free(u);
      cli_error("'%s' is not a URL detour can parse", url);
      return CLI_EXIT_USAGE;
    }
    cli_error_why(&e, url);
    return cli_exit_for(e.code); /* the url class, as fetch's and url's */
  }
  if (o->json) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "url");
    dt_json_str(w, url);
    dt_json_key(w, "cookie");
    dt_json_str(w, v[0] ? v : NULL);
    dt_json_obj_close(w);
    dt_free(v);
    return cli_print_owned(dt_json_finish(w)) ? cli_exit_for(DT_ENOMEM) : 0;
  }
  if (v[0])
    printf("Cookie: %s\n", v);
  else
    printf("(no cookie)\n");
  dt_free(v);
  return 0;
}

enum { O_UDD = 256, O_JSON, O_DOMAIN, O_SINCE, O_HELP };

int cli_cmd_cookies(int argc, char **argv) {
  static const struct option longopts[] = {
      {"user-data-dir", required_argument, 0, O_UDD},
      {"json", no_argument, 0, O_JSON},
      {"domain", required_argument, 0, O_DOMAIN},
      {"since", required_argument, 0, O_SINCE},
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  copts o;
  memset(&o, 0, sizeof o);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case O_UDD: o.udd_opt = optarg; break;
    case O_JSON:
      o.json = 1;
      cli_json_mode();
      break;
    case O_DOMAIN: o.domain = optarg; break;
    case O_SINCE: o.since = optarg; break;
    case 'o': o.output = optarg; break;
    case O_HELP: fputs(help, stdout); return 0;
    default: return cli_bad_option("cookies", argc, argv);
    }
  }
  if (optind >= argc)
    return cli_usage_error("cookies wants a command (try --help)");
  const char *cmd = argv[optind];
  int nargs = argc - optind - 1;
  const char *arg = nargs ? argv[optind + 1] : NULL;
  int want = !strcmp(cmd, "import") || !strcmp(cmd, "header") ? 1 : 0;
  if (strcmp(cmd, "list") && strcmp(cmd, "clear") && strcmp(cmd, "import") &&
      strcmp(cmd, "export") && strcmp(cmd, "header"))
    return cli_usage_error("unknown cookies command '%s' (try --help)", cmd);
  if (nargs != want)
    return cli_usage_error("cookies %s wants %s", cmd,
                           want ? "one argument" : "no argument");
  dt_sync *s = NULL;
  int rc = open_ctx(&o, &s);
  if (rc) return rc;
  dt_ctx *ctx = dt_sync_ctx(s);
  if (!strcmp(cmd, "list"))
    rc = cmd_list(&o, ctx);
  else if (!strcmp(cmd, "clear"))
    rc = cmd_clear(&o, ctx);
  else if (!strcmp(cmd, "import"))
    rc = cmd_import(&o, ctx, arg);
  else if (!strcmp(cmd, "export"))
    rc = cmd_export(&o, ctx);
  else
    rc = cmd_header(&o, ctx, arg);
  dt_sync_free(s);
  return rc;
}
