/*
 * test_events.c - event order and connection flags on the native iface,
 * over 127.0.0.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "testutil.h"

/* Server side: records into the rec of its listener's user_data array slot;
 * each accepted connection gets its own rec from this pool. */
static struct rec s_srv[8];
static int s_nsrv;
static struct rec s_cli;

static void echo_srv(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->flags & MG_F_LISTENING) return;
  if (ev == MG_EV_ACCEPT) nc->user_data = &s_srv[s_nsrv++];
  rec_add((struct rec *) nc->user_data, ev, ev_data);
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static void hello_cli(struct mg_connection *nc, int ev, void *ev_data) {
  rec_add(&s_cli, ev, ev_data);
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) mg_printf(nc, "%s", "hello");
  if (ev == MG_EV_RECV && nc->recv_mbuf.len == 5) {
    assert_memory_equal(nc->recv_mbuf.buf, "hello", 5);
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static int setup(void **state) {
  (void) state;
  memset(s_srv, 0, sizeof(s_srv));
  memset(&s_cli, 0, sizeof(s_cli));
  s_nsrv = 0;
  return 0;
}

static void test_client_server_event_order(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", echo_srv);
  assert_non_null(lc);
  assert_true(lc->flags & MG_F_LISTENING);
  c = mg_connect(&mgr, addr_of(lc, "tcp"), hello_cli);
  assert_non_null(c);
  assert_true(c->flags & MG_F_CONNECTING);
  POLL_UNTIL(&mgr, s_cli.closed && s_nsrv == 1 && s_srv[0].closed, 10);
  assert_string_equal(s_cli.log, "CONNECT(0) SEND(5) RECV(5) CLOSE");
  assert_string_equal(s_srv[0].log, "ACCEPT RECV(5) SEND(5) CLOSE");
  assert_true(s_cli.counts[MG_EV_POLL] > 0);
  assert_int_equal(s_cli.after_close + s_srv[0].after_close, 0);
  assert_ptr_equal(mg_next(&mgr, NULL), lc); /* only the listener is left */
  assert_null(mg_next(&mgr, lc));
  mg_mgr_free(&mgr);
}

static struct rec s_lrec;
static void listener_rec(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->flags & MG_F_LISTENING) rec_add(&s_lrec, ev, ev_data);
}

static void test_mgr_free_closes_everything_once(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *t;
  static struct rec trec;
  (void) state;
  memset(&s_lrec, 0, sizeof(s_lrec));
  memset(&trec, 0, sizeof(trec));
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_bind(&mgr, "tcp://127.0.0.1:0", listener_rec));
  t = mg_add_sock(&mgr, INVALID_SOCKET, echo_srv);
  t->user_data = &trec;
  mg_mgr_poll(&mgr, 0);
  mg_mgr_free(&mgr);
  assert_string_equal(s_lrec.log, "CLOSE");
  assert_string_equal(trec.log, "CLOSE");
  assert_int_equal(s_lrec.after_close + trec.after_close, 0);
}

/* A handler may scribble on engine-owned flags; they are restored after
 * every event, while user flags stay as the user left them. */
static int s_flag_events;
static void flag_vandal(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_CLOSE) return;
  s_flag_events++;
  nc->flags &= ~(unsigned long) MG_F_LISTENING;
  nc->flags |= MG_F_CONNECTING | MG_F_IS_WEBSOCKET | MG_F_UDP | MG_F_USER_1 |
               MG_F_USER_6;
}

static void test_engine_flags_cannot_be_changed(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *t;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", flag_vandal);
  t = mg_add_sock(&mgr, INVALID_SOCKET, flag_vandal);
  mg_mgr_poll(&mgr, 0);
  mg_mgr_poll(&mgr, 0);
  assert_true(s_flag_events >= 4);
  assert_int_equal(lc->flags & MG_F_ENGINE_MASK, MG_F_LISTENING);
  assert_int_equal(t->flags & MG_F_ENGINE_MASK, 0);
  assert_true((lc->flags & (MG_F_USER_1 | MG_F_USER_6)) ==
              (MG_F_USER_1 | MG_F_USER_6));
  assert_true(t->flags & MG_F_USER_1);
  /* Flags given in opts keep only their user part. */
  {
    struct mg_connect_opts o;
    struct mg_connection *c;
    memset(&o, 0, sizeof(o));
    o.flags = MG_F_LISTENING | MG_F_USER_3;
    c = mg_connect_opt(&mgr, addr_of(lc, "tcp"), NULL, o);
    assert_non_null(c);
    assert_false(c->flags & MG_F_LISTENING);
    assert_true(c->flags & MG_F_USER_3);
  }
  mg_mgr_free(&mgr);
}

