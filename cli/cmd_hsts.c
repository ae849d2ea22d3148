/* cmd_hsts.c — `detour hsts ...`: look into and manage the dynamic HSTS
 * store (dt_hsts_store in detour.h), and explain a header value.
 * Every change is saved with the store's locked merge, so a concurrent
 * `detour fetch` loses nothing. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour hsts [--hsts-store FILE] [--profile NAME] [--json] "
    "COMMAND\n"
    "\n"
    "  list                        every live entry\n"
    "  query HOST                  is HOST a Known HSTS Host, and which\n"
    "                              list decides (the store, the preload "
    "list)\n"
    "  add HOST [--max-age N] [--include-subdomains]\n"
    "  delete HOST                 the exact host's entry only\n"
    "  clear                       every entry\n"
    "  import FILE --format curl   curl's --hsts cache file\n"
    "  export --format curl [-o FILE]\n"
    "  parse 'HEADER VALUE'\n"
    "                              explain a Strict-Transport-Security "
    "value\n"
    "\n"
    "--profile (" CLI_PROFILES ") sets the max-age cap add applies and the\n"
    "rules parse and query use, as in a navigation. The store defaults to\n"
    "$XDG_DATA_HOME/detour/hsts.txt (~/.local/share/detour). query also\n"
    "takes fetch's --preload-file FILE, --no-preload and\n"
    "--disable-stale-preload.\n";

typedef struct hopts {
  const char *store_opt, *format, *output, *profile, *preload_file;
  int json, include_subdomains, max_age_set, no_preload, disable_stale;
  unsigned long long max_age;
  char path[1024];
} hopts;

static void time_text(int64_t ms, char out[32]) {
  if (ms == DT_HSTS_NEVER)
    strcpy(out, "unlimited");
  else
    dt_time_format(ms, out);
}

/* Opens the store from its file. A file problem is an error here (unlike
 * fetch, which goes on memory-only): managing a store we cannot read would
 * mislead. */
static int open_store(hopts *o, dt_hsts_store **s) {
  int prc = cli_hsts_store_path(o->store_opt, o->path, sizeof o->path);
  if (prc == -1) {
    cli_error("no HSTS store path: set --hsts-store, $XDG_DATA_HOME or $HOME");
    return CLI_EXIT_USAGE;
  }
  if (prc) return prc;
  dt_hsts_store_options opt;
  dt_hsts_store_options_init(&opt);
  opt.profile = o->profile;
  dt_error e = {0};
  int rc = dt_hsts_store_open(s, o->path, &opt, &e);
  if (rc) {
    if (rc == DT_EINVAL && o->profile && !dt_profile_exists(o->profile))
      return cli_unknown_profile(o->profile);
    return cli_fail(&e);
  }
  for (size_t i = 0; dt_hsts_store_warning(*s, i); i++)
    cli_error("warning: %s", dt_hsts_store_warning(*s, i));
  return 0;
}

static int save_store(dt_hsts_store *s) {
  dt_error e = {0};
  return dt_hsts_store_save(s, &e) ? cli_fail(&e) : 0;
}

/* A user-typed host is canonicalised by the library as a navigation's
 * would be (IDNA, case, trailing dots): `add bücher.example` and a later
 * fetch of http://bücher.example/ agree (curl CVE-2022-42916 class). */
static int host_error(const dt_error *e) {
  cli_error("%s", e->message);
  return CLI_EXIT_USAGE;
}

static int each_text(const dt_hsts_entry *e, void *ud) {
  (void)ud;
  char exp[32], obs[32];
  time_text(e->expires_ms, exp);
  time_text(e->observed_ms, obs);
  printf("%-40s %-18s expires %s  observed %s\n", e->host,
         e->include_subdomains ? "includeSubDomains" : "-", exp, obs);
  return 0;
}

/* {"key": VALUE} with VALUE a string or a count, as the library writes
 * JSON (the CLI's own envelopes). */
