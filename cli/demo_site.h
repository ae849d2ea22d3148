/* demo_site.h — the small loopback site `detour demo` teaches with (cli/
 * only). It plays demo.test on 127.0.0.1: a plain-http listener that sends
 * everything to https with a 301, and a TLS listener (TLS 1.2, ALPN
 * http/1.1) whose `/` sends Strict-Transport-Security with
 * includeSubDomains and whose two form endpoints answer 302 and 307.
 *
 * The certificates are made in memory at start (an EC P-256 CA and a leaf
 * for demo.test and *.demo.test, valid for one day); nothing is read from
 * disk. The site counts the connections each listener accepted and keeps
 * what it saw of the last request to /thanks, so the demo can show what
 * reached the wire, not only what the client believes it sent.
 *
 * Every request is answered with `Connection: close`; request heads are
 * capped at DEMO_SITE_MAX_HEAD bytes and bodies at DEMO_SITE_MAX_BODY. */
#ifndef DT_CLI_DEMO_SITE_H
#define DT_CLI_DEMO_SITE_H

#include <stddef.h>

struct uv_loop_s;

#define DEMO_SITE_MAX_HEAD (64u * 1024u) /* request line + header fields */
#define DEMO_SITE_MAX_HEADERS 100u       /* header fields per request */
#define DEMO_SITE_MAX_TARGET 2048u       /* request-target bytes */
#define DEMO_SITE_MAX_BODY (64u * 1024u) /* request body bytes */
#define DEMO_SITE_MAX_CONNS 64u          /* open connections at once */
#define DEMO_SITE_CONN_TIMEOUT_MS 10000u /* a connection's whole life */

/* The body the site's `/` page uses for its two forms (what the demo
 * POSTs, so a teacher can repeat it with curl). */
#define DEMO_SITE_FORM_BODY "name=Ada&lang=C"

typedef struct demo_site demo_site;

typedef enum demo_listener {
  DEMO_PLAIN = 0, /* http, plays demo.test:80 */
  DEMO_TLS = 1    /* https, plays demo.test:443 */
} demo_listener;

/* Makes the certificates and starts both listeners on LOOP (127.0.0.1,
 * ports chosen by the OS). On success *out is the site; on failure *out is
 * NULL, a reason is in ERR (CAP bytes) and any handle already opened is
 * closing: run the loop (UV_RUN_DEFAULT) to let it finish. Returns 0 or -1.
 */
int demo_site_start(demo_site **out, struct uv_loop_s *loop, char *err,
                    size_t cap);
/* The port a listener is bound to. */
int demo_site_port(const demo_site *s, demo_listener which);
/* The CA certificate as PEM (NUL-terminated); lives as long as the site.
 * Trust it and the site's leaf verifies for demo.test and *.demo.test. */
const char *demo_site_ca_pem(const demo_site *s);
/* Connections the listener accepted since start. */
unsigned demo_site_connections(const demo_site *s, demo_listener which);
/* Requests the listener answered since start. */
unsigned demo_site_requests(const demo_site *s, demo_listener which);
/* The method and body length of the last request the site answered at
 * /thanks, as the site parsed them off the wire; "" and 0 before any.
 * The string lives until the next request. */
const char *demo_site_last_thanks(const demo_site *s, size_t *body_len);
/* Closes both listeners and every connection; the site frees itself once
 * the last handle has closed, so run the loop (UV_RUN_DEFAULT) after. */
void demo_site_close(demo_site *s);

#endif
