/* records.h — JSON of the typed records (internal): a hop's decisions, an
 * STS parse, the HSTS store's entries and queries, the preload list's
 * records, an error. The shapes are docs/json-output.md's. The public
 * *_to_json functions in detour.h wrap these; the chain and the audit
 * embed them. */
#ifndef DT_OUT_RECORDS_H
#define DT_OUT_RECORDS_H

#include "detour.h"
#include "engine/out/jsonw.h"

/* {"type": "hsts", "store", "host", "entry", "include_subdomains", ...} */
void dt__decision_json(dt__jw *w, const dt_hsts_decision *d);
/* {"header", "ignored", "outcome", "noted", "rejected"} */
void dt__sts_note_json(dt__jw *w, const dt_sts_note *n);
void dt__hsts_entry_json(dt__jw *w, const dt_hsts_entry *e);
/* The hop's one-line why (decision_text.h) as a string, or null. */
void dt__hop_note_json(dt__jw *w, const dt_hop *h);
/* The chain's error object, or null (chain_json.c). */
void dt__chain_error_json(dt__jw *w, const dt_chain *chain);

#endif
