/* cmd_preload.c — `detour preload compile|query|info`: the HSTS preload
 * list (dt_preload in detour.h). The embedded list is the default everywhere;
 * --preload-file names a blob made by `compile`. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: detour preload [--json] [--preload-file BLOB] COMMAND\n"
    "\n"
    "  compile IN.json -o OUT.bin [--date YYYY-MM-DD]\n"
    "                 Chromium's transport_security_state_static.json → "
    "blob\n"
    "                 (IN '-' reads stdin: zcat list.json.gz | detour "
    "preload compile -)\n"
    "  query HOST [--profile NAME] [--disable-stale-preload]\n"
    "                 which entry decides for HOST, and why (a list older "
    "than\n"
    "                 70 days is unused with --disable-stale-preload, as in\n"
    "                 Chromium)\n"
    "  info           entries, include_subdomains, overrides, size, list "
    "date,\n                 checksum\n";

typedef struct popts {
  const char *blob, *output, *date, *profile;
  int json, stale_off;
} popts;

static int open_list(const popts *o, dt_preload **p) {
  dt_error e = {0};
  int rc = o->blob ? dt_preload_open_file(p, o->blob, &e)
                   : dt_preload_open_embedded(p, &e);
  return rc ? cli_fail(&e) : 0;
}

static int cmd_compile(const popts *o, const char *in) {
  if (!o->output) return cli_usage_error("preload compile wants -o OUT.bin");
  int32_t days;
  if (o->date) {
    if (dt_date_parse(o->date, &days))
      return cli_usage_error("--date wants YYYY-MM-DD, got '%s'", o->date);
  } else { /* a list fetched now is dated today */
    days = (int32_t)(dt_clock_now_ms(NULL) / 86400000);
  }
  char *json;
  size_t len;
  int rc = cli_read_file(in, DT_PRELOAD_MAX_JSON_BYTES, &json, &len);
  if (rc) return cli_exit_for(rc);
  unsigned char *blob = NULL;
  size_t blen = 0;
  dt_preload_compile_stats st;
  dt_error e = {0};
  rc = dt_preload_compile(json, len, days, &blob, &blen, &st, &e);
  dt_free(json);
  if (rc) {
    if (e.line && strncmp(e.message, "line ", 5) != 0)
      cli_error("%s:%zu: %s", in, e.line, e.message);
    else
      cli_error("%s: %s", in, e.message);
    return cli_exit_for(rc);
  }
  rc = cli_write_file(o->output, blob, blen);
  dt_free(blob);
  if (rc) return cli_exit_for(rc);
  if (o->json) {
    if (cli_print_owned(dt_preload_compile_stats_to_json(&st)))
      return CLI_EXIT_USAGE;
  } else {
    char date[11];
    dt_date_format(days, date);
    fprintf(stderr,
            "compiled %zu force-https entries (%zu include_subdomains) and "
            "%zu overrides (entries without mode: no HSTS for their subtree "
            "under chromium) into %zu bytes, list date %s; merged %zu case "
            "duplicates; skipped %zu IP-address names; unknown fields "
            "ignored: %zu\n",
            st.compiled, st.include_subdomains, st.overrides, st.blob_bytes,
            date, st.case_duplicates, st.skipped_ip, st.unknown_fields);
  }
  return 0;
}

static int cmd_info(const popts *o) {
  dt_preload *p;
  int rc = open_list(o, &p);
  if (rc) return rc;
  if (o->json) {
    rc = cli_print_owned(dt_preload_info_to_json(p, NULL)) ? CLI_EXIT_USAGE : 0;
  } else {
    dt_preload_info in;
    dt_preload_get_info(p, &in);
    long long age = (long long)dt_preload_age_days(p, NULL);
    uint32_t names = in.entries + in.overrides;
    printf("source             %s\nentries            %u\n"
           "include_subdomains %u\noverrides          %u\n"
           "blob bytes         %zu (%.2f per name)\n"
           "lookup tables      %zu bytes (derived at open)\n"
           "list date          %s (%lld days old%s)\nchecksum           "
           "xxh64:%s\n",
           o->blob ? o->blob : "embedded in libdetour", in.entries,
           in.include_subdomains, in.overrides, in.blob_bytes,
           names ? (double)in.blob_bytes / names : 0.0, in.derived_bytes,
           in.list_date, age,
           age > DT_PRELOAD_STALE_DAYS ? ", STALE: older than 70 days" : "",
           in.checksum_hex);
  }
  dt_preload_free(p);
  return rc;
}

static int cmd_query(const popts *o, const char *host) {
  if (!dt_profile_exists(o->profile)) return cli_unknown_profile(o->profile);
  dt_preload *p;
  int rc = open_list(o, &p);
  if (rc) return rc;
  dt_preload_match m;
  dt_error e = {0};
  int known = dt_preload_query(p, host, o->profile, o->stale_off, NULL, &m, &e);
  if (known < 0) {
    dt_preload_free(p);
    cli_error("%s", e.message);
    return CLI_EXIT_USAGE;
  }
  if (o->json) {
    rc = cli_print_owned(dt_preload_match_to_json(&m)) ? CLI_EXIT_USAGE : 0;
  } else if (known) {
    printf("%s is preloaded: entry %s%s (%s)\n", m.host, m.entry,
           m.include_subdomains ? ", include_subdomains" : "", m.reason);
  } else {
    printf("%s is not preloaded: %s", m.host, m.reason);
    if (m.entry[0])
      printf(" (entry %s%s%s)", m.entry, m.cancelled[0] ? " cancels " : "",
             m.cancelled);
    printf("\n");
  }
  dt_preload_free(p);
  return rc;
}

int cli_cmd_preload(int argc, char **argv) {
  enum { O_JSON = 256, O_FILE, O_DATE, O_PROFILE, O_STALE_OFF, O_HELP };
  static const struct option longopts[] = {
      {"json", no_argument, 0, O_JSON},
      {"preload-file", required_argument, 0, O_FILE},
      {"date", required_argument, 0, O_DATE},
      {"profile", required_argument, 0, O_PROFILE},
      {"disable-stale-preload", no_argument, 0, O_STALE_OFF},
      {"output", required_argument, 0, 'o'},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  popts o;
  memset(&o, 0, sizeof o);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case O_JSON:
      o.json = 1;
      cli_json_mode();
      break;
    case O_FILE: o.blob = optarg; break;
    case O_DATE: o.date = optarg; break;
    case O_PROFILE: o.profile = optarg; break;
    case O_STALE_OFF: o.stale_off = 1; break;
    case 'o': o.output = optarg; break;
    case O_HELP: fputs(help, stdout); return 0;
    default: return cli_usage_error("try 'detour preload --help'");
    }
  }
  int n = argc - optind;
  char **a = argv + optind;
  if (n < 1)
    return cli_usage_error("preload wants a command; try 'detour preload "
                           "--help'");
  if (!strcmp(a[0], "compile") && n == 2) return cmd_compile(&o, a[1]);
  if (!strcmp(a[0], "query") && n == 2) return cmd_query(&o, a[1]);
  if (!strcmp(a[0], "info") && n == 1) return cmd_info(&o);
  return cli_usage_error("bad preload command; try 'detour preload --help'");
}
