/*
 * test_compare.c - scn_compare_traces (tools/mgsim/scn_compare.c): a
 * simulated trace against a native one. Each case writes two small traces
 * as "TIME WHO TEXT" lines, laid out as mgsim prints them
 * ("%10lld %-6s %s"), and checks the verdict and, when they differ, the
 * explanation and the marked lines of both traces in the report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"
#include "scn_internal.h"

/* The default tolerance of these tests: 1 ms either way. */
#define EARLY 1000
#define LATE 1000

/* "TIME WHO TEXT" lines ('\n' between them) in mgsim's trace layout; free()
 * the result. */
static char *layout(const char *compact) {
  struct mbuf m;
  const char *p = compact;
  char *s;
  mbuf_init(&m, 0);
  while (*p != '\0') {
    const char *nl = strchr(p, '\n'), *end = nl != NULL ? nl : p + strlen(p);
    char line[512], who[64], out[700];
    long long t;
    int n = 0, k;
    snprintf(line, sizeof(line), "%.*s", (int) (end - p), p);
    if (sscanf(line, "%lld %63s %n", &t, who, &n) != 2 || n == 0) {
      fail_msg("bad test line \"%s\"", line);
    }
    k = snprintf(out, sizeof(out), "%10lld %-6s %s\n", t, who, line + n);
    mbuf_append(&m, out, (size_t) k);
    p = nl != NULL ? nl + 1 : end;
  }
  s = (char *) calloc(1, m.len + 1);
  assert_non_null(s);
  if (m.len > 0) memcpy(s, m.buf, m.len);
  mbuf_free(&m);
  return s;
}

/* scn_compare_traces on raw traces; *report gets the report, NUL-ended
 * (free() it). An agreement adds nothing to the report, a difference
 * something. */
static int compare_raw(const char *sim, const char *nat, int64_t early, int64_t late,
                       char **report) {
  struct mbuf m;
  int rc;
  mbuf_init(&m, 0);
  rc = scn_compare_traces(sim, nat, early, late, &m);
  *report = (char *) calloc(1, m.len + 1);
  assert_non_null(*report);
  if (m.len > 0) memcpy(*report, m.buf, m.len);
  mbuf_free(&m);
  if (rc != 0 && rc != 1) fail_msg("scn_compare_traces returned %d", rc);
  if (rc == 0 && (*report)[0] != '\0') fail_msg("agreement with a report:\n%s", *report);
  if (rc == 1 && (*report)[0] == '\0') fail_msg("a difference without a report");
  return rc;
}

/* The raw traces agree, either way round (swapping them swaps the
 * tolerances). */
static void agree_raw(const char *sim, const char *nat, int64_t early, int64_t late) {
  char *report;
  if (compare_raw(sim, nat, early, late, &report) != 0) {
    fail_msg("these should agree:\n%s", report);
  }
  free(report);
  if (compare_raw(nat, sim, late, early, &report) != 0) {
    fail_msg("these should agree (swapped):\n%s", report);
  }
  free(report);
}

static void agree_tol(const char *sim, const char *nat, int64_t early, int64_t late) {
  char *s = layout(sim), *n = layout(nat);
  agree_raw(s, n, early, late);
  free(s);
  free(n);
}

static void agree(const char *sim, const char *nat) { agree_tol(sim, nat, EARLY, LATE); }

/* The line that section (the part of report after `title`, up to `stop` if
 * given) marks with "  > ", without the mark; NULL if none is marked. free()
 * the result. */
static char *marked(const char *report, const char *title, const char *stop) {
  const char *from = strstr(report, title), *to, *p;
  if (from == NULL) fail_msg("no \"%s\" in the report:\n%s", title, report);
  from += strlen(title);
  to = stop != NULL ? strstr(from, stop) : from + strlen(from);
  if (to == NULL) fail_msg("no \"%s\" after \"%s\" in the report:\n%s", stop, title, report);
  for (p = from; p < to;) {
    const char *nl = strchr(p, '\n'), *end = nl != NULL && nl < to ? nl : to;
    if (strncmp(p, "  > ", 4) == 0) {
      char *s = (char *) calloc(1, (size_t) (end - p));
      assert_non_null(s);
      memcpy(s, p + 4, (size_t) (end - p - 4));
      return s;
    }
    if (strncmp(p, "    ", 4) != 0) fail_msg("an unindented trace line in:\n%s", report);
    p = end < to ? end + 1 : to;
  }
  return NULL;
}

