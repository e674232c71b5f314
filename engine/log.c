/*
 * log.c - Mongoose 6's leveled log: LOG(LL_INFO, ("fmt", ...)) writes
 * "file.c:line message" and a newline to the log file when the message's
 * level is at or below the threshold.
 *
 * LOG expands to two calls, the prefix first. The prefix is kept per
 * thread and goes out with the message in one stdio call, which holds the
 * stream's lock: lines from different threads never interleave. Writing to
 * a stdio stream is no socket, clock or thread call, so this is core code,
 * and the core can log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

/* Mongoose 6's default threshold: errors only (its debug builds,
 * CS_ENABLE_DEBUG, started at LL_VERBOSE_DEBUG instead). */
static enum cs_log_level s_level = LL_ERROR;
static FILE *s_file; /* NULL: stderr, which is not a constant to start with */
static _Thread_local char s_prefix[64];

void cs_log_set_level(enum cs_log_level level) { s_level = level; }

void cs_log_set_file(FILE *file) { s_file = file; }

int cs_log_print_prefix(enum cs_log_level level, const char *file, int line) {
  const char *base;
  /* LL_NONE is a threshold that silences everything, never a message's
   * level. */
  if (level <= LL_NONE || level > s_level) return 0;
  base = file != NULL ? strrchr(file, '/') : NULL;
  base = base != NULL ? base + 1 : (file != NULL ? file : "?");
  snprintf(s_prefix, sizeof(s_prefix), "%s:%d ", base, line);
  return 1;
}

void cs_log_printf(const char *fmt, ...) {
  FILE *f = s_file != NULL ? s_file : stderr;
  char small[256], *msg = small;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(&msg, sizeof(small), fmt, ap);
  va_end(ap);
  fprintf(f, "%s%s\n", s_prefix, n >= 0 ? msg : "(unprintable log message)");
  s_prefix[0] = '\0';
  if (msg != small) free(msg);
  /* A log is read when something went wrong, often after a crash: nothing
   * may wait in a buffer. */
  fflush(f);
}