/* Close requested in ACCEPT acts in that same poll: no POLL in between. */
static int s_poll_no, s_accept_poll, s_close_poll;
static void close_in_accept(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (nc->flags & MG_F_LISTENING) return;
  if (ev == MG_EV_ACCEPT) {
    s_accept_poll = s_poll_no;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  if (ev == MG_EV_POLL) fail_msg("POLL after a close in ACCEPT");
  if (ev == MG_EV_CLOSE) s_close_poll = s_poll_no;
}

static void count_cli(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  rec_add(&s_cli, ev, ev_data);
}

static void test_close_in_accept_acts_in_same_poll(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", close_in_accept);
  mg_connect(&mgr, addr_of(lc, "tcp"), count_cli);
  s_accept_poll = s_close_poll = -1;
  for (s_poll_no = 0; s_poll_no < 2000 && !s_cli.closed; s_poll_no++) {
    mg_mgr_poll(&mgr, 5);
  }
  assert_true(s_accept_poll >= 0);
  assert_int_equal(s_close_poll, s_accept_poll);
  /* The client sees its connection end. */
  assert_true(s_cli.closed);
  mg_mgr_free(&mgr);
}

static void test_connect_refused(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char addr[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  /* A port that was just ours and is now closed refuses connections. */
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL);
  snprintf(addr, sizeof(addr), "%s", addr_of(lc, "tcp"));
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(&mgr, 0);
  assert_null(mg_next(&mgr, NULL));
  assert_non_null(mg_connect(&mgr, addr, count_cli));
  POLL_UNTIL(&mgr, s_cli.closed, 10);
  {
    char want[64];
    snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", ECONNREFUSED);
    assert_string_equal(s_cli.log, want);
  }
  mg_mgr_free(&mgr);
}

static void test_bad_addresses(void **state) {
  static const char *bad[] = {
      "",           "tcp://",        "1.2.3.4",        "1.2.3.4:",
      "1.2.3.4:x",  "1.2.3.4:65536", "1.2.3.4.5:80",   "[::1]",
      "[::1:80",    "[zz]:80",       "bad host:80",    "udp://[::1]:-1",
      "tcp://:123456",
  };
  struct mg_mgr mgr;
  size_t i;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    const char *err = NULL;
    struct mg_connect_opts co;
    struct mg_bind_opts bo;
    memset(&co, 0, sizeof(co));
    memset(&bo, 0, sizeof(bo));
    co.error_string = &err;
    assert_null(mg_connect_opt(&mgr, bad[i], count_cli, co));
    assert_string_equal(err, "cannot parse address");
    err = NULL;
    bo.error_string = &err;
    assert_null(mg_bind_opt(&mgr, bad[i], count_cli, bo));
    assert_string_equal(err, "cannot parse address");
  }
  /* A host name is fine for connect but not for bind, which would have to
   * block on the lookup. */
  {
    const char *err = NULL;
    struct mg_bind_opts bo;
    memset(&bo, 0, sizeof(bo));
    bo.error_string = &err;
    assert_null(mg_bind_opt(&mgr, "example.org:80", NULL, bo));
    assert_string_equal(err, "cannot parse address");
  }
  /* Nothing was created, so nothing gets an event. */
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_poll(&mgr, 0);
  assert_int_equal(s_cli.counts[MG_EV_CLOSE], 0);
  mg_mgr_free(&mgr);
}

/* Port 0: after the bind, nc->sa holds the port the system chose, the same
 * one getsockname reports, for TCP and UDP alike. */
static void check_port_zero(struct mg_mgr *mgr, const char *addr, const char *ip) {
  struct mg_connection *lc = mg_bind(mgr, addr, NULL);
  char buf[64], want[64];
  union socket_address got;
  socklen_t len = sizeof(got);
  assert_non_null(lc);
  assert_int_equal(getsockname(lc->sock, &got.sa, &len), 0);
  assert_int_not_equal(ntohs(got.sin.sin_port), 0);
  assert_int_equal(lc->sa.sin.sin_port, got.sin.sin_port);
  snprintf(want, sizeof(want), "%s:%d", ip, ntohs(got.sin.sin_port));
  /* With REMOTE a listener shows nc->sa: the real port, not 0. */
  mg_conn_addr_to_str(lc, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                          MG_SOCK_STRINGIFY_REMOTE);
  assert_string_equal(buf, want);
  mg_conn_addr_to_str(lc, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, want);
  mg_sock_addr_to_str(&lc->sa, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, want);
}

