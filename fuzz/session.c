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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text;
  if (size > 4096) return 0; /* longer schedules add time, not new paths */
  if (s_scn_path[0] == '\0') sim_target_init("build/fuzz/session");
  text = session_to_scenario(data, size);
  sim_target_run(text, 1);
  free(text);
  return 0;
}
