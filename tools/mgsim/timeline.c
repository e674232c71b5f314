/*
 * timeline.c - what `mgsim run --timeline` draws, gathered: the wire items
 * the simulation reports while the run goes on, the failure at the moment
 * it happens (the manager's teardown comes after it), the apps of the
 * connections at the end; then, from those and the trace, the lanes and the
 * rows in the order the run did things.
 *
 * Order: a wire item is stamped with the trace's length when it was sent,
 * so it falls between the trace lines around it. A sent item usually has a
 * trace line of its sender saying so ("send 6", "close: FIN"), right before
 * or after it: the arrow then starts on that line's row. Arrivals come first
 * in their instant, as the simulation delivers what is due before the
 * engine polls; what peers got is then shown by the arrows, not by the
 * peers' "got ..." lines.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timeline_internal.h"
#include "world.h"

struct timeline *timeline_new(void) {
  struct timeline *tl = (struct timeline *) calloc(1, sizeof(*tl));
  if (tl == NULL) return NULL;
  tl->wires = (struct tl_wire *) calloc(TL_WIRE_HEAD + TL_WIRE_TAIL, sizeof(*tl->wires));
  if (tl->wires == NULL) {
    free(tl);
    return NULL;
  }
  return tl;
}

void timeline_free(struct timeline *tl) {
  int i;
  if (tl == NULL) return;
  free(tl->wires);
  free(tl->fail_text);
  free(tl->conn_app);
  for (i = 0; i < tl->napps; i++) free(tl->apps[i]);
  free(tl->apps);
  free(tl->lanes);
  free(tl->lane_hash);
  free(tl->listeners);
  free(tl->stream_conn);
  free(tl->sends);
  free(tl->send_pos);
  free(tl->arrivals);
  free(tl);
}

/* Logical index i (in sending order) to where the item is kept: the first
 * TL_WIRE_HEAD in order, the last TL_WIRE_TAIL in a ring after them. */
struct tl_wire *tl_wire_at(const struct timeline *tl, size_t i) {
  if (i < TL_WIRE_HEAD) return &tl->wires[i];
  return &tl->wires[TL_WIRE_HEAD + (tl->ring_start + i - TL_WIRE_HEAD) % TL_WIRE_TAIL];
}

static void addr_text(const union socket_address *sa, char *buf, size_t len) {
  if (sa->sa.sa_family != AF_INET && sa->sa.sa_family != AF_INET6) {
    snprintf(buf, len, "?");
  } else if (mg_sock_addr_to_str(sa, buf, len,
                                 MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT) < 0) {
    snprintf(buf, len, "?");
  }
}

void timeline_on_wire(void *arg, const struct sim_wire *w) {
  struct timeline *tl = (struct timeline *) arg;
  struct scn_ctx *ctx = scn_current();
  struct tl_wire *x;
  if (tl->done) return;
  if (w->kind == SIM_WIRE_ACK) { /* on every arrival: they would bury the rest */
    tl->acks++;
    return;
  }
  tl->wires_seen++;
  if (tl->nwires < TL_WIRE_HEAD + TL_WIRE_TAIL) {
    x = &tl->wires[tl->nwires++];
  } else {
    /* The oldest of the tail goes: it lies between what is drawn. */
    x = &tl->wires[TL_WIRE_HEAD + tl->ring_start];
    tl->wires_dropped++;
    tl->ring_start = (tl->ring_start + 1) % TL_WIRE_TAIL;
  }
  memset(x, 0, sizeof(*x));
  x->kind = (int) w->kind;
  x->sent = w->sent_at;
  x->arrives = w->arrives_at;
  x->seq = ctx != NULL ? w_trace_len(ctx) : 0;
  x->ahead = w->sent_at != w->now;
  x->len = w->len;
  x->window = w->window;
  x->tcp_seq = w->seq;
  x->tcp_ack = w->ack;
  x->to_engine = w->to_engine;
  x->conn = w->conn_id;
  x->stream = w->stream;
  x->lost = w->lost;
  x->dup = w->dup;
  if (w->peer != NULL) snprintf(x->peer, sizeof(x->peer), "%s", w->peer);
  addr_text(&w->src, x->src, sizeof(x->src));
  addr_text(&w->dst, x->dst, sizeof(x->dst));
  if (w->data != NULL && w->len > 0) {
    memcpy(x->head, w->data, w->len < TL_HEAD_BYTES ? w->len : TL_HEAD_BYTES);
  }
  x->from = x->to = -1;
  x->send_row = x->arrive_row = -1;
}

