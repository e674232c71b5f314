/*
 * leak_check.c - in ASan builds, whether a run left memory allocated after
 * mg_mgr_free: the run that leaked is the one that fails, rather than the
 * process at its exit.
 *
 * A full LeakSanitizer check stops the world and scans the heap, some 10 ms
 * a run; a run whose allocator count is back where it started (less the
 * result it hands back) has left nothing, so only the others pay for it.
 * LeakSanitizer reports a leak again at every later check, and nothing can
 * free what was leaked: after the first leak, this process checks no more.
 * Callers that must check many runs after a leak (shrink) run each in a
 * child process and rearm the check there: what the parent leaked is then
 * reported again only along with a new leak of the child's own run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif

#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
/* ASan's allocator statistics (gcc ships no header that declares them). */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_allocated_size(const volatile void *p);
#endif

static int s_enabled, s_found;

void scn_leak_check_enable(int on) { s_enabled = on; }

void scn_leak_check_rearm(void) { s_found = 0; }

int scn_leak_checking(void) {
#ifdef HAVE_LSAN
  return s_enabled && !s_found;
#else
  return s_enabled && !s_found && 0;
#endif
}

#ifdef HAVE_LSAN
static size_t held(const void *p) { return p != NULL ? __sanitizer_get_allocated_size(p) : 0; }
#endif

void scn_run_checked(struct scn *sc, uint64_t seed, struct scn_result *res) {
#ifdef HAVE_LSAN
  size_t before;
  char msg[600];
  if (!scn_leak_checking()) {
    scn_run(sc, seed, res);
    return;
  }
  before = __sanitizer_get_current_allocated_bytes();
  scn_run(sc, seed, res);
  if (!res->passed || res->skipped ||
      __sanitizer_get_current_allocated_bytes() - held(res->trace) - held(res->message) <= before ||
      __lsan_do_recoverable_leak_check() == 0) {
    return;
  }
  s_found = 1;
  snprintf(msg, sizeof(msg),
           "%s:%d: memory still allocated after mg_mgr_free (LeakSanitizer's report is on "
           "stderr)\n",
           sc->path, sc->nlines > 0 ? sc->lines[sc->nlines - 1].lineno : 0);
  free(res->message);
  res->message = strdup(msg);
  res->passed = 0;
#else
  scn_run(sc, seed, res);
#endif
}