static int print_pair(const char *key, const char *str, size_t num) {
  dt_json *w = dt_json_new(0);
  dt_json_obj_open(w);
  dt_json_key(w, key);
  if (str)
    dt_json_str(w, str);
  else
    dt_json_uint(w, num);
  dt_json_obj_close(w);
  return cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
}

static int cmd_list(hopts *o) {
  dt_hsts_store *s;
  int rc = open_store(o, &s);
  if (rc) return rc;
  if (o->json) {
    rc = cli_print_owned(dt_hsts_store_to_json(s)) ? CLI_EXIT_USAGE : 0;
  } else {
    if (dt_hsts_store_count(s) == 0) printf("(no entries in %s)\n", o->path);
    dt_hsts_store_each(s, each_text, NULL);
  }
  dt_hsts_store_free(s);
  return rc;
}

/* The decision a navigation makes for http://HOST/ (dt_ctx_hsts_decide:
 * the store first, then the preload list, by the profile's rules), on a
 * context with the same store file and list; the list's own answer for
 * HOST in *PM (dt_preload_query), PM->reason NULL without a list. */
static int decide(hopts *o, const char *host, dt_hsts_decision *d,
                  dt_preload_match *pm, dt_preload_info *info, int64_t *age) {
  dt_ctx_options opt;
  dt_ctx_options_init(&opt);
  opt.hsts_store_path = o->path;
  opt.profile = o->profile;
  opt.preload_file = o->preload_file;
  opt.no_preload = o->no_preload;
  opt.preload_disable_stale = o->disable_stale;
  opt.no_cookies = 1;
  opt.no_redirect_cache = 1;
  opt.no_https_upgrades = 1;
  dt_error e = {0};
  opt.error = &e;
  dt_sync *s = NULL;
  int rc = dt_sync_new(&s, &opt);
  if (rc) return cli_fail(&e);
  dt_ctx *ctx = dt_sync_ctx(s);
  char url[DT_MAX_HOST_BYTES + 16];
  snprintf(url, sizeof url, "http://%s/", host);
  rc = dt_ctx_hsts_decide(ctx, url, d);
  memset(pm, 0, sizeof *pm);
  const dt_preload *list = dt_ctx_preload(ctx);
  if (rc >= 0 && list) {
    dt_preload_get_info(list, info);
    *age = dt_preload_age_days(list, NULL);
    dt_preload_query(list, host, o->profile ? o->profile : "chromium",
                     o->disable_stale, NULL, pm, NULL);
  }
  dt_sync_free(s);
  if (rc < 0) {
    cli_error("'%s' is not a host name detour can look up", host);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

/* hsts query: the store's answer (its entry or near miss) and the
 * decision a navigation makes, with the list that made it. */
static int cmd_query(hopts *o, const char *host) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  dt_hsts_match m;
  dt_error e = {0};
  int known = dt_hsts_store_query(s, host, &m, &e);
  dt_hsts_store_free(s);
  if (known < 0) return host_error(&e);
  dt_hsts_decision d;
  dt_preload_match pm;
  dt_preload_info info = {0};
  int64_t age = 0;
  if ((rc = decide(o, m.host, &d, &pm, &info, &age)) != 0) return rc;
  if (o->json) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "host");
    dt_json_str(w, m.host);
    dt_json_key(w, "known"); /* the decision: what a navigation does */
    dt_json_bool(w, d.known);
    dt_json_key(w, "decided_by");
    if (d.known)
      dt_json_str(w,
                  d.source == DT_HSTS_SOURCE_PRELOAD ? "preload" : "dynamic");
    else
      dt_json_null(w);
    dt_json_key(w, "why");
    if (d.known)
      dt_json_null(w);
    else
      dt_json_str(w, d.why);
    dt_json_key(w, "decision");
    char *dj = dt_hsts_decision_to_json(&d);
    dt_json_raw(w, dj);
    dt_free(dj);
    dt_json_key(w, "store_known"); /* the store's own answer */
    dt_json_bool(w, known);
    dt_json_key(w, "match");
    char *mj = known ? dt_hsts_entry_to_json(&m.entry) : NULL;
    if (mj)
      dt_json_raw(w, mj);
    else
      dt_json_null(w);
    dt_free(mj);
    dt_json_key(w, "reason");
    dt_json_str(w, m.reason_name);
    if (!known && m.has_entry) {
      dt_json_key(w, "near_miss");
      char *nj = dt_hsts_entry_to_json(&m.entry);
      dt_json_raw(w, nj);
      dt_free(nj);
    }
    dt_json_key(w, "preload");
    if (pm.reason) {
      char *pj = dt_preload_match_to_json(&pm);
      dt_json_raw(w, pj);
      dt_free(pj);
    } else {
      dt_json_null(w);
    }
    dt_json_obj_close(w);
    return cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
  }
  char exp[32];
  time_text(m.entry.expires_ms, exp);
  if (d.known && d.source == DT_HSTS_SOURCE_DYNAMIC) {
    printf("%s is a Known HSTS Host: %s entry %s%s in the store %s, expires "
           "%s\n",
           m.host, m.reason == DT_HSTS_EXACT ? "its own" : "the ancestor",
           m.entry.host,
           m.entry.include_subdomains ? " (includeSubDomains)" : "", o->path,
           exp);
    return 0;
  }
  if (d.known) {
    printf("%s is a Known HSTS Host: the preload list's entry %s%s decides "
           "(list date %s, %lld days old%s; profile %s); the store %s has "
           "%s\n",
           m.host, d.entry, d.include_subdomains ? " (include_subdomains)" : "",
           info.list_date, (long long)age,
           age >= DT_PRELOAD_STALE_DAYS
               ? ": Chromium stops using its list at 70 days, docs/cli.md"
               : "",
           pm.profile ? pm.profile : "chromium", o->path,
           m.has_entry ? "a near miss" : "no entry");
    if (m.has_entry) printf("  store: %s — %s\n", m.reason_name, m.entry.host);
    return 0;
  }
  printf("%s is not a Known HSTS Host: %s\n", m.host, d.why);
  printf("  store %s: %s%s%s\n", o->path, m.reason_name,
         m.has_entry ? " — " : "", m.has_entry ? m.entry.host : "");
  if (pm.reason)
    printf("  preload list (list date %s): %s%s%s\n", info.list_date, pm.reason,
           pm.entry[0] ? " — " : "", pm.entry);
  else
    printf("  preload list: none (--no-preload)\n");
  return 0;
}