void timeline_on_failed(void *arg, struct scn_ctx *ctx, int line, const char *why) {
  struct timeline *tl = (struct timeline *) arg;
  size_t n;
  if (tl->done || tl->failed) return;
  tl->failed = 1;
  tl->fail_t = w_now(ctx);
  tl->fail_pos = w_trace_len(ctx);
  n = strlen(ctx->sc->path) + strlen(why) + 32;
  if ((tl->fail_text = (char *) malloc(n)) != NULL) {
    snprintf(tl->fail_text, n, "%s:%d: %s", ctx->sc->path, line, why);
  }
}

void timeline_on_ended(void *arg, struct scn_ctx *ctx) {
  struct timeline *tl = (struct timeline *) arg;
  size_t i;
  int k = 0;
  if (tl->done) return;
  tl->done = 1;
  /* The apps, in the order their lines ran: the k-th "app" line is app k. */
  if (ctx->napps > 0 &&
      (tl->apps = (char **) calloc((size_t) ctx->napps, sizeof(char *))) != NULL) {
    for (i = 0; i < (size_t) ctx->sc->nlines && k < ctx->napps; i++) {
      const struct scn_line *ln = &ctx->sc->lines[i];
      char text[96];
      if (ln->ntoks < 2 || !is_word(&ln->toks[0], "app")) continue;
      snprintf(text, sizeof(text), "app %.60s (line %d)", ln->toks[1].s, ln->lineno);
      tl->apps[k++] = strdup(text);
    }
    tl->napps = k;
  }
  if (ctx->nconns > 0 && (tl->conn_app = (int *) malloc(ctx->nconns * sizeof(int))) != NULL) {
    tl->nconn_app = ctx->nconns;
    for (i = 0; i < ctx->nconns; i++) {
      tl->conn_app[i] = ctx->conns[i].known ? ctx->conns[i].app : -1;
    }
  }
}

/* ---- lanes ---------------------------------------------------------------- */

static size_t name_hash(const char *s, size_t n) {
  size_t h = 2166136261u, i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char) s[i]) * 16777619u;
  return h;
}

static int *lane_slot(struct timeline *tl, const char *name, size_t n) {
  size_t i = name_hash(name, n) & (tl->hash_cap - 1);
  for (;;) {
    int *slot = &tl->lane_hash[i];
    if (*slot < 0) return slot;
    if (strlen(tl->lanes[*slot].name) == n && memcmp(tl->lanes[*slot].name, name, n) == 0) {
      return slot;
    }
    i = (i + 1) & (tl->hash_cap - 1);
  }
}

static int lane_find(const struct timeline *tl, const char *name, size_t n) {
  if (tl->hash_cap == 0) return -1;
  return *lane_slot((struct timeline *) tl, name, n);
}

static int grow_hash(struct timeline *tl) {
  size_t cap = tl->hash_cap ? tl->hash_cap * 2 : 64, i;
  int *old = tl->lane_hash, k;
  if ((tl->lane_hash = (int *) malloc(cap * sizeof(int))) == NULL) {
    tl->lane_hash = old;
    return -1;
  }
  for (i = 0; i < cap; i++) tl->lane_hash[i] = -1;
  tl->hash_cap = cap;
  for (k = 0; k < tl->nlanes; k++) {
    *lane_slot(tl, tl->lanes[k].name, strlen(tl->lanes[k].name)) = k;
  }
  free(old);
  return 0;
}

/* The id in a connection's name, "#" and digits; -1 for any other name,
 * and for an id no int holds. Only the n bytes given are read: a trace
 * line's name is not NUL-terminated where it ends. */
static int conn_id(const char *s, size_t n) {
  size_t i;
  int id = 0;
  if (n < 2 || s[0] != '#') return -1;
  for (i = 1; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    if (id > (INT_MAX - (s[i] - '0')) / 10) return -1;
    id = id * 10 + (s[i] - '0');
  }
  return id;
}