/* The marked line of one side is the expected one: it contains `want` (NULL:
 * the side may mark no line, since it ran out). */
static void check_mark(const char *report, const char *side, const char *title,
                       const char *stop, const char *want) {
  char *got = marked(report, title, stop);
  if (want != NULL) {
    if (got == NULL) fail_msg("no line marked in the %s trace:\n%s", side, report);
    if (strstr(got, want) == NULL) {
      fail_msg("the %s trace marks \"%s\", wanted one with \"%s\":\n%s", side, got, want, report);
    }
  }
  free(got);
}

/* The raw traces differ: the report explains with `why`, and marks lines
 * containing sim_mark and nat_mark in the two traces. */
static void differ_raw(const char *sim, const char *nat, int64_t early, int64_t late,
                       const char *why, const char *sim_mark, const char *nat_mark) {
  char *report;
  const char *s, *n;
  if (compare_raw(sim, nat, early, late, &report) != 1) {
    fail_msg("these should differ (\"%s\")", why);
  }
  if (strncmp(report, "  ", 2) != 0 || strstr(report, why) != report + 2) {
    fail_msg("the report should begin with \"  %s\":\n%s", why, report);
  }
  s = strstr(report, "\n  simulated trace:\n");
  n = strstr(report, "\n  native trace:\n");
  if (s == NULL || n == NULL || n < s) fail_msg("a report without both traces:\n%s", report);
  check_mark(report, "simulated", "\n  simulated trace:\n", "  native trace:\n", sim_mark);
  check_mark(report, "native", "\n  native trace:\n", NULL, nat_mark);
  free(report);
}

static void differ_tol(const char *sim, const char *nat, int64_t early, int64_t late,
                       const char *why, const char *sim_mark, const char *nat_mark) {
  char *s = layout(sim), *n = layout(nat);
  differ_raw(s, n, early, late, why, sim_mark, nat_mark);
  free(s);
  free(n);
}

static void differ(const char *sim, const char *nat, const char *why, const char *sim_mark,
                   const char *nat_mark) {
  differ_tol(sim, nat, EARLY, LATE, why, sim_mark, nat_mark);
}

/* scenarios/core/echo.scn, as mgsim traces it. */
static const char *const echo =
    "0 #1 listen tcp 127.0.0.1:8000\n"
    "0 c connect -> 127.0.0.1:8000\n"
    "100 c connected\n"
    "100 #2 ACCEPT 192.0.2.2:5001\n"
    "1000 c send 6\n"
    "1100 #2 RECV 6 \"hello\\n\"\n"
    "1100 #2 send 6 of 6\n"
    "1100 #2 SEND 6\n"
    "1200 c got 6 \"hello\\n\"\n"
    "2000 c FIN\n"
    "2100 #2 CLOSE\n"
    "2100 #2 close: FIN\n"
    "2200 c got FIN\n"
    "3000 #1 CLOSE\n";

/* ---- 1. identical and empty traces ----------------------------------- */

static void test_identical(void **state) {
  char *s = layout(echo), *report;
  (void) state;
  /* the layout is mgsim's own */
  assert_non_null(strstr(s, "      1100 #2     RECV 6 \"hello\\n\"\n"));
  assert_non_null(strstr(s, "      1200 c      got 6 \"hello\\n\"\n"));
  agree(echo, echo);
  agree_tol(echo, echo, 0, 0);
  /* the very same string */
  assert_int_equal(compare_raw(s, s, 0, 0, &report), 0);
  free(report);
  free(s);
  agree("100 c connected", "100 c connected");
  /* a last line without its '\n' */
  agree_raw("       100 c      connected", "       100 c      connected\n", 0, 0);
}

static void test_empty(void **state) {
  char *report;
  (void) state;
  agree_raw("", "", 0, 0);
  agree_raw("", "", EARLY, LATE);
  /* an empty report stays empty: nothing was added to the mbuf */
  assert_int_equal(compare_raw("", "", 0, 0, &report), 0);
  assert_string_equal(report, "");
  free(report);
  /* nothing against something */
  differ("", "100 c connected", "c: the simulation has \"(nothing more)\", the native run "
                                "\"connected\"", NULL, "c      connected");
  differ("100 c connected", "", "c: the simulation has \"connected\", the native run "
                                "\"(nothing more)\"", "c      connected", NULL);
}

