/* chain.h — building the hop chain (internal). The public read-only view is
 * dt_chain / dt_hop in detour.h.
 *
 * Ownership: the chain owns every string and header array of its hops, in
 * an arena freed with the chain. Builders copy what they are given. Pointers
 * into a hop stay valid until dt_chain_free(); a dt_hop pointer returned by
 * dt__chain_add_hop() stays valid even when more hops are added. */
#ifndef DT_ENGINE_CHAIN_H
#define DT_ENGINE_CHAIN_H

#include "detour.h"

#include <stdarg.h>

dt_chain *dt__chain_new(const char *method, const char *url);
/* Appends a zeroed hop (timings -1) and returns it, or NULL on ENOMEM. */
dt_hop *dt__chain_add_hop(dt_chain *chain);
/* The last hop added, or NULL. */
dt_hop *dt__chain_last_hop(dt_chain *chain);
/* Copies into the chain's arena; NULL in → NULL out. */
const char *dt__chain_strdup(dt_chain *chain, const char *s);
const char *dt__chain_strndup(dt_chain *chain, const char *s, size_t n);
const uint8_t *dt__chain_memdup(dt_chain *chain, const void *p, size_t n);
/* Header lists: appended in order, name and value copied. */
int dt__hop_add_req_header(dt_chain *chain, dt_hop *hop, const char *name,
                           size_t nlen, const char *value, size_t vlen);
/* Why the request field NAME went out as it did (identity.h's rule). */
int dt__hop_add_field_rule(dt_chain *chain, dt_hop *hop, const char *name,
                           const char *rule);
int dt__hop_add_resp_header(dt_chain *chain, dt_hop *hop, const char *name,
                            size_t nlen, const char *value, size_t vlen);
/* First response header with NAME (case-insensitive), or NULL. */
const char *dt__hop_resp_header(const dt_hop *hop, const char *name);
int dt__chain_set_final_url(dt_chain *chain, const char *url);
/* Address-bar input: TEXT as typed (copied), SCHEMELESS when the bar added
 * the scheme. 0 or DT_ENOMEM. */
int dt__chain_set_typed(dt_chain *chain, const char *text, int schemeless);
/* The scheme ("http"/"https", static) of the first request that went (or
 * was answered from the cache); only the first call counts. */
void dt__chain_set_typed_tried(dt_chain *chain, const char *scheme);
/* Records the error (first one wins) with a printf-style message. */
/* A context warning the caller should see with this chain (JSON
 * "warnings"); kept up to DT__CHAIN_MAX_WARNINGS. */
#define DT__CHAIN_MAX_WARNINGS 8
void dt__chain_add_warning(dt_chain *chain, const char *msg);
void dt__chain_set_error(dt_chain *chain, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void dt__chain_vset_error(dt_chain *chain, int err, const char *fmt,
                          va_list ap);
/* The hint for the chain's error (dt_chain_error_hint): kept when the
 * chain's error is ERR and has none yet, so it stays with the cause. */
void dt__chain_set_hint(dt_chain *chain, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The hop's records, writable by the builders (the public dt_hop sees them
 * read-only). timing always exists; the others are attached on first use
 * (hop->conn, hop->upgrade, hop->sts then point at them). */
dt_hop_timing *dt__hop_timing(dt_hop *hop);
dt_hop_connection *dt__hop_conn(dt_hop *hop);
dt_hsts_decision *dt__hop_upgrade(dt_hop *hop);
dt_sts_note *dt__hop_sts(dt_hop *hop);
/* Appends a cookie record (its strings copied). 0 or DT_ENOMEM. */
int dt__hop_add_cookie(dt_chain *chain, dt_hop *hop, const dt_hop_cookie *c);
int dt__hop_add_set_cookie(dt_chain *chain, dt_hop *hop,
                           const dt_hop_set_cookie *s);
/* Appends one decision step (TEXT and RULE copied). 0 or DT_ENOMEM. */
int dt__hop_add_step(dt_chain *chain, dt_hop *hop, const char *text,
                     const char *rule);

#endif