static int cmd_add(hopts *o, const char *host) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  unsigned long long age = o->max_age_set ? o->max_age : 31536000ull;
  dt_error e = {0};
  rc = dt_hsts_store_add(s, host, age, o->include_subdomains, &e);
  if (rc) {
    dt_hsts_store_free(s);
    cli_error("cannot add %s: %s", host, e.message);
    return CLI_EXIT_USAGE;
  }
  rc = save_store(s);
  dt_hsts_entry en;
  int have = rc == 0 && dt_hsts_store_get(s, host, &en);
  if (have && !o->json) {
    /* what was stored: the profile's cap applies, as to a header */
    unsigned long long stored =
        (unsigned long long)((en.expires_ms - en.observed_ms) / 1000);
    printf("added %s max-age=%llu%s%s\n", en.host, stored,
           en.include_subdomains ? " includeSubDomains" : "",
           stored < age ? " (capped by the profile)" : "");
  } else if (have) {
    dt_json *w = dt_json_new(0);
    dt_json_obj_open(w);
    dt_json_key(w, "added");
    dt_json_str(w, en.host);
    dt_json_key(w, "max_age");
    dt_json_uint(w, (uint64_t)((en.expires_ms - en.observed_ms) / 1000));
    dt_json_key(w, "capped");
    dt_json_bool(w, (uint64_t)((en.expires_ms - en.observed_ms) / 1000) < age);
    dt_json_key(w, "entry");
    char *ej = dt_hsts_entry_to_json(&en);
    dt_json_raw(w, ej);
    dt_free(ej);
    dt_json_obj_close(w);
    rc = cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
  }
  dt_hsts_store_free(s);
  return rc;
}

