/*
 * test_sim.c - the simulated network model itself: the clock, TCP queues,
 * send limits and windows, FIN and RST, UDP faults, DNS, the PRNG.
 */
#include <errno.h>

#include "rng.h"
#include "sim.h"
#include "testutil.h"

#define MS 1000LL
#define SEC 1000000LL

struct seen {
  struct rec rec;
  int64_t at[64]; /* virtual time of each recorded non-POLL event */
  int n;
  int consume;    /* consume everything on RECV */
  int keep_udp;   /* clear MG_F_SEND_AND_CLOSE on ACCEPT */
  struct sim *sim;
  struct mg_connection *last;
};

static struct seen s_seen;

static void watcher(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev != MG_EV_POLL && s_seen.n < 64) s_seen.at[s_seen.n++] = sim_now(s_seen.sim);
  rec_add(&s_seen.rec, ev, ev_data);
  if (ev == MG_EV_ACCEPT || ev == MG_EV_CONNECT) s_seen.last = nc;
  if (ev == MG_EV_ACCEPT && s_seen.keep_udp) nc->flags &= ~MG_F_SEND_AND_CLOSE;
  if (ev == MG_EV_RECV && s_seen.consume) mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  if (ev == MG_EV_CLOSE && s_seen.last == nc) s_seen.last = NULL;
}

static struct sim *start(struct mg_mgr *mgr, uint64_t seed) {
  struct sim *s = sim_new(seed);
  assert_non_null(s);
  memset(&s_seen, 0, sizeof(s_seen));
  s_seen.sim = s;
  s_seen.consume = 1;
  sim_mgr_init(s, mgr, NULL);
  return s;
}

static void stop(struct sim *s, struct mg_mgr *mgr) {
  mg_mgr_free(mgr);
  sim_free(s);
}

static void test_clock_jumps_to_timer(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connection *nc = mg_add_sock(&mgr, INVALID_SOCKET, watcher);
  (void) state;
  assert_true(mg_time() == SIM_EPOCH);
  mg_set_timer(nc, mg_time() + 10.0);
  assert_int_equal(sim_run_until(s, &mgr, 20 * SEC), 0);
  assert_int_equal(s_seen.rec.counts[MG_EV_TIMER], 1);
  assert_int_equal(s_seen.at[0], 10 * SEC);
  /* Jumping, not spinning: a handful of polls for twenty virtual seconds. */
  assert_true(s_seen.rec.counts[MG_EV_POLL] < 10);
  assert_int_equal(sim_now(s), 20 * SEC);
  assert_true(mg_time() == SIM_EPOCH + 20.0);
  stop(s, &mgr);
}

static void test_stream_delay_and_fin(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *p;
  (void) state;
  sim_knobs(s)->delay_us = 5 * MS;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", watcher));
  p = sim_peer_new(s, "p");
  assert_int_equal(sim_peer_connect(p, "10.0.0.1:80"), 0);
  assert_int_equal(sim_peer_send(p, "abc", 3), 0);
  assert_int_equal(sim_peer_close(p), 0);
  sim_run_until(s, &mgr, 100 * MS);
  /* SYN, bytes and FIN all travel one delay: everything at 5 ms. */
  assert_string_equal(s_seen.rec.log, "ACCEPT RECV(3) CLOSE");
  assert_int_equal(s_seen.at[0], 5 * MS);
  assert_int_equal(s_seen.at[1], 5 * MS);
  assert_int_equal(s_seen.at[2], 5 * MS);
  /* The engine's FIN reaches the peer one delay after the close. */
  assert_true(sim_peer_got_fin(p));
  assert_false(sim_peer_got_rst(p));
  stop(s, &mgr);
}

