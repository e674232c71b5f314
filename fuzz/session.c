/*
 * session.c - fuzz target: the input is a schedule of peer actions,
 * network knobs and clock advances (tools/mgsim/session.c) run through the
 * simulated iface against the echo, http-static, ws-echo and ws-chat apps;
 * the runner checks its invariants after every event, and at the end each
 * echo peer must have got back exactly what it sent.
 */
#include <stdint.h>

#include "sim_target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void) argc;
  sim_target_init((*argv)[0]);
  return 0;
}

/* The input is decoded straight into the runner's lines; `mgsim from-fuzz`
 * prints the same lines as text, and ci/check-fuzz.sh checks that both
 * runs give the same trace. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct scn *sc;
  if (size > 4096) return 0; /* longer schedules add time, not new paths */
  if (s_scn_path[0] == '\0') sim_target_init("build/fuzz/session");
  if ((sc = session_to_scn(data, size, s_scn_path, s_scn_dir)) == NULL) abort();
  sim_target_run_scn(sc, 1);
  return 0;
}