/* ---- 2. actors interleaved differently ------------------------------- */

static void test_interleaving(void **state) {
  (void) state;
  /* echo with its actors' lines ordered otherwise, each actor's kept */
  agree(echo,
        "0 c connect -> 127.0.0.1:8000\n"
        "100 #2 ACCEPT 192.0.2.2:5001\n"
        "100 c connected\n"
        "1000 c send 6\n"
        "1100 #2 RECV 6 \"hello\\n\"\n"
        "1200 c got 6 \"hello\\n\"\n"
        "1100 #2 send 6 of 6\n"
        "2000 c FIN\n"
        "2200 c got FIN\n"
        "1100 #2 SEND 6\n"
        "0 #1 listen tcp 127.0.0.1:8000\n"
        "2100 #2 CLOSE\n"
        "3000 #1 CLOSE\n"
        "2100 #2 close: FIN\n");
  /* one actor's own order is not free */
  differ(echo,
         "0 #1 listen tcp 127.0.0.1:8000\n"
         "0 c connect -> 127.0.0.1:8000\n"
         "100 c connected\n"
         "100 #2 ACCEPT 192.0.2.2:5001\n"
         "1000 c send 6\n"
         "1100 #2 RECV 6 \"hello\\n\"\n"
         "1100 #2 SEND 6\n"
         "1100 #2 send 6 of 6\n"
         "1200 c got 6 \"hello\\n\"\n"
         "2000 c FIN\n"
         "2100 #2 CLOSE\n"
         "2100 #2 close: FIN\n"
         "2200 c got FIN\n"
         "3000 #1 CLOSE\n",
         "#2: the simulation has \"send 6\", the native run \"SEND 6\"", "#2     send 6 of 6",
         "#2     SEND 6");
  differ("100 c connected\n200 c FIN\n", "200 c FIN\n100 c connected\n",
         "c: the simulation has \"connected\", the native run \"FIN\"", "c      connected",
         "c      FIN");
}

/* ---- 3. byte runs ---------------------------------------------------- */

static void test_runs_joined(void **state) {
  (void) state;
  agree("1000 #2 RECV 10 \"0123456789\"",
        "900 #2 RECV 4 \"0123\"\n"
        "1000 #2 RECV 6 \"456789\"");
  agree("1000 #2 SEND 10", "900 #2 SEND 4\n1000 #2 SEND 6");
  agree("1000 #2 send 10 of 10", "900 #2 send 4 of 10\n1000 #2 send 6 of 6");
  agree("1000 c got 10 \"0123456789\"", "900 c got 4 \"0123\"\n1000 c got 6 \"456789\"");
  agree("1000 c send 10", "900 c send 4\n1000 c send 6");
  /* split on both sides, differently */
  agree("800 #2 RECV 3\n900 #2 RECV 3\n1000 #2 RECV 4", "900 #2 RECV 5\n1000 #2 RECV 5");
  /* a run is one actor's: another actor's line in between does not cut it */
  agree("1000 #2 RECV 10\n1000 c got 3 \"abc\"",
        "900 #2 RECV 4\n950 c got 3 \"abc\"\n1000 #2 RECV 6");
  /* runs of each kind in turn, each joined */
  agree("1000 #2 RECV 10\n1000 #2 send 10 of 10\n1000 #2 SEND 10\n1200 c got 10",
        "900 #2 RECV 1\n1000 #2 RECV 9\n1000 #2 send 7 of 10\n1000 #2 send 3 of 3\n"
        "1000 #2 SEND 2\n1000 #2 SEND 8\n1150 c got 5\n1200 c got 5");
}

