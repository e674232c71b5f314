/*
 * shrink.c - mgsim shrink: a failing scenario down to a 1-minimal one that
 * fails the same way.
 *
 * Delta debugging (Zeller's ddmin) over the scenario's lines (a peer's
 * consecutive sends joined where that keeps the failure), then over the
 * bytes of each string and the counts of `repeat` and `pattern` in what the
 * lines do (not in the expectations: they are the oracle), then over the
 * times of the lines (each as early as it can be). A candidate is
 * printed as scenario text and parsed back, so that what it keeps is what
 * `mgsim run` would run; it counts when it fails the same way: the same
 * failure message once numbers are masked (connection ids and byte counts
 * shift as lines go), with each connection it names in the same role
 * (listener, accepted, client, socketless) and, for an expectation, on the
 * same line of the original.
 * The steps end when no single line, byte or time step can go.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scn_internal.h"

/* A line of the scenario being shrunk, with tokens of its own. */
struct sline {
  int orig;     /* its index in the original */
  int64_t at;
  struct tok *toks;
  int ntoks;
};

struct shrinker {
  const struct scn *orig;
  uint64_t seed;
  char want[300]; /* the failure's signature */
  int want_line;  /* the original line an expectation failed on, or -1 */
  int isolate;    /* each run in a child process (a leak is being shrunk) */
  int broken;     /* a run could not be started: the result is not minimal */
  long runs;
};

static void free_lines(struct sline *v, int n) {
  int i, k;
  for (i = 0; i < n; i++) {
    for (k = 0; k < v[i].ntoks; k++) free(v[i].toks[k].s);
    free(v[i].toks);
  }
  free(v);
}

static struct sline *copy_lines(const struct sline *v, int n) {
  struct sline *c = (struct sline *) calloc((size_t) n + 1, sizeof(*c));
  int i, k;
  if (c == NULL) abort();
  for (i = 0; i < n; i++) {
    c[i] = v[i];
    c[i].toks = (struct tok *) calloc((size_t) v[i].ntoks + 1, sizeof(struct tok));
    if (c[i].toks == NULL) abort();
    for (k = 0; k < v[i].ntoks; k++) {
      c[i].toks[k] = v[i].toks[k];
      if ((c[i].toks[k].s = (char *) malloc(v[i].toks[k].len + 1)) == NULL) abort();
      memcpy(c[i].toks[k].s, v[i].toks[k].s, v[i].toks[k].len + 1);
    }
  }
  return c;
}

/* The scenario the lines make, as text (heap; NULL: out of memory). */
static char *to_text(const struct shrinker *sh, const struct sline *v, int n,
                     const char *comment) {
  struct scn *sc = scn_new(sh->orig->path, sh->orig->basedir);
  char *text;
  int i;
  if (sc == NULL) return NULL;
  sc->seed = sh->orig->seed;
  sc->has_seed = sh->orig->has_seed;
  for (i = 0; i < n; i++) {
    if (scn_add_line(sc, v[i].at, v[i].toks, v[i].ntoks) != 0) {
      scn_free(sc);
      return NULL;
    }
  }
  text = scn_to_text(sc, comment);
  scn_free(sc);
  return text;
}

/* What engine connection #id (the n digits at id) is, from the first
 * trace line about it: a listener, accepted, a client, or one without a
 * socket. */
static const char *conn_role(const char *trace, const char *id, size_t n) {
  char pat[32];
  const char *p;
  snprintf(pat, sizeof(pat), " #%.*s ", (int) (n < 20 ? n : 20), id);
  if (trace == NULL || (p = strstr(trace, pat)) == NULL) return "gone";
  for (p += strlen(pat); *p == ' '; p++) {
  }
  if (strncmp(p, "listen", 6) == 0) return "listener";
  if (strncmp(p, "ACCEPT", 6) == 0) return "accepted";
  if (strncmp(p, "connect", 7) == 0 || strncmp(p, "resolve", 7) == 0) return "client";
  return "socketless";
}