static void test_send_limit_and_peer_window(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *p;
  (void) state;
  sim_knobs(s)->send_limit = 3;
  sim_knobs(s)->peer_window = 6;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", watcher));
  p = sim_peer_new(s, "p");
  sim_peer_connect(p, "10.0.0.1:80");
  sim_peer_reading(p, 0);
  sim_run_until(s, &mgr, 1 * MS);
  assert_non_null(s_seen.last);
  mg_send(s_seen.last, "0123456789", 10);
  sim_run_until(s, &mgr, 10 * MS);
  /* Three bytes per send, and the peer's window stops it at six. */
  assert_string_equal(s_seen.rec.log, "ACCEPT SEND(3) SEND(3)");
  assert_int_equal(s_seen.last->send_mbuf.len, 4);
  assert_int_equal(sim_peer_received(p)->len, 0);
  sim_peer_reading(p, 1);
  sim_run_until(s, &mgr, 20 * MS);
  assert_string_equal(s_seen.rec.log, "ACCEPT SEND(3) SEND(3) SEND(3) SEND(1)");
  assert_int_equal(sim_peer_received(p)->len, 10);
  assert_memory_equal(sim_peer_received(p)->buf, "0123456789", 10);
  stop(s, &mgr);
}

/* The window toward the engine counts bytes its handlers have not consumed:
 * a handler that keeps everything stops the peer, recved() resumes it. */
static void test_window_opened_by_recved(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *p;
  char big[5000];
  (void) state;
  s_seen.consume = 0;
  sim_knobs(s)->window = 1000;
  memset(big, 'x', sizeof(big));
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", watcher));
  p = sim_peer_new(s, "p");
  sim_peer_connect(p, "10.0.0.1:80");
  sim_peer_send(p, big, sizeof(big));
  sim_run_until(s, &mgr, 10 * MS);
  assert_non_null(s_seen.last);
  assert_int_equal(s_seen.last->recv_mbuf.len, 1000);
  mbuf_remove(&s_seen.last->recv_mbuf, 600); /* consumed outside a handler */
  sim_run_until(s, &mgr, 20 * MS);
  assert_int_equal(s_seen.last->recv_mbuf.len, 1000);
  s_seen.consume = 1;
  mbuf_clear(&s_seen.last->recv_mbuf);
  sim_run_until(s, &mgr, 40 * MS);
  assert_int_equal(s_seen.rec.counts[MG_EV_RECV] > 3, 1);
  stop(s, &mgr);
}

static void test_rst_both_ways(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *a, *b;
  char want[32];
  (void) state;
  s_seen.consume = 0;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", watcher));
  /* A peer's RST closes the engine's connection with ECONNRESET. */
  a = sim_peer_new(s, "a");
  sim_peer_connect(a, "10.0.0.1:80");
  sim_run_until(s, &mgr, 1 * MS);
  sim_peer_reset(a);
  sim_run_until(s, &mgr, 2 * MS);
  snprintf(want, sizeof(want), "ACCEPT CLOSE");
  assert_string_equal(s_seen.rec.log, want);
  assert_int_equal(s_seen.rec.counts[MG_EV_CLOSE], 1);
  /* The engine closing with unread bytes resets the peer. */
  memset(&s_seen.rec, 0, sizeof(s_seen.rec));
  b = sim_peer_new(s, "b");
  sim_peer_connect(b, "10.0.0.1:80");
  sim_run_until(s, &mgr, 3 * MS);
  assert_non_null(s_seen.last);
  s_seen.last->recv_mbuf_limit = 2; /* reads 2, leaves 3 unread */
  sim_peer_send(b, "hello", 5);
  sim_run_until(s, &mgr, 4 * MS);
  s_seen.last->flags |= MG_F_CLOSE_IMMEDIATELY;
  sim_run_until(s, &mgr, 5 * MS);
  assert_true(sim_peer_got_rst(b));
  assert_false(sim_peer_got_fin(b));
  stop(s, &mgr);
}

