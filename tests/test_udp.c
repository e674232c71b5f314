/*
 * test_udp.c - UDP on the native iface: a listener gives each peer its own
 * connection, and every mg_send() is one datagram. A per-peer connection
 * starts with MG_F_SEND_AND_CLOSE (a reply closes it); the echo below clears
 * the flag unless s_one_shot is set, to hold longer conversations.
 */
#include "testutil.h"

struct peer {
  struct rec rec;
  int sizes[8];
  int nsizes;
  char data[64];
};

static struct peer s_srv[4];
static int s_nsrv;
static int s_one_shot;      /* keep the per-peer default: close after reply */
static int s_flag_on_accept; /* MG_F_SEND_AND_CLOSE as ACCEPT found it */

static void udp_echo(struct mg_connection *nc, int ev, void *ev_data) {
  struct peer *p;
  if (nc->flags & MG_F_LISTENING) return;
  if (ev == MG_EV_ACCEPT) {
    assert_true(s_nsrv < 4);
    nc->user_data = &s_srv[s_nsrv++];
    assert_true(nc->flags & MG_F_UDP);
    s_flag_on_accept = (nc->flags & MG_F_SEND_AND_CLOSE) != 0;
    if (!s_one_shot) nc->flags &= ~MG_F_SEND_AND_CLOSE;
  }
  p = (struct peer *) nc->user_data;
  rec_add(&p->rec, ev, ev_data);
  if (ev == MG_EV_RECV) {
    int n = *(int *) ev_data;
    if (p->nsizes < 8) p->sizes[p->nsizes++] = n;
    /* Echo each datagram back on its own. */
    mg_send(nc, nc->recv_mbuf.buf, n);
    mbuf_remove(&nc->recv_mbuf, (size_t) n);
  }
}

static void udp_client(struct mg_connection *nc, int ev, void *ev_data) {
  struct peer *p = (struct peer *) nc->user_data;
  rec_add(&p->rec, ev, ev_data);
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    /* Three sends in one handler call: three datagrams, not one. */
    mg_send(nc, p->data, 1);
    mg_send(nc, p->data, 2);
    mg_send(nc, p->data, 3);
  }
  if (ev == MG_EV_RECV) {
    int n = *(int *) ev_data;
    if (p->nsizes < 8) p->sizes[p->nsizes++] = n;
    mbuf_remove(&nc->recv_mbuf, (size_t) n);
    if (p->nsizes == 3) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void test_udp_echo_one_datagram_per_send(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct peer cli;
  (void) state;
  memset(s_srv, 0, sizeof(s_srv));
  s_nsrv = 0;
  s_one_shot = 0;
  memset(&cli, 0, sizeof(cli));
  strcpy(cli.data, "abc");
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "udp://127.0.0.1:0", udp_echo);
  assert_non_null(lc);
  assert_true(lc->flags & MG_F_UDP);
  c = mg_connect(&mgr, addr_of(lc, "udp"), udp_client);
  assert_non_null(c);
  c->user_data = &cli;
  POLL_UNTIL(&mgr, cli.rec.closed, 10);
  assert_string_equal(cli.rec.log,
                      "CONNECT(0) SEND(1) SEND(2) SEND(3) RECV(1) RECV(2) "
                      "RECV(3) CLOSE");
  assert_int_equal(s_nsrv, 1);
  /* How the server's RECVs and SENDs interleave depends on when the
   * datagrams arrive; their sizes and counts do not. */
  assert_true(strncmp(s_srv[0].rec.log, "ACCEPT RECV(1)", 14) == 0);
  assert_int_equal(s_srv[0].nsizes, 3);
  assert_int_equal(s_srv[0].sizes[0], 1);
  assert_int_equal(s_srv[0].sizes[1], 2);
  assert_int_equal(s_srv[0].sizes[2], 3);
  assert_int_equal(s_srv[0].rec.counts[MG_EV_SEND], 3);
  mg_mgr_free(&mgr);
  assert_int_equal(s_srv[0].rec.counts[MG_EV_CLOSE], 1);
}

