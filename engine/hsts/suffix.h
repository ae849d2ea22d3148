/* suffix.h — no dynamic HSTS entry with includeSubDomains for a public
 * suffix (issue 18).
 *
 * An includeSubDomains entry for `github.io` or `co.uk` would force https
 * on every site registered under it — sites whose owners never sent the
 * header. A host at a public suffix cannot speak for its siblings (the same
 * reason cookies may not be set on one, RFC 6265bis §5.7 step 5, and
 * hstspreload.org takes registrable domains only). The suffix is read from
 * libpsl's list, the listed rules only (not the default "*" rule, so the
 * test names a.test and the like are registrable). The entry without
 * includeSubDomains is harmless and kept. */
#ifndef DT_ENGINE_HSTS_SUFFIX_H
#define DT_ENGINE_HSTS_SUFFIX_H

/* 1 when an entry for the canonical HOST with INCLUDE_SUBDOMAINS must be
 * refused because HOST is a public suffix. */
int dt__hsts_suffix_refused(const char *host, int include_subdomains);

#define DT__HSTS_SUFFIX_CODE "public-suffix"
#define DT__HSTS_SUFFIX_MESSAGE                                                \
  "includeSubDomains on a public suffix would cover every site registered "    \
  "under it: not stored"

#endif
