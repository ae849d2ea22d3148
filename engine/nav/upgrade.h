/* upgrade.h — the HSTS URL upgrade (internal, pure). Whether to upgrade is
 * the hsts layer's decision; this only builds the upgraded URL. */
#ifndef DT_ENGINE_UPGRADE_H
#define DT_ENGINE_UPGRADE_H

#include "detour.h"

/* RFC 6797 §8.3 (and docs/decisions.md "Port rule"): http → https and ws → wss;
 * no port or an explicit :80 → the default 443 (no explicit port); an
 * explicit :443 → the default (so http://h:443/ becomes https://h/); any
 * other explicit port is kept. Userinfo, path, query and fragment are kept.
 * Returns a new URL (dt_url_free it), or NULL when URL's scheme is not http
 * or ws (nothing to upgrade) or on ENOMEM. */
dt_url *dt__hsts_upgrade_url(const dt_url *url);

#endif
