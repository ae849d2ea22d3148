/* target_line.c — one line of an `audit --from` list (cli.h): the grammar
 * people write, kept apart from the reader so it can be fuzzed alone
 * (fuzz/fuzz_target_line.c). */
#include "cli.h"

#include <string.h>

/* The methods a line may start with (RFC 9110 §9.3, PATCH RFC 5789): any
 * other first word is not a method but a mistake. */
static int known_method(const char *w) {
  static const char *const m[] = {"GET",    "HEAD",    "POST",  "PUT",
                                  "DELETE", "OPTIONS", "PATCH", NULL};
  for (int i = 0; m[i]; i++)
    if (!strcmp(w, m[i])) return 1;
  return 0;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cli_target_line_split(char *line, const char **method,
                          const char **target) {
  char *hash = strchr(line, '#');
  if (hash) *hash = 0;
  /* Up to three words, each ended in place; a third means too many. */
  char *w[3] = {NULL, NULL, NULL};
  int nw = 0;
  char *p = line;
  while (*p && nw < 3) {
    while (is_space(*p))
      p++;
    if (!*p) break;
    w[nw++] = p;
    while (*p && !is_space(*p))
      p++;
    if (*p) *p++ = 0;
  }
  *method = NULL;
  *target = NULL;
  if (nw == 0) return 0;
  if (nw == 1) {
    *target = w[0];
    return 1;
  }
  if (nw == 2 && known_method(w[0])) {
    *method = w[0];
    *target = w[1];
    return 1;
  }
  return -1;
}