static int is_conn_name(const char *s, size_t n) { return conn_id(s, n) >= 0; }

/* The lane of that name, made when build allows; -1 when there is none. */
static int lane_get(const struct tl_walk *w, const char *name, size_t n, int kind) {
  struct timeline *tl = w->build;
  struct tl_lane *l;
  int *slot, k;
  if (n >= sizeof(l->name)) n = sizeof(l->name) - 1; /* names are shorter */
  if ((k = lane_find(w->tl, name, n)) >= 0 || tl == NULL) return k;
  if ((size_t) (tl->nlanes + 1) * 2 > tl->hash_cap && grow_hash(tl) != 0) return -1;
  if (tl->nlanes == tl->cap_lanes) {
    int cap = tl->cap_lanes ? tl->cap_lanes * 2 : 16;
    struct tl_lane *m = (struct tl_lane *) realloc(tl->lanes, (size_t) cap * sizeof(*m));
    if (m == NULL) return -1;
    tl->lanes = m;
    tl->cap_lanes = cap;
  }
  slot = lane_slot(tl, name, n);
  k = tl->nlanes++;
  l = &tl->lanes[k];
  memset(l, 0, sizeof(*l));
  memcpy(l->name, name, n);
  l->kind = kind;
  l->near = -1;
  l->first_row = l->last_row = l->close_row = -1;
  if (kind == TL_ENGINE) {
    int id = conn_id(name, n);
    l->conn = id > 0 ? id : 0;
  }
  *slot = k;
  return k;
}

/* The lane a trace line's "who" names: -1 for mgr, net and the like. */
static int lane_of_who(const struct tl_walk *w, const char *who, size_t n) {
  if (n == 0 || (n == 3 && (memcmp(who, "mgr", 3) == 0 || memcmp(who, "net", 3) == 0))) {
    return -1;
  }
  if (is_conn_name(who, n)) return lane_get(w, who, n, TL_ENGINE);
  if (n > 2 && memcmp(who, "fd", 2) == 0 && who[2] >= '0' && who[2] <= '9') {
    return lane_get(w, who, n, TL_OTHER);
  }
  return lane_get(w, who, n, TL_PEER);
}

/* A listener's address matches where a connection or datagram went: the
 * same, or the wildcard address with the same port. */
static int listener_takes(const struct tl_lane *l, int proto, const char *dst) {
  const char *lc = strrchr(l->listen_addr, ':'), *dc = strrchr(dst, ':');
  if (l->listen_proto != proto || lc == NULL || dc == NULL) return 0;
  if (strcmp(l->listen_addr, dst) == 0) return 1;
  return strncmp(l->listen_addr, "0.0.0.0:", 8) == 0 && strcmp(lc, dc) == 0;
}

/* The connection a stream's engine end had: packets toward a socket that
 * has closed since still belong to its lane. */
static int stream_conn(struct timeline *tl, int stream, int conn) {
  if (stream <= 0) return conn;
  if ((size_t) stream >= tl->nstream_conn) {
    size_t n = (size_t) stream * 2 + 16, i;
    int *m = (int *) realloc(tl->stream_conn, n * sizeof(int));
    if (m == NULL) return conn;
    for (i = tl->nstream_conn; i < n; i++) m[i] = 0;
    tl->stream_conn = m;
    tl->nstream_conn = n;
  }
  if (conn > 0) tl->stream_conn[stream] = conn;
  return tl->stream_conn[stream];
}

static int engine_lane_of(const struct tl_walk *w, const struct tl_wire *x) {
  char name[24];
  int best = -1, conn = stream_conn(w->build, x->stream, x->conn);
  size_t i;
  if (conn > 0) {
    snprintf(name, sizeof(name), "#%d", conn);
    return lane_get(w, name, strlen(name), TL_ENGINE);
  }
  /* No connection yet: a connection request or datagram reaching a
   * listener; the latest listener there that has not closed. */
  for (i = 0; i < w->tl->nlisteners; i++) {
    const struct tl_lane *l = &w->tl->lanes[w->tl->listeners[i]];
    if (l->close_row < 0 &&
        listener_takes(l, x->kind == SIM_WIRE_DGRAM ? 'u' : 't', x->to_engine ? x->dst : x->src)) {
      best = w->tl->listeners[i];
    }
  }
  return best >= 0 ? best : lane_get(w, "engine", 6, TL_OTHER);
}