static void test_runs_cut(void **state) {
  (void) state;
  /* another line of the same actor cuts the run */
  differ("1000 #2 RECV 4\n1000 #2 SEND 4\n1000 #2 RECV 6",
         "1000 #2 RECV 10\n1000 #2 SEND 4",
         "#2: the simulation has \"RECV 4\", the native run \"RECV 10\"", "#2     RECV 4",
         "#2     RECV 10");
  differ("1000 #2 RECV 4\n1000 #2 close: FIN\n1000 #2 RECV 6",
         "1000 #2 RECV 4\n1000 #2 RECV 6\n1000 #2 close: FIN",
         "#2: the simulation has \"RECV 4\", the native run \"RECV 10\"", "#2     RECV 4",
         "#2     RECV 6");
  /* kinds do not join each other: RECV and SEND, "SEND" and "send" */
  differ("1000 #2 RECV 4\n1000 #2 SEND 6", "1000 #2 RECV 10",
         "#2: the simulation has \"RECV 4\", the native run \"RECV 10\"", "RECV 4", "RECV 10");
  differ("1000 #2 send 4 of 10\n1000 #2 SEND 6", "1000 #2 send 10 of 10",
         "#2: the simulation has \"send 4\", the native run \"send 10\"", "send 4 of 10",
         "send 10 of 10");
  /* nor do two actors' runs */
  differ("1000 #2 RECV 4\n1000 #3 RECV 6", "1000 #2 RECV 10",
         "#2: the simulation has \"RECV 4\", the native run \"RECV 10\"", "#2     RECV 4",
         "#2     RECV 10");
}

/* A run counts at its last line's time. */
static void test_run_time(void **state) {
  (void) state;
  agree("1000 #2 RECV 4\n9000 #2 RECV 6", "9000 #2 RECV 10");
  agree("9000 #2 RECV 10", "1000 #2 RECV 4\n9500 #2 RECV 6");
  differ("1000 #2 RECV 4\n9000 #2 RECV 6", "1000 #2 RECV 10",
         "#2 \"RECV 10\": at 9000 us simulated, 1000 us native", "9000 #2     RECV 6",
         "1000 #2     RECV 10");
  differ("1000 #2 RECV 10", "1000 #2 RECV 4\n2001 #2 RECV 6",
         "#2 \"RECV 10\": at 1000 us simulated, 2001 us native", "1000 #2     RECV 10",
         "2001 #2     RECV 6");
}

/* ---- 4. byte totals -------------------------------------------------- */

static void test_totals_differ(void **state) {
  (void) state;
  differ("1000 #2 RECV 10", "1000 #2 RECV 9",
         "#2: the simulation has \"RECV 10\", the native run \"RECV 9\"", "#2     RECV 10",
         "#2     RECV 9");
  differ("900 #2 RECV 4\n1000 #2 RECV 6", "900 #2 RECV 4\n1000 #2 RECV 5",
         "#2: the simulation has \"RECV 10\", the native run \"RECV 9\"", "RECV 6", "RECV 5");
  differ("1000 #2 SEND 10", "1000 #2 SEND 11",
         "#2: the simulation has \"SEND 10\", the native run \"SEND 11\"", "SEND 10", "SEND 11");
  differ("1000 #2 send 10 of 10", "1000 #2 send 9 of 10",
         "#2: the simulation has \"send 10\", the native run \"send 9\"", "send 10 of 10",
         "send 9 of 10");
  differ("1200 c got 6 \"hello\\n\"", "1200 c got 5 \"hello\"",
         "c: the simulation has \"got 6\", the native run \"got 5\"", "c      got 6",
         "c      got 5");
  /* the quoted preview is not compared, the count is */
  agree("1200 c got 5 \"hello\"", "1200 c got 5 \"world\"");
}

/* ---- 5. texts, missing lines, extra actors --------------------------- */

static void test_text_differs(void **state) {
  (void) state;
  differ("100 #2 ACCEPT 1.2.3.4:5\n2100 #2 CLOSE",
         "100 #2 ACCEPT 1.2.3.4:5\n2100 #2 CLOSE ECONNRESET",
         "#2: the simulation has \"CLOSE\", the native run \"CLOSE ECONNRESET\"",
         "2100 #2     CLOSE", "2100 #2     CLOSE ECONNRESET");
  differ("2200 c got FIN", "2200 c got RST",
         "c: the simulation has \"got FIN\", the native run \"got RST\"", "got FIN", "got RST");
  /* a same text in other words is other */
  differ("100 c connected", "100 c connected ",
         "c: the simulation has \"connected\", the native run \"connected \"", "connected",
         "connected");
}

