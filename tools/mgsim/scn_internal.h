/*
 * scn_internal.h - what the scenario runner's files share.
 */
#ifndef SCN_INTERNAL_H
#define SCN_INTERNAL_H

#include <stdio.h>
#include <string.h>

#include "scn.h"

/* mgr broadcast's callback, recorded like an event. */
#define SCN_EV_BROADCAST 1000

/* An event a handler received (POLL excepted). */
struct ev_rec {
  int64_t t;
  long long arg; /* CONNECT: errno, RECV/SEND: bytes, TIMER: stamp (us),
                    CLOSE: nc->err */
  int conn;
  short ev;      /* every event number, SCN_EV_BROADCAST too, fits */
  char matched;  /* 24 bytes in all: a long run records millions */
};

/* "on EVENT action..." from an app line. */
struct rule {
  int ev;
  const struct tok *toks;
  int ntoks;
};

struct app_inst {
  struct rule *rules;
  int nrules;
  int line;
};

struct conn_info {
  int known;
  mg_event_handler_t orig; /* the app's handler */
  int app;                 /* index into ctx->apps */
  size_t cursor;           /* events of this connection matched so far */
  int closed;
  int consume_per_poll;    /* raw app: bytes consumed per POLL; -1: all on RECV */
};

struct scn_ctx {
  const struct scn *sc;
  struct sim *sim;    /* the world: the simulation, */
  struct native *nat; /* or, natively, real sockets (native.h) */
  struct mg_mgr mgr;
  int mgr_live;
  int64_t t;
  struct ev_rec *evs;
  size_t nevs, cap_evs;
  struct conn_info *conns; /* indexed by sim connection id */
  size_t nconns;
  int conns_seen;          /* sim_conn_count() when new ones were last adopted */
  struct app_inst *apps;
  int napps;
  int expectations;
  int loosened;      /* natively: expectations of a loose kind, not checked */
  unsigned long long re_steps; /* regex steps left this run (see scn_expect.c) */
  char broken[256]; /* a violated invariant, if any */
  struct scn_names *names; /* the dry pass: what earlier lines set up */
  char cwd[1024];    /* restored after the run */
};

/* For commands: report a problem in err (and errlen) and return -1. */
#define FAIL(...)                        \
  do {                                   \
    snprintf(err, errlen, __VA_ARGS__);  \
    return -1;                           \
  } while (0)

static inline int is_word(const struct tok *t, const char *w) {
  return t->type == T_WORD && strcmp(t->s, w) == 0;
}

/* scn_lex.c */
int scn_lex_line(const char *line, struct tok **out, int *nout, char *err,
                 size_t errlen);
void scn_free_toks(struct tok *toks, int n);
int scn_parse_duration(const char *s, int64_t *us);
/* The longest duration and the latest time a scenario may name (in us,
 * about 285 years): sums of two stay far from int64_t's end. */
#define SCN_MAX_US 9000000000000000ULL

/* scn_cmd.c: runs one line (dry: only checks it). */
int scn_exec(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
             char *err, size_t errlen);

/* apps.c: whether nc runs the raw app's handler. */
int scn_is_raw_conn(struct scn_ctx *ctx, struct mg_connection *nc);

/* shrink.c: mgsim shrink FILE [--seed N] [--out FILE] (argv[1] is "shrink"). */
int mgsim_shrink(int argc, char **argv);
/* scn_print.c: bytes as a scenario string ("..." with C escapes), as
 * scenario files are written: 0, or -1 when out of memory part-way. */
int scn_put_str(struct mbuf *out, const char *s, size_t len);

/* scn_text.c: text being built; after an append runs out of memory the
 * others do nothing and failed is set (the text is then not whole). */