static int peer_lane_of(const struct tl_walk *w, const struct tl_wire *x) {
  if (x->peer[0] != '\0') return lane_get(w, x->peer, strlen(x->peer), TL_PEER);
  return lane_get(w, "nobody", 6, TL_OTHER);
}

static void place_wire(struct tl_walk *w, struct tl_wire *x) {
  int e, p;
  if (w->build == NULL) return;
  e = engine_lane_of(w, x);
  p = peer_lane_of(w, x);
  if (e >= 0 && w->build->lanes[e].what[0] == '\0' && w->build->lanes[e].kind == TL_OTHER) {
    snprintf(w->build->lanes[e].what, sizeof(w->build->lanes[e].what),
             "the engine, no connection yet");
  }
  if (e >= 0 && w->build->lanes[e].what[0] == '\0' && w->build->lanes[e].kind == TL_ENGINE &&
      x->kind == SIM_WIRE_DGRAM && !x->to_engine) {
    /* a UDP "connect" traces nothing: its first datagram says where to */
    snprintf(w->build->lanes[e].what, sizeof(w->build->lanes[e].what), "UDP to %s", x->dst);
  }
  if (p >= 0 && w->build->lanes[p].what[0] == '\0' && w->build->lanes[p].kind == TL_OTHER) {
    snprintf(w->build->lanes[p].what, sizeof(w->build->lanes[p].what),
             "no peer at this address");
  }
  x->from = x->to_engine ? p : e;
  x->to = x->to_engine ? e : p;
  if (p >= 0 && w->build->lanes[p].addr[0] == '\0') {
    snprintf(w->build->lanes[p].addr, sizeof(w->build->lanes[p].addr), "%s",
             x->to_engine ? x->src : x->dst);
  }
  if (p >= 0 && e >= 0 && w->build->lanes[p].near < 0 &&
      w->build->lanes[e].kind == TL_ENGINE && w->build->lanes[e].listen_proto == 0) {
    w->build->lanes[p].near = e;
  }
}

/* ---- trace lines ---------------------------------------------------------- */

struct tl_line {
  int64_t t;
  size_t start, end;
  const char *who, *text, *line;
  size_t who_len, text_len, line_len;
};