static void test_bind_port_zero_fills_sa(void **state) {
  struct mg_mgr mgr;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  check_port_zero(&mgr, "tcp://127.0.0.1:0", "127.0.0.1");
  check_port_zero(&mgr, "udp://127.0.0.1:0", "127.0.0.1");
  check_port_zero(&mgr, "0", "0.0.0.0");
  mg_mgr_free(&mgr);
}

/* A listen the system refuses: Mongoose 6's words, the errno in errno. */
static void test_bind_in_use(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_bind_opts bo;
  const char *err = NULL;
  char addr[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL);
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), "%s", addr_of(lc, "tcp"));
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  errno = 0;
  assert_null(mg_bind_opt(&mgr, addr, NULL, bo));
  assert_string_equal(err, "failed to open listener");
  assert_int_equal(errno, EADDRINUSE);
  assert_ptr_equal(mg_next(&mgr, NULL), lc);
  assert_null(mg_next(&mgr, lc));
  mg_mgr_free(&mgr);
}

static void test_bind_forms_and_ipv6(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char buf[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_bind(&mgr, "0", NULL));      /* port only */
  assert_non_null(mg_bind(&mgr, ":0", NULL));     /* empty host */
  assert_non_null(mg_bind(&mgr, "127.0.0.1:0", NULL));
  lc = mg_bind(&mgr, "tcp://[::1]:0", echo_srv);
  if (lc == NULL) {
    mg_mgr_free(&mgr);
    skip(); /* no IPv6 loopback on this machine */
  }
  mg_conn_addr_to_str(lc, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_true(strncmp(buf, "[::1]:", 6) == 0);
  snprintf(buf, sizeof(buf), "tcp://[::1]:%d", local_port(lc));
  c = mg_connect(&mgr, buf, hello_cli);
  assert_non_null(c);
  POLL_UNTIL(&mgr, s_cli.closed, 10);
  assert_string_equal(s_cli.log, "CONNECT(0) SEND(5) RECV(5) CLOSE");
  mg_mgr_free(&mgr);
}

/* TCP_NODELAY on both ends (no delayed-ACK stalls), close-on-exec and
 * non-blocking everywhere, SO_REUSEADDR on listeners. */
static struct mg_connection *s_accepted;
static void keep_accepted(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) s_accepted = nc;
}

static int sockopt(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof(v);
  assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
  return v;
}

static void assert_fd_flags(int fd) {
  assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static void test_socket_options(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  (void) state;
  s_accepted = NULL;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", keep_accepted);
  c = mg_connect(&mgr, addr_of(lc, "tcp"), count_cli);
  POLL_UNTIL(&mgr, s_accepted != NULL && s_cli.counts[MG_EV_CONNECT], 10);
  assert_non_null(s_accepted);
  assert_true(sockopt(lc->sock, SOL_SOCKET, SO_REUSEADDR));
  assert_fd_flags(lc->sock);
  assert_true(sockopt(c->sock, IPPROTO_TCP, TCP_NODELAY));
  assert_fd_flags(c->sock);
  assert_true(sockopt(s_accepted->sock, IPPROTO_TCP, TCP_NODELAY));
  assert_fd_flags(s_accepted->sock);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_client_server_event_order, setup),
      cmocka_unit_test_setup(test_mgr_free_closes_everything_once, setup),
      cmocka_unit_test_setup(test_engine_flags_cannot_be_changed, setup),
      cmocka_unit_test_setup(test_close_in_accept_acts_in_same_poll, setup),
      cmocka_unit_test_setup(test_connect_refused, setup),
      cmocka_unit_test_setup(test_bad_addresses, setup),
      cmocka_unit_test_setup(test_bind_forms_and_ipv6, setup),
      cmocka_unit_test_setup(test_bind_port_zero_fills_sa, setup),
      cmocka_unit_test_setup(test_bind_in_use, setup),
      cmocka_unit_test_setup(test_socket_options, setup),
  };
  return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