struct scn_text {
  struct mbuf b;
  int failed;
};
void scn_text_init(struct scn_text *t, size_t initial_capacity);
void scn_text_free(struct scn_text *t);
void scn_text_add(struct scn_text *t, const void *p, size_t len);
void scn_text_puts(struct scn_text *t, const char *s);
void scn_text_printf(struct scn_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "..." with C escapes (scn_put_str), and hex "0a0b..." */
void scn_text_str(struct scn_text *t, const char *s, size_t len);
void scn_text_hex(struct scn_text *t, const void *p, size_t len);
/* mgsim_cli.c: closes fp (not stdout), reporting any write error on it:
 * 0 or -1. */
int mgsim_close_output(FILE *fp, const char *what);
/* explore.c: mgsim explore [OPTIONS] (argv[1] is "explore"). */
int mgsim_explore(int argc, char **argv);

/* scn_run.c: what --pcap and --timeline watch a run through. Each member
 * may be NULL: wire gets every packet of the simulated network (set as the
 * simulation's wire observer when a run starts), failed the first failure
 * (its line and why), ended the run's end, after mg_mgr_free. */
#define SCN_MAX_WATCHERS 4
struct sim_wire;
struct scn_watcher {
  void (*wire)(void *arg, const struct sim_wire *w);
  void (*failed)(void *arg, struct scn_ctx *ctx, int line, const char *why);
  void (*ended)(void *arg, struct scn_ctx *ctx);
  void *arg;
};
/* 0, or -1 when SCN_MAX_WATCHERS are watching already. */
int scn_watch(const struct scn_watcher *w);
void scn_unwatch(const struct scn_watcher *w);

/* leak_check.c: scn_run, and then, in ASan builds once enabled (mgsim's
 * commands enable it), whether the run left memory allocated that nothing
 * points to: then the result fails, and LeakSanitizer's report goes to
 * stderr. A process checks until its first leak; scn_leak_checking() says
 * whether it still does. */
void scn_leak_check_enable(int on);
int scn_leak_checking(void);
void scn_leak_check_rearm(void); /* checks again after a leak */
void scn_run_checked(struct scn *sc, uint64_t seed, struct scn_result *res);

/* scn_compare.c: 0 when the two traces agree after normalization; else 1,
 * with why and both traces around the first divergence added to report. */
int scn_compare_traces(const char *sim, const char *nat, int64_t early, int64_t late,
                       struct mbuf *report);

/* scn_run.c */
/* How far a native time may be from the simulated one: early, since the
 * kernel's own work takes no time where the simulation's paths take their
 * delay (a few round trips' worth); late, by the scheduler's noise when the
 * clock runs in real time (--time-scale). */
void scn_time_tolerance(int64_t delay_us, int64_t *early, int64_t *late);
/* The scenario running now, if any (for apps that trace). */
struct scn_ctx *scn_current(void);
/* Regular-expression matching counts against the work bound too: each
 * million connection-polls allowed buy this many matcher steps (a thread
 * advanced by one byte: a few ns each), so a pattern within its size limits
 * cannot keep a run matching for minutes. */
#define SCN_RE_STEPS_PER_WORK 10000000ull
/* An app's arguments checked at parse time, in the scenario's folder. */
int scn_check_app(const struct scn *sc, scn_app_start start, int argc,
                  char **argv, char *err, size_t errlen);
struct conn_info *scn_conn(struct scn_ctx *ctx, int id);
struct mg_connection *scn_find_conn(struct scn_ctx *ctx, int id);
void scn_adopt_new_conns(struct scn_ctx *ctx, int app);
int scn_run_to(struct scn_ctx *ctx, int64_t t, char *err, size_t errlen);
void scn_handler(struct mg_connection *nc, int ev, void *ev_data);
void scn_record(struct scn_ctx *ctx, int id, int ev, long long arg);
int scn_expect(struct scn_ctx *ctx, const struct scn_line *ln, int dry,
               char *err, size_t errlen);
int scn_conn_action(struct scn_ctx *ctx, struct mg_connection *nc,
                    const struct tok *t, int n, int dry, char *err,
                    size_t errlen);

/* Names: events, flags, errno values. */
int scn_event_by_name(const char *name);
const char *scn_event_name(int ev);
unsigned long scn_flag_by_name(const char *name);
int scn_errno_by_name(const char *name, long long *out);
const char *scn_errno_name(long long err);

/* Data specs: "text" | hex "0a0b" | file PATH | repeat N "text" | pattern N.
 * Fills out (which the caller frees; NULL: only checks, as a dry pass
 * does) and returns tokens used, or -1. */
int scn_data(const struct scn *sc, const struct tok *t, int n, struct mbuf *out,
             char *err, size_t errlen);
/* Decimal digits only (no sign, space or prefix), at most max: 0 or -1. */
int scn_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* The dry pass, after a line's own checks: what fails whatever the run
 * (a peer set up twice, a name the simulation cannot keep, a command after
 * mgr free...), knowing the lines before it. scn_names_free ends it. */
struct scn_names;
int scn_names_check(struct scn_ctx *ctx, const struct scn_line *ln, char *err,
                    size_t errlen);
void scn_names_free(struct scn_ctx *ctx);

#endif
