/*
 * scn_compare.c - a simulated trace against a native one, after the same
 * normalization of both.
 *
 * Each actor's lines (a connection "#N", a peer, "mgr") are compared in
 * their own order: between actors, lines at one instant may come in either
 * order. Byte counts that the kernel cuts and joins as it likes (RECV, SEND,
 * the engine's "send N of M", a peer's "got N") become one line per run of
 * them, with their total, at the time of the run's last line. A peer's bytes
 * held while it does not read count when it reads them. The simulation's
 * relays between two engine connections ("link.N") and its datagrams to
 * nobody ("net ... nobody there") have no native match.
 * Times agree within scn_time_tolerance.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

struct item {
  int64_t t;
  const char *who; /* into the trace */
  size_t who_len;
  char text[512];  /* a trace line is shorter */
  size_t line;     /* the trace line it ends on */
  const char *kind; /* a byte-run kind (run_kind), or NULL */
  long long bytes;
};

struct items {
  struct item *v;
  size_t n, cap;
};

/* The byte-run kinds: prefix of the normalized text, and how many bytes the
 * line carries (0 when it is not of the kind). */
static const char *const kinds[] = {"RECV ", "SEND ", "send ", "got "};

static const char *run_kind(const char *text, long long *bytes) {
  size_t k;
  for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    size_t n = strlen(kinds[k]);
    char *end;
    if (strncmp(text, kinds[k], n) != 0 || !isdigit((unsigned char) text[n])) continue;
    *bytes = strtoll(text + n, &end, 10);
    /* "got 5, not reading" is not news yet; "got 5 \"...\"" is. */
    if (k == 3 && strncmp(end, ", not reading", 13) == 0) return NULL;
    return kinds[k];
  }
  if (strncmp(text, "read ", 5) == 0 && isdigit((unsigned char) text[5])) {
    *bytes = strtoll(text + 5, NULL, 10); /* held bytes, read at last */
    return kinds[3];
  }
  return NULL;
}

static void push(struct items *it, const struct item *x) {
  if (it->n == it->cap) {
    size_t cap = it->cap ? it->cap * 2 : 256;
    struct item *v = (struct item *) realloc(it->v, cap * sizeof(*v));
    if (v == NULL) abort();
    it->v = v;
    it->cap = cap;
  }
  it->v[it->n++] = *x;
}

/* The trace's lines, by actor (run_kind's lines joined later). */
static void normalize(const char *trace, struct items *out) {
  const char *p = trace;
  size_t line = 0;
  while (*p != '\0') {
    const char *nl = strchr(p, '\n'), *end = nl != NULL ? nl : p + strlen(p);
    struct item x;
    long long t, bytes = 0;
    char *after;
    const char *who, *text, *kind;
    memset(&x, 0, sizeof(x));
    t = strtoll(p, &after, 10);
    /* A line with no time, or a time no run reaches, is not a trace line. */
    if (after != p && t >= 0 && t <= (long long) SCN_MAX_US) {
      while (after < end && *after == ' ') after++;
    } else {
      after = (char *) end;
    }
    if (after < end) {
      who = after;
      for (text = who; text < end && *text != ' '; text++) {
      }
      x.t = t;
      x.who = who;
      x.who_len = (size_t) (text - who);
      while (text < end && *text == ' ') text++;
      snprintf(x.text, sizeof(x.text), "%.*s", (int) (end - text), text);
      x.line = line;
      kind = run_kind(x.text, &bytes);
      if (strncmp(who, "link.", 5) == 0 || (kind == NULL && strncmp(x.text, "got ", 4) == 0 &&
                                             strstr(x.text, ", not reading") != NULL) ||
          (strncmp(who, "net ", 4) == 0 && strstr(x.text, ": nobody there") != NULL)) {
        /* the simulation's own: no native match (a datagram to a closed
         * port the kernel drops without a word to the trace) */
      } else {
        x.kind = kind;
        x.bytes = bytes;
        if (kind != NULL) snprintf(x.text, sizeof(x.text), "%s%lld", kind, bytes);
        push(out, &x);
      }
    }
    line++;
    p = nl != NULL ? nl + 1 : end;
  }
}

static size_t count_lines(const char *trace) {
  size_t n = 0;
  for (; *trace != '\0'; trace++) n += *trace == '\n';
  return n;
}

