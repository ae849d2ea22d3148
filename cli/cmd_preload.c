/* cmd_preload.c — `detour preload compile|query|info`: the HSTS preload
 * list (hsts/preload.h). The embedded list is the default everywhere;
 * --preload-file names a blob made by `compile`. */
#include "cli.h"

#include "engine/out/jsonw.h"
#include "engine/nav/profile.h"
#include "hsts/preload.h"
#include "hsts/store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help[] =
    "usage: detour preload [--json] [--preload-file BLOB] COMMAND\n"
    "\n"
    "  compile IN.json -o OUT.bin [--date YYYY-MM-DD]\n"
    "                 Chromium's transport_security_state_static.json → "
    "blob\n"
    "                 (IN '-' reads stdin: zcat list.json.gz | detour "
    "preload compile -)\n"
    "  query HOST [--profile NAME] [--disable-stale-preload]\n"
    "                 which entry decides for HOST, and why (a list older than\n"
    "                 70 days is unused with --disable-stale-preload, as in\n"
    "                 Chromium)\n"
    "  info           entries, include_subdomains, size, list date, "
    "checksum\n";

typedef struct popts {
  const char *blob, *output, *date, *profile;
  int json, stale_off;
} popts;

static int open_list(const popts *o, dt__preload **p) {
  dt__preload_error err = {0};
  int rc = o->blob ? dt__preload_open_file(p, o->blob, &err)
                   : dt__preload_open_default(p);
  if (rc)
    cli_error("cannot use preload blob %s: %s",
              o->blob ? o->blob : "(embedded)",
              err.msg[0] ? err.msg : dt_strerror(rc));
  return cli_exit_for(rc);
}

static int cmd_compile(const popts *o, const char *in) {
  if (!o->output)
    return cli_usage_error("preload compile wants -o OUT.bin");
  dt__preload_compile_opts opts = {0};
  if (o->date) {
    if (dt__preload_parse_date(o->date, &opts.list_date_days))
      return cli_usage_error("--date wants YYYY-MM-DD, got '%s'", o->date);
  } else { /* a list fetched now is dated today */
    opts.list_date_days = (int32_t)(time(NULL) / 86400);
  }
  char *json;
  size_t len;
  int rc = cli_read_file(in, 512u * 1024 * 1024, &json, &len);
  if (rc)
    return cli_exit_for(rc);
  if (len >= 2 && (unsigned char)json[0] == 0x1f &&
      (unsigned char)json[1] == 0x8b) {
    free(json);
    cli_error("%s is gzip-compressed: zcat %s | detour preload compile - -o "
              "%s",
              in, in, o->output);
    return CLI_EXIT_USAGE;
  }
  unsigned char *blob = NULL;
  size_t blen = 0;
  dt__preload_compile_stats st;
  dt__preload_error err = {0};
  rc = dt__preload_compile(json, len, &opts, &blob, &blen, &st, &err);
  free(json);
  if (rc) {
    if (err.line && strncmp(err.msg, "line ", 5) != 0)
      cli_error("%s:%zu: %s", in, err.line, err.msg);
    else
      cli_error("%s: %s", in, err.msg[0] ? err.msg : dt_strerror(rc));
    return cli_exit_for(rc);
  }
  rc = cli_write_file(o->output, blob, blen);
  free(blob);
  if (rc)
    return cli_exit_for(rc);
  char date[11];
  dt__preload_format_date(opts.list_date_days, date);
  if (o->json)
    printf("{\"entries\": %zu, \"include_subdomains\": %zu, "
           "\"skipped_mode\": %zu, \"case_duplicates\": %zu, "
           "\"blob_bytes\": %zu, \"list_date\": \"%sT00:00:00Z\"}\n",
           st.compiled, st.include_subdomains, st.skipped_mode,
           st.case_duplicates, st.blob_bytes, date);
  else
    fprintf(stderr,
            "compiled %zu force-https entries (%zu include_subdomains) into "
            "%zu bytes, list date %s; skipped %zu entries whose mode is not "
            "force-https; merged %zu case duplicates\n",
            st.compiled, st.include_subdomains, st.blob_bytes, date,
            st.skipped_mode, st.case_duplicates);
  return 0;
}

