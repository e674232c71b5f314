/*
 * sim_target.h - what the simulation-driven fuzz targets share: scenario
 * text run against the real manager and apps, with a file path in fuzz/ so
 * that the apps find fuzz/www. A failed run is a crash: an invariant broke
 * (something after CLOSE, mbufs out of bounds, a missing CLOSE, a leak
 * under ASan) or an expectation the decoder promised did not hold.
 */
#ifndef SIM_TARGET_H
#define SIM_TARGET_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

static char s_scn_path[PATH_MAX + 16];
static char s_scn_dir[PATH_MAX + 16]; /* s_scn_path's folder */

/* The folder holding www: $MG_FUZZ_DIR, or ../../fuzz from the binary (a
 * build in the tree), or the binary's own folder (an installed one). */
static inline void sim_target_init(const char *argv0) {
  char guess[PATH_MAX + 16], real[PATH_MAX];
  const char *dir = getenv("MG_FUZZ_DIR"), *slash = strrchr(argv0, '/');
  int bindir = slash != NULL ? (int) (slash - argv0) : 1;
  const char *bin = slash != NULL ? argv0 : ".";
  if (dir == NULL) {
    snprintf(guess, sizeof(guess), "%.*s/../../fuzz/www", bindir, bin);
    if (realpath(guess, real) == NULL) {
      snprintf(guess, sizeof(guess), "%.*s", bindir, bin);
    } else {
      snprintf(guess, sizeof(guess), "%.*s/../../fuzz", bindir, bin);
    }
    dir = guess;
  }
  if (realpath(dir, real) == NULL) snprintf(real, sizeof(real), "fuzz");
  snprintf(s_scn_path, sizeof(s_scn_path), "%s/input.scn", real);
  snprintf(s_scn_dir, sizeof(s_scn_dir), "%s", real);
  scn_register_builtin_apps();
  scn_poll_limit = 200000; /* a livelock must show up fast */
  /* An input may ask for any amount of simulated work; past these bounds
   * (a few ms of it) the run ends as over its bound, which is no bug. */
  scn_max_trace_mib = 8;
  scn_max_work_millions = 2;
  /* Traces cost most of a run; a failure replays with one through
   * `mgsim from-fuzz`. MG_FUZZ_TRACE=1 keeps them and prints each run's
   * trace, which is how ci/check-fuzz.sh compares the two. */
  scn_tracing = getenv("MG_FUZZ_TRACE") != NULL;
}

/* Runs a scenario and frees it; must_pass: a failed run aborts, showing
 * the scenario as `mgsim from-fuzz` would print it (a run stopped at one of
 * the bounds on its work has not failed what the decoder promised). */
static inline void sim_target_run_scn(struct scn *sc, int must_pass) {
  struct scn_result res;
  scn_run(sc, 1, &res);
  if (scn_tracing && res.trace != NULL) fputs(res.trace, stdout);
  if (must_pass && !res.passed && !res.over_bound) {
    char *text = scn_to_text(sc, NULL);
    fprintf(stderr, "%s\n%s", text != NULL ? text : "",
            res.message != NULL ? res.message : "out of memory");
    abort();
  }
  scn_result_free(&res);
  scn_free(sc);
}

#endif
