/* overrides.h — curl's --resolve and --connect-to, applied before DNS
 * (internal). The URL's host still gives Host, SNI and the certificate
 * name; only where the socket goes changes. */
#ifndef DT_ENGINE_OVERRIDES_H
#define DT_ENGINE_OVERRIDES_H

#include "detour.h"

#define DT__OVR_MAX_ENTRIES 64
#define DT__OVR_MAX_ADDRS 16
#define DT__OVR_ADDR_BYTES 46 /* INET6_ADDRSTRLEN */

typedef struct dt__resolve_entry {
  char host[DT_MAX_HOST_BYTES + 3]; /* lowercase; "[v6]" kept bracketed */
  int port;
  size_t naddrs;
  char addrs[DT__OVR_MAX_ADDRS][DT__OVR_ADDR_BYTES]; /* no brackets */
} dt__resolve_entry;

typedef struct dt__connect_to_entry {
  char host[DT_MAX_HOST_BYTES + 3];    /* "" = any host */
  int port;                            /* 0 = any port */
  char to_host[DT_MAX_HOST_BYTES + 3]; /* "" = same host */
  int to_port;                         /* 0 = same port */
} dt__connect_to_entry;

typedef struct dt__overrides {
  dt__resolve_entry resolve[DT__OVR_MAX_ENTRIES];
  size_t nresolve;
  dt__connect_to_entry connect_to[DT__OVR_MAX_ENTRIES];
  size_t nconnect_to;
} dt__overrides;

/* "host:port:addr[,addr...]" (addr may be [v6]; host may be "*").
 * Returns 0, DT_EINVAL (bad spec) or DT_ENOMEM (table full). */
int dt__overrides_add_resolve(dt__overrides *o, const char *spec);
/* "host:port:host2:port2"; empty host/port = any, empty host2/port2 = same. */
int dt__overrides_add_connect_to(dt__overrides *o, const char *spec);
/* First --connect-to entry matching (host, port): writes the target host
 * (without brackets, NUL-terminated, cap bytes) and port. Returns 1 if an
 * entry applied, 0 if not (out = host, port unchanged). HOST may carry
 * brackets (URL hostname form); matching is case-insensitive. */
int dt__overrides_connect_to(const dt__overrides *o, const char *host, int port,
                             char *out_host, size_t cap, int *out_port);
/* The --resolve entry for (host, port), or NULL (then: DNS). */
const dt__resolve_entry *dt__overrides_resolve(const dt__overrides *o,
                                               const char *host, int port);

#endif
