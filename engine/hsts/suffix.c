/* suffix.c — see suffix.h. */
#include "engine/hsts/suffix.h"

#include <libpsl.h>

int dt__hsts_suffix_refused(const char *host, int include_subdomains) {
  if (!include_subdomains || !host || !*host) return 0;
  return psl_is_public_suffix2(psl_builtin(), host,
                               PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}
