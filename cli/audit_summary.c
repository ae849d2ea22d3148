/* audit_summary.c — the end of `detour audit --from` (cli.h): how many
 * targets, how many with error and warning findings, how many could not be
 * audited, the findings by severity, and the worst findings — errors
 * first, then warnings, each code by the number of targets that have it —
 * with the first targets (by line) that have each. A row per finding code
 * (the codes are a fixed table, docs/audit.md) and three examples a row:
 * the summary's memory does not grow with the list. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define EXAMPLES 3       /* targets named per row */
#define WORST 10         /* rows shown */
#define MAX_ROWS 512     /* a bug guard: there are ~70 codes */
#define TARGET_SHOWN 200 /* bytes of a target kept for the summary */

typedef struct example {
  unsigned long long line;
  char *target;      /* escaped, at most TARGET_SHOWN bytes */
  const char *error; /* not audited: the error's name */
} example;

typedef struct row {
  char *code;
  int severity; /* dt_audit_severity */
  unsigned long long targets, findings;
  unsigned long long last; /* the result that counted last (one a target) */
  size_t order;            /* first seen */
  example ex[EXAMPLES];
} row;

struct cli_audit_summary {
  unsigned long long targets, with_errors, with_warnings, not_audited, skipped,
      dropped;
  unsigned long long by_sev[3];
  unsigned long long serial;
  row *rows;
  size_t nrows, cap;
  example not_run[EXAMPLES];
  int oom;
};

cli_audit_summary *cli_audit_summary_new(void) {
  return calloc(1, sizeof(cli_audit_summary));
}

/* A target as the list had it, its control bytes as \xNN: a line of a
 * list may hold any byte, and this goes to a terminal. */
static char *shown(const char *t) {
  static const char hex[] = "0123456789abcdef";
  char *out = malloc(TARGET_SHOWN * 4 + 4);
  if (!out) return NULL;
  size_t n = 0;
  for (size_t i = 0; t[i] && i < TARGET_SHOWN; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c < 0x20 || c == 0x7f) {
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
    } else {
      out[n++] = (char)c;
    }
  }
  if (strlen(t) > TARGET_SHOWN) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = 0;
  return out;
}

/* Keeps the EXAMPLES lowest lines: results come in the order audits end,
 * the summary names the first targets of the list. */
static void keep_example(cli_audit_summary *s, example *ex,
                         unsigned long long line, const char *target,
                         const char *error) {
  int slot = -1;
  for (int i = 0; i < EXAMPLES; i++)
    if (!ex[i].target) {
      slot = i;
      break;
    }
  if (slot < 0) {
    slot = 0;
    for (int i = 1; i < EXAMPLES; i++)
      if (ex[i].line > ex[slot].line) slot = i;
    if (ex[slot].line < line) return;
  }
  char *t = shown(target);
  if (!t) {
    s->oom = 1;
    return;
  }
  free(ex[slot].target);
  ex[slot] = (example){line, t, error};
}

static row *find_row(cli_audit_summary *s, const char *code, int severity) {
  for (size_t i = 0; i < s->nrows; i++)
    if (s->rows[i].severity == severity && !strcmp(s->rows[i].code, code))
      return &s->rows[i];
  if (s->nrows == s->cap) {
    if (s->cap >= MAX_ROWS) return NULL;
    size_t cap = s->cap ? s->cap * 2 : 32;
    row *r = realloc(s->rows, cap * sizeof *r);
    if (!r) return NULL;
    s->rows = r;
    s->cap = cap;
  }
  row *r = &s->rows[s->nrows];
  memset(r, 0, sizeof *r);
  if (!(r->code = strdup(code))) return NULL;
  r->severity = severity;
  r->order = s->nrows++;
  return r;
}

