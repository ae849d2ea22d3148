/* decision_text.h — the words for a hop's decisions (internal): the one
 * place that turns the typed records of detour.h (dt_hsts_decision,
 * dt_sts_note, dt_step) into the sentences people read in the chain's
 * text, its JSON "note", the HAR's _detour_note and --explain. */
#ifndef DT_OUT_DECISION_TEXT_H
#define DT_OUT_DECISION_TEXT_H

#include "detour.h"
#include "hsts/base/buf.h"

/* "HSTS: preload entry example.com, includeSubDomains (list 2026-06-01)"
 * or "HSTS: dynamic entry a.test (expires 2027-…)". */
void dt__decision_text(dt__buf *b, const dt_hsts_decision *d);
/* "STS noted: a.test max-age=31536000 includeSubDomains", "STS header
 * ignored (not-https)", …; nothing when the hop had no STS field. */
void dt__sts_text(dt__buf *b, const dt_sts_note *n);
/* The hop's one-line "why" ("" when there is nothing to say): on a
 * synthetic hop the decision then the redirect steps; on a sent hop the
 * steps, what the STS field did, and the permanent-redirect mark. */
void dt__hop_note(dt__buf *b, const dt_hop *h);
/* The hop's --explain lines, "  - what  [rule]\n" each. */
void dt__hop_explain(dt__buf *b, const dt_hop *h);

#endif
