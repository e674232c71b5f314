/*
 * test_sim_wire.c - the simulated network's packets as its wire observer
 * sees them (sim.h, "the wire"): TCP sequence and acknowledgement numbers
 * that follow each stream, windows that follow the knobs, handshakes,
 * refusals, datagrams lost and duplicated, the relay between two engine
 * ends; and runs that are the same with the observer as without.
 */
#include "sim.h"
#include "testutil.h"

#define MS 1000LL

struct pkt {
  enum sim_wire_kind kind;
  int64_t now, sent, arrives;
  int stream, bridge, to_engine, conn;
  size_t len, window;
  uint64_t seq, ack;
  int lost, dup;
  char data[16];
};

static struct {
  struct pkt p[512];
  int n;
} s_w;

static void observe(void *arg, const struct sim_wire *w) {
  struct pkt *p = &s_w.p[s_w.n];
  assert_ptr_equal(arg, &s_w);
  assert_true(s_w.n < 512);
  s_w.n++;
  p->kind = w->kind;
  p->now = w->now;
  p->sent = w->sent_at;
  p->arrives = w->arrives_at;
  p->stream = w->stream;
  p->bridge = w->bridge;
  p->to_engine = w->to_engine;
  p->conn = w->conn_id;
  p->len = w->len;
  p->window = w->window;
  p->seq = w->seq;
  p->ack = w->ack;
  p->lost = w->lost;
  p->dup = w->dup;
  if (w->len > 0) memcpy(p->data, w->data, w->len < 16 ? w->len : 16);
}

static void echo(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static void quiet(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  (void) ev;
  (void) ev_data;
}

static struct sim *start(struct mg_mgr *mgr, int observed) {
  struct sim *s = sim_new(1);
  assert_non_null(s);
  memset(&s_w, 0, sizeof(s_w));
  if (observed) sim_set_wire_observer(s, observe, &s_w);
  sim_mgr_init(s, mgr, NULL);
  return s;
}

/* Every TCP packet of the run, direction by direction: each starts where
 * the one before ended (SYN and FIN counting one), acknowledges no more than
 * the other direction has sent, and never less than before. */
static void check_numbering(void) {
  struct {
    int stream, to_engine;
    uint64_t next, acked;
  } dir[32];
  int ndir = 0, i, k;
  for (i = 0; i < s_w.n; i++) {
    const struct pkt *p = &s_w.p[i];
    uint64_t other = 0;
    if (p->kind == SIM_WIRE_DGRAM || p->stream == 0) continue;
    for (k = 0; k < ndir && !(dir[k].stream == p->stream && dir[k].to_engine == p->to_engine); k++) {
    }
    if (k == ndir) {
      assert_true(ndir < 32);
      dir[k].stream = p->stream;
      dir[k].to_engine = p->to_engine;
      dir[k].next = dir[k].acked = 0;
      ndir++;
    }
    assert_int_equal(p->seq, dir[k].next);
    assert_true(p->ack >= dir[k].acked);
    dir[k].acked = p->ack;
    if (p->kind == SIM_WIRE_DATA) dir[k].next += p->len;
    if (p->kind == SIM_WIRE_SYN || p->kind == SIM_WIRE_SYNACK || p->kind == SIM_WIRE_FIN) {
      dir[k].next++;
    }
    for (k = 0; k < ndir; k++) {
      if (dir[k].stream == p->stream && dir[k].to_engine != p->to_engine) other = dir[k].next;
    }
    assert_true(p->ack <= other);
  }
}

/* A peer's echo, packet by packet. */
static void test_echo_packets(void **state) {
  static const struct {
    enum sim_wire_kind kind;
    int to_engine;
    int64_t sent;
    uint64_t seq, ack;
    size_t len;
  } want[] = {
      {SIM_WIRE_SYN, 1, 0, 0, 0, 0},          {SIM_WIRE_SYNACK, 0, 100, 0, 1, 0},
      {SIM_WIRE_ACK, 1, 100, 1, 1, 0},        {SIM_WIRE_DATA, 1, 1000, 1, 1, 5},
      {SIM_WIRE_ACK, 0, 1100, 1, 6, 0},       {SIM_WIRE_DATA, 0, 1100, 1, 6, 5},
      {SIM_WIRE_FIN, 1, 1100, 6, 1, 0},       {SIM_WIRE_ACK, 1, 1200, 7, 6, 0},
      {SIM_WIRE_ACK, 0, 1200, 6, 7, 0},       {SIM_WIRE_FIN, 0, 1200, 6, 7, 0},
      {SIM_WIRE_ACK, 1, 1300, 7, 7, 0},
  };
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *p;
  size_t i;
  (void) state;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", echo));
  p = sim_peer_new(s, "p");
  sim_peer_connect(p, "10.0.0.1:80");
  sim_run_until(s, &mgr, 1 * MS);
  sim_peer_send(p, "hello", 5);
  sim_run_until(s, &mgr, 1100);
  sim_peer_close(p);
  sim_run_until(s, &mgr, 5 * MS);
  assert_int_equal(s_w.n, sizeof(want) / sizeof(want[0]));
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const struct pkt *w = &s_w.p[i];
    assert_int_equal(w->kind, want[i].kind);
    assert_int_equal(w->to_engine, want[i].to_engine);
    assert_int_equal(w->sent, want[i].sent);
    assert_int_equal(w->now, want[i].sent);
    assert_int_equal(w->seq, want[i].seq);
    assert_int_equal(w->ack, want[i].ack);
    assert_int_equal(w->len, want[i].len);
    assert_int_equal(w->stream, 1);
    assert_int_equal(w->window, SIM_WIRE_UNLIMITED);
  }
  /* The peer is connected when its SYN arrives: the SYN-ACK takes no time;
   * everything else one delay. */
  assert_int_equal(s_w.p[1].arrives, 100);
  assert_int_equal(s_w.p[3].arrives, 1100);
  assert_memory_equal(s_w.p[5].data, "hello", 5);
  assert_int_equal(s_w.p[0].conn, 0); /* not accepted yet */
  assert_int_equal(s_w.p[5].conn, 2);
  check_numbering();
  mg_mgr_free(&mgr);
  sim_free(s);
}

