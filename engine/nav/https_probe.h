/* https_probe.h — Firefox's background http probe (internal). When an
 * HTTPS-First attempt has had no answer for the profile's wait (knob 11,
 * ~2.2 s measured on Firefox ESR 153), Firefox sends a GET to the site's
 * http origin (nsHTTPSOnlyUtils.cpp, TestHTTPAnswerRunnable::Notify: the
 * pre-path, anonymous, exempt from upgrades); when that is answered — and
 * not by a redirect to https on the same host, which means https is worth
 * waiting for (IsBackgroundRequestRedirected) — the https load is
 * cancelled and the navigation falls back to http (OnStartRequest). A
 * probe that fails changes nothing. docs/https-upgrades.md. */
#ifndef DT_NAV_HTTPS_PROBE_H
#define DT_NAV_HTTPS_PROBE_H

#include "detour.h"

typedef struct dt__probe dt__probe;

/* The probe ended: GIVE_UP 1 when the http site answered as above (https
 * is to be given up), 0 when it did not (ERR its error, or 0 for a redirect
 * to https); STATUS the answer's status (0 without one). */
typedef void (*dt__probe_cb)(void *user_data, int give_up, int status, int err);

/* Sends GET URL (the http origin, "http://host[:port]/") with FIELDS (the
 * request's fields, copied; NULL: the client's minimal trio). CB runs once,
 * from the loop, unless dt__probe_cancel comes first. 0, or DT_EINVAL /
 * DT_ENOMEM (CB never runs). */
int dt__probe_start(dt_ctx *ctx, const char *url, const dt_header *fields,
                    size_t field_count, dt__probe_cb cb, void *user_data,
                    dt__probe **out);

/* The caller no longer wants the answer: CB will not run. The request is
 * ended and the probe frees itself from the loop. */
void dt__probe_cancel(dt__probe *p);

#endif