static int starts(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

static int ends(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* "<time> <who> <text>"; a line that is not (an app's text with a line
 * break in it) keeps the time before it and has no who. */
static int peek_line(const struct tl_walk *w, int64_t t_before, struct tl_line *ln) {
  const char *p = w->p, *eol, *q;
  int64_t t = 0;
  int digits = 0;
  if (*p == '\0') return 0;
  eol = strchr(p, '\n');
  if (eol == NULL) eol = p + strlen(p);
  ln->start = (size_t) (p - w->trace);
  ln->end = (size_t) (eol - w->trace) + (*eol == '\n');
  ln->line = p;
  ln->line_len = (size_t) (eol - p);
  for (q = p; q < eol && *q == ' '; q++) {
  }
  for (; q < eol && *q >= '0' && *q <= '9' && digits < 18; q++, digits++) t = t * 10 + (*q - '0');
  if (digits == 0 || q == eol || *q != ' ') {
    ln->t = t_before;
    ln->who = p;
    ln->who_len = 0;
    ln->text = p;
    ln->text_len = ln->line_len;
    return 1;
  }
  ln->t = t;
  while (q < eol && *q == ' ') q++;
  ln->who = q;
  while (q < eol && *q != ' ') q++;
  ln->who_len = (size_t) (q - ln->who);
  while (q < eol && *q == ' ') q++;
  ln->text = q;
  ln->text_len = (size_t) (eol - q);
  return 1;
}

/* Lines the arrows show better: what a peer got. */
static int hidden(const struct tl_walk *w, const struct tl_line *ln, int lane) {
  const char *s = ln->text;
  size_t n = ln->text_len, i = 4;
  if (w->tl->wires_seen == 0 || lane < 0 || w->tl->lanes[lane].kind != TL_PEER) return 0;
  if (!starts(s, n, "got ")) return 0;
  if ((n == 7 && (memcmp(s, "got FIN", 7) == 0 || memcmp(s, "got RST", 7) == 0)) ||
      starts(s, n, "got datagram ")) {
    return 1;
  }
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  return i > 4 && i + 1 < n && s[i] == ' ' && s[i + 1] == '"';
}

static void add_listener(struct timeline *tl, int lane) {
  if (tl->nlisteners == tl->cap_listeners) {
    size_t cap = tl->cap_listeners ? tl->cap_listeners * 2 : 8;
    int *m = (int *) realloc(tl->listeners, cap * sizeof(int));
    if (m == NULL) return; /* its connects then go to the lane "engine" */
    tl->listeners = m;
    tl->cap_listeners = cap;
  }
  tl->listeners[tl->nlisteners++] = lane;
}

/* What a line tells of its lane: what it is, where it listens. */
static void learn(struct tl_walk *w, int lane, const struct tl_line *ln) {
  struct tl_lane *l;
  const char *s = ln->text;
  size_t n = ln->text_len;
  if (w->build == NULL || lane < 0) return;
  l = &w->build->lanes[lane];
  if (l->kind == TL_ENGINE) {
    if (starts(s, n, "listen tcp ") || starts(s, n, "listen udp ")) {
      snprintf(l->what, sizeof(l->what), "listener %.*s", (int) (n - 7), s + 7);
      l->listen_proto = s[7];
      snprintf(l->listen_addr, sizeof(l->listen_addr), "%.*s", (int) (n - 11), s + 11);
      add_listener(w->build, lane);
    } else if (l->what[0] != '\0') {
      /* the first word stays */
    } else if (starts(s, n, "connect -> ")) {
      snprintf(l->what, sizeof(l->what), "connects to %.*s", (int) (n - 11), s + 11);
    } else if (starts(s, n, "resolve ")) {
      snprintf(l->what, sizeof(l->what), "resolves %.*s", (int) (n - 8), s + 8);
    } else if (starts(s, n, "ACCEPT ")) {
      snprintf(l->what, sizeof(l->what), "accepted from %.*s", (int) (n - 7), s + 7);
    }
    if (starts(s, n, "CLOSE") && l->close_row < 0) l->close_row = w->row;
  } else if (l->kind == TL_PEER && l->what[0] == '\0') {
    if (starts(s, n, "connect -> ")) {
      snprintf(l->what, sizeof(l->what), "connects to %.*s", (int) (n - 11), s + 11);
    } else if (starts(s, n, "sendto ")) {
      snprintf(l->what, sizeof(l->what), "UDP peer");
    } else if (starts(s, n, "accepted a connection")) {
      snprintf(l->what, sizeof(l->what), "listening peer: took the engine's connect");
    } else if (starts(l->name, strlen(l->name), "link.")) {
      snprintf(l->what, sizeof(l->what), "relay: the engine connected to itself");
    }
  }
}

/* Whether a trace line of the sender announces this wire item. */
static int announces(const struct tl_wire *x, const char *s, size_t n) {
  switch (x->kind) {
    case SIM_WIRE_DATA:
      return starts(s, n, "send ");
    case SIM_WIRE_FIN:
      return ends(s, n, "FIN");
    case SIM_WIRE_RST:
      return ends(s, n, "RST");
    case SIM_WIRE_SYN:
      return starts(s, n, "connect -> ");
    case SIM_WIRE_DGRAM:
      return starts(s, n, "sendto ") || starts(s, n, "datagram ");
    default:
      return 0;
  }
}

/* ---- the walk over rows --------------------------------------------------- */

/* Its place among the lines of its instant: where the trace was when it
 * was sent, or the instant's start for one sent later than told. */
static size_t send_key(const struct tl_wire *x) { return x->ahead ? 0 : x->seq; }

void tl_rows_begin(struct tl_walk *w, const struct timeline *tl, const char *trace,
                   struct timeline *build) {
  memset(w, 0, sizeof(*w));
  w->tl = tl;
  w->trace = w->p = trace;
  w->build = build;
  w->last_row = -1;
  w->last_lane = -1;
  w->pending = -1;
}

/* Candidates are ordered by (time, trace position, kind): at one position
 * the failure first (what the trace has from there on came after it), then
 * sends, arrivals, sends made later than told (they answer an arrival) and
 * the line. */
static int before(int64_t t1, size_t k1, int s1, int64_t t2, size_t k2, int s2) {
  if (t1 != t2) return t1 < t2;
  if (k1 != k2) return k1 < k2;
  return s1 < s2;
}

static void touch_lane(struct tl_walk *w, int lane) {
  struct tl_lane *l;
  if (w->build == NULL || lane < 0) return;
  l = &w->build->lanes[lane];
  if (l->first_row < 0) l->first_row = w->row;
  l->last_row = w->row;
}

int tl_rows_next(struct tl_walk *w, struct tl_row *r) {
  const struct timeline *tl = w->tl;
  int64_t last_t = w->last_t;
  for (;;) {
    struct tl_line ln;
    int have_line;
    memset(&ln, 0, sizeof(ln));
    have_line = peek_line(w, last_t, &ln);
    struct tl_wire *ws = w->si < tl->nwires ? tl_wire_at(tl, tl->sends[w->si]) : NULL;
    size_t sk = ws != NULL ? send_key(ws) : 0;
    int ss = ws != NULL && ws->ahead ? 2 : 0; /* an answer after what it answers */
    struct tl_wire *wa = NULL;
    int64_t at = 0;
    size_t ak = 0;
    int pick = 0; /* 1 line, 2 send, 3 arrival, 4 failure */
    if (w->ai < tl->narrivals) {
      size_t idx = tl->arrivals[w->ai];
      size_t pos = tl->send_pos[idx];
      /* Not before its own sending, nor before the line that carries it. */
      if (pos < w->si && !(w->pending >= 0 && pos >= (size_t) w->pending)) {
        wa = tl_wire_at(tl, idx);
        at = wa->arrives;
        ak = wa->arrives == wa->sent ? wa->seq : 0;
      }
    }
    if (have_line) pick = 1;
    if (ws != NULL &&
        (pick == 0 || before(ws->sent, sk, ss, ln.t, ln.start, 3))) {
      pick = 2;
    }
    if (wa != NULL &&
        (pick == 0 || (pick == 1 && before(at, ak, 1, ln.t, ln.start, 3)) ||
         (pick == 2 && before(at, ak, 1, ws->sent, sk, ss)))) {
      pick = 3;
    }
    if (tl->failed && !w->fail_done) {
      int64_t ft = tl->fail_t;
      size_t fp = tl->fail_pos;
      if (pick == 0 || (pick == 1 && before(ft, fp, -1, ln.t, ln.start, 3)) ||
          (pick == 2 && before(ft, fp, -1, ws->sent, sk, ss)) ||
          (pick == 3 && before(ft, fp, -1, at, ak, 1))) {
        pick = 4;
      }
    }
    memset(r, 0, sizeof(*r));
    r->lane = -1;
    switch (pick) {
      case 0:
        return 0;
      case 1: {
        int lane = lane_of_who(w, ln.who, ln.who_len);
        w->p = w->trace + ln.end;
        last_t = w->last_t = ln.t;
        if (hidden(w, &ln, lane)) continue;
        r->kind = TL_ROW_LINE;
        r->t = ln.t;
        r->lane = lane;
        r->who = ln.who;
        r->who_len = ln.who_len;
        r->text = ln.text;
        r->text_len = ln.text_len;
        r->line = ln.line;
        r->line_len = ln.line_len;
        learn(w, lane, &ln);
        touch_lane(w, lane);
        if (w->pending >= 0 && w->build != NULL) {
          size_t i;
          for (i = (size_t) w->pending; i < w->si; i++) {
            struct tl_wire *x = tl_wire_at(tl, tl->sends[i]);
            if (x->send_row < 0) x->send_row = w->row;
          }
        }
        w->pending = -1;
        w->last_row = w->row;
        w->last_lane = lane;
        w->last_end = ln.end;
        w->last_text = ln.text;
        w->last_text_len = ln.text_len;
        break;
      }
      case 2: {
        size_t i = tl->sends[w->si++];
        place_wire(w, ws);
        /* Announced by the line just drawn, or by the next one. */
        if (!ws->ahead && w->last_row >= 0 && ws->seq == w->last_end && ws->sent == w->last_t &&
            ws->from == w->last_lane && announces(ws, w->last_text, w->last_text_len)) {
          if (w->build != NULL) ws->send_row = w->last_row;
          continue;
        }
        if (!ws->ahead && have_line && ln.start == ws->seq && ln.t == ws->sent &&
            lane_of_who(w, ln.who, ln.who_len) == ws->from &&
            announces(ws, ln.text, ln.text_len)) {
          if (w->pending < 0) w->pending = (long) w->si - 1;
          continue;
        }
        r->kind = TL_ROW_SEND;
        r->t = ws->sent;
        r->lane = ws->from;
        r->wire = i;
        if (w->build != NULL) ws->send_row = w->row;
        touch_lane(w, ws->from);
        break;
      }
      case 3:
        w->ai++;
        r->kind = TL_ROW_ARRIVE;
        r->t = wa->arrives;
        r->lane = wa->to;
        r->wire = tl->arrivals[w->ai - 1];
        if (w->build != NULL) wa->arrive_row = w->row;
        touch_lane(w, wa->to);
        break;
      default:
        w->fail_done = 1;
        r->kind = TL_ROW_FAIL;
        r->t = tl->fail_t;
        break;
    }
    if (r->kind != TL_ROW_LINE) w->last_row = -1;
    r->index = w->row++;
    return 1;
  }
}

/* ---- layout --------------------------------------------------------------- */

struct arrival_key {
  int64_t t;
  size_t k, idx;
};

static int by_arrival(const void *a, const void *b) {
  const struct arrival_key *x = (const struct arrival_key *) a,
                           *y = (const struct arrival_key *) b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct conn_key {
  int conn, lane;
};

static int by_conn(const void *a, const void *b) {
  const struct conn_key *x = (const struct conn_key *) a, *y = (const struct conn_key *) b;
  if (x->conn != y->conn) return x->conn < y->conn ? -1 : 1;
  return (x->lane > y->lane) - (x->lane < y->lane);
}

/* Engine lanes by connection id, each followed by the peers that talk to
 * it first (short arrows), then whatever else, as it appeared. */
static int assign_columns(struct timeline *tl) {
  size_t nl = (size_t) tl->nlanes + 1;
  int *order = (int *) malloc(nl * sizeof(int)), *first = (int *) malloc(nl * sizeof(int)),
      *next = (int *) malloc(nl * sizeof(int));
  struct conn_key *eng = (struct conn_key *) malloc(nl * sizeof(*eng));
  int n = 0, ne = 0, k, j, col;
  if (order == NULL || first == NULL || next == NULL || eng == NULL) {
    free(order);
    free(first);
    free(next);
    free(eng);
    return -1;
  }
  for (k = 0; k < tl->nlanes; k++) {
    tl->lanes[k].column = -1;
    first[k] = -1;
    if (tl->lanes[k].kind == TL_ENGINE) {
      eng[ne].conn = tl->lanes[k].conn;
      eng[ne++].lane = k;
    }
  }
  /* each engine lane's peers, in the order they appeared */
  for (k = tl->nlanes - 1; k >= 0; k--) {
    int near = tl->lanes[k].near;
    if (tl->lanes[k].kind == TL_PEER && near >= 0) {
      next[k] = first[near];
      first[near] = k;
    }
  }
  qsort(eng, (size_t) ne, sizeof(*eng), by_conn);
  for (k = 0; k < ne; k++) {
    tl->lanes[eng[k].lane].column = 0;
    order[n++] = eng[k].lane;
    for (j = first[eng[k].lane]; j >= 0; j = next[j]) {
      tl->lanes[j].column = 0;
      order[n++] = j;
    }
  }
  for (k = 0; k < tl->nlanes; k++) {
    if (tl->lanes[k].column < 0) order[n++] = k;
  }
  for (col = 0; col < n; col++) {
    struct tl_lane *l = &tl->lanes[order[col]];
    l->column = col < TL_MAX_LANES ? col : TL_MAX_LANES - 1;
    l->merged = col >= TL_MAX_LANES - 1 && n > TL_MAX_LANES;
  }
  tl->ncolumns = n < TL_MAX_LANES ? n : TL_MAX_LANES;
  free(order);
  free(first);
  free(next);
  free(eng);
  return 0;
}

int tl_layout(struct timeline *tl, const char *trace, int64_t end_us) {
  struct arrival_key *keys;
  struct tl_walk w;
  struct tl_row r;
  size_t i, n = 0;
  int k;
  if (tl->nwires > 0) {
    keys = (struct arrival_key *) malloc(tl->nwires * sizeof(*keys));
    tl->arrivals = (size_t *) malloc(tl->nwires * sizeof(size_t));
    tl->sends = (size_t *) malloc(tl->nwires * sizeof(size_t));
    tl->send_pos = (size_t *) malloc(tl->nwires * sizeof(size_t));
    if (keys == NULL || tl->arrivals == NULL || tl->sends == NULL || tl->send_pos == NULL) {
      free(keys);
      return -1;
    }
    for (i = 0; i < tl->nwires; i++) {
      const struct tl_wire *x = tl_wire_at(tl, i);
      keys[i].t = x->sent;
      keys[i].k = send_key(x);
      keys[i].idx = i;
    }
    qsort(keys, tl->nwires, sizeof(*keys), by_arrival);
    for (i = 0; i < tl->nwires; i++) {
      tl->sends[i] = keys[i].idx;
      tl->send_pos[keys[i].idx] = i;
    }
    /* What arrived while the run lasted: the rest was lost, or still in
     * flight at the end. */
    for (i = 0; i < tl->nwires; i++) {
      const struct tl_wire *x = tl_wire_at(tl, i);
      if (x->lost || x->arrives > end_us) continue;
      keys[n].t = x->arrives;
      keys[n].k = x->arrives == x->sent ? x->seq : 0;
      keys[n].idx = i;
      n++;
    }
    qsort(keys, n, sizeof(*keys), by_arrival);
    for (i = 0; i < n; i++) tl->arrivals[i] = keys[i].idx;
    tl->narrivals = n;
    free(keys);
  }
  tl_rows_begin(&w, tl, trace, tl);
  while (tl_rows_next(&w, &r)) {
  }
  tl->nrows = w.row;
  for (k = 0; k < tl->nlanes; k++) {
    struct tl_lane *l = &tl->lanes[k];
    if (l->kind == TL_ENGINE && l->conn > 0 && (size_t) l->conn < tl->nconn_app &&
        tl->conn_app[l->conn] >= 0 && tl->conn_app[l->conn] < tl->napps &&
        tl->apps[tl->conn_app[l->conn]] != NULL) {
      snprintf(l->app, sizeof(l->app), "%s", tl->apps[tl->conn_app[l->conn]]);
    }
  }
  return assign_columns(tl);
}

int timeline_format(const char *path) {
  size_t n = strlen(path);
  if (n > 5 && strcasecmp(path + n - 5, ".html") == 0) return 1;
  if (n > 4 && strcasecmp(path + n - 4, ".htm") == 0) return 1;
  if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0) return 0;
  return -1;
}

int timeline_write(struct timeline *tl, FILE *fp, int html, const struct scn *sc,
                   uint64_t seed, const struct scn_result *res) {
  char title[600];
  const char *trace = res->trace != NULL ? res->trace : "";
  if (!tl->failed && !res->passed && res->message != NULL) {
    /* A failure the runner did not announce (a run that could not start):
     * it is drawn at the end, with the runner's own words. */
    const char *eol = strchr(res->message, '\n');
    size_t n = eol != NULL ? (size_t) (eol - res->message) : strlen(res->message);
    tl->failed = 1;
    tl->fail_t = res->end_us;
    tl->fail_pos = strlen(trace);
    if ((tl->fail_text = (char *) malloc(n + 1)) != NULL) {
      memcpy(tl->fail_text, res->message, n);
      tl->fail_text[n] = '\0';
    }
  }
  if (tl_layout(tl, trace, res->end_us) != 0) return -1;
  snprintf(title, sizeof(title), "%s (seed %llu)", sc->path, (unsigned long long) seed);
  return tl_draw(tl, fp, html, title, trace, res->passed);
}