static int cmd_delete(hopts *o, const char *host) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  dt_hsts_match m;
  dt_error e = {0};
  if (dt_hsts_store_query(s, host, &m, &e) < 0) {
    dt_hsts_store_free(s);
    return host_error(&e);
  }
  int gone = dt_hsts_store_delete(s, host);
  rc = gone < 0 ? CLI_EXIT_USAGE : save_store(s);
  if (!rc) {
    if (o->json) {
      dt_json *w = dt_json_new(0);
      dt_json_obj_open(w);
      dt_json_key(w, "host");
      dt_json_str(w, m.host);
      dt_json_key(w, "deleted");
      dt_json_bool(w, gone);
      dt_json_obj_close(w);
      rc = cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
    } else {
      printf(gone ? "deleted %s\n" : "no entry for %s (nothing deleted)\n",
             m.host);
    }
  }
  dt_hsts_store_free(s);
  return rc;
}

static int cmd_clear(hopts *o) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  size_t n = dt_hsts_store_clear(s);
  rc = save_store(s);
  if (!rc) {
    if (o->json)
      rc = print_pair("cleared", NULL, n);
    else
      printf("cleared %zu entries\n", n);
  }
  dt_hsts_store_free(s);
  return rc;
}

static int cmd_import(hopts *o, const char *file) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  dt_hsts_import_report rep;
  dt_error e = {0};
  rc = dt_hsts_store_import_curl(s, file, &rep, &e);
  if (rc) {
    dt_hsts_store_free(s);
    return cli_fail(&e);
  }
  rc = save_store(s);
  if (!rc) {
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
      rc = cli_print_owned(dt_json_finish(w)) ? CLI_EXIT_USAGE : 0;
    } else {
      printf("imported %zu entries from %s (%zu bad lines skipped, %zu "
             "expired)\n",
             rep.imported, file, rep.skipped, rep.expired);
    }
  }
  dt_hsts_store_free(s);
  return rc;
}

static int cmd_export(hopts *o) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  dt_error e = {0};
  if (o->output && strcmp(o->output, "-")) {
    if (dt_hsts_store_export_curl_file(s, o->output, &e)) rc = cli_fail(&e);
  } else {
    char *text = dt_hsts_store_export_curl(s);
    if (!text) {
      cli_error("out of memory");
      rc = cli_exit_for(DT_ENOMEM);
    } else {
      rc = cli_write_file("-", text, strlen(text)) ? cli_exit_for(DT_EIO) : 0;
      dt_free(text);
    }
  }
  dt_hsts_store_free(s);
  return rc;
}

static int cmd_parse(hopts *o, const char *value) {
  if (!dt_profile_exists(o->profile)) return cli_unknown_profile(o->profile);
  const char *profile = o->profile ? o->profile : "chromium";
  dt_sts_result r;
  int ok = dt_sts_parse(value, strlen(value), profile, &r) == 1;
  if (o->json) {
    if (cli_print_owned(dt_sts_result_to_json(&r, value, profile)))
      return CLI_EXIT_USAGE;
  } else if (ok) {
    printf("valid (profile %s)\n  max-age=%llu%s\n", profile,
           (unsigned long long)r.max_age,
           r.clamped ? "  (clamped to the profile's cap)" : "");
    printf("  includeSubDomains: %s\n  preload: %s\n",
           r.include_subdomains ? "yes" : "no", r.preload ? "yes" : "no");
    for (unsigned i = 0; i < r.unknown_count && i < DT_STS_MAX_UNKNOWN; i++)
      printf("  ignored unknown directive: %.*s\n", (int)r.unknown[i].length,
             value + r.unknown[i].offset);
  } else {
    /* Point at the byte, the way compilers do. */
    printf("rejected: %s — %s\n  %s\n  %*s^ byte %zu\n", r.code, r.message,
           value, (int)(r.offset < 200 ? r.offset : 0), "", r.offset);
  }
  return ok ? 0 : cli_exit_for(DT_EPARSE);
}