/* The first line of a failure, each connection id followed by its role
 * (the signature masks ids, which shift as lines go, but keeps roles: a
 * failure of an accepted connection is not the same as one of a client). */
static void first_line_with_roles(const char *path, const char *message, const char *trace,
                                  char *out, size_t cap) {
  size_t o = 0, len = strcspn(message, "\n"), i = 0, plen = strlen(path);
  /* "path:LINE: " as it is: a path may have "#3" in it too. */
  if (strncmp(message, path, plen) == 0 && message[plen] == ':') {
    i = plen + 1;
    while (i < len && message[i] != ' ') i++;
    if (i >= cap) i = cap - 1;
    memcpy(out, message, i);
    o = i;
  }
  for (; i < len && o + 1 < cap; i++) {
    out[o++] = message[i];
    if (message[i] == '#' && i + 1 < len && isdigit((unsigned char) message[i + 1])) {
      size_t d = i + 1;
      int w;
      while (d < len && isdigit((unsigned char) message[d])) d++;
      w = snprintf(out + o, cap - o, "%.*s[%s]", (int) (d - i - 1), message + i + 1,
                   conn_role(trace, message + i + 1, d - i - 1));
      if (w < 0 || (size_t) w >= cap - o) break;
      o += (size_t) w;
      i = d - 1;
    }
  }
  out[o < cap ? o : cap - 1] = '\0';
}

/* One run: 1 failed (its failure's first line, with roles, in msg), 0
 * passed or skipped, -1 it could not run (no process; said on stderr). When the failure being shrunk is a leak, each run
 * goes in a child process that checks for leaks afresh: in this process,
 * checks stopped at the original's leak (LeakSanitizer would report it
 * again at every check). A child's own run only pays for a full check when
 * it left memory allocated, so it finds the leak again only by leaking
 * (its report goes nowhere). */
static int run_once(const struct scn *sc, uint64_t seed, int isolate, char *msg, size_t cap) {
  struct scn_result res;
  int failed, p[2], status = 0;
  pid_t pid;
  ssize_t n, got = 0;
  msg[0] = '\0';
  if (!isolate || pipe(p) != 0) {
    scn_run_checked((struct scn *) sc, seed, &res);
    failed = !res.passed && !res.skipped && res.message != NULL;
    if (failed) first_line_with_roles(sc->path, res.message, res.trace, msg, cap);
    scn_result_free(&res);
    return failed;
  }
  fflush(stdout);
  fflush(stderr);
  if ((pid = fork()) == 0) {
    int fd = open("/dev/null", O_WRONLY);
    close(p[0]);
    if (fd >= 0) dup2(fd, 2);
    scn_leak_check_rearm();
    scn_run_checked((struct scn *) sc, seed, &res);
    failed = !res.passed && !res.skipped && res.message != NULL;
    if (failed) {
      first_line_with_roles(sc->path, res.message, res.trace, msg, cap);
      if (write(p[1], msg, strlen(msg)) < 0) failed = 0;
    }
    _exit(failed ? 1 : 0);
  }
  close(p[1]);
  if (pid < 0) {
    fprintf(stderr, "mgsim: shrink: cannot start a run: %s\n", strerror(errno));
    close(p[0]);
    return -1;
  }
  while ((size_t) got < cap - 1 &&
         ((n = read(p[0], msg + got, cap - 1 - (size_t) got)) > 0 || (n < 0 && errno == EINTR))) {
    if (n > 0) got += n;
  }
  msg[got] = '\0';
  close(p[0]);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "mgsim: shrink: lost a run: %s\n", strerror(errno));
      return -1;
    }
  }
  /* A run that died (a sanitizer's abort) did not fail the same way. */
  return WIFEXITED(status) && WEXITSTATUS(status) == 1 && got > 0;
}

/* "path:LINE: message" -> the message with its shifting numbers masked,
 * and LINE. */
