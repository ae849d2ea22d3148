/* https_upgrades.c — see https_upgrades.h. */
#include "engine/nav/https_upgrades.h"

#include <libpsl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dt__fallback_has(const dt__fallback_list *l, const char *host) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->host[i], host) == 0) return 1;
  return 0;
}

/* Keeps the newest when full: the oldest goes. */
static int put(dt__fallback_list *l, const char *host, int64_t at) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->host[i], host) == 0) {
      if (at > l->at[i]) l->at[i] = at;
      return 0;
    }
  char *h = strdup(host);
  if (!h) return DT_ENOMEM;
  if (l->n == DT__FALLBACK_MAX) {
    size_t old = 0;
    for (size_t i = 1; i < l->n; i++)
      if (l->at[i] < l->at[old]) old = i;
    if (at < l->at[old]) {
      free(h);
      return 0;
    }
    free(l->host[old]);
    l->host[old] = l->host[l->n - 1];
    l->at[old] = l->at[l->n - 1];
    l->n--;
  }
  l->host[l->n] = h;
  l->at[l->n++] = at;
  return 0;
}

int dt__fallback_add(dt__fallback_list *l, const char *host, int64_t at_ms) {
  if (dt__fallback_has(l, host)) return 0;
  int rc = put(l, host, at_ms);
  if (!rc) l->dirty = 1;
  return rc;
}

void dt__fallback_clear(dt__fallback_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->host[i]);
  l->n = 0;
}

/* ---- the file ------------------------------------------------------------ */

#define MAGIC "detour-https-upgrades 1"
#define MAX_FILE (1u << 20)

/* "f <host> <at_ms> <crc>": the CRC covers every byte before its space. */
static int parse_line(const char *p, size_t n, char *host, size_t cap,
                      int64_t *at) {
  const char *sp = NULL;
  for (size_t i = n; i > 0; i--)
    if (p[i - 1] == ' ') {
      sp = p + i - 1;
      break;
    }
  if (!sp || n - (size_t)(sp - p) != 9) return -1;
  char crc[9];
  memcpy(crc, sp + 1, 8);
  crc[8] = 0;
  char want[9];
  snprintf(want, sizeof want, "%08x", (unsigned)dt__crc32(p, (size_t)(sp - p)));
  if (strcmp(crc, want) != 0) return -1;
  if (sp < p + 4 || p[0] != 'f' || p[1] != ' ') return -1;
  const char *h = p + 2, *e = memchr(h, ' ', (size_t)(sp - h));
  if (!e || e == h || (size_t)(e - h) >= cap) return -1;
  memcpy(host, h, (size_t)(e - h));
  host[e - h] = 0;
  for (const char *c = host; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
          *c == '.' || *c == '_'))
      return -1;
  int64_t v = 0;
  const char *d = e + 1;
  if (d == sp) return -1;
  for (; d < sp; d++) {
    if (*d < '0' || *d > '9' || v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*d - '0');
  }
  *at = v;
  return 0;
}

/* Merges BUF into L; returns 0, DT_ESTORE (not this file), DT_ENOMEM. */
static int merge(dt__fallback_list *l, const char *buf, size_t len,
                 dt__file_report *rep) {
  const char *p = buf, *end = buf + len;
  size_t lineno = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    lineno++;
    rep->lines++;
    size_t n = (size_t)(le - p);
    if (lineno == 1) {
      if (n != strlen(MAGIC) || memcmp(p, MAGIC, n) != 0)
        return dt__file_report_fail(rep, DT_ESTORE, 0,
                                    "not a detour HTTPS-Upgrades file",
                                    "move it away or use another directory");
    } else if (n && p[0] != '#') {
      char host[256];
      int64_t at;
      if (parse_line(p, n, host, sizeof host, &at)) {
        dt__file_report_bad(rep, lineno);
      } else {
        if (put(l, host, at))
          return dt__file_report_fail(rep, DT_ENOMEM, 0, "out of memory",
                                      "retry");
        rep->loaded++;
      }
    }
    p = nl ? nl + 1 : end;
  }
  return 0;
}

int dt__fallback_load_mem(dt__fallback_list *l, const char *buf, size_t len,
                          dt__file_report *rep) {
  dt__file_report_start(rep, "HTTPS-Upgrades fallback list", NULL);
  return merge(l, buf, len, rep);
}

int dt__fallback_load(dt__fallback_list *l, const char *path,
                      dt__file_report *rep) {
  dt__file_report_start(rep, "HTTPS-Upgrades fallback list", path);
  char *buf;
  size_t len;
  int rc = dt__safefile_read(path, MAX_FILE, &buf, &len, rep);
  if (rc || !buf) return rc;
  int dirty = l->dirty;
  rc = merge(l, buf, len, rep);
  l->dirty = dirty;
  free(buf);
  return rc;
}

static int gen(FILE *out, void *ud, size_t *count) {
  const dt__fallback_list *l = ud;
  fprintf(out,
          "%s\n# hosts whose https failed: not upgraded again "
          "(docs/https-upgrades.md)\n",
          MAGIC);
  for (size_t i = 0; i < l->n; i++) {
    char line[320];
    int n = snprintf(line, sizeof line, "f %s %lld", l->host[i],
                     (long long)l->at[i]);
    if (n < 0 || (size_t)n >= sizeof line) continue;
    fprintf(out, "%s %08x\n", line, (unsigned)dt__crc32(line, (size_t)n));
    (*count)++;
  }
  return ferror(out) ? DT_EIO : 0;
}

int dt__fallback_save(dt__fallback_list *l, const char *path,
                      dt__file_report *rep) {
  dt__file_report_start(rep, "HTTPS-Upgrades fallback list", path);
  if (!l->dirty) {
    rep->unchanged = 1;
    return 0;
  }
  int rc = dt__safefile_ensure_dir(path, rep);
  if (rc) return rc;
  int lfd = dt__safefile_lock(path, rep);
  if (lfd < 0) return lfd;
  /* what other processes wrote meanwhile, then ours on top */
  char *buf;
  size_t len;
  rc = dt__safefile_read(path, MAX_FILE, &buf, &len, rep);
  if (!rc && buf) rc = merge(l, buf, len, rep);
  free(buf);
  if (!rc) rc = dt__safefile_replace(path, gen, l, rep);
  if (!rc) l->dirty = 0;
  dt__safefile_unlock(lfd);
  return rc;
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
