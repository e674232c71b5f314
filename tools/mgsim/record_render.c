/*
 * record_render.c - the scenario `mgsim record` writes: the recorded
 * events (record_proxy.c) as peer actions and expectations.
 *
 * Times in the replay follow the recording, with one adjustment: an
 * answer is checked a little after it arrived here (EXPECT_AFTER_US, which
 * covers the simulated network's round trip), and a client action that
 * came after an answer waits for that check. So the replay keeps the
 * order in which the client saw answers and acted, and each answer is
 * checked before the client moves on; the times drift by at most that
 * margin per exchange.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record_internal.h"

/* How long after an answer arrived (by the recording's clock) the replay
 * checks it: the simulated round trip (2 x 100 us by default) with room to
 * spare. */
#define EXPECT_AFTER_US 1000
/* Answers longer than this are counted (got-bytes), not written out: a
 * scenario file holds 4 MiB at most. */
#define MAX_EXACT_BYTES (64 * 1024)

/* Text as a string, anything mostly binary (WebSocket frames) as hex. */
static void put_data(struct scn_text *o, const char *s, size_t len) {
  size_t i, odd = 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if ((c < 0x20 || c >= 0x7f) && c != '\r' && c != '\n' && c != '\t') odd++;
  }
  if (odd * 8 <= len) {
    scn_text_str(o, s, len);
  } else {
    scn_text_hex(o, s, len);
  }
}

/* "+250us", "+1.25ms", "+2.5s": the shortest exact form. */
static void put_wait(struct scn_text *o, int64_t us) {
  long long whole, frac;
  int digits;
  const char *unit;
  if (us < 1000) {
    scn_text_printf(o, "+%lldus", (long long) us);
    return;
  }
  if (us < 1000000) {
    whole = us / 1000, frac = us % 1000, digits = 3, unit = "ms";
  } else {
    whole = us / 1000000, frac = us % 1000000, digits = 6, unit = "s";
  }
  if (frac == 0) {
    scn_text_printf(o, "+%lld%s", whole, unit);
    return;
  }
  while (frac % 10 == 0) frac /= 10, digits--;
  scn_text_printf(o, "+%lld.%0*lld%s", whole, digits, frac, unit);
}

/* A header line whose value differs between the recording and the replay:
 * the replay's clock is virtual and its file times pinned. */
static const char *const s_volatile[] = {"Date", "Last-Modified", "ETag", "Expires"};

struct span {
  size_t start, end, name_len;
};

/* The volatile header lines in what a server sent, if it speaks HTTP. A
 * body that holds such a line is checked by pattern there too: looser,
 * never wrong. */
static int find_spans(const struct mbuf *got, struct span **out, size_t *nout) {
  const char *b = got->buf;
  size_t len = got->len, i, k, n = 0, cap = 0;
  struct span *v = NULL;
  *out = NULL;
  *nout = 0;
  if (len < 5 || memcmp(b, "HTTP/", 5) != 0) return 0;
  for (i = 0; i + 1 < len; i++) {
    size_t line = i + 2;
    if (b[i] != '\r' || b[i + 1] != '\n') continue;
    for (k = 0; k < sizeof(s_volatile) / sizeof(s_volatile[0]); k++) {
      size_t nl = strlen(s_volatile[k]), e;
      if (line + nl >= len || strncasecmp(b + line, s_volatile[k], nl) != 0 ||
          b[line + nl] != ':') {
        continue;
      }
      for (e = line + nl + 1; e + 1 < len && !(b[e] == '\r' && b[e + 1] == '\n'); e++) {
      }
      if (e + 1 >= len) break; /* cut short: checked as it is */
      if (n == cap) {
        struct span *m;
        cap = cap ? cap * 2 : 16;
        if ((m = (struct span *) realloc(v, cap * sizeof(*m))) == NULL) {
          free(v);
          return -1;
        }
        v = m;
      }
      v[n].start = line;
      v[n].end = e + 2;
      v[n].name_len = nl;
      n++;
      break;
    }
  }
  *out = v;
  *nout = n;
  return 0;
}