static void test_connect_refused_and_accepted(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct sim_peer *srv;
  char want[64];
  (void) state;
  sim_knobs(s)->delay_us = 1 * MS; /* peers copy the knobs when created */
  srv = sim_peer_new(s, "srv");
  assert_int_equal(sim_peer_listen(srv, "10.0.0.2:80", SIM_ACCEPT), 0);
  mg_connect(&mgr, "tcp://10.0.0.3:80", watcher);
  sim_run_until(s, &mgr, 10 * MS);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", ECONNREFUSED);
  assert_string_equal(s_seen.rec.log, want);
  assert_int_equal(s_seen.at[0], 2 * MS); /* one round trip */
  memset(&s_seen.rec, 0, sizeof(s_seen.rec));
  s_seen.n = 0;
  mg_connect(&mgr, "tcp://10.0.0.2:80", watcher);
  sim_run_until(s, &mgr, 20 * MS);
  assert_string_equal(s_seen.rec.log, "CONNECT(0)");
  assert_int_equal(s_seen.at[0], 12 * MS);
  assert_non_null(sim_peer_find(s, "srv.1"));
  assert_true(sim_peer_connected(sim_peer_find(s, "srv.1")));
  stop(s, &mgr);
}

static void test_dns(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connect_opts o;
  char want[64];
  (void) state;
  sim_peer_listen(sim_peer_new(s, "srv"), "10.0.0.2:80", SIM_ACCEPT);
  sim_dns_answer(s, "good.test", "10.0.0.2", 3 * MS);
  sim_dns_fail(s, "bad.test", 0);
  sim_dns_silent(s, "mute.test");
  mg_connect(&mgr, "good.test:80", watcher);
  sim_run_until(s, &mgr, 10 * MS);
  assert_string_equal(s_seen.rec.log, "CONNECT(0)");
  assert_int_equal(s_seen.at[0], 3 * MS + 200); /* answer, then a round trip */
  memset(&s_seen.rec, 0, sizeof(s_seen.rec));
  mg_connect(&mgr, "bad.test:80", watcher);
  sim_run_until(s, &mgr, 20 * MS);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", EHOSTUNREACH);
  assert_string_equal(s_seen.rec.log, want);
  memset(&s_seen.rec, 0, sizeof(s_seen.rec));
  s_seen.n = 0;
  memset(&o, 0, sizeof(o));
  o.resolve_timeout = 2.0;
  mg_connect_opt(&mgr, "mute.test:80", watcher, o);
  sim_run_until(s, &mgr, 5 * SEC);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", ETIMEDOUT);
  assert_string_equal(s_seen.rec.log, want);
  assert_int_equal(s_seen.at[0], 20 * MS + 2 * SEC);
  stop(s, &mgr);
}

/* UDP: what arrives is a function of the seed, and only of the seed. */
static void udp_run(uint64_t seed, double loss, double dup, int64_t jitter,
                    char *got, size_t len) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, seed);
  struct sim_peer *u;
  int i;
  s_seen.consume = 0; /* the datagrams stay in recv_mbuf for the check */
  sim_knobs(s)->loss = loss;
  sim_knobs(s)->dup = dup;
  sim_knobs(s)->jitter_us = jitter;
  /* One connection gathers every datagram: it must outlive its first. */
  s_seen.keep_udp = 1;
  assert_non_null(mg_bind(&mgr, "udp://10.0.0.1:53", watcher));
  u = sim_peer_new(s, "u");
  sim_peer_udp_bind(u, "10.0.0.7:999");
  for (i = 0; i < 20; i++) {
    char d = (char) ('a' + i);
    sim_peer_sendto(u, "10.0.0.1:53", &d, 1);
  }
  sim_run_until(s, &mgr, 1 * SEC);
  got[0] = '\0';
  {
    struct mg_connection *c;
    for (c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) {
      if (c->flags & MG_F_LISTENING) continue;
      snprintf(got, len, "%.*s", (int) c->recv_mbuf.len, c->recv_mbuf.buf);
    }
  }
  stop(s, &mgr);
}

static void test_udp_faults(void **state) {
  char a[64], b[64], c[64];
  (void) state;
  udp_run(1, 0, 0, 0, a, sizeof(a));
  assert_string_equal(a, "abcdefghijklmnopqrst"); /* clean: all, in order */
  udp_run(1, 1.0, 0, 0, a, sizeof(a));
  assert_string_equal(a, ""); /* all lost */
  udp_run(1, 0, 1.0, 0, a, sizeof(a));
  assert_int_equal(strlen(a), 40); /* each twice */
  udp_run(5, 0.3, 0.2, 5 * MS, a, sizeof(a));
  udp_run(5, 0.3, 0.2, 5 * MS, b, sizeof(b));
  udp_run(6, 0.3, 0.2, 5 * MS, c, sizeof(c));
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  assert_string_not_equal(a, "abcdefghijklmnopqrst");
}

