/* wire.h — what may be written into a request, checked in one place
 * (issue 18: a User-Agent with CR LF once split requests).
 *
 * Every caller-supplied byte that reaches the wire — the method, field
 * names and values (the caller's -H, the User-Agent, Accept-Language, a
 * profile's table), the request target and the authority — passes one of
 * these before anything is sent. The public checks (dt_request_check,
 * dt_ctx_options_check) run them at set-up and say which value and why; the
 * HTTP/1.1 and HTTP/2 writers run them again as the last guard, so a bad
 * value is DT_EINVAL and never a byte on the wire. */
#ifndef DT_ENGINE_NET_WIRE_H
#define DT_ENGINE_NET_WIRE_H

#include "detour.h"

/* RFC 9110 §5.6.2 token: one or more tchar. Methods (§9.1) and field
 * names (§5.1) are tokens. */
int dt__wire_token(const char *s);
/* A field value as Chromium accepts one from a caller
 * (net/http/http_util.cc IsValidHeaderValue) and as Fetch defines a header
 * value's bytes: no NUL, CR or LF — the bytes that end or split a line.
 * Other bytes (obs-text, HTAB) go as given. */
int dt__wire_value(const char *s);
/* A request target or authority as written on the request line / Host:
 * visible ASCII (0x21–0x7E) only, no '#'. The URL serializer percent-
 * encodes everything else, so a failure here means a caller bypassed it. */
int dt__wire_target(const char *s);

/* METHOD and the fields HEADERS[0..N) checked; on failure ERR says which
 * (WHAT names the source, e.g. "request field") and why. 0 or DT_EINVAL. */
int dt__wire_check(const char *method, const dt_header *headers, size_t n,
                   const char *what, dt_error *err);

#endif
