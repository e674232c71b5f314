/*
 * scn.h - scenario files: parsing, running, and the apps they drive.
 *
 * A scenario is a text file of lines, each optionally prefixed by a time
 * (@ABS or +REL, with a unit: us, ms, s). Lines run in order; before a line
 * the simulation runs up to its time. The language is documented in
 * README.md ("Scenario language"); scn_cmd.c holds every command.
 */
#ifndef SCN_H
#define SCN_H

#include <stdint.h>

#include "mongoose.h"
#include "sim.h"

enum tok_type { T_WORD, T_STR, T_CONN, T_TIME_ABS, T_TIME_REL };

struct tok {
  enum tok_type type;
  char *s; /* WORD and STR: the bytes, NUL-terminated */
  size_t len;
  long long n;  /* CONN: the id */
  int64_t us;   /* TIME_*: microseconds */
};

struct scn_line {
  int lineno;
  int64_t at; /* absolute virtual time, in microseconds */
  struct tok *toks;
  int ntoks;
};

struct scn_block; /* scn_parse.c */

struct scn {
  char *path;    /* for messages */
  char *basedir; /* files named in the scenario are relative to it */
  uint64_t seed;
  int has_seed;
  /* What does not hold natively, written down ("native skip REASON",
   * "native loose KIND..."): natively the scenario does not run, or those
   * kinds of expectation are not checked. */
  char *native_skip;     /* NULL: it runs natively */
  unsigned native_loose; /* bits: 1 << SCN_X_... */
  struct scn_line *lines;
  int nlines;
  int lines_cap; /* allocated entries of lines */
  /* A built scenario (scn_new) keeps its paths, token arrays and token
   * strings in these blocks, freed together; a parsed one mallocs each. */
  struct scn_block *blocks;
};

/* Builds a scenario in code rather than from text: scn_new, then
 * scn_add_line per line with tokens from scn_tok_word/scn_tok_str (copied
 * into the scenario). The lines are not checked as scn_parse checks them:
 * a builder that is wrong fails when the line runs. NULL: out of memory. */
struct scn *scn_new(const char *path, const char *basedir);
int scn_add_line(struct scn *sc, int64_t at, const struct tok *toks, int ntoks);
struct tok scn_tok_word(const char *word);
struct tok scn_tok_str(const void *data, size_t len);
/* A scenario as text that scn_parse reads back to the same lines (heap,
 * NUL-terminated; NULL: out of memory), headed by the comment, if any. */
char *scn_to_text(const struct scn *sc, const char *comment);

/* The largest scenario file scn_load reads: scenario files are small, and
 * anything larger is a mistake, not a script. Shared with what writes
 * scenarios (mgsim record), so that a file written is one that loads;
 * scn_parse itself takes text of any length. */
#define SCN_MAX_FILE_BYTES (4 * 1024 * 1024)

/* Parses text; NULL with "path:line: message" in err on any error. */
struct scn *scn_parse(const char *text, size_t len, const char *path,
                      char *err, size_t errlen);
struct scn *scn_load(const char *path, char *err, size_t errlen);
void scn_free(struct scn *sc);

/* Expectation kinds, for "native loose". */
enum scn_expect_kind {
  SCN_X_EVENT, SCN_X_COUNT, SCN_X_SUM, SCN_X_NOTHING, SCN_X_QUIET, SCN_X_PEER,
  SCN_X_ORDER, SCN_X_CONNS, SCN_X_FLAGS, SCN_X_KINDS
};
extern const char *const scn_expect_kind_names[SCN_X_KINDS];

struct scn_result {
  int passed;
  int skipped;   /* natively: the scenario says why it cannot run (sc->native_skip) */
  int expectations;
  int loosened;  /* natively: expectations of a loose kind, not checked */
  int64_t delay_us; /* the network's delay knob at the end (for comparing times) */
  int64_t end_us;
  char *trace;   /* heap, NUL-terminated */
  char *message; /* heap: why it failed, with the trace around it */
  int over_bound; /* it failed at one of the bounds on a run's work */
};

/* Runs a parsed scenario with a seed; the result owns its strings. */
void scn_run(const struct scn *sc, uint64_t seed, struct scn_result *res);
void scn_result_free(struct scn_result *res);

/* ---- apps --------------------------------------------------------------- */

/* Starts an app on mgr from the words after "app NAME" (up to the first
 * "on" clause). Returns 0, or -1 with a message in err. While a scenario is
 * being parsed it is called with mgr NULL: check the arguments only.
 * Connections the app creates, and those they accept, are traced and get the
 * line's "on EVENT ACTION" rules. */
typedef int (*scn_app_start)(struct mg_mgr *mgr, int argc, char **argv,
                             char *err, size_t errlen);
int scn_register_app(const char *name, scn_app_start start);
scn_app_start scn_find_app(const char *name);
void scn_register_builtin_apps(void);

/* Fuzz sessions (session.c): any byte string as a scenario (built with
 * scn_new for path and basedir; NULL: out of memory) or as its text (heap,
 * NUL-terminated), and a scenario's peer commands as such a byte string. */
struct scn *session_to_scn(const uint8_t *data, size_t size, const char *path,
                           const char *basedir);
char *session_to_scenario(const uint8_t *data, size_t size);
size_t scenario_to_session(const struct scn *sc, uint8_t **out);

/* Same-instant polls a run may take before it is declared a livelock
 * (default 10,000,000; fuzz targets lower it to stay fast). */
extern long scn_poll_limit;
/* Bounds on one run (0: none): trace kept, in MiB (events recorded are
 * bounded in proportion), and millions of connection-polls (regular
 * expressions matched count against it too). A run past one fails, with
 * scn_result.over_bound set. */
extern size_t scn_max_trace_mib;
extern unsigned long scn_max_work_millions;
/* 0: runs keep no trace (a failure then shows none): for fuzzing speed. */
extern int scn_tracing;
/* 1: scn_run runs natively (native.h): the apps on the socket iface, the
 * peers on real sockets, in a network namespace of the run's own; the
 * time scale is native_new's. */
extern int scn_native;
extern double scn_time_scale;

/* mgsim's command line, for programs that register apps of their own. */
int mgsim_main(int argc, char **argv);

#endif