static int cmd_info(const popts *o) {
  dt__preload *p;
  int rc = open_list(o, &p);
  if (rc)
    return rc;
  dt__preload_info in;
  dt__preload_get_info(p, &in);
  int age = (int)dt__preload_age_days(p, NULL);
  int stale = dt__preload_is_stale(p, NULL);
  if (o->json)
    printf("{\"entries\": %u, \"include_subdomains\": %u, \"blob_bytes\": "
           "%zu, \"list_date\": \"%sT00:00:00Z\", \"checksum\": \"%s\", "
           "\"age_days\": %d, \"stale\": %s, \"source\": \"%s\"}\n",
           in.entries, in.include_subdomains, in.blob_bytes, in.list_date,
           in.checksum_hex, age, stale ? "true" : "false",
           o->blob ? "file" : "embedded");
  else
    printf("source             %s\nentries            %u\n"
           "include_subdomains %u\nblob bytes         %zu (%.2f per name)\n"
           "lookup tables      %zu bytes (derived at open)\n"
           "list date          %s (%d days old%s)\nchecksum           "
           "xxh64:%s\n",
           o->blob ? o->blob : "embedded in libdetour", in.entries,
           in.include_subdomains, in.blob_bytes,
           in.entries ? (double)in.blob_bytes / in.entries : 0.0,
           in.derived_bytes, in.list_date, age,
           stale ? ", STALE: older than 70 days" : "", in.checksum_hex);
  dt__preload_free(p);
  return 0;
}

static int cmd_query(const popts *o, const char *host) {
  const dt__profile *prof =
      o->profile ? dt__profile_find(o->profile) : dt__profile_default();
  if (!prof)
    return cli_usage_error("unknown profile '%s'", o->profile);
  char canon[DT_MAX_HOST_BYTES + 2];
  int n = dt_host_canonicalize(host, strlen(host), canon, sizeof canon);
  if (n < 0) {
    cli_error(n == DT_EINVAL ? "'%s' is an IP literal: never an HSTS host"
                             : "'%s' is not a valid domain name",
              host);
    return CLI_EXIT_USAGE;
  }
  dt__preload *p;
  int rc = open_list(o, &p);
  if (rc)
    return rc;
  if (o->stale_off)
    dt__preload_apply_stale_policy(p, 1, NULL); /* the system clock */
  dt__preload_match m;
  int known = dt__preload_lookup(p, canon, (size_t)n, prof->preload_rule, &m);
  if (o->json) {
    dt__jw w;
    dt__jw_init(&w, 0);
    dt__jw_obj_open(&w);
    dt__jw_key(&w, "host");
    dt__jw_str(&w, canon);
    dt__jw_key(&w, "known");
    dt__jw_bool(&w, known);
    dt__jw_key(&w, "entry");
    if (m.name[0]) {
      dt__jw_obj_open(&w);
      dt__jw_key(&w, "name");
      dt__jw_str(&w, m.name);
      dt__jw_key(&w, "include_subdomains");
      dt__jw_bool(&w, m.include_subdomains);
      dt__jw_obj_close(&w);
    } else {
      dt__jw_null(&w);
    }
    dt__jw_key(&w, "reason");
    dt__jw_str(&w, dt__preload_reason_name(m.reason));
    if (m.cancelled[0]) {
      dt__jw_key(&w, "cancelled");
      dt__jw_str(&w, m.cancelled);
    }
    dt__jw_key(&w, "profile");
    dt__jw_str(&w, prof->name);
    dt__jw_obj_close(&w);
    rc = cli_print_owned(dt__jw_finish(&w)) ? CLI_EXIT_USAGE : 0;
  } else if (known) {
    printf("%s is preloaded: entry %s%s (%s)\n", canon, m.name,
           m.include_subdomains ? ", include_subdomains" : "",
           dt__preload_reason_name(m.reason));
  } else {
    printf("%s is not preloaded: %s", canon,
           dt__preload_reason_name(m.reason));
    if (m.name[0])
      printf(" (entry %s%s%s)", m.name, m.cancelled[0] ? " cancels " : "",
             m.cancelled);
    printf("\n");
  }
  dt__preload_free(p);
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
    case O_JSON: o.json = 1; cli_json_mode(); break;
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
  if (!strcmp(a[0], "compile") && n == 2)
    return cmd_compile(&o, a[1]);
  if (!strcmp(a[0], "query") && n == 2)
    return cmd_query(&o, a[1]);
  if (!strcmp(a[0], "info") && n == 1)
    return cmd_info(&o);
  return cli_usage_error("bad preload command; try 'detour preload --help'");
}