/* Lines around line number `at` of trace, indented, into out ("  > " marks
 * that line; past the end, the trace's last lines show, unmarked). */
static void context(const char *trace, size_t at, struct mbuf *out) {
  const char *p = trace;
  size_t line = 0, from = at > 6 ? at - 6 : 0;
  while (*p != '\0' && line <= at + 6) {
    const char *nl = strchr(p, '\n'), *end = nl != NULL ? nl : p + strlen(p);
    if (line >= from) {
      mbuf_append(out, line == at ? "  > " : "    ", 4);
      mbuf_append(out, p, (size_t) (end - p));
      mbuf_append(out, "\n", 1);
    }
    line++;
    p = nl != NULL ? nl + 1 : end;
  }
}

static int who_cmp(const struct item *x, const struct item *y) {
  size_t n = x->who_len < y->who_len ? x->who_len : y->who_len;
  int c = memcmp(x->who, y->who, n);
  return c != 0 ? c : (x->who_len > y->who_len) - (x->who_len < y->who_len);
}

/* By actor, and within one in trace order (the line numbers grow). */
static int by_actor(const void *p, const void *q) {
  const struct item *x = (const struct item *) p, *y = (const struct item *) q;
  int c = who_cmp(x, y);
  return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* An actor's consecutive lines of one byte-run kind become one, with their
 * total, at the last one's time. */
static void join_runs(struct items *v) {
  size_t i, o = 0;
  for (i = 0; i < v->n; i++) {
    struct item *prev = o > 0 ? &v->v[o - 1] : NULL;
    if (prev != NULL && v->v[i].kind != NULL && prev->kind == v->v[i].kind &&
        who_cmp(prev, &v->v[i]) == 0) {
      prev->bytes += v->v[i].bytes;
      prev->t = v->v[i].t;
      prev->line = v->v[i].line;
      snprintf(prev->text, sizeof(prev->text), "%s%lld", prev->kind, prev->bytes);
    } else {
      v->v[o++] = v->v[i];
    }
  }
  v->n = o;
}

int scn_compare_traces(const char *sim, const char *nat, int64_t early, int64_t late,
                       struct mbuf *report) {
  struct items a = {NULL, 0, 0}, b = {NULL, 0, 0};
  const struct item *x = NULL, *y = NULL;
  char why[1200];
  size_t i = 0, j = 0;
  normalize(sim, &a);
  normalize(nat, &b);
  if (a.n > 0) qsort(a.v, a.n, sizeof(*a.v), by_actor);
  if (b.n > 0) qsort(b.v, b.n, sizeof(*b.v), by_actor);
  join_runs(&a);
  join_runs(&b);
  why[0] = '\0';
  while (why[0] == '\0' && (i < a.n || j < b.n)) {
    x = i < a.n ? &a.v[i] : NULL;
    y = j < b.n ? &b.v[j] : NULL;
    if (x != NULL && y != NULL && who_cmp(x, y) != 0) {
      /* one actor's lines ran out before the other's */
      if (who_cmp(x, y) < 0) {
        y = NULL;
      } else {
        x = NULL;
      }
    }
    if (x == NULL || y == NULL || strcmp(x->text, y->text) != 0) {
      const struct item *who = x != NULL ? x : y;
      snprintf(why, sizeof(why), "%.*s: the simulation has \"%.500s\", the native run \"%.500s\"",
               (int) (who->who_len < 64 ? who->who_len : 64), who->who, x != NULL ? x->text : "(nothing more)",
               y != NULL ? y->text : "(nothing more)");
    } else if (y->t < x->t - early || y->t > x->t + late) {
      snprintf(why, sizeof(why), "%.*s \"%.500s\": at %lld us simulated, %lld us native",
               (int) (x->who_len < 64 ? x->who_len : 64), x->who, x->text, (long long) x->t, (long long) y->t);
    }
    i++;
    j++;
  }
  if (why[0] != '\0') {
    mbuf_append(report, "  ", 2);
    mbuf_append(report, why, strlen(why));
    mbuf_append(report, "\n  simulated trace:\n", 20);
    context(sim, x != NULL ? x->line : count_lines(sim), report);
    mbuf_append(report, "  native trace:\n", 16);
    context(nat, y != NULL ? y->line : count_lines(nat), report);
  }
  free(a.v);
  free(b.v);
  return why[0] != '\0';
}