static void test_udp_connection_per_peer(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct peer a, b;
  char addr[64];
  (void) state;
  memset(s_srv, 0, sizeof(s_srv));
  s_nsrv = 0;
  s_one_shot = 0;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  strcpy(a.data, "AAA");
  strcpy(b.data, "BBB");
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "udp://127.0.0.1:0", udp_echo);
  snprintf(addr, sizeof(addr), "%s", addr_of(lc, "udp"));
  mg_connect(&mgr, addr, udp_client)->user_data = &a;
  mg_connect(&mgr, addr, udp_client)->user_data = &b;
  POLL_UNTIL(&mgr, a.rec.closed && b.rec.closed, 10);
  assert_int_equal(a.nsizes + b.nsizes, 6);
  assert_int_equal(s_nsrv, 2);
  assert_int_equal(s_srv[0].rec.counts[MG_EV_ACCEPT], 1);
  assert_int_equal(s_srv[1].rec.counts[MG_EV_ACCEPT], 1);
  assert_int_equal(s_srv[0].rec.counts[MG_EV_RECV], 3);
  assert_int_equal(s_srv[1].rec.counts[MG_EV_RECV], 3);
  /* Closing the listener closes the per-peer connections too. */
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(&mgr, 0);
  mg_mgr_poll(&mgr, 0);
  assert_int_equal(s_srv[0].rec.counts[MG_EV_CLOSE], 1);
  assert_int_equal(s_srv[1].rec.counts[MG_EV_CLOSE], 1);
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
}

/* A client that sends one datagram per reply it gets, `want` in all. */
static int s_want;
static void udp_pinger(struct mg_connection *nc, int ev, void *ev_data) {
  struct peer *p = (struct peer *) nc->user_data;
  rec_add(&p->rec, ev, ev_data);
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) mg_send(nc, "hello", 5);
  if (ev == MG_EV_RECV) {
    int n = *(int *) ev_data;
    if (p->nsizes < 8) p->sizes[p->nsizes++] = n;
    mbuf_remove(&nc->recv_mbuf, (size_t) n);
    if (p->nsizes < s_want) {
      mg_send(nc, "again!", 6);
    } else {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
}

/* As in Mongoose 6: the reply goes out, then the per-peer connection
 * closes; the peer's next datagram gets a connection of its own. */
static void test_udp_reply_closes_peer_connection(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct peer cli;
  (void) state;
  memset(s_srv, 0, sizeof(s_srv));
  s_nsrv = 0;
  s_one_shot = 1;
  s_flag_on_accept = 0;
  s_want = 2;
  memset(&cli, 0, sizeof(cli));
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "udp://127.0.0.1:0", udp_echo);
  assert_non_null(lc);
  assert_false(lc->flags & MG_F_SEND_AND_CLOSE);
  mg_connect(&mgr, addr_of(lc, "udp"), udp_pinger)->user_data = &cli;
  POLL_UNTIL(&mgr, cli.rec.closed && s_nsrv == 2 && s_srv[1].rec.closed, 10);
  assert_int_equal(s_flag_on_accept, 1);
  assert_string_equal(cli.rec.log, "CONNECT(0) SEND(5) RECV(5) SEND(6) RECV(6) CLOSE");
  assert_int_equal(s_nsrv, 2);
  assert_string_equal(s_srv[0].rec.log, "ACCEPT RECV(5) SEND(5) CLOSE");
  assert_string_equal(s_srv[1].rec.log, "ACCEPT RECV(6) SEND(6) CLOSE");
  assert_int_equal(s_srv[0].rec.after_close, 0);
  /* Only the listener is left. */
  assert_ptr_equal(mg_next(&mgr, NULL), lc);
  assert_null(mg_next(&mgr, lc));
  mg_mgr_free(&mgr);
}

/* A handler that clears the flag keeps the conversation on one connection
 * until the listener goes. */
static void test_udp_cleared_flag_keeps_connection(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct peer cli;
  (void) state;
  memset(s_srv, 0, sizeof(s_srv));
  s_nsrv = 0;
  s_one_shot = 0;
  s_want = 3;
  memset(&cli, 0, sizeof(cli));
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "udp://127.0.0.1:0", udp_echo);
  mg_connect(&mgr, addr_of(lc, "udp"), udp_pinger)->user_data = &cli;
  POLL_UNTIL(&mgr, cli.rec.closed, 10);
  mg_mgr_poll(&mgr, 0);
  assert_int_equal(s_nsrv, 1);
  assert_string_equal(s_srv[0].rec.log,
                      "ACCEPT RECV(5) SEND(5) RECV(6) SEND(6) RECV(6) SEND(6)");
  assert_false(s_srv[0].rec.closed);
  mg_mgr_free(&mgr);
  assert_string_equal(s_srv[0].rec.log,
                      "ACCEPT RECV(5) SEND(5) RECV(6) SEND(6) RECV(6) SEND(6) CLOSE");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_udp_echo_one_datagram_per_send),
      cmocka_unit_test(test_udp_connection_per_peer),
      cmocka_unit_test(test_udp_reply_closes_peer_connection),
      cmocka_unit_test(test_udp_cleared_flag_keeps_connection),
  };
  return cmocka_run_group_tests_name("udp", tests, NULL, NULL);
}
