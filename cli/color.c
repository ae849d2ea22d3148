/* color.c — whether the text a command prints is coloured (cli.h): the
 * --color=auto|always|never of git, ls and grep, and https://no-color.org.
 * What the colours are is the library's (dt_text_style_sgr): one table for
 * the chain, the audit and the lines the CLI writes itself. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_color_parse(const char *arg, int *mode) {
  /* --color alone is "always", as for git, ls and grep. */
  if (!arg || !strcmp(arg, "always") || !strcmp(arg, "yes") ||
      !strcmp(arg, "force"))
    *mode = CLI_COLOR_ALWAYS;
  else if (!strcmp(arg, "auto") || !strcmp(arg, "tty") ||
           !strcmp(arg, "if-tty"))
    *mode = CLI_COLOR_AUTO;
  else if (!strcmp(arg, "never") || !strcmp(arg, "no") || !strcmp(arg, "none"))
    *mode = CLI_COLOR_NEVER;
  else
    return cli_usage_error("--color is auto, always or never, got '%s'", arg);
  return 0;
}

int cli_color_for(int mode, FILE *f) {
  if (mode == CLI_COLOR_ALWAYS) return 1;
  if (mode == CLI_COLOR_NEVER) return 0;
  /* auto: a terminal, unless the user said no. no-color.org: NO_COLOR
   * set and not empty turns colour off (an option on the command line
   * still wins: --color=always). TERM=dumb is a terminal that shows the
   * escape bytes as they are (git and ls check it too). */
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc) return 0;
  const char *term = getenv("TERM");
  if (term && !strcmp(term, "dumb")) return 0;
  return isatty(fileno(f));
}

const char *cli_sgr(int color, dt_text_style style) {
  return color ? dt_text_style_sgr(style) : "";
}