/* A 10-byte window toward the engine and a handler that keeps what it
 * gets until the test consumes it: segments of 10, the window closing to 0
 * as they arrive and opening when bytes are consumed. */
static void test_window_follows_knob(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connection *lc, *c;
  struct sim_peer *p;
  int i, segs = 0, zero = 0, updates = 0;
  (void) state;
  sim_knobs(s)->window = 10;
  assert_non_null(lc = mg_bind(&mgr, "tcp://10.0.0.1:80", quiet));
  p = sim_peer_new(s, "p");
  sim_peer_connect(p, "10.0.0.1:80");
  sim_peer_send(p, "0123456789abcdefghijklmno", 25);
  sim_run_until(s, &mgr, 1 * MS);
  for (c = mg_next(&mgr, NULL); c == lc; c = mg_next(&mgr, c)) {
  }
  assert_non_null(c);
  for (i = 0; i < 3; i++) {
    mbuf_remove(&c->recv_mbuf, c->recv_mbuf.len); /* the core tells the iface */
    sim_run_until(s, &mgr, (i + 2) * MS);
  }
  for (i = 0; i < s_w.n; i++) {
    const struct pkt *w = &s_w.p[i];
    if (w->kind == SIM_WIRE_DATA) assert_int_equal(w->len, segs++ < 2 ? 10 : 5);
    if (w->kind == SIM_WIRE_SYNACK) assert_int_equal(w->window, 10);
    if (w->kind == SIM_WIRE_ACK && !w->to_engine && w->window == 0) zero++;
    if (w->kind == SIM_WIRE_ACK && !w->to_engine && w->window == 10 && w->ack > 1) updates++;
  }
  assert_int_equal(segs, 3);
  assert_int_equal(zero, 2);    /* after the first two segments */
  assert_true(updates >= 2);
  check_numbering();
  mg_mgr_free(&mgr);
  sim_free(s);
}

/* A refused connect: the SYN, and the RST settled ahead, one delay on. */
static void test_refused_connect(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  (void) state;
  mg_connect(&mgr, "tcp://10.0.0.9:80", quiet);
  sim_run_until(s, &mgr, 1 * MS);
  assert_int_equal(s_w.n, 2);
  assert_int_equal(s_w.p[0].kind, SIM_WIRE_SYN);
  assert_int_equal(s_w.p[0].to_engine, 0);
  assert_int_equal(s_w.p[0].stream, 0);
  assert_int_equal(s_w.p[0].conn, 1);
  assert_int_equal(s_w.p[1].kind, SIM_WIRE_RST);
  assert_int_equal(s_w.p[1].to_engine, 1);
  assert_int_equal(s_w.p[1].now, 0);
  assert_int_equal(s_w.p[1].sent, 100);
  assert_int_equal(s_w.p[1].arrives, 200);
  assert_int_equal(s_w.p[1].ack, 1);
  mg_mgr_free(&mgr);
  sim_free(s);
}

