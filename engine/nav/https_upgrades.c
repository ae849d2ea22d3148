/* https_upgrades.c — see https_upgrades.h. */
#include "engine/nav/https_upgrades.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

int dt__fallback_has(const dt__fallback_list *l, const char *host) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->host[i], host) == 0) return 1;
  return 0;
}

int dt__fallback_add(dt__fallback_list *l, const char *host) {
  if (dt__fallback_has(l, host)) return 0;
  char *h = strdup(host);
  if (!h) return DT_ENOMEM;
  if (l->n == DT__FALLBACK_MAX) {
    free(l->host[0]);
    memmove(l->host, l->host + 1, (l->n - 1) * sizeof l->host[0]);
    l->n--;
  }
  l->host[l->n++] = h;
  return 0;
}

void dt__fallback_clear(dt__fallback_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->host[i]);
  l->n = 0;
}

int dt__https_upgrades_unique_host(const dt_url *url) {
  if (dt_url_host_kind(url) != DT_HOST_DOMAIN) return 0;
  const char *h = dt_url_get(url, DT_URL_HOSTNAME);
  const psl_ctx_t *psl = psl_builtin();
  const char *suffix = psl_unregistrable_domain(psl, h);
  /* a registrable domain exists, and its suffix is on the list itself,
   * not only under the "*" default rule that makes .test a suffix */
  return suffix && suffix != h && psl_registrable_domain(psl, h) &&
         psl_is_public_suffix2(psl, suffix,
                               PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

int dt__https_upgrades_eligible(dt__https_upgrades mode, const dt_url *url,
                                const char *method, int initiated,
                                const dt__fallback_list *fallback) {
  if (mode == DT__UPGRADES_OFF) return 0;
  if (mode == DT__UPGRADES_FIREFOX_FIRST && !initiated) return 0;
  if (strcmp(dt_url_scheme(url), "http") != 0) return 0;
  if (dt_url_port_or_default(url) != 80) return 0; /* the default port only */
  if (strcmp(method, "GET") != 0) return 0;        /* not a form POST */
  if (!dt__https_upgrades_unique_host(url)) return 0;
  return !dt__fallback_has(fallback, dt_url_get(url, DT_URL_HOSTNAME));
}

unsigned dt__https_upgrades_timeout_ms(dt__https_upgrades mode) {
  return mode == DT__UPGRADES_FIREFOX_FIRST ? 2200 : 3000;
}

int dt__https_upgrades_status_fails(dt__https_upgrades mode, int status) {
  return mode == DT__UPGRADES_FIREFOX_FIRST && status == 404;
}
