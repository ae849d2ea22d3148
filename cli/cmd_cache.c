/* cmd_cache.c — `detour cache ...`: what a user-data directory remembers
 * about redirects — the redirect cache (docs/redirect-cache.md) and the
 * hosts HTTPS-Upgrades fell back from (docs/https-upgrades.md) — listed and
 * cleared as a browser's "clear browsing data" does. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour cache [--user-data-dir DIR] [--json] COMMAND\n"
    "\n"
    "  list                         the redirects the cache serves without "
    "asking,\n"
    "                               and the hosts not upgraded to https "
    "again\n"
    "  clear [--since 1h|24h|7d|4w|all] [--redirects | --upgrades]\n"
    "                               forget them (both unless one is named)\n"
    "\n"
    "The directory defaults to $XDG_DATA_HOME/detour (~/.local/share/detour):\n"
    "DIR/redirects.txt and DIR/https-upgrades.txt.\n";

typedef struct {
  dt_json *w;
  size_t n;
} list_state;

static int one_redirect(const dt_cached_redirect *r, void *ud) {
  list_state *st = ud;
  char stored[32], exp[32] = "for good";
  dt_time_format(r->stored_ms, stored);
  if (r->expires_ms != INT64_MAX) dt_time_format(r->expires_ms, exp);
  st->n++;
  if (!st->w) {
    printf("%d %s -> %s  stored %s, fresh %s%s\n", r->status, r->url,
           r->location ? r->location : "(no Location)", stored,
           r->expires_ms == INT64_MAX ? "" : "until ", exp);
    return 0;
  }
  dt_json_obj_open(st->w);
  dt_json_key(st->w, "url");
  dt_json_str(st->w, r->url);
  dt_json_key(st->w, "status");
  dt_json_int(st->w, r->status);
  dt_json_key(st->w, "location");
  dt_json_str(st->w, r->location);
  dt_json_key(st->w, "stored");
  dt_json_str(st->w, stored);
  dt_json_key(st->w, "expires");
  dt_json_str(st->w, r->expires_ms == INT64_MAX ? NULL : exp);
  dt_json_obj_close(st->w);
  return 0;
}

static int one_fallback(const char *host, int64_t at, void *ud) {
  list_state *st = ud;
  char t[32];
  dt_time_format(at, t);
  st->n++;
  if (!st->w) {
    printf("%s  fell back from https %s: not upgraded again\n", host, t);
    return 0;
  }
  dt_json_obj_open(st->w);
  dt_json_key(st->w, "host");
  dt_json_str(st->w, host);
  dt_json_key(st->w, "at");
  dt_json_str(st->w, t);
  dt_json_obj_close(st->w);
  return 0;
}

static int cmd_list(dt_ctx *ctx, int json) {
  list_state st = {NULL, 0};
  if (json) {
    st.w = dt_json_new(0);
    if (!st.w) return cli_exit_for(DT_ENOMEM);
    dt_json_obj_open(st.w);
    dt_json_key(st.w, "redirects");
    dt_json_arr_open(st.w);
  } else {
    printf("redirect cache:\n");
  }
  dt_ctx_redirects_each(ctx, one_redirect, &st);
  if (!json && !st.n) printf("  (none)\n");
  if (json) {
    dt_json_arr_close(st.w);
    dt_json_key(st.w, "https_upgrades_fallbacks");
    dt_json_arr_open(st.w);
  } else {
    printf("HTTPS-Upgrades fallbacks:\n");
  }
  st.n = 0;
  dt_ctx_upgrade_fallbacks_each(ctx, one_fallback, &st);
  if (!json && !st.n) printf("  (none)\n");
  if (!json) return 0;
  dt_json_arr_close(st.w);
  dt_json_obj_close(st.w);
  return cli_print_owned(dt_json_finish(st.w)) ? cli_exit_for(DT_ENOMEM) : 0;
}

enum { O_UDD = 256, O_JSON, O_SINCE, O_REDIRECTS, O_UPGRADES, O_HELP };

int cli_cmd_cache(int argc, char **argv) {
  static const struct option longopts[] = {
      {"user-data-dir", required_argument, 0, O_UDD},
      {"json", no_argument, 0, O_JSON},
      {"since", required_argument, 0, O_SINCE},
      {"redirects", no_argument, 0, O_REDIRECTS},
      {"upgrades", no_argument, 0, O_UPGRADES},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  const char *udd_opt = NULL, *since = NULL;
  int json = 0, c;
  unsigned kinds = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case O_UDD: udd_opt = optarg; break;
    case O_JSON:
      json = 1;
      cli_json_mode();
      break;
    case O_SINCE: since = optarg; break;
    case O_REDIRECTS: kinds |= DT_DATA_REDIRECTS; break;
    case O_UPGRADES: kinds |= DT_DATA_HTTPS_UPGRADES; break;
    case O_HELP: fputs(help, stdout); return 0;
    default: return cli_bad_option("cache", argc, argv);
    }
  }
  if (optind != argc - 1)
    return cli_usage_error("cache wants one command: list or clear");
  const char *cmd = argv[optind];
  if (strcmp(cmd, "list") && strcmp(cmd, "clear"))
    return cli_usage_error("unknown cache command '%s' (try --help)", cmd);
  int64_t from = INT64_MIN;
  if (since && cli_parse_since(since, &from)) return CLI_EXIT_USAGE;
  char udd[1024];
  int prc = cli_user_data_dir(udd_opt, udd, sizeof udd);
  if (prc == -1) {
    cli_error("no user-data directory: set --user-data-dir, $XDG_DATA_HOME "
              "or $HOME");
    return CLI_EXIT_USAGE;
  }
  if (prc) return prc;
  dt_ctx_options opt;
  dt_ctx_options_init(&opt);
  opt.user_data_dir = udd;
  opt.no_preload = 1;
  dt_sync *s = NULL;
  int rc = dt_sync_new(&s, &opt);
  if (rc) {
    cli_error("cannot open %s: %s", udd, dt_strerror(rc));
    return cli_exit_for(rc);
  }
  dt_ctx *ctx = dt_sync_ctx(s);
  for (size_t i = 0; dt_ctx_warning(ctx, i); i++)
    cli_error("warning: %s", dt_ctx_warning(ctx, i));
  if (!strcmp(cmd, "list")) {
    rc = cmd_list(ctx, json);
  } else {
    if (!kinds) kinds = DT_DATA_REDIRECTS | DT_DATA_HTTPS_UPGRADES;
    size_t removed = 0;
    dt_error e = {0};
    rc = dt_ctx_clear_data(ctx, kinds, from, INT64_MAX, &removed, &e);
    if (rc) {
      rc = cli_fail(&e);
    } else if (json) {
      dt_json *w = dt_json_new(0);
      dt_json_obj_open(w);
      dt_json_key(w, "removed");
      dt_json_uint(w, removed);
      dt_json_obj_close(w);
      rc = cli_print_owned(dt_json_finish(w)) ? cli_exit_for(DT_ENOMEM) : 0;
    } else {
      printf("removed %zu item%s\n", removed, removed == 1 ? "" : "s");
    }
  }
  dt_sync_free(s);
  return rc;
}