static void test_missing_line(void **state) {
  (void) state;
  differ("100 #2 ACCEPT 1.2.3.4:5\n2100 #2 CLOSE\n2100 c got FIN",
         "100 #2 ACCEPT 1.2.3.4:5\n2100 c got FIN",
         "#2: the simulation has \"CLOSE\", the native run \"(nothing more)\"",
         "2100 #2     CLOSE", NULL);
  differ("100 #2 ACCEPT 1.2.3.4:5\n2100 c got FIN",
         "100 #2 ACCEPT 1.2.3.4:5\n2100 #2 CLOSE\n2100 c got FIN",
         "#2: the simulation has \"(nothing more)\", the native run \"CLOSE\"", NULL,
         "2100 #2     CLOSE");
  /* the last actor (in the comparison's order) runs out */
  differ(echo, "0 #1 listen tcp 127.0.0.1:8000\n"
               "0 c connect -> 127.0.0.1:8000\n"
               "100 c connected\n"
               "100 #2 ACCEPT 192.0.2.2:5001\n"
               "1000 c send 6\n"
               "1100 #2 RECV 6 \"hello\\n\"\n"
               "1100 #2 send 6 of 6\n"
               "1100 #2 SEND 6\n"
               "1200 c got 6 \"hello\\n\"\n"
               "2000 c FIN\n"
               "2100 #2 CLOSE\n"
               "2100 #2 close: FIN\n"
               "3000 #1 CLOSE\n",
         "c: the simulation has \"got FIN\", the native run \"(nothing more)\"",
         "2200 c      got FIN", NULL);
}

static void test_extra_actor(void **state) {
  (void) state;
  /* only native, after all the others in the comparison's order */
  differ("100 c connected", "100 c connected\n150 d connected",
         "d: the simulation has \"(nothing more)\", the native run \"connected\"", NULL,
         "150 d      connected");
  /* only native, before the others */
  differ("100 c connected", "50 #0 ACCEPT 1.2.3.4:5\n100 c connected",
         "#0: the simulation has \"(nothing more)\", the native run \"ACCEPT 1.2.3.4:5\"",
         NULL, "50 #0     ACCEPT 1.2.3.4:5");
  /* only native, between two others */
  differ("100 a connected\n100 c connected",
         "100 a connected\n100 b connected\n100 c connected",
         "b: the simulation has \"(nothing more)\", the native run \"connected\"", NULL,
         "100 b      connected");
  /* only simulated */
  differ("100 a connected\n100 b connected\n100 c connected",
         "100 a connected\n100 c connected",
         "b: the simulation has \"connected\", the native run \"(nothing more)\"",
         "100 b      connected", NULL);
  /* a prefix of another actor's name is another actor */
  differ("100 c connected", "100 c2 connected",
         "c: the simulation has \"connected\", the native run \"(nothing more)\"",
         "100 c      connected", NULL);
}

/* ---- 6. times -------------------------------------------------------- */

static void test_times(void **state) {
  (void) state;
  agree_tol("10000 c connected", "10000 c connected", 0, 0);
  agree_tol("10000 c connected", "9000 c connected", 1000, 1000);
  differ_tol("10000 c connected", "8999 c connected", 1000, 1000,
             "c \"connected\": at 10000 us simulated, 8999 us native", "10000 c      connected",
             "8999 c      connected");
  agree_tol("10000 c connected", "11000 c connected", 1000, 1000);
  differ_tol("10000 c connected", "11001 c connected", 1000, 1000,
             "c \"connected\": at 10000 us simulated, 11001 us native", "10000 c      connected",
             "11001 c      connected");
  /* early and late apart */
  agree_tol("10000 c connected", "7000 c connected", 3000, 0);
  differ_tol("10000 c connected", "10001 c connected", 3000, 0,
             "c \"connected\": at 10000 us simulated, 10001 us native", "connected",
             "connected");
  agree_tol("10000 c connected", "15000 c connected", 0, 5000);
  differ_tol("10000 c connected", "9999 c connected", 0, 5000,
             "c \"connected\": at 10000 us simulated, 9999 us native", "connected", "connected");
  /* the first line out of time is reported, with its own line marked */
  differ_tol("100 c connected\n5000 c FIN\n9000 c got FIN",
             "100 c connected\n6500 c FIN\n9000 c got FIN", 1000, 1000,
             "c \"FIN\": at 5000 us simulated, 6500 us native", "5000 c      FIN",
             "6500 c      FIN");
  /* a text difference wins over a time one at the same line */
  differ_tol("100 c connected", "99999 c refused", 1000, 1000,
             "c: the simulation has \"connected\", the native run \"refused\"", "connected",
             "refused");
}

