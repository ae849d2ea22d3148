/* cmd_hsts.c — `detour hsts ...`: look into and manage the dynamic HSTS
 * store (dt_hsts_store in detour.h), and explain a header value.
 * Every change is saved with the store's locked merge, so a concurrent
 * `detour fetch` loses nothing. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour hsts [--hsts-store FILE] [--profile NAME] [--json] "
    "COMMAND\n"
    "\n"
    "  list                        every live entry\n"
    "  query HOST                  is HOST a Known HSTS Host, and why\n"
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
    "$XDG_DATA_HOME/detour/hsts.txt (~/.local/share/detour).\n";

typedef struct hopts {
  const char *store_opt, *format, *output, *profile;
  int json, include_subdomains, max_age_set;
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

static int cmd_query(hopts *o, const char *host) {
  dt_hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc) return rc;
  dt_hsts_match m;
  dt_error e = {0};
  int known = dt_hsts_store_query(s, host, &m, &e);
  if (known < 0) {
    dt_hsts_store_free(s);
    return host_error(&e);
  }
  if (o->json) {
    rc = cli_print_owned(dt_hsts_match_to_json(&m)) ? CLI_EXIT_USAGE : 0;
  } else if (known) {
    char exp[32];
    time_text(m.entry.expires_ms, exp);
    printf("%s is a Known HSTS Host: %s entry %s%s, expires %s\n", m.host,
           m.reason == DT_HSTS_EXACT ? "its own" : "the ancestor", m.entry.host,
           m.entry.include_subdomains ? " (includeSubDomains)" : "", exp);
  } else {
    printf("%s is not a Known HSTS Host in %s: %s%s%s\n", m.host, o->path,
           m.reason_name, m.has_entry ? " — " : "",
           m.has_entry ? m.entry.host : "");
  }
  dt_hsts_store_free(s);
  return rc;
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
    O_HELP
  };
  static const struct option longopts[] = {
      {"hsts-store", required_argument, 0, O_STORE},
      {"json", no_argument, 0, O_JSON},
      {"format", required_argument, 0, O_FORMAT},
      {"max-age", required_argument, 0, O_MAX_AGE},
      {"include-subdomains", no_argument, 0, O_INCSUB},
      {"profile", required_argument, 0, O_PROFILE},
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
    case 'o': o.output = optarg; break;
    case O_MAX_AGE:
      if (cli_parse_uint(optarg, 1000ull * 365 * 86400, &o.max_age))
        return cli_usage_error("--max-age wants seconds, got '%s'", optarg);
      o.max_age_set = 1;
      break;
    case O_HELP: fputs(help, stdout); return 0;
    default: return cli_usage_error("try 'detour hsts --help'");
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