/* Loss and duplication: a lost datagram is told (it left its sender), a
 * duplicated one twice. */
static void test_datagrams(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *a, *b;
  (void) state;
  assert_non_null(mg_bind(&mgr, "udp://10.0.0.1:53", quiet));
  a = sim_peer_new(s, "a");
  sim_peer_knobs(a)->loss = 1;
  sim_peer_udp_bind(a, "10.0.0.5:1000");
  b = sim_peer_new(s, "b");
  sim_peer_knobs(b)->dup = 1;
  sim_peer_udp_bind(b, "10.0.0.6:1000");
  sim_peer_sendto(a, "10.0.0.1:53", "x", 1);
  sim_peer_sendto(b, "10.0.0.1:53", "yy", 2);
  sim_run_until(s, &mgr, 1 * MS);
  assert_int_equal(s_w.n, 3);
  assert_int_equal(s_w.p[0].kind, SIM_WIRE_DGRAM);
  assert_int_equal(s_w.p[0].lost, 1);
  assert_int_equal(s_w.p[0].conn, 1); /* the listener that would have had it */
  assert_int_equal(s_w.p[1].lost + s_w.p[1].dup + s_w.p[2].lost, 0);
  assert_int_equal(s_w.p[2].dup, 1);
  assert_memory_equal(s_w.p[2].data, "yy", 2);
  mg_mgr_free(&mgr);
  sim_free(s);
}

/* The engine connecting to its own listener: two streams joined by the
 * relay, each naming the other; the two engine ends' packets alone make
 * one consistent connection, the relay's copies carrying the same numbers. */
static void test_engine_to_engine(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connection *c;
  int i, ends = 0, relayed = 0;
  (void) state;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", echo));
  assert_non_null(c = mg_connect(&mgr, "tcp://10.0.0.1:80", quiet));
  sim_run_until(s, &mgr, 1 * MS);
  mg_send(c, "ping", 4);
  sim_run_until(s, &mgr, 2 * MS);
  for (i = 0; i < s_w.n; i++) {
    const struct pkt *w = &s_w.p[i];
    assert_true(w->bridge != 0 && w->bridge != w->stream);
    if (w->kind != SIM_WIRE_DATA) continue;
    assert_int_equal(w->seq, 1);
    assert_int_equal(w->len, 4);
    if (w->to_engine) {
      relayed++;
    } else {
      /* The echo acknowledges the ping it answers. */
      assert_int_equal(w->ack, ends++ == 0 ? 1 : 5);
    }
  }
  assert_int_equal(ends, 2);    /* the ping and its echo */
  assert_int_equal(relayed, 2); /* each passed on by the relay */
  check_numbering();
  mg_mgr_free(&mgr);
  sim_free(s);
}

/* The same run with an observer and without: the same trace. */
static void run_traced(int observed, char *out, size_t cap) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, observed);
  struct sim_peer *p;
  sim_knobs(s)->window = 7;
  sim_knobs(s)->send_limit = 3;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", echo));
  p = sim_peer_new(s, "p");
  sim_peer_connect(p, "10.0.0.1:80");
  sim_peer_send(p, "0123456789abcdefghij", 20);
  sim_peer_close(p);
  sim_run_until(s, &mgr, 10 * MS);
  mg_mgr_free(&mgr);
  snprintf(out, cap, "%s", sim_trace_text(s));
  sim_free(s);
}

static void test_observer_changes_nothing(void **state) {
  static char plain[16384], observed[16384];
  (void) state;
  run_traced(0, plain, sizeof(plain));
  run_traced(1, observed, sizeof(observed));
  assert_true(strlen(plain) > 500);
  assert_string_equal(plain, observed);
  assert_true(s_w.n > 20);
  check_numbering();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_packets),
      cmocka_unit_test(test_window_follows_knob),
      cmocka_unit_test(test_refused_connect),
      cmocka_unit_test(test_datagrams),
      cmocka_unit_test(test_engine_to_engine),
      cmocka_unit_test(test_observer_changes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