void cli_audit_summary_add(cli_audit_summary *s, const dt_audit_result *res,
                           unsigned long long line) {
  if (!s || !res) return;
  s->serial++;
  s->targets++;
  if (res->errors) s->with_errors++;
  if (res->warnings) s->with_warnings++;
  s->dropped += res->findings_dropped;
  if (res->error) {
    s->not_audited++;
    keep_example(s, s->not_run, line, res->target, dt_err_name(res->error));
  }
  for (size_t i = 0; i < res->finding_count; i++) {
    const dt_audit_finding *f = &res->findings[i];
    int sev = (int)f->severity;
    if (sev < 0 || sev > 2) continue;
    s->by_sev[sev]++;
    row *r = find_row(s, f->code, sev);
    if (!r) {
      s->oom = 1;
      continue;
    }
    r->findings++;
    if (r->last == s->serial) continue; /* the same target again */
    r->last = s->serial;
    r->targets++;
    keep_example(s, r->ex, line, res->target, NULL);
  }
}

void cli_audit_summary_skipped(cli_audit_summary *s, unsigned long long n) {
  if (s) s->skipped += n;
}

/* Worst first: errors, then warnings, then info; within a severity the
 * code more targets have; then the code seen first. */
static int worse(const void *pa, const void *pb) {
  const row *a = *(const row *const *)pa, *b = *(const row *const *)pb;
  if (a->severity != b->severity) return a->severity < b->severity ? -1 : 1;
  if (a->targets != b->targets) return a->targets > b->targets ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static void sort_examples(example *ex) {
  for (int i = 1; i < EXAMPLES; i++)
    for (int j = i; j > 0 && ex[j].target &&
                    (!ex[j - 1].target || ex[j - 1].line > ex[j].line);
         j--) {
      example t = ex[j];
      ex[j] = ex[j - 1];
      ex[j - 1] = t;
    }
}

static const char *const sev_name[3] = {"error", "warning", "info"};
static const dt_text_style sev_style[3] = {DT_STYLE_ERROR, DT_STYLE_WARNING,
                                           DT_STYLE_INFO};

static const char *plural(unsigned long long n, const char *one,
                          const char *many) {
  return n == 1 ? one : many;
}

static void examples_text(FILE *f, example *ex, unsigned long long count) {
  unsigned long long named = 0;
  for (int i = 0; i < EXAMPLES && ex[i].target; i++, named++) {
    fprintf(f, "%s%s (line %llu", i ? ", " : "", ex[i].target, ex[i].line);
    if (ex[i].error) fprintf(f, ": %s", ex[i].error);
    fputc(')', f);
  }
  if (count > named) fprintf(f, " and %llu more", count - named);
  fputc('\n', f);
}

static void examples_json(dt_json *w, example *ex) {
  dt_json_arr_open(w);
  for (int i = 0; i < EXAMPLES && ex[i].target; i++) {
    dt_json_obj_open(w);
    dt_json_key(w, "line");
    dt_json_uint(w, ex[i].line);
    dt_json_key(w, "target");
    dt_json_str(w, ex[i].target);
    if (ex[i].error) {
      dt_json_key(w, "error");
      dt_json_str(w, ex[i].error);
    }
    dt_json_obj_close(w);
  }
  dt_json_arr_close(w);
}

int cli_audit_summary_print(const cli_audit_summary *cs, FILE *f, int json,
                            int color, const char *list_name) {
  cli_audit_summary *s = (cli_audit_summary *)cs; /* examples get sorted */
  if (!s) return DT_ENOMEM;
  row **order = malloc((s->nrows ? s->nrows : 1) * sizeof *order);
  if (!order) return DT_ENOMEM;
  size_t shown_rows = 0;
  for (size_t i = 0; i < s->nrows; i++) {
    sort_examples(s->rows[i].ex);
    if (s->rows[i].severity != DT_AUDIT_INFO) order[shown_rows++] = &s->rows[i];
  }
  qsort(order, shown_rows, sizeof *order, worse);
  if (shown_rows > WORST) shown_rows = WORST;
  sort_examples(s->not_run);
  if (json) {
    dt_json *w = dt_json_new(0);
    if (!w) {
      free(order);
      return DT_ENOMEM;
    }
    dt_json_obj_open(w);
    dt_json_key(w, "summary");
    dt_json_obj_open(w);
    dt_json_key(w, "targets");
    dt_json_uint(w, s->targets);
    dt_json_key(w, "with_errors");
    dt_json_uint(w, s->with_errors);
    dt_json_key(w, "with_warnings");
    dt_json_uint(w, s->with_warnings);
    dt_json_key(w, "not_audited");
    dt_json_uint(w, s->not_audited);
    dt_json_key(w, "skipped_lines");
    dt_json_uint(w, s->skipped);
    dt_json_key(w, "findings");
    dt_json_obj_open(w);
    for (int i = 0; i < 3; i++) {
      dt_json_key(w, sev_name[i]);
      dt_json_uint(w, s->by_sev[i]);
    }
    dt_json_obj_close(w);
    if (s->dropped) {
      dt_json_key(w, "findings_dropped");
      dt_json_uint(w, s->dropped);
    }
    dt_json_key(w, "worst");
    dt_json_arr_open(w);
    for (size_t i = 0; i < shown_rows; i++) {
      const row *r = order[i];
      dt_json_obj_open(w);
      dt_json_key(w, "code");
      dt_json_str(w, r->code);
      dt_json_key(w, "severity");
      dt_json_str(w, sev_name[r->severity]);
      dt_json_key(w, "targets");
      dt_json_uint(w, r->targets);
      dt_json_key(w, "findings");
      dt_json_uint(w, r->findings);
      dt_json_key(w, "examples");
      examples_json(w, (example *)r->ex);
      dt_json_obj_close(w);
    }
    dt_json_arr_close(w);
    dt_json_key(w, "not_audited_examples");
    examples_json(w, s->not_run);
    dt_json_obj_close(w);
    dt_json_obj_close(w);
    free(order);
    char *js = dt_json_finish(w);
    if (!js) return DT_ENOMEM;
    fprintf(f, "%s\n", js);
    dt_free(js);
    return 0;
  }
  const char *h = cli_sgr(color, DT_STYLE_HEADING),
             *off = cli_sgr(color, DT_STYLE_RESET);
  fprintf(f, "%ssummary of %s%s: %llu target%s audited", h, list_name, off,
          s->targets, plural(s->targets, "", "s"));
  fprintf(f, ", %s%llu with errors%s",
          s->with_errors ? cli_sgr(color, DT_STYLE_ERROR) : "", s->with_errors,
          s->with_errors ? off : "");
  fprintf(f, ", %s%llu with warnings%s",
          s->with_warnings ? cli_sgr(color, DT_STYLE_WARNING) : "",
          s->with_warnings, s->with_warnings ? off : "");
  if (s->not_audited)
    fprintf(f, ", %s%llu not audited%s", cli_sgr(color, DT_STYLE_ERROR),
            s->not_audited, off);
  if (s->skipped)
    fprintf(f, ", %llu line%s skipped (not a target)", s->skipped,
            plural(s->skipped, "", "s"));
  fprintf(f, "\nfindings: ");
  for (int i = 0; i < 3; i++)
    fprintf(f, "%s%s%llu %s%s%s", i ? ", " : "",
            s->by_sev[i] ? cli_sgr(color, sev_style[i]) : "", s->by_sev[i],
            i == 2 ? "info" : sev_name[i],
            i == 2 ? "" : plural(s->by_sev[i], "", "s"),
            s->by_sev[i] ? off : "");
  if (s->dropped)
    fprintf(f, " (%llu more past a report's bound, not counted)", s->dropped);
  fputc('\n', f);
  if (shown_rows) {
    fprintf(f, "%sworst findings%s (targets that have each):\n", h, off);
    for (size_t i = 0; i < shown_rows; i++) {
      const row *r = order[i];
      fprintf(f, "  %s%-7s %s%s  %llu target%s\n      ",
              cli_sgr(color, sev_style[r->severity]), sev_name[r->severity],
              r->code, off, r->targets, plural(r->targets, "", "s"));
      examples_text(f, (example *)r->ex, r->targets);
    }
  }
  if (s->not_audited) {
    fprintf(f, "%snot audited%s: ", h, off);
    examples_text(f, s->not_run, s->not_audited);
  }
  if (s->oom) fprintf(f, "(out of memory: the summary is incomplete)\n");
  free(order);
  return 0;
}

void cli_audit_summary_free(cli_audit_summary *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nrows; i++) {
    free(s->rows[i].code);
    for (int k = 0; k < EXAMPLES; k++)
      free(s->rows[i].ex[k].target);
  }
  for (int k = 0; k < EXAMPLES; k++)
    free(s->not_run[k].target);
  free(s->rows);
  free(s);
}