static void test_rng(void **state) {
  struct rng r1, r2;
  unsigned char x[32], y[32];
  int i, seen[10] = {0};
  (void) state;
  rng_seed(&r1, 42);
  rng_seed(&r2, 42);
  rng_bytes(&r1, x, sizeof(x));
  rng_bytes(&r2, y, sizeof(y));
  assert_memory_equal(x, y, sizeof(x));
  rng_seed(&r2, 43);
  rng_bytes(&r2, y, sizeof(y));
  assert_memory_not_equal(x, y, sizeof(x));
  for (i = 0; i < 10000; i++) seen[rng_below(&r1, 10)]++;
  for (i = 0; i < 10; i++) assert_true(seen[i] > 800 && seen[i] < 1200);
  assert_int_equal(rng_below(&r1, 0), 0);
  assert_false(rng_chance(&r1, 0.0));
  assert_true(rng_chance(&r1, 1.0));
}

static void test_trace_is_deterministic(void **state) {
  char *first = NULL;
  int run;
  (void) state;
  for (run = 0; run < 2; run++) {
    struct mg_mgr mgr;
    struct sim *s = start(&mgr, 9);
    struct sim_peer *p;
    sim_knobs(s)->send_limit = 2;
    mg_bind(&mgr, "tcp://10.0.0.1:80", watcher);
    p = sim_peer_new(s, "p");
    sim_peer_connect(p, "10.0.0.1:80");
    sim_run_until(s, &mgr, 1 * MS);
    mg_printf(s_seen.last, "%s", "deterministic");
    sim_run_until(s, &mgr, 5 * MS);
    if (run == 0) {
      first = strdup(sim_trace_text(s));
      assert_true(strlen(first) > 100);
    } else {
      assert_string_equal(first, sim_trace_text(s));
    }
    stop(s, &mgr);
  }
  free(first);
}

/* Port 0 in simulation: the listener gets the next port of the run's own
 * counter (40000 first), shows it in nc->sa and in the trace, and a peer
 * reaches it there. */
static void test_bind_port_zero(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connection *tl, *ul;
  struct sim_peer *c;
  char buf[64];
  (void) state;
  tl = mg_bind(&mgr, "tcp://127.0.0.1:0", watcher);
  ul = mg_bind(&mgr, "udp://127.0.0.1:0", watcher);
  assert_non_null(tl);
  assert_non_null(ul);
  assert_int_equal(ntohs(tl->sa.sin.sin_port), 40000);
  assert_int_equal(ntohs(ul->sa.sin.sin_port), 40001);
  mg_conn_addr_to_str(tl, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                          MG_SOCK_STRINGIFY_REMOTE);
  assert_string_equal(buf, "127.0.0.1:40000");
  mg_conn_addr_to_str(ul, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "127.0.0.1:40001");
  assert_non_null(strstr(sim_trace_text(s), "listen tcp 127.0.0.1:40000\n"));
  assert_non_null(strstr(sim_trace_text(s), "listen udp 127.0.0.1:40001\n"));
  /* A second port-0 listener never takes a port in use. */
  assert_int_equal(ntohs(mg_bind(&mgr, "tcp://127.0.0.1:0", watcher)->sa.sin.sin_port),
                   40002);
  c = sim_peer_new(s, "c");
  assert_int_equal(sim_peer_connect(c, "127.0.0.1:40000"), 0);
  sim_run_until(s, &mgr, 10 * MS);
  assert_true(sim_peer_connected(c));
  assert_string_equal(s_seen.rec.log, "ACCEPT");
  stop(s, &mgr);
}