int cli_cmd_hsts(int argc, char **argv) {
  enum {
    O_STORE = 256,
    O_JSON,
    O_FORMAT,
    O_MAX_AGE,
    O_INCSUB,
    O_PROFILE,
    O_PRELOAD_FILE,
    O_NO_PRELOAD,
    O_STALE_OFF,
    O_HELP
  };
  static const struct option longopts[] = {
      {"hsts-store", required_argument, 0, O_STORE},
      {"json", no_argument, 0, O_JSON},
      {"format", required_argument, 0, O_FORMAT},
      {"max-age", required_argument, 0, O_MAX_AGE},
      {"include-subdomains", no_argument, 0, O_INCSUB},
      {"profile", required_argument, 0, O_PROFILE},
      {"preload-file", required_argument, 0, O_PRELOAD_FILE},
      {"no-preload", no_argument, 0, O_NO_PRELOAD},
      {"disable-stale-preload", no_argument, 0, O_STALE_OFF},
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  hopts o;
  memset(&o, 0, sizeof o);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case O_STORE: o.store_opt = optarg; break;
    case O_JSON:
      o.json = 1;
      cli_json_mode();
      break;
    case O_FORMAT: o.format = optarg; break;
    case O_INCSUB: o.include_subdomains = 1; break;
    case O_PROFILE: o.profile = optarg; break;
    case O_PRELOAD_FILE: o.preload_file = optarg; break;
    case O_NO_PRELOAD: o.no_preload = 1; break;
    case O_STALE_OFF: o.disable_stale = 1; break;
    case 'o': o.output = optarg; break;
    case O_MAX_AGE:
      if (cli_parse_uint(optarg, 1000ull * 365 * 86400, &o.max_age))
        return cli_usage_error("--max-age wants seconds, got '%s'", optarg);
      o.max_age_set = 1;
      break;
    case O_HELP: fputs(help, stdout); return 0;
    default: return cli_bad_option("hsts", argc, argv);
    }
  }
  int n = argc - optind;
  char **a = argv + optind;
  if (n < 1)
    return cli_usage_error("hsts wants a command; try 'detour hsts --help'");
  const char *cmd = a[0];
  if (o.format && strcmp(o.format, "curl"))
    return cli_usage_error("--format: only 'curl' is supported");
#define WANT(k)                                                                \
  if (n != (k) + 1)                                                            \
    return cli_usage_error("hsts %s wants %d argument%s", cmd, (k),            \
                           (k) == 1 ? "" : "s");
  if (!strcmp(cmd, "list")) {
    WANT(0);
    return cmd_list(&o);
  }
  if (!strcmp(cmd, "query")) {
    WANT(1);
    return cmd_query(&o, a[1]);
  }
  if (!strcmp(cmd, "add")) {
    WANT(1);
    return cmd_add(&o, a[1]);
  }
  if (!strcmp(cmd, "delete")) {
    WANT(1);
    return cmd_delete(&o, a[1]);
  }
  if (!strcmp(cmd, "clear")) {
    WANT(0);
    return cmd_clear(&o);
  }
  if (!strcmp(cmd, "parse")) {
    WANT(1);
    return cmd_parse(&o, a[1]);
  }
  if (!strcmp(cmd, "import")) {
    WANT(1);
    if (!o.format) return cli_usage_error("hsts import wants --format curl");
    return cmd_import(&o, a[1]);
  }
  if (!strcmp(cmd, "export")) {
    WANT(0);
    if (!o.format) return cli_usage_error("hsts export wants --format curl");
    return cmd_export(&o);
  }
#undef WANT
  return cli_usage_error("unknown hsts command '%s'", cmd);
}