/* ---- 7. the simulation's own lines ----------------------------------- */

static void test_simulation_only(void **state) {
  (void) state;
  agree("0 c connect -> 127.0.0.1:8000\n"
        "100 link.3 connected\n"
        "100 c connected\n"
        "200 link.3 RECV 5 \"hello\"\n"
        "300 net datagram 4 to 127.0.0.1:5353: nobody there\n"
        "1000 c got 5, not reading\n"
        "1500 c send 2\n"
        "3000 c read 5 held bytes\n"
        "4000 c FIN\n",
        "0 c connect -> 127.0.0.1:8000\n"
        "100 c connected\n"
        "1500 c send 2\n"
        "3000 c got 5 \"hello\"\n"
        "4000 c FIN\n");
  /* held bytes join the bytes got before */
  agree("1000 c got 3 \"abc\"\n1100 c got 5, not reading\n2000 c read 5 held bytes",
        "1000 c got 3 \"abc\"\n2000 c got 5 \"hello\"");
  agree("1000 c got 3 \"abc\"\n1100 c got 5, not reading\n2000 c read 5 held bytes",
        "2000 c got 8 \"abchello\"");
  /* a peer's bytes count when it reads them, not when they arrive */
  differ("1000 c got 5, not reading\n9000 c read 5 held bytes", "1000 c got 5 \"hello\"",
         "c \"got 5\": at 9000 us simulated, 1000 us native", "9000 c      read 5 held bytes",
         "1000 c      got 5");
  /* held bytes never read are not got */
  differ("1000 c got 5, not reading\n2000 c FIN", "1000 c got 5 \"hello\"\n2000 c FIN",
         "c: the simulation has \"FIN\", the native run \"got 5\"", "2000 c      FIN",
         "1000 c      got 5");
  /* only "net ... nobody there" goes: an engine connection's is its own */
  differ("300 #3 datagram 4 to 127.0.0.1:5353: nobody there", "",
         "#3: the simulation has \"datagram 4 to 127.0.0.1:5353: nobody there\", the native run"
         " \"(nothing more)\"",
         "#3     datagram 4", NULL);
  differ("300 net datagram 4 lost", "",
         "net: the simulation has \"datagram 4 lost\", the native run \"(nothing more)\"",
         "net    datagram 4 lost", NULL);
  /* those lines go from the native trace too */
  agree("100 c connected",
        "50 link.1 connected\n100 c connected\n150 c got 2, not reading\n"
        "200 net datagram 9 to 10.0.0.1:53: nobody there");
}

/* ---- 8. a long trace ------------------------------------------------- */

static void test_long_trace(void **state) {
  const size_t n = 100000;
  struct mbuf m;
  size_t i;
  char line[64], *sim;
  (void) state;
  mbuf_init(&m, 0);
  for (i = 0; i < n; i++) {
    int k = snprintf(line, sizeof(line), "%10lld %-6s %s\n", (long long) (1000 + i), "#2",
                     "send 1 of 1");
    mbuf_append(&m, line, (size_t) k);
  }
  mbuf_append(&m, "", 1);
  sim = m.buf;
  agree_raw(sim, "    100999 #2     send 100000 of 100000\n", EARLY, LATE);
  agree_raw(sim, "    100900 #2     send 40000 of 100000\n    100999 #2     send 60000 of 60000\n",
            EARLY, LATE);
  /* and a difference at the end of it, with the last line marked */
  differ_raw(sim, "    100999 #2     send 99999 of 100000\n", EARLY, LATE,
             "#2: the simulation has \"send 100000\", the native run \"send 99999\"",
             "    100999 #2     send 1 of 1", "send 99999 of 100000");
  /* long against long: 100,000 one-line actors each side */
  {
    struct mbuf a, b;
    mbuf_init(&a, 0);
    mbuf_init(&b, 0);
    for (i = 0; i < n; i++) {
      char who[16];
      int k;
      snprintf(who, sizeof(who), "p%zu", i);
      k = snprintf(line, sizeof(line), "%10lld %-6s %s\n", (long long) i, who, "connected");
      mbuf_append(&a, line, (size_t) k);
      /* the native one lists them backwards */
      snprintf(who, sizeof(who), "p%zu", n - 1 - i);
      k = snprintf(line, sizeof(line), "%10lld %-6s %s\n", (long long) (n - 1 - i), who,
                   "connected");
      mbuf_append(&b, line, (size_t) k);
    }
    mbuf_append(&a, "", 1);
    mbuf_append(&b, "", 1);
    agree_raw(a.buf, b.buf, 0, 0);
    mbuf_free(&a);
    mbuf_free(&b);
  }
  mbuf_free(&m);
}

