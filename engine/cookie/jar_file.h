/* jar_file.h — the cookie jar's files (internal):
 *   - DIR/cookies.txt in the user-data directory: detour's record-line file
 *     on the crash-safe kit (hsts/base/safefile.h), persistent cookies only
 *     (session cookies end with the process, as with a browser's
 *     session); a save appends this process's deletions and clears, then
 *     its new cookies, to the file's journal (hsts/base/journal.h), so what
 *     other processes wrote stays and what this one changed goes on top;
 *   - curl's Netscape cookie file (-b/-c, `detour cookies import|export`),
 *     read line by line with bad lines counted and skipped.
 * Formats: docs/cookies.md. */
#ifndef DT_COOKIE_JAR_FILE_H
#define DT_COOKIE_JAR_FILE_H

#include "engine/cookie/jar.h"
#include "hsts/base/journal.h"

#define DT__JAR_FILE_MAX (16u << 20) /* bytes a jar file may have */

/* Loads PATH into J (a missing file: empty). Expired cookies at NOW_MS are
 * dropped. 0, DT_ESTORE (not this file / unsafe), DT_EIO, DT_ENOMEM. */
int dt__jar_load(dt__cookie_jar *j, const char *path, int64_t now_ms,
                 dt__file_report *rep);
int dt__jar_load_mem(dt__cookie_jar *j, const char *buf, size_t len,
                     int64_t now_ms, dt__file_report *rep);
/* Saves what this process changed, appended under the lock. Not dirty:
 * rep->unchanged. */
int dt__jar_save(dt__cookie_jar *j, const char *path, int64_t now_ms,
                 dt__file_report *rep);
/* The save in three steps, for a save off the loop (engine/nav/user_data):
 * _begin takes J's changes into a job (J forgets them; NULL when there are
 * none, or out of memory: *ERR then DT_ENOMEM), dt__journal_run runs it on
 * any thread, _end (J's thread) gives J back what a failed save did not
 * write, fills REP and frees the job: 0 or the job's error. */
dt__journal_job *dt__jar_save_begin(dt__cookie_jar *j, const char *path,
                                    int64_t now_ms, int *err);
int dt__jar_save_end(dt__cookie_jar *j, dt__journal_job *job,
                     dt__file_report *rep);

/* curl's Netscape format: "domain TAB tailmatch TAB path TAB secure TAB
 * expires TAB name TAB value", "#HttpOnly_" before the domain of an
 * HttpOnly cookie, expires 0 a session cookie. Import puts each cookie as
 * it is (curl's meaning); expired ones are skipped. */
int dt__jar_import_netscape(dt__cookie_jar *j, const char *buf, size_t len,
                            int64_t now_ms, dt__file_report *rep);
/* The jar as a Netscape file, session cookies included (expires 0), as
 * curl's -c writes it. New string (free()), or NULL. */
char *dt__jar_export_netscape(dt__cookie_jar *j, int64_t now_ms);

/* The file for the journal (hsts/base/journal.h): its header check and
 * its compaction, exposed for the fuzz target. Its compaction's user data
 * points to the int64_t now (ms). */
const dt__journal_kind *dt__jar_journal_kind(void);

#endif
