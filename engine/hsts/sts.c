/* sts.c — dt_sts_parse: the Strict-Transport-Security parser of hsts/ as
 * a profile applies it (its max-age cap), for `detour hsts parse` and
 * embedders (detour.h). */
#include "detour.h"
#include "engine/profile.h"
#include "hsts/sts_header.h"

#include <string.h>

int dt_sts_parse(const char *value, size_t len, const char *profile,
                 dt_sts_result *out) {
  if (!value || !out) return DT_EINVAL;
  const dt__profile *p = dt__profile_lookup(profile);
  if (!p) return DT_EINVAL;
  memset(out, 0, sizeof *out);
  dt__sts_result r;
  int valid = dt__sts_parse(value, len, p->hsts_max_age_cap, &r) == 0;
  out->valid = valid;
  out->code = dt__sts_code_name(r.code);
  out->message = dt__sts_code_message(r.code);
  out->offset = r.offset;
  out->max_age = r.max_age;
  out->clamped = r.clamped;
  out->include_subdomains = r.include_subdomains;
  out->preload = r.preload;
  out->unknown_count = r.unknown_count;
  for (unsigned i = 0;
       i < r.unknown_count && i < DT_STS_MAX_UNKNOWN && i < DT__STS_MAX_UNKNOWN;
       i++) {
    out->unknown[i].offset = r.unknown[i].off;
    out->unknown[i].length = r.unknown[i].len;
  }
  return valid;
}
