/*
 * sim_wire.c - the packets of the simulated network as an observer sees
 * them (sim.h, "the wire"): each one described from the stream it belongs
 * to, with the sequence numbers and the receive window its sender would put
 * on it.
 *
 * The simulation itself needs none of this: flow control acts on the
 * sender's side the moment a window opens. The numbers are kept here, per
 * stream and direction, only while an observer looks.
 */
#include <string.h>

#include "sim_internal.h"

void sim_set_wire_observer(struct sim *s, void (*fn)(void *arg, const struct sim_wire *w),
                           void *arg) {
  s->wire_fn = fn;
  s->wire_arg = fn != NULL ? arg : NULL;
}

/* What the engine's socket can still take: its knob less what arrived and
 * its handlers have not consumed (bytes still on their way are not in its
 * buffer yet, though the peer's side counts them against the window). */
static size_t engine_window(const struct sim_stream *st) {
  size_t held;
  if (st->k.window == 0) return SIM_WIRE_UNLIMITED;
  held = st->unconsumed > st->wire_flight ? st->unconsumed - st->wire_flight : 0;
  return held >= st->k.window ? 0 : st->k.window - held;
}

static size_t peer_window(const struct sim_stream *st) {
  if (st->k.peer_window == 0) return SIM_WIRE_UNLIMITED;
  return st->peer_unread >= st->k.peer_window ? 0 : st->k.peer_window - st->peer_unread;
}

void sim_wire_tcp(struct sim *s, struct sim_stream *st, enum sim_wire_kind kind,
                  int to_engine, int64_t arrives, const void *data, size_t len) {
  struct sim_wire w;
  int d = to_engine ? 1 : 0;
  memset(&w, 0, sizeof(w));
  w.kind = kind;
  w.now = w.sent_at = s->now;
  w.arrives_at = arrives;
  w.src = to_engine ? st->peer_addr : st->engine_addr;
  w.dst = to_engine ? st->engine_addr : st->peer_addr;
  w.stream = st->id;
  w.bridge = st->bridge != NULL ? st->bridge->id : 0;
  w.to_engine = d;
  w.conn_id = st->sock != NULL && st->sock->owner != NULL ? st->sock->owner->id : 0;
  w.peer = st->peer->name;
  w.data = data;
  w.len = len;
  w.window = to_engine ? peer_window(st) : engine_window(st);
  w.seq = st->wire_sent[d];
  w.ack = st->wire_arrived[!d];
  if (kind == SIM_WIRE_DATA) {
    st->wire_sent[d] += len;
    if (to_engine) st->wire_flight += len;
  } else if (kind == SIM_WIRE_SYN || kind == SIM_WIRE_SYNACK || kind == SIM_WIRE_FIN) {
    st->wire_sent[d]++;
  }
  s->wire_fn(s->wire_arg, &w);
}

void sim_wire_arrived(struct sim_stream *st, int to_engine, size_t n) {
  st->wire_arrived[to_engine ? 1 : 0] += n;
}

void sim_wire_no_stream(struct sim *s, struct sim_sock *sk,
                        const union socket_address *to, const char *peer,
                        int64_t delay, int refused) {
  struct sim_wire w;
  memset(&w, 0, sizeof(w));
  w.kind = SIM_WIRE_SYN;
  w.now = w.sent_at = s->now;
  w.arrives_at = s->now + delay;
  w.src = sk->local;
  w.dst = *to;
  w.conn_id = sk->owner != NULL ? sk->owner->id : 0;
  w.peer = peer;
  w.window = s->knobs.window > 0 ? s->knobs.window : SIM_WIRE_UNLIMITED;
  s->wire_fn(s->wire_arg, &w);
  if (!refused) return;
  w.kind = SIM_WIRE_RST;
  w.sent_at = s->now + delay;
  w.arrives_at = s->now + 2 * delay;
  w.src = *to;
  w.dst = sk->local;
  w.to_engine = 1;
  w.window = 0;
  w.ack = 1;
  s->wire_fn(s->wire_arg, &w);
}

void sim_wire_dgram(struct sim *s, const union socket_address *from,
                    const union socket_address *to, int to_engine, int conn_id,
                    const char *peer, int64_t arrives, const void *data, size_t len,
                    int lost, int dup) {
  struct sim_wire w;
  memset(&w, 0, sizeof(w));
  w.kind = SIM_WIRE_DGRAM;
  w.now = w.sent_at = s->now;
  w.arrives_at = arrives;
  w.src = *from;
  w.dst = *to;
  w.to_engine = to_engine;
  w.conn_id = conn_id;
  w.peer = peer;
  w.data = data;
  w.len = len;
  w.lost = lost;
  w.dup = dup;
  s->wire_fn(s->wire_arg, &w);
}

void sim_wire_acked(struct sim *s, struct sim_stream *st, int to_engine, size_t n) {
  sim_wire_arrived(st, to_engine, n);
  sim_wire_tcp(s, st, SIM_WIRE_ACK, !to_engine, s->now + st->k.delay_us, NULL, 0);
}
