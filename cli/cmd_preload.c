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
    "  query HOST|- [--profile NAME] [--disable-stale-preload]\n"
    "                 which entry decides for HOST, and why (a list older "
    "than\n"
    "                 70 days is unused with --disable-stale-preload, as in\n"
    "                 Chromium); HOST '-' reads one host a line from stdin\n"
    "                 and prints one answer a line (JSON Lines with --json)\n"
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
           age >= DT_PRELOAD_STALE_DAYS
               ? "; STALE: Chromium stops using its list at 70 days"
               : "",
           in.checksum_hex);
    if (age >= DT_PRELOAD_STALE_DAYS) /* the two ways to a newer list */
      printf("newer list         detour preload compile "
             "transport_security_state_static.json -o list.bin, then "
             "--preload-file list.bin;\n"
             "                   or build detour with "
             "-DDETOUR_PRELOAD_SOURCE=FILE (docs/preload-format.md)\n");
  }
  dt_preload_free(p);
  return rc;
}

/* One answer for HOST. LINENO > 0: one line of a list (`query -`): the
 * input and its line go with the answer, and a bad host is an answer too.
 * Returns 1 known, 0 not known, -1 HOST is not a host name. */
static int query_one(const popts *o, dt_preload *p, const char *host,
                     unsigned long long lineno) {
  dt_preload_match m;
  dt_error e = {0};
  int known = dt_preload_query(p, host, o->profile, o->stale_off, NULL, &m, &e);
  if (o->json) {
    dt_json *w = NULL;
    if (lineno) {
      w = dt_json_new(0);
      dt_json_obj_open(w);
      dt_json_key(w, "line");
      dt_json_uint(w, lineno);
      dt_json_key(w, "input");
      dt_json_str(w, host);
    }
    if (known < 0) {
      if (w == NULL) {
        cli_error("%s", e.message);
        return -1;
      }
      dt_json_key(w, "error");
      char *ej = dt_error_to_json(&e);
      dt_json_raw(w, ej);
      dt_free(ej);
    } else if (w) {
      dt_json_key(w, "match");
      char *mj = dt_preload_match_to_json(&m);
      dt_json_raw(w, mj);
      dt_free(mj);
    } else {
      cli_print_owned(dt_preload_match_to_json(&m));
      return known;
    }
    dt_json_obj_close(w);
    cli_print_owned(dt_json_finish(w));
    return known;
  }
  if (lineno) printf("%s\t", host);
  if (known < 0) {
    if (lineno)
      printf("error: %s\n", e.message);
    else
      cli_error("%s", e.message);
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
  return known;
}

static int cmd_query(const popts *o, const char *host) {
  if (!dt_profile_exists(o->profile)) return cli_unknown_profile(o->profile);
  dt_preload *p;
  int rc = open_list(o, &p);
  if (rc) return rc;
  if (strcmp(host, "-") != 0) {
    rc = query_one(o, p, host, 0) < 0 ? CLI_EXIT_USAGE : 0;
    dt_preload_free(p);
    return rc;
  }
  /* Many hosts, one a line: an unlisted host is an answer (0); a line
   * that is not a host name makes the exit status 2 once all are done. */
  cli_lines l;
  if (cli_lines_open(&l, "-") != 0) {
    dt_preload_free(p);
    return cli_exit_for(DT_EIO);
  }
  cli_stdout_used();
  char *line;
  while (cli_lines_next(&l, &line)) {
    if (line[0] == '\0') continue;
    if (query_one(o, p, line, l.lineno) < 0) rc = CLI_EXIT_USAGE;
  }
  fflush(stdout);
  if (l.too_long) rc = CLI_EXIT_USAGE;
  if (cli_lines_close(&l) != 0) rc = cli_exit_for(DT_EIO);
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
    default: return cli_bad_option("preload", argc, argv);
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
