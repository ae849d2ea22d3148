/* store.h — the public HSTS store handle (dt_hsts_store in detour.h)
 * over hsts/store (the entries) and hsts/store_file (the file), with the
 * profile's cap and the host canonicaliser (internal view). A context owns
 * one and hooks its changes to schedule saves. */
#ifndef DT_ENGINE_HSTS_STORE_H
#define DT_ENGINE_HSTS_STORE_H

#include "detour.h"
#include "engine/profile.h"
#include "hsts/store.h"
#include "hsts/store_file.h"

#define DT__STORE_MAX_WARNINGS 4
#define DT__STORE_WARNING_BYTES 1200

struct dt_hsts_store {
  dt__hsts_store *s;          /* the entries */
  char *path;                 /* NULL: memory only */
  const dt__profile *profile; /* cap and matching rules */
  dt_clock clock;
  int dirty; /* changed since the last save */
  /* A context's store stops writing after a failed save and goes on in
   * memory (a browser with an unusable profile directory still browses);
   * a store the caller opened keeps its path for a later try. */
  int memory_only_on_failure;
  void (*on_change)(void *ud); /* the owner's save scheduling */
  /* Run before a save on the caller's thread: the owner finishes a save
   * of this store it runs off the loop first (one save at a time, in the
   * order they began). */
  void (*before_save)(void *ud);
  void *change_ud;
  dt__safefile_view view; /* what of the file this store has read */
  dt__buf pending;        /* records a failed save off the loop gave back */
  /* The file had records of an older detour (knockouts): the next save
   * compacts it, so they are written out of it once (hsts-store-format). */
  int compact_next;
  size_t nwarnings;
  char warnings[DT__STORE_MAX_WARNINGS][DT__STORE_WARNING_BYTES];
};

/* Opens as dt_hsts_store_open with an internal profile. */
int dt__store_open(dt_hsts_store **out, const char *path,
                   const dt__profile *profile, const dt_clock *clock,
                   size_t max_entries, dt_error *err);
/* Records a change (dirty; the owner's hook runs). */
void dt__store_changed(dt_hsts_store *s);
/* A save off the caller's thread (the context's, engine/nav/user_data.c):
 * _begin takes what changed into a job (NULL: nothing to save, or out of
 * memory with *ERR set); hsts/store_file.h's dt__hsts_save_run runs it on
 * any thread; _end, back on S's thread, finishes it: a failure is a
 * warning, the changes wait for the next save, or (a context's store) the
 * store goes on in memory only. 0 or the save's error (the warning added
 * to S says it). */
dt__hsts_save *dt__store_save_begin(dt_hsts_store *s, int *err);
int dt__store_save_end(dt_hsts_store *s, dt__hsts_save *j);
void dt__store_warn(dt_hsts_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
