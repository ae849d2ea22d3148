/* cmd_hsts.c — `detour hsts ...`: look into and manage the dynamic HSTS
 * store (hsts/store.h, hsts/store_file.h), and explain a header value.
 * Every change is saved with the store's locked merge, so a concurrent
 * `detour fetch` loses nothing. */
#include "cli.h"

#include "engine/out/jsonw.h"
#include "engine/nav/profile.h"
#include "hsts/store.h"
#include "hsts/store_file.h"
#include "hsts/sts_header.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour hsts [--hsts-store FILE] [--json] COMMAND\n"
    "\n"
    "  list                        every live entry\n"
    "  query HOST                  is HOST a Known HSTS Host, and why\n"
    "  add HOST [--max-age N] [--include-subdomains]\n"
    "  delete HOST                 the exact host's entry only\n"
    "  clear                       every entry\n"
    "  import FILE --format curl   curl's --hsts cache file\n"
    "  export --format curl [-o FILE]\n"
    "  parse 'HEADER VALUE' [--profile NAME]\n"
    "                              explain a Strict-Transport-Security "
    "value\n"
    "\n"
    "The store defaults to $XDG_DATA_HOME/detour/hsts.txt "
    "(~/.local/share/detour).\n";

typedef struct hopts {
  const char *store_opt, *format, *output, *profile;
  int json, include_subdomains, max_age_set;
  unsigned long long max_age;
  char path[1024];
} hopts;

static void rfc3339_ms(int64_t ms, char out[32]) {
  if (ms == DT__HSTS_NEVER)
    strcpy(out, "unlimited");
  else
    dt__rfc3339(ms / 1000, out);
}

static void entry_json(dt__jw *w, const dt__hsts_entry *e) {
  char t[32];
  dt__jw_obj_open(w);
  dt__jw_key(w, "host");
  dt__jw_str(w, e->host);
  dt__jw_key(w, "include_subdomains");
  dt__jw_bool(w, e->include_subdomains);
  dt__jw_key(w, "knockout");
  dt__jw_bool(w, e->knockout);
  dt__jw_key(w, "expires");
  if (e->expires_ms == DT__HSTS_NEVER) {
    dt__jw_null(w);
  } else {
    rfc3339_ms(e->expires_ms, t);
    dt__jw_str(w, t);
  }
  dt__jw_key(w, "observed");
  rfc3339_ms(e->observed_ms, t);
  dt__jw_str(w, t);
  dt__jw_obj_close(w);
}

static int print_json(dt__jw *w) { return cli_print_owned(dt__jw_finish(w)); }

/* Opens the store from its file. A file problem is an error here (unlike
 * fetch, which goes on memory-only): managing a store we cannot read would
 * mislead. */
static int open_store(hopts *o, dt__hsts_store **s) {
  if (cli_hsts_store_path(o->store_opt, o->path, sizeof o->path)) {
    cli_error("no HSTS store path: set --hsts-store, $XDG_DATA_HOME or $HOME");
    return CLI_EXIT_USAGE;
  }
  if (dt__hsts_store_new(s, 0, NULL)) {
    cli_error("out of memory");
    return CLI_EXIT_USAGE;
  }
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_load(*s, o->path, &rep);
  if (rc) {
    cli_error("%s", rep.message);
    dt__hsts_store_free(*s);
    *s = NULL;
    return cli_exit_for(rc);
  }
  if (rep.skipped)
    cli_error("warning: %s: %zu damaged line(s) skipped (first at line %zu)",
              o->path, rep.skipped, rep.nbad ? rep.bad_lines[0] : 0);
  return 0;
}

static int save_store(hopts *o, dt__hsts_store *s) {
  dt__hsts_file_report rep;
  int rc = dt__hsts_file_save(s, o->path, &rep);
  if (rc)
    cli_error("%s", rep.message);
  return cli_exit_for(rc);
}

/* A user-typed host: IDNA to A-labels like the URL parser does, so `add
 * bücher.example` and a later fetch of http://bücher.example/ agree
 * (curl CVE-2022-42916 class). */
