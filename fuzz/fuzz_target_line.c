/* fuzz_target_line.c — one line of an `audit --from` list
 * (cli/target_line.c). Any bytes must give a blank line, a target (and a
 * known method) made of the line's own non-blank bytes, or a refusal —
 * never a read or write outside the line. */
#include "cli/target_line.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, const char *line, size_t n) {
  return p >= line && p < line + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192) return 0;
  char *line = malloc(size + 1);
  if (!line) return 0;
  memcpy(line, data, size);
  line[size] = 0;
  const char *m = (const char *)1, *t = (const char *)1;
  int r = cli_target_line_split(line, &m, &t);
  /* abort(), not assert(): scripts/test.sh builds RelWithDebInfo, whose
   * NDEBUG would take every check away. */
  if (r != -1 && r != 0 && r != 1) abort();
  if (r == 1) {
    if (!inside(t, line, size) || !*t || strchr(t, '#')) abort();
    for (const char *c = t; *c; c++)
      if (is_space(*c)) abort();
    if (m && (!inside(m, line, size) || !known_method(m))) abort();
  } else {
    if (m != NULL) abort();
  }
  free(line);
  return 0;
}