/* outbound marks what mg_connect made: not a listener, not an accepted
 * connection, not a socketless one. */
static void test_outbound_flag(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_connection *lc, *cc, *sc;
  (void) state;
  lc = mg_bind(&mgr, "tcp://10.0.0.1:80", watcher);
  cc = mg_connect(&mgr, "tcp://10.0.0.1:80", watcher);
  sc = mg_add_sock(&mgr, INVALID_SOCKET, NULL);
  assert_non_null(lc);
  assert_non_null(cc);
  assert_non_null(sc);
  assert_int_equal(lc->outbound, 0);
  assert_int_equal(cc->outbound, 1);
  assert_int_equal(sc->outbound, 0);
  assert_int_equal(mg_connect(&mgr, "udp://10.0.0.9:53", watcher)->outbound, 1);
  sim_run_until(s, &mgr, 10 * MS);
  {
    struct mg_connection *c;
    int accepted = 0;
    for (c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) {
      if (c->listener != lc) continue;
      accepted++;
      assert_int_equal(c->outbound, 0);
    }
    assert_int_equal(accepted, 1);
  }
  stop(s, &mgr);
}

/* The error strings are Mongoose 6's fixed words. */
static const struct mg_iface_vtable *s_real_vtable;
static int failing_create_conn(struct mg_connection *nc) {
  (void) nc;
  return ENOMEM;
}

static void test_error_strings(void **state) {
  struct mg_mgr mgr;
  struct sim *s = start(&mgr, 1);
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  struct mg_iface_vtable broken;
  struct mg_iface iface;
  const char *err = NULL;
  (void) state;
  memset(&bo, 0, sizeof(bo));
  memset(&co, 0, sizeof(co));
  bo.error_string = &err;
  co.error_string = &err;
  assert_null(mg_bind_opt(&mgr, "tcp://1.2.3.4:x", watcher, bo));
  assert_string_equal(err, "cannot parse address");
  err = NULL;
  /* A listener needs a numeric address: a name is not parsed for bind. */
  assert_null(mg_bind_opt(&mgr, "tcp://example.org:80", watcher, bo));
  assert_string_equal(err, "cannot parse address");
  err = NULL;
  assert_null(mg_connect_opt(&mgr, "tcp://[::1:80", watcher, co));
  assert_string_equal(err, "cannot parse address");
  err = NULL;
  assert_non_null(mg_bind(&mgr, "tcp://10.0.0.1:80", watcher));
  errno = 0;
  assert_null(mg_bind_opt(&mgr, "tcp://10.0.0.1:80", watcher, bo));
  assert_string_equal(err, "failed to open listener");
  assert_int_equal(errno, EADDRINUSE);
  err = NULL;
  /* An iface that cannot take one more connection. */
  s_real_vtable = mgr.ifaces[0]->vtable;
  broken = *s_real_vtable;
  broken.create_conn = failing_create_conn;
  iface = *mgr.ifaces[0];
  iface.vtable = &broken;
  bo.iface = &iface;
  co.iface = &iface;
  assert_null(mg_bind_opt(&mgr, "tcp://10.0.0.1:81", watcher, bo));
  assert_string_equal(err, "failed to create connection");
  err = NULL;
  assert_null(mg_connect_opt(&mgr, "tcp://10.0.0.2:80", watcher, co));
  assert_string_equal(err, "failed to create connection");
  stop(s, &mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clock_jumps_to_timer),
      cmocka_unit_test(test_stream_delay_and_fin),
      cmocka_unit_test(test_send_limit_and_peer_window),
      cmocka_unit_test(test_window_opened_by_recved),
      cmocka_unit_test(test_rst_both_ways),
      cmocka_unit_test(test_connect_refused_and_accepted),
      cmocka_unit_test(test_dns),
      cmocka_unit_test(test_udp_faults),
      cmocka_unit_test(test_rng),
      cmocka_unit_test(test_trace_is_deterministic),
      cmocka_unit_test(test_bind_port_zero),
      cmocka_unit_test(test_outbound_flag),
      cmocka_unit_test(test_error_strings),
  };
  return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