static void signature(const char *path, const char *message, char *out, size_t cap,
                      int *lineno) {
  const char *p = message;
  size_t o = 0, plen = strlen(path);
  *lineno = 0;
  if (strncmp(p, path, plen) == 0 && p[plen] == ':') {
    p += plen + 1;
    *lineno = atoi(p);
    while (isdigit((unsigned char) *p)) p++;
    if (*p == ':') p++;
    while (*p == ' ') p++;
  }
  /* Connection ids (#3) and times (1100 us, @1100us, t=1100) shift as
   * lines go and times move; other numbers (bytes, counts, codes) are the
   * failure's own. */
  for (; *p != '\0' && *p != '\n' && o + 2 < cap; p++) {
    if (isdigit((unsigned char) *p) && o > 0 &&
        (out[o - 1] == '#' || out[o - 1] == '@' || out[o - 1] == '=')) {
      while (isdigit((unsigned char) p[1])) p++;
      out[o++] = 'N';
    } else if (isdigit((unsigned char) *p) && (o == 0 || !isalnum((unsigned char) out[o - 1]))) {
      const char *q = p;
      while (isdigit((unsigned char) *q)) q++;
      if (strncmp(q, " us", 3) == 0 || strncmp(q, "us", 2) == 0) {
        p = q - 1;
        out[o++] = 'N';
      } else {
        out[o++] = *p;
      }
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
}

/* The original line that text line `lineno` of the candidate parsed as
 * `sc` came from, or -1. The text has a wait line of its own before each
 * line at a later time (a line with no tokens when parsed); a line with no
 * tokens and no wait prints nothing. */
static int orig_line_at(const struct scn *sc, const struct sline *v, int n, int lineno) {
  int j = 0, k = 0;
  int64_t now = 0;
  while (j < sc->nlines && k < n) {
    if (v[k].ntoks == 0 && v[k].at == now) {
      k++; /* not printed */
      continue;
    }
    if (sc->lines[j].ntoks == 0 && v[k].ntoks != 0) {
      j++; /* the wait before v[k] */
      continue;
    }
    if (sc->lines[j].lineno == lineno) return v[k].orig;
    now = v[k].at;
    j++;
    k++;
  }
  return -1;
}

/* Whether the lines fail as the original does. */
static int fails_same(struct shrinker *sh, const struct sline *v, int n) {
  char *text = to_text(sh, v, n, NULL), err[600], sig[300];
  struct scn *sc;
  char msg[1000];
  int same = 0, lineno;
  if (text == NULL) return 0;
  sc = scn_parse(text, strlen(text), sh->orig->path, err, sizeof(err));
  if (sc != NULL) {
    sh->runs++;
    int rc = run_once(sc, sh->seed, sh->isolate, msg, sizeof(msg));
    if (rc < 0) sh->broken = 1;
    if (rc == 1) {
      signature(sh->orig->path, msg, sig, sizeof(sig), &lineno);
      same = strcmp(sig, sh->want) == 0;
      if (same && sh->want_line >= 0) same = orig_line_at(sc, v, n, lineno) == sh->want_line;
    }
    scn_free(sc);
  }
  free(text);
  return same;
}

/* ddmin over the lines: returns the count kept (v shrinks in place). */
static int shrink_lines(struct shrinker *sh, struct sline **pv, int n) {
  int parts = 2;
  while (n >= 2) {
    int chunk = (n + parts - 1) / parts, start, reduced = 0;
    for (start = 0; start < n && !reduced; start += chunk) {
      int end = start + chunk < n ? start + chunk : n, m = 0, i;
      struct sline *rest = (struct sline *) calloc((size_t) n, sizeof(*rest));
      if (rest == NULL) abort();
      for (i = 0; i < n; i++) {
        if (i < start || i >= end) rest[m++] = (*pv)[i];
      }
      if (m > 0 && fails_same(sh, rest, m)) {
        /* drop the chunk's lines for good */
        for (i = start; i < end; i++) {
          int k;
          for (k = 0; k < (*pv)[i].ntoks; k++) free((*pv)[i].toks[k].s);
          free((*pv)[i].toks);
        }
        memcpy(*pv, rest, (size_t) m * sizeof(*rest));
        n = m;
        parts = parts > 2 ? parts - 1 : 2;
        reduced = 1;
      }
      free(rest);
    }
    if (!reduced) {
      if (parts >= n) break; /* single lines tried: 1-minimal */
      parts = parts * 2 < n ? parts * 2 : n;
    }
  }
  return n;
}

/* ddmin over the bytes of one string token. */
static int shrink_string(struct shrinker *sh, struct sline *v, int n, int li, int ti) {
  struct tok *t = &v[li].toks[ti];
  size_t parts = 2, before = t->len;
  while (t->len >= 1) {
    size_t chunk = (t->len + parts - 1) / parts, start;
    int reduced = 0;
    for (start = 0; start < t->len && !reduced; start += chunk) {
      size_t end = start + chunk < t->len ? start + chunk : t->len, len = t->len;
      char *old = t->s, *s = (char *) malloc(len - (end - start) + 1);
      if (s == NULL) abort();
      memcpy(s, old, start);
      memcpy(s + start, old + end, len - end);
      s[len - (end - start)] = '\0';
      t->s = s;
      t->len = len - (end - start);
      if (fails_same(sh, v, n)) {
        free(old);
        parts = parts > 2 ? parts - 1 : 2;
        reduced = 1;
      } else {
        t->s = old;
        t->len = len;
        free(s);
      }
    }
    if (!reduced) {
      if (parts >= t->len) break;
      parts = parts * 2 < t->len ? parts * 2 : t->len;
    }
  }
  return (int) (before - t->len);
}

/* Halves a count (`repeat N`, `pattern N`) while the failure stays. */
static int shrink_count(struct shrinker *sh, struct sline *v, int n, int li, int ti) {
  struct tok *t = &v[li].toks[ti];
  unsigned long long c = strtoull(t->s, NULL, 10), before = c;
  while (c > 0) {
    unsigned long long next = c / 2, tries[2];
    int k, done = 1;
    tries[0] = next;
    tries[1] = c - 1;
    for (k = 0; k < 2; k++) {
      char buf[32], *old = t->s;
      size_t oldlen = t->len;
      if (k == 1 && tries[1] == tries[0]) continue;
      snprintf(buf, sizeof(buf), "%llu", tries[k]);
      if ((t->s = strdup(buf)) == NULL) abort();
      t->len = strlen(buf);
      if (fails_same(sh, v, n)) {
        free(old);
        c = tries[k];
        done = 0;
        break;
      }
      free(t->s);
      t->s = old;
      t->len = oldlen;
    }
    if (done) break;
  }
  return (int) (before - c);
}

/* "peer P send DATA" where DATA is one string (quoted or hex): the token
 * index of that string, or -1. */
static int send_string(const struct sline *l) {
  if (l->ntoks == 4 && is_word(&l->toks[0], "peer") && is_word(&l->toks[2], "send") &&
      l->toks[3].type == T_STR) {
    return 3;
  }
  if (l->ntoks == 5 && is_word(&l->toks[0], "peer") && is_word(&l->toks[2], "send") &&
      is_word(&l->toks[3], "hex") && l->toks[4].type == T_STR) {
    return 4;
  }
  return -1;
}

/* Joins a peer's consecutive sends of one kind into one line, at the first
 * one's time, while the failure stays: a generator's many small sends
 * become the few a reader follows. Returns the lines kept. */
static int merge_sends(struct shrinker *sh, struct sline **pv, int n) {
  int i = 0;
  while (i + 1 < n) {
    struct sline *v = *pv, *a = &v[i], *b = &v[i + 1];
    int ta = send_string(a), tb = send_string(b);
    struct sline *c;
    char *s;
    size_t la, lb;
    if (ta < 0 || ta != tb || strcmp(a->toks[1].s, b->toks[1].s) != 0) {
      i++;
      continue;
    }
    c = copy_lines(v, n);
    la = c[i].toks[ta].len;
    lb = c[i + 1].toks[tb].len;
    if ((s = (char *) malloc(la + lb + 1)) == NULL) abort();
    memcpy(s, c[i].toks[ta].s, la);
    memcpy(s + la, c[i + 1].toks[tb].s, lb + 1);
    free(c[i].toks[ta].s);
    c[i].toks[ta].s = s;
    c[i].toks[ta].len = la + lb;
    /* drop line i + 1 */
    {
      int k;
      for (k = 0; k < c[i + 1].ntoks; k++) free(c[i + 1].toks[k].s);
      free(c[i + 1].toks);
      memmove(&c[i + 1], &c[i + 2], (size_t) (n - i - 2) * sizeof(*c));
    }
    if (fails_same(sh, c, n - 1)) {
      free_lines(*pv, n);
      *pv = c;
      n--;
    } else {
      free_lines(c, n - 1);
      i++;
    }
  }
  return n;
}

/* Each line as early as it can be (its predecessor's time, else halfway). */
static int shrink_times(struct shrinker *sh, struct sline *v, int n) {
  int i, moved = 0;
  for (i = 0; i < n; i++) {
    int64_t floor_at = i > 0 ? v[i - 1].at : 0;
    while (v[i].at > floor_at) {
      int64_t old = v[i].at, try_at[2];
      int k, ok = 0;
      try_at[0] = floor_at;
      try_at[1] = floor_at + (old - floor_at) / 2;
      for (k = 0; k < 2 && !ok; k++) {
        int j;
        if (k == 1 && try_at[1] == try_at[0]) break;
        /* lines after keep their order: none may now be before this one */
        for (j = i; j < n && v[j].at == old; j++) v[j].at = try_at[k];
        if (fails_same(sh, v, n)) {
          ok = 1;
        } else {
          for (j = i; j < n && v[j].at == try_at[k]; j++) v[j].at = old;
        }
      }
      if (!ok) break;
      moved++;
    }
  }
  return moved;
}

static int write_file(const char *path, const char *text) {
  FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
  int ok;
  if (fp == NULL) return -1;
  ok = fputs(text, fp) >= 0;
  if (fp == stdout) return fflush(fp) == 0 && ok ? 0 : -1;
  return fclose(fp) == 0 && ok ? 0 : -1;
}

int mgsim_shrink(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  char err[1024], comment[400], msg[1000], *text;
  struct shrinker sh;
  struct scn *sc;
  struct sline *v;
  int i, k, n, lines0, bytes0 = 0, bytes = 0, cut = 0, moved, lineno, leak_checking, rc;
  memset(&sh, 0, sizeof(sh));
  sh.seed = 1;
  for (i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      if (scn_parse_uint(argv[++i], UINT64_MAX, &sh.seed) != 0) {
        fprintf(stderr, "mgsim: --seed wants an integer 0..%llu, not '%s'\n",
                (unsigned long long) UINT64_MAX, argv[i]);
        return 2;
      }
    } else if (argv[i][0] == '-' || in != NULL) {
      fprintf(stderr, "usage: mgsim shrink FILE [--seed N] [--out FILE]\n");
      return 2;
    } else {
      in = argv[i];
    }
  }
  if (in == NULL) {
    fprintf(stderr, "usage: mgsim shrink FILE [--seed N] [--out FILE]\n");
    return 2;
  }
  if ((sc = scn_load(in, err, sizeof(err))) == NULL) {
    fprintf(stderr, "mgsim: %s\n", err);
    return 2;
  }
  if (sc->has_seed) sh.seed = sc->seed;
  sh.orig = sc;
  /* Where runs are checked for leaks, the original runs in a child too:
   * a leak it finds must not stay in this process. */
  leak_checking = scn_leak_checking();
  if ((rc = run_once(sc, sh.seed, leak_checking, msg, sizeof(msg))) < 0) {
    scn_free(sc);
    return 2;
  }
  if (rc == 0) {
    printf("%s passes (seed %llu): nothing to shrink\n", in, (unsigned long long) sh.seed);
    scn_free(sc);
    return 1;
  }
  signature(sc->path, msg, sh.want, sizeof(sh.want), &lineno);
  sh.isolate = leak_checking && strstr(msg, "memory still allocated after mg_mgr_free") != NULL;
  sh.want_line = -1;
  for (i = 0; i < sc->nlines; i++) {
    if (sc->lines[i].lineno == lineno && sc->lines[i].ntoks > 0 &&
        is_word(&sc->lines[i].toks[0], "expect")) {
      sh.want_line = i;
    }
  }
  printf("failure: %s\n", sh.want);
  /* The lines, with tokens of their own. */
  v = (struct sline *) calloc((size_t) sc->nlines + 1, sizeof(*v));
  if (v == NULL) abort();
  lines0 = 0;
  for (i = 0; i < sc->nlines; i++) {
    /* A bare time followed by a line at that time only lays the text out. */
    if (sc->lines[i].ntoks == 0 && i + 1 < sc->nlines && sc->lines[i + 1].at == sc->lines[i].at) {
      continue;
    }
    v[lines0].orig = i;
    v[lines0].at = sc->lines[i].at;
    v[lines0].toks = sc->lines[i].toks;
    v[lines0].ntoks = sc->lines[i].ntoks;
    for (k = 0; k < v[lines0].ntoks; k++) {
      if (v[lines0].toks[k].type == T_STR) bytes0 += (int) v[lines0].toks[k].len;
    }
    lines0++;
  }
  {
    struct sline *own = copy_lines(v, lines0);
    free(v);
    v = own;
  }
  if (!fails_same(&sh, v, lines0)) {
    printf("%s: printed back, it no longer fails the same way; nothing shrunk\n", in);
    free_lines(v, lines0);
    scn_free(sc);
    return 1;
  }
  n = shrink_lines(&sh, &v, lines0);
  {
    int before = n;
    n = merge_sends(&sh, &v, n);
    if (n < before) n = shrink_lines(&sh, &v, n);
  }
  printf("lines: %d -> %d (%ld runs so far)\n", lines0, n, sh.runs);
  for (i = 0; i < n; i++) {
    /* The expectations are the oracle: only what is done gets smaller. */
    if (v[i].ntoks > 0 && is_word(&v[i].toks[0], "expect")) continue;
    for (k = 0; k < v[i].ntoks; k++) {
      if (v[i].toks[k].type == T_STR) {
        cut += shrink_string(&sh, v, n, i, k);
        bytes += (int) v[i].toks[k].len;
      } else if (k > 0 && v[i].toks[k].type == T_WORD && isdigit((unsigned char) v[i].toks[k].s[0]) &&
                 (is_word(&v[i].toks[k - 1], "repeat") || is_word(&v[i].toks[k - 1], "pattern"))) {
        cut += shrink_count(&sh, v, n, i, k);
      }
    }
  }
  printf("bytes in strings: %d -> %d, %d cut in all (%ld runs so far)\n", bytes0, bytes, cut,
         sh.runs);
  moved = shrink_times(&sh, v, n);
  printf("times: %d steps earlier (%ld runs in all)\n", moved, sh.runs);
  snprintf(comment, sizeof(comment), "shrunk from %s (seed %llu): %s", in,
           (unsigned long long) sh.seed, sh.want);
  text = to_text(&sh, v, n, comment);
  if (text == NULL || write_file(out != NULL ? out : "-", text) != 0) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", out != NULL ? out : "to stdout",
            strerror(errno));
    free(text);
    free_lines(v, n);
    scn_free(sc);
    return 2;
  }
  if (out != NULL) printf("wrote %s (%d lines)\n", out, n);
  free(text);
  free_lines(v, n);
  scn_free(sc);
  /* What was written still fails the same way, but runs that could not
   * be started may have kept lines that could go. */
  if (sh.broken) fprintf(stderr, "mgsim: shrink: some runs could not start: not 1-minimal\n");
  return sh.broken ? 2 : 0;
}
