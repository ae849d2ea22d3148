/* fixture_proc.h — start and stop the fixture server from C tests (TEST ONLY).
 *
 *   dt_fixture *fx;
 *   if (dt_fixture_start("route /a\n  status 302\n  header Location: /b\n",
 * &fx) != 0) return 1; int port = dt_fixture_port(fx, "http");
 *   ... run the client against 127.0.0.1:port ...
 *   CHECK_INT(dt_fixture_connections(fx, "https"), 0);
 *   CHECK_INT(dt_fixture_stop(fx), 0);   // 0: the server exited cleanly
 *
 * The server is build/tests/fixture/detour-fixture (DETOUR_BUILD_DIR); the
 * scenario and log formats are in tests/fixture/README.md. libc + POSIX only.
 */
#ifndef DT_FIXTURE_PROC_H
#define DT_FIXTURE_PROC_H

#include <stddef.h>

typedef struct dt_fixture dt_fixture;

/* Writes SCENARIO_TEXT to a fresh temporary directory, spawns the server,
 * and waits (up to 20 s) for its port line. On success returns 0 and *out
 * (free with dt_fixture_stop). On failure returns -1, prints why on stderr,
 * and *out is NULL. */
int dt_fixture_start(const char *scenario_text, dt_fixture **out);

/* Port of listener NAME ("http", "https", or one the scenario declared);
 * -1 if there is no such listener. */
int dt_fixture_port(const dt_fixture *fx, const char *name);

/* Path of the JSON-lines log; valid until dt_fixture_stop. */
const char *dt_fixture_log_path(const dt_fixture *fx);

/* The TEST CA certificate file (DETOUR_BUILD_DIR/test-ca/ca.crt); static. */
const char *dt_fixture_ca_file(void);

/* Reads the log as it is now: *lines is a malloc'd array of *n malloc'd,
 * NUL-terminated lines (newline stripped). Free with dt_fixture_lines_free.
 * Returns 0, or -1 if the log cannot be read. */
int dt_fixture_log_lines(const dt_fixture *fx, char ***lines, size_t *n);
void dt_fixture_lines_free(char **lines, size_t n);

/* Number of log lines containing NEEDLE (a plain substring). */
size_t dt_fixture_count(const dt_fixture *fx, const char *needle);
/* Accepted connections / requests on LISTENER (NULL: all listeners). */
size_t dt_fixture_connections(const dt_fixture *fx, const char *listener);
size_t dt_fixture_requests(const dt_fixture *fx, const char *listener);

/* Closes the server's stdin (its cue to exit), waits up to 15 s (then
 * SIGTERM, then SIGKILL), removes the temporary files and frees FX.
 * Returns the server's exit status: 0 when it shut down cleanly (under ASan
 * a leak or error makes it non-zero); -1 if it had to be killed. NULL is a
 * no-op returning 0. */
int dt_fixture_stop(dt_fixture *fx);

#endif
