/*
 * scenario.c - fuzz target: arbitrary bytes as a scenario file. Parsing
 * must never crash and always end in a verdict, in time and memory linear
 * in the input (inputs up to 64 KiB: long lines, long regular expressions);
 * a file that parses, and is small, also runs (its expectations may fail;
 * it may not crash or hang, and its work is bounded by the runner).
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
  if (size > 65536) return 0;
  if (s_scn_path[0] == '\0') sim_target_init("build/fuzz/scenario");
  if ((text = (char *) malloc(size + 1)) == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  /* NUL bytes are the parser's to reject: parse the whole input. */
  {
    char err[1024];
    struct scn *sc = scn_parse((const char *) data, size, s_scn_path, err, sizeof(err));
    if (sc != NULL) {
      int big = strstr(text, "repeat") != NULL || strstr(text, "pattern") != NULL;
      /* Its expectations may fail; with MG_FUZZ_TRACE=1 the trace is
       * printed, for replay --twice to compare. */
      if (!big && size <= 4096) {
        sim_target_run_scn(sc, 0);
      } else {
        scn_free(sc);
      }
    }
  }
  free(text);
  return 0;
}
