/* lines.c — a list of inputs, one a line (cli.h). */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int cli_lines_open(cli_lines *l, const char *path) {
  memset(l, 0, sizeof *l);
  if (strcmp(path, "-") == 0) {
    l->in = stdin;
    l->name = "stdin";
    return 0;
  }
  l->name = path;
  l->in = fopen(path, "r");
  if (l->in == NULL) {
    cli_error("cannot read '%s': %s", path, strerror(errno));
    return DT_EIO;
  }
  /* A directory opens on Linux and then reads as an error: say so now. */
  struct stat st;
  if (fstat(fileno(l->in), &st) == 0 && S_ISDIR(st.st_mode)) {
    cli_error("cannot read '%s': it is a directory", path);
    fclose(l->in);
    l->in = NULL;
    return DT_EIO;
  }
  return 0;
}

int cli_lines_next(cli_lines *l, char **line) {
  for (;;) {
    if (l->in == NULL || !fgets(l->buf, sizeof l->buf, l->in)) {
      if (l->in && ferror(l->in) && !l->read_error) {
        l->read_error = errno ? errno : EIO;
        cli_error("%s: read error after line %llu: %s", l->name, l->lineno,
                  strerror(l->read_error));
      }
      return 0;
    }
    l->lineno++;
    size_t n = strlen(l->buf);
    if (n == sizeof l->buf - 1 && l->buf[n - 1] != '\n') {
      int ch;
      while ((ch = fgetc(l->in)) != EOF && ch != '\n')
        ;
      cli_error("%s:%llu: line longer than %d bytes, skipped", l->name,
                l->lineno, CLI_LINE_MAX);
      l->too_long++;
      continue;
    }
    while (n > 0 && (l->buf[n - 1] == '\n' || l->buf[n - 1] == '\r'))
      l->buf[--n] = '\0';
    *line = l->buf;
    return 1;
  }
}

int cli_lines_close(cli_lines *l) {
  if (l->in && l->in != stdin) fclose(l->in);
  l->in = NULL;
  return l->read_error ? DT_EIO : 0;
}