/* A peer as the scenario is being written. */
struct pstate {
  size_t expected, avail; /* bytes of got checked, and arrived so far */
  struct span *spans;
  size_t nspans, si;
  int pending, fin, rst;
};

struct writer {
  struct recorder *r;
  struct scn_text out;
  int64_t now; /* the time of the last line written */
  struct pstate *ps;
  int *pending; /* peers with something to check, in order */
  int npending;
  int64_t deadline;
  int sends, expects;
};

static void begin(struct writer *w, int64_t at) {
  if (at > w->now) {
    put_wait(&w->out, at - w->now);
    scn_text_puts(&w->out, " ");
    w->now = at;
  }
}

static void expect_got(struct writer *w, int peer, size_t a, size_t b) {
  const struct mbuf *got = &w->r->peers[peer]->got;
  if (b - a > MAX_EXACT_BYTES) {
    scn_text_printf(&w->out, "expect peer c%d got-bytes %zu  # counted: over %d KiB\n", peer + 1, b - a,
             MAX_EXACT_BYTES / 1024);
  } else {
    scn_text_printf(&w->out, "expect peer c%d got ", peer + 1);
    put_data(&w->out, got->buf + a, b - a);
    scn_text_puts(&w->out, "\n");
  }
  w->expects++;
}

static void expect_volatile(struct writer *w, int peer, const struct span *sp) {
  const struct mbuf *got = &w->r->peers[peer]->got;
  struct scn_text re;
  scn_text_init(&re, 64);
  scn_text_add(&re, "^", 1);
  scn_text_add(&re, got->buf + sp->start, sp->name_len);
  scn_text_puts(&re, ":[^\r\n]*\r\n");
  if (re.failed) w->out.failed = 1; /* the line would be cut short */
  scn_text_printf(&w->out, "expect peer c%d got-match ", peer + 1);
  scn_text_str(&w->out, re.b.buf, re.b.len);
  scn_text_puts(&w->out, "\n");
  scn_text_free(&re);
  w->expects++;
}

/* What arrived for the peer and is not checked yet; a volatile line cut by
 * the end of what arrived waits for the rest, unless this is the end. */
static void expect_arrived(struct writer *w, int peer, int final) {
  struct pstate *st = &w->ps[peer];
  size_t a = st->expected, b = final ? w->r->peers[peer]->got.len : st->avail;
  while (a < b) {
    const struct span *sp;
    size_t e;
    while (st->si < st->nspans && st->spans[st->si].end <= a) st->si++;
    sp = st->si < st->nspans ? &st->spans[st->si] : NULL;
    if (sp != NULL && sp->start <= a) {
      if (sp->end > b) break;
      expect_volatile(w, peer, sp);
      a = sp->end;
      continue;
    }
    e = sp != NULL && sp->start < b ? sp->start : b;
    expect_got(w, peer, a, e);
    a = e;
  }
  st->expected = a;
}

static void flush(struct writer *w) {
  int i;
  if (w->npending == 0) return;
  begin(w, w->deadline);
  for (i = 0; i < w->npending; i++) {
    int peer = w->pending[i];
    struct pstate *st = &w->ps[peer];
    expect_arrived(w, peer, 0);
    if (st->fin) scn_text_printf(&w->out, "expect peer c%d fin\n", peer + 1), w->expects++;
    if (st->rst) scn_text_printf(&w->out, "expect peer c%d rst\n", peer + 1), w->expects++;
    st->pending = st->fin = st->rst = 0;
  }
  w->npending = 0;
  w->deadline = -1;
}

static int64_t us_between(double from, double to) {
  double d = (to - from) * 1e6;
  return d > 0 ? (int64_t) llround(d) : 0;
}

