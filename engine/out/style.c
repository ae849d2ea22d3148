/* style.c — the SGR sequences of detour's text (style.h). Eight styles
 * of ECMA-48's SGR (Select Graphic Rendition): the basic foreground
 * colours and bold, which every terminal that takes colour at all shows;
 * no 256-colour or RGB forms. Red for what fails, yellow for what to look
 * at, green for success, cyan for redirects and info, magenta for what
 * detour made itself — the usual meanings in curl's, httpie's and git's
 * output. */
#include "engine/out/style.h"

#include "hsts/base/sized.h"

#include <string.h>

static const char *const sgr[] = {
    [DT_STYLE_RESET] = "\033[0m",     [DT_STYLE_ERROR] = "\033[1;31m",
    [DT_STYLE_WARNING] = "\033[33m",  [DT_STYLE_INFO] = "\033[36m",
    [DT_STYLE_OK] = "\033[32m",       [DT_STYLE_REDIRECT] = "\033[36m",
    [DT_STYLE_INTERNAL] = "\033[35m", [DT_STYLE_HEADING] = "\033[1m",
};

const char *dt_text_style_sgr(dt_text_style style) {
  if ((unsigned)style >= sizeof sgr / sizeof sgr[0]) return "";
  return sgr[style];
}

void dt_text_options_init(dt_text_options *opt) {
  if (!opt) return;
  memset(opt, 0, sizeof *opt);
  opt->size = sizeof *opt;
}

void dt__text_options_read(dt_text_options *out, const dt_text_options *in) {
  dt_text_options_init(out);
  if (in) dt__sized_copy(out, sizeof *out, in);
}

void dt__style_on(dt__buf *b, int color, dt_text_style style) {
  if (color) dt__buf_str(b, dt_text_style_sgr(style));
}

void dt__style_off(dt__buf *b, int color) {
  if (color) dt__buf_str(b, sgr[DT_STYLE_RESET]);
}

dt_text_style dt__style_for_status(int status) {
  if (status >= 200 && status < 300) return DT_STYLE_OK;
  if (status >= 300 && status < 400) return DT_STYLE_REDIRECT;
  if (status >= 400 && status < 600) return DT_STYLE_ERROR;
  return DT_STYLE_RESET;
}