/* ---- 9. malformed lines ---------------------------------------------- */

static void put(struct mbuf *m, const char *s) { mbuf_append(m, s, strlen(s)); }

/* Lines with no time at their start, and times no run reaches, are no
 * trace lines; long texts are compared whole. */
static void test_edges(void **state) {
  char *report, a[500], b[500]; /* a trace line is under 512 bytes */
  (void) state;
  agree_raw("   hello world\n", "", 1000, 1000);
  agree_raw("99999999999999999999 c x\n", "99999999999999999999 c x\n", 1000, 1000);
  agree_raw("-99999999999999999999 c x\n", "", 1000, 1000);
  agree_raw("-5 c x\n", "", 1000, 1000);
  memset(a, 'a', sizeof(a));
  memcpy(a, "       100 c      ", 18);
  a[sizeof(a) - 1] = '\0';
  memcpy(b, a, sizeof(b));
  a[sizeof(a) - 2] = 'A';
  b[sizeof(b) - 2] = 'B';
  assert_int_equal(compare_raw(a, b, 0, 0, &report), 1);
  free(report);
  /* The side that ran out shows its last lines, none of them marked. */
  assert_int_equal(compare_raw("       100 a      x\n       200 b      y\n",
                               "       200 b      y\n", 0, 0, &report),
                   1);
  assert_non_null(strstr(report, "a: the simulation has \"x\", the native run \"(nothing more)\""));
  assert_null(strstr(report, "  >        200 b      y"));
  free(report);
}

static void test_malformed(void **state) {
  char *s = layout(echo), *report;
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  put(&m, "garbage\n");
  put(&m, "\n");
  put(&m, "no time here at all\n");
  put(&m, "#2 RECV 6\n");
  put(&m, "      1100\n");
  put(&m, "      1100      \n");
  put(&m, "\t\n");
  put(&m, s);
  put(&m, "x1100 c connected\n");
  put(&m, "\n\n\n");
  put(&m, "      3000");
  mbuf_append(&m, "", 1);
  agree_raw(m.buf, s, EARLY, LATE);
  agree_raw(m.buf, m.buf, 0, 0);
  /* nothing but garbage is nothing */
  agree_raw("garbage\nmore garbage\n\n      42\n", "", 0, 0);
  agree_raw("\n", "", 0, 0);
  agree_raw("      42", "\n\n", 0, 0);
  /* garbage does not hide a difference after it */
  assert_int_equal(compare_raw("garbage\n       100 c      connected\n",
                               "garbage\n       100 c      refused\n", 0, 0, &report),
                   1);
  assert_non_null(strstr(report, "c: the simulation has \"connected\", the native run "
                                  "\"refused\""));
  assert_non_null(strstr(report, "  >        100 c      connected\n"));
  assert_non_null(strstr(report, "  >        100 c      refused\n"));
  free(report);
  /* a line longer than the comparison keeps does not overflow */
  {
    char big[2000];
    memset(big, 'x', sizeof(big));
    memcpy(big, "       100 c      ", 18);
    big[sizeof(big) - 1] = '\0';
    agree_raw(big, big, 0, 0);
    assert_int_equal(compare_raw(big, "       100 c      y\n", 0, 0, &report), 1);
    assert_non_null(strstr(report, "the native run \"y\""));
    free(report);
  }
  mbuf_free(&m);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identical),       cmocka_unit_test(test_empty),
      cmocka_unit_test(test_interleaving),    cmocka_unit_test(test_runs_joined),
      cmocka_unit_test(test_runs_cut),        cmocka_unit_test(test_run_time),
      cmocka_unit_test(test_totals_differ),   cmocka_unit_test(test_text_differs),
      cmocka_unit_test(test_missing_line),    cmocka_unit_test(test_extra_actor),
      cmocka_unit_test(test_times),           cmocka_unit_test(test_simulation_only),
      cmocka_unit_test(test_long_trace),      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_edges),
  };
  return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