static void client_action(struct writer *w, const struct rec_event *e) {
  const struct rec_peer *p = w->r->peers[e->peer];
  int c = e->peer + 1;
  switch (e->kind) {
    case R_CONNECT:
      scn_text_printf(&w->out, "peer c%d connect %s\n", c, w->r->peer_addr);
      break;
    case R_SEND:
      scn_text_printf(&w->out, "peer c%d send ", c);
      put_data(&w->out, p->sent.buf + e->off, e->len);
      scn_text_puts(&w->out, "\n");
      w->sends++;
      break;
    case R_FIN:
      scn_text_printf(&w->out, "peer c%d close\n", c);
      break;
    default:
      scn_text_printf(&w->out, "peer c%d reset\n", c);
      break;
  }
}

char *rec_render(struct recorder *r, int *sends, int *expects) {
  struct writer w;
  int64_t anchor_sim = 0, anchor_real = 0, end;
  double t0 = r->nevs > 0 ? r->evs[0].t : r->t_end;
  size_t i;
  int k, oom = 0;
  memset(&w, 0, sizeof(w));
  w.r = r;
  w.deadline = -1;
  scn_text_init(&w.out, 4096);
  w.ps = (struct pstate *) calloc((size_t) r->npeers + 1, sizeof(*w.ps));
  w.pending = (int *) calloc((size_t) r->npeers + 1, sizeof(int));
  if (w.ps == NULL || w.pending == NULL) oom = 1;
  for (k = 0; !oom && k < r->npeers; k++) {
    if (find_spans(&r->peers[k]->got, &w.ps[k].spans, &w.ps[k].nspans) != 0) oom = 1;
  }
  if (oom) goto done;

  scn_text_printf(&w.out, "# Recorded by mgsim record: %d client connection%s through %s to %s.\n",
           r->npeers, r->npeers == 1 ? "" : "s", r->listen_arg, r->target_arg);
  scn_text_puts(&w.out, "# One peer per connection: what the client sent, at the gaps recorded;\n"
                  "# what the server answered, checked just after it came (header lines\n"
                  "# that hold times, which the replay's clock and app do not share, by\n"
                  "# pattern), and how the server ended.\n");
  scn_text_puts(&w.out, r->app_line);
  scn_text_puts(&w.out, "\n");

  for (i = 0; i < r->nevs; i++) {
    const struct rec_event *e = &r->evs[i];
    int64_t real = us_between(t0, e->t);
    int64_t natural = anchor_sim + (real - anchor_real);
    struct pstate *st = &w.ps[e->peer];
    if (w.npending > 0 && natural >= w.deadline) flush(&w);
    if (e->kind <= R_RST) {
      int64_t at = natural;
      if (w.npending > 0) {
        if (at < w.deadline) at = w.deadline;
        flush(&w);
      }
      if (at < w.now) at = w.now;
      begin(&w, at);
      client_action(&w, e);
      anchor_sim = at;
      anchor_real = real;
      continue;
    }
    if (e->kind == R_GOT) st->avail = e->off + e->len;
    if (e->kind == R_SFIN) st->fin = 1;
    if (e->kind == R_SRST) st->rst = 1;
    if (!st->pending) {
      st->pending = 1;
      w.pending[w.npending++] = e->peer;
    }
    if (natural + EXPECT_AFTER_US > w.deadline) w.deadline = natural + EXPECT_AFTER_US;
  }
  flush(&w);
  end = anchor_sim + (us_between(t0, r->t_end) - anchor_real);
  begin(&w, end > w.now ? end : w.now);
  for (k = 0; k < r->npeers; k++) {
    expect_arrived(&w, k, 1);
    scn_text_printf(&w.out, "expect peer c%d got-nothing\n", k + 1);
    w.expects++;
    if (!r->peers[k]->server_fin && !r->peers[k]->server_rst) {
      scn_text_printf(&w.out, "expect peer c%d no-fin\nexpect peer c%d no-rst\n", k + 1, k + 1);
      w.expects += 2;
    }
  }
done:
  for (k = 0; w.ps != NULL && k < r->npeers; k++) free(w.ps[k].spans);
  free(w.ps);
  free(w.pending);
  scn_text_add(&w.out, "", 1);
  if (oom || w.out.failed) {
    scn_text_free(&w.out);
    return NULL;
  }
  *sends = w.sends;
  *expects = w.expects;
  return w.out.b.buf;
}