static int canon_host(const char *in, char *out, size_t cap) {
  int n = dt_host_canonicalize(in, strlen(in), out, cap);
  if (n == DT_EINVAL) {
    cli_error("'%s' is an IP literal: IP literals are never HSTS hosts "
              "(RFC 6797 §8.1.1)", in);
    return CLI_EXIT_USAGE;
  }
  if (n < 0) {
    cli_error("'%s' is not a valid domain name", in);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

static int each_json(const dt__hsts_entry *e, void *ud) {
  entry_json(ud, e);
  return 0;
}

static int each_text(const dt__hsts_entry *e, void *ud) {
  (void)ud;
  char exp[32], obs[32];
  rfc3339_ms(e->expires_ms, exp);
  rfc3339_ms(e->observed_ms, obs);
  printf("%-40s %-18s expires %s  observed %s\n", e->host,
         e->knockout             ? "knockout"
         : e->include_subdomains ? "includeSubDomains"
                                 : "-",
         exp, obs);
  return 0;
}

static int cmd_list(hopts *o) {
  dt__hsts_store *s;
  int rc = open_store(o, &s);
  if (rc)
    return rc;
  if (o->json) {
    dt__jw w;
    dt__jw_init(&w, 0);
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "entries");
    dt__jw_arr_open(&w);
    dt__hsts_store_each(s, each_json, &w);
    dt__jw_arr_close(&w);
    dt__jw_obj_close(&w);
    rc = print_json(&w) ? CLI_EXIT_USAGE : 0;
  } else {
    if (dt__hsts_store_count(s) == 0)
      printf("(no entries in %s)\n", o->path);
    dt__hsts_store_each(s, each_text, NULL);
  }
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_query(hopts *o, const char *host) {
  char canon[DT_MAX_HOST_BYTES + 2];
  int rc = canon_host(host, canon, sizeof canon);
  dt__hsts_store *s = NULL;
  if (rc || (rc = open_store(o, &s)))
    return rc;
  dt__hsts_decision d;
  int known = dt__hsts_store_lookup(s, canon, strlen(canon), &d);
  /* A knockout never matches; it is the near miss worth showing. */
  dt__hsts_entry ko;
  if (!known && !d.entry.host[0] &&
      dt__hsts_store_get(s, canon, strlen(canon), &ko) && ko.knockout)
    d.entry = ko;
  if (o->json) {
    dt__jw w;
    dt__jw_init(&w, 0);
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "host");
    dt__jw_str(&w, canon);
    dt__jw_key(&w, "known");
    dt__jw_bool(&w, known);
    dt__jw_key(&w, "match");
    if (known)
      entry_json(&w, &d.entry);
    else
      dt__jw_null(&w);
    dt__jw_key(&w, "reason");
    dt__jw_str(&w, dt__hsts_reason_name(d.reason));
    if (!known && d.entry.host[0]) {
      dt__jw_key(&w, "near_miss");
      entry_json(&w, &d.entry);
    }
    dt__jw_obj_close(&w);
    rc = print_json(&w) ? CLI_EXIT_USAGE : 0;
  } else if (known) {
    char exp[32];
    rfc3339_ms(d.entry.expires_ms, exp);
    printf("%s is a Known HSTS Host: %s entry %s%s, expires %s\n", canon,
           d.reason == DT__HSTS_R_EXACT ? "its own" : "the ancestor",
           d.entry.host, d.entry.include_subdomains ? " (includeSubDomains)"
                                                    : "",
           exp);
  } else {
    printf("%s is not a Known HSTS Host in %s: %s%s%s%s\n", canon, o->path,
           dt__hsts_reason_name(d.reason), d.entry.host[0] ? " — " : "",
           d.entry.host,
           d.entry.host[0] && d.entry.knockout
               ? " (a knockout: it sent max-age=0 while "
                              "preloaded, firefox profile)"
                            : "");
  }
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_add(hopts *o, const char *host) {
  char canon[DT_MAX_HOST_BYTES + 2];
  int rc = canon_host(host, canon, sizeof canon);
  dt__hsts_store *s = NULL;
  if (rc || (rc = open_store(o, &s)))
    return rc;
  int64_t now = dt__hsts_store_now(s);
  unsigned long long age = o->max_age_set ? o->max_age : 31536000ull;
  dt__host_reason why;
  rc = dt__hsts_store_add(s, canon, strlen(canon), o->include_subdomains,
                          now + (int64_t)age * 1000, now, &why);
  if (rc) {
    cli_error("cannot add %s: %s", canon,
              rc == DT_EINVAL ? dt__host_reason_message(why)
                              : dt_strerror(rc));
    dt__hsts_store_free(s);
    return CLI_EXIT_USAGE;
  }
  rc = save_store(o, s);
  if (!rc && !o->json)
    printf("added %s max-age=%llu%s\n", canon, age,
           o->include_subdomains ? " includeSubDomains" : "");
  else if (!rc)
    printf("{\"added\": \"%s\"}\n", canon);
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_delete(hopts *o, const char *host) {
  char canon[DT_MAX_HOST_BYTES + 2];
  int rc = canon_host(host, canon, sizeof canon);
  dt__hsts_store *s = NULL;
  if (rc || (rc = open_store(o, &s)))
    return rc;
  int gone = dt__hsts_store_delete(s, canon, strlen(canon));
  rc = gone < 0 ? CLI_EXIT_USAGE : save_store(o, s);
  if (!rc) {
    if (o->json)
      printf("{\"host\": \"%s\", \"deleted\": %s}\n", canon,
             gone ? "true" : "false");
    else
      printf(gone ? "deleted %s\n" : "no entry for %s (nothing deleted)\n",
             canon);
  }
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_clear(hopts *o) {
  dt__hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc)
    return rc;
  size_t n = dt__hsts_store_count(s);
  dt__hsts_store_clear(s);
  rc = save_store(o, s);
  if (!rc)
    printf(o->json ? "{\"cleared\": %zu}\n" : "cleared %zu entries\n", n);
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_import(hopts *o, const char *file) {
  dt__hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc)
    return rc;
  dt__hsts_file_report rep;
  rc = dt__hsts_file_import_curl(s, file, &rep);
  if (rc) {
    cli_error("%s", rep.message);
    dt__hsts_store_free(s);
    return cli_exit_for(rc);
  }
  rc = save_store(o, s);
  if (!rc) {
    if (o->json)
      printf("{\"imported\": %zu, \"skipped\": %zu, \"expired\": %zu}\n",
             rep.loaded, rep.skipped, rep.expired);
    else
      printf("imported %zu entries from %s (%zu bad lines skipped, %zu "
             "expired)\n",
             rep.loaded, file, rep.skipped, rep.expired);
  }
  dt__hsts_store_free(s);
  return rc;
}

static int cmd_export(hopts *o) {
  dt__hsts_store *s = NULL;
  int rc = open_store(o, &s);
  if (rc)
    return rc;
  dt__hsts_file_report rep;
  if (o->output && strcmp(o->output, "-"))
    rc = dt__hsts_file_export_curl_path(s, o->output, &rep);
  else
    rc = dt__hsts_file_export_curl(s, stdout, &rep);
  if (rc)
    cli_error("%s", rep.message);
  dt__hsts_store_free(s);
  return cli_exit_for(rc);
}

static int cmd_parse(hopts *o, const char *value) {
  const dt__profile *p =
      o->profile ? dt__profile_find(o->profile) : dt__profile_default();
  if (!p)
    return cli_usage_error("unknown profile '%s'", o->profile);
  dt__sts_result r;
  int rc = dt__sts_parse(value, strlen(value), p->hsts_max_age_cap, &r);
  int ok = rc == 0;
  if (o->json) {
    dt__jw w;
    dt__jw_init(&w, 0);
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "valid");
    dt__jw_bool(&w, ok);
    dt__jw_key(&w, "max_age");
    if (ok)
      dt__jw_uint(&w, r.max_age);
    else
      dt__jw_null(&w);
    dt__jw_key(&w, "include_subdomains");
    dt__jw_bool(&w, ok && r.include_subdomains);
    dt__jw_key(&w, "preload");
    dt__jw_bool(&w, ok && r.preload);
    dt__jw_key(&w, "clamped");
    dt__jw_bool(&w, ok && r.clamped);
    dt__jw_key(&w, "unknown_directives");
    dt__jw_arr_open(&w);
    for (unsigned i = 0; ok && i < r.unknown_count && i < DT__STS_MAX_UNKNOWN;
         i++)
      dt__jw_strn(&w, value + r.unknown[i].off, r.unknown[i].len);
    dt__jw_arr_close(&w);
    dt__jw_key(&w, "error");
    if (ok) {
      dt__jw_null(&w);
    } else {
      dt__jw_obj_open(&w);
      dt__jw_key(&w, "code");
      dt__jw_str(&w, dt__sts_code_name(r.code));
      dt__jw_key(&w, "message");
      dt__jw_str(&w, dt__sts_code_message(r.code));
      dt__jw_key(&w, "offset");
      dt__jw_uint(&w, r.offset);
      dt__jw_obj_close(&w);
    }
    dt__jw_key(&w, "profile");
    dt__jw_str(&w, p->name);
    dt__jw_obj_close(&w);
    if (print_json(&w))
      return CLI_EXIT_USAGE;
  } else if (ok) {
    printf("valid (profile %s)\n  max-age=%llu%s\n", p->name,
           (unsigned long long)r.max_age,
           r.clamped ? "  (clamped to the profile's cap)" : "");
    printf("  includeSubDomains: %s\n  preload: %s\n",
           r.include_subdomains ? "yes" : "no", r.preload ? "yes" : "no");
    for (unsigned i = 0; i < r.unknown_count && i < DT__STS_MAX_UNKNOWN; i++)
      printf("  ignored unknown directive: %.*s\n", (int)r.unknown[i].len,
             value + r.unknown[i].off);
  } else {
    /* Point at the byte, the way compilers do. */
    printf("rejected: %s — %s\n  %s\n  %*s^ byte %zu\n",
           dt__sts_code_name(r.code), dt__sts_code_message(r.code), value,
           (int)(r.offset < 200 ? r.offset : 0), "", r.offset);
  }
  return ok ? 0 : cli_exit_for(DT_EPARSE);
}

int cli_cmd_hsts(int argc, char **argv) {
  enum { O_STORE = 256, O_JSON, O_FORMAT, O_MAX_AGE, O_INCSUB, O_PROFILE,
         O_HELP };
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
    case O_JSON: o.json = 1; cli_json_mode(); break;
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
  if (!strcmp(cmd, "list")) { WANT(0); return cmd_list(&o); }
  if (!strcmp(cmd, "query")) { WANT(1); return cmd_query(&o, a[1]); }
  if (!strcmp(cmd, "add")) { WANT(1); return cmd_add(&o, a[1]); }
  if (!strcmp(cmd, "delete")) { WANT(1); return cmd_delete(&o, a[1]); }
  if (!strcmp(cmd, "clear")) { WANT(0); return cmd_clear(&o); }
  if (!strcmp(cmd, "parse")) { WANT(1); return cmd_parse(&o, a[1]); }
  if (!strcmp(cmd, "import")) {
    WANT(1);
    if (!o.format)
      return cli_usage_error("hsts import wants --format curl");
    return cmd_import(&o, a[1]);
  }
  if (!strcmp(cmd, "export")) {
    WANT(0);
    if (!o.format)
      return cli_usage_error("hsts export wants --format curl");
    return cmd_export(&o);
  }
#undef WANT
  return cli_usage_error("unknown hsts command '%s'", cmd);
}
