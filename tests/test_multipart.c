/*
 * test_multipart.c - multipart/form-data requests (RFC 7578, RFC 2046):
 *
 *   - streamed to the handler part by part on the simulated iface, with the
 *     exact event sequence and data: a request split at every byte offset,
 *     one byte per read, several parts with a preamble, padding and an
 *     epilogue, a quoted boundary, a chunked body, routing to an endpoint,
 *     a request pipelined behind the body;
 *   - num_data_consumed: data the handler leaves is offered again, first;
 *     data it refuses outright (0) comes back with the next read or, when
 *     no byte will come (all received, or recv_mbuf full), on the next
 *     poll, from the first byte not taken, in chunked bodies too;
 *   - errors: no boundary (400), a malformed part header, a peer that
 *     closes mid-part (error statuses, then the close);
 *   - a 64 MiB part through a bounded recv_mbuf;
 *   - mg_parse_multipart over whole bodies, good and bad;
 *   - mg_file_upload_handler writing real files, refusing one (403), a
 *     peer gone mid-file (the partial file removed, nothing leaked), writes
 *     failing on /dev/full and a file that cannot be opened (500, the
 *     connection serving the next request, no descriptor left open).
 */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "testutil.h"

#define MS 1000LL
#define SERVER_ADDR "10.0.0.1:80"

struct fx {
  struct sim *sim;
  struct mg_mgr mgr;
  struct mg_connection *lc, *nc;
  struct sim_peer *peer;
  char log[8192];        /* the multipart events, in order */
  struct mbuf data;      /* every PART_DATA byte taken, parts separated by '|' */
  size_t consume_limit;  /* 0: take all of each PART_DATA */
  size_t max_recv;       /* the largest recv_mbuf.len seen */
  size_t big_bytes;      /* big-part test: bytes taken */
  uint32_t big_sum;      /* and their checksum */
  int quiet;             /* no logging of PART_DATA (the big part) */
  char got[8192];
  char dir[64];          /* upload tests: the temp dir */
  int refuse;            /* upload tests: the name callback refuses */
  char force[256];       /* upload tests: if set, the name callback's answer */
  int answer_ev;         /* upload tests: the event that queued the reply */
  int answer_at;         /* and how many PART_DATA had come by then */
  /* Held data: PART_DATA left untaken (num_data_consumed = 0). */
  int hold;              /* refuse every PART_DATA */
  size_t hold_below;     /* refuse a PART_DATA shorter than this */
  int alternate;         /* refuse every other PART_DATA, take 3 of the rest */
  const size_t *plan;    /* per PART_DATA, bytes to take (SIZE_MAX: all) */
  size_t plan_n, plan_i;
  int offers, refusals;  /* PART_DATA events seen, and refused */
  char last_hold[256];   /* the HOLD logged last, for repeats */
  const char *const *expect; /* per part: the bytes every offer continues */
  int part_no;           /* the part being received, from 0 */
  size_t part_taken;     /* bytes of it taken so far */
};

static struct fx *fx_of(struct mg_connection *nc) {
  return (struct fx *) nc->mgr->user_data;
}

static void log_add(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(struct fx *f, const char *fmt, ...) {
  size_t used = strlen(f->log);
  va_list ap;
  if (used > 0 && used + 1 < sizeof(f->log)) f->log[used++] = ' ';
  va_start(ap, fmt);
  vsnprintf(f->log + used, sizeof(f->log) - used, fmt, ap);
  va_end(ap);
}

/* Records the multipart events as BEGIN(var,file) DATA(len/taken) END(st)
 * REQEND(st), and answers a request that ended well with "ok". */
static void record(struct mg_connection *nc, const char *who, int ev, void *ev_data) {
  struct fx *f = fx_of(nc);
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (nc->recv_mbuf.len > f->max_recv) f->max_recv = nc->recv_mbuf.len;
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      log_add(f, "%s:REQUEST(%.*s,%zu)", who, (int) hm->uri.len, hm->uri.p, hm->body.len);
      mg_send_head(nc, 200, 2, NULL);
      mg_printf(nc, "%s", "ok");
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST:
      log_add(f, "%s:MP(%.*s,%zu)", who, (int) hm->uri.len, hm->uri.p, hm->body.len);
      mp = NULL;
      break;
    case MG_EV_HTTP_PART_BEGIN:
      log_add(f, "BEGIN(%s,%s)", mp->var_name, mp->file_name);
      f->part_no++;
      f->part_taken = 0;
      assert_int_equal(mp->data.len, 0);
      if (mp->user_data == NULL) mp->user_data = f; /* kept to the end */
      break;
    case MG_EV_HTTP_PART_DATA:
      assert_ptr_equal(mp->user_data, f);
      assert_int_equal(mp->num_data_consumed, mp->data.len);
      assert_true(mp->data.len > 0);
      if (f->expect != NULL) {
        /* Nothing skipped, nothing offered twice once taken. */
        const char *want = f->expect[f->part_no];
        assert_true(f->part_taken + mp->data.len <= strlen(want));
        assert_memory_equal(mp->data.p, want + f->part_taken, mp->data.len);
      }
      f->offers++;
      if (f->hold || mp->data.len < f->hold_below || (f->alternate && f->offers % 2 == 1)) {
        char hold[256];
        f->refusals++;
        mp->num_data_consumed = 0;
        snprintf(hold, sizeof(hold), "HOLD(%.*s)", (int) mp->data.len, mp->data.p);
        /* The same offer repeated (one per poll) is logged once. */
        if (!f->alternate && strcmp(hold, f->last_hold) != 0) log_add(f, "%s", hold);
        snprintf(f->last_hold, sizeof(f->last_hold), "%s", hold);
        break;
      }
      f->last_hold[0] = '\0';
      if (f->alternate && mp->num_data_consumed > 3) mp->num_data_consumed = 3;
      if (f->plan_i < f->plan_n && f->plan[f->plan_i++] < mp->num_data_consumed) {
        mp->num_data_consumed = f->plan[f->plan_i - 1];
      }
      if (f->consume_limit > 0 && mp->num_data_consumed > f->consume_limit) {
        mp->num_data_consumed = f->consume_limit;
      }
      f->part_taken += mp->num_data_consumed;
      if (f->quiet) {
        size_t i;
        for (i = 0; i < mp->data.len; i++) {
          f->big_bytes++;
          f->big_sum = f->big_sum * 31 + (unsigned char) mp->data.p[i];
        }
        break;
      }
      if (!f->alternate) {
        log_add(f, "DATA(%.*s/%zu)", (int) mp->data.len, mp->data.p, mp->num_data_consumed);
      }
      mbuf_append(&f->data, mp->data.p, mp->num_data_consumed);
      break;
    case MG_EV_HTTP_PART_END:
      assert_ptr_equal(mp->user_data, f);
      log_add(f, "END(%d)", mp->status);
      mbuf_append(&f->data, "|", 1);
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      log_add(f, "REQEND(%d)", mp->status);
      if (mp->status == 0) {
        mg_send_head(nc, 200, 2, NULL);
        mg_printf(nc, "%s", "ok");
      }
      break;
    case MG_EV_CLOSE:
      log_add(f, "%s:CLOSE", who);
      break;
    default:
      break;
  }
}

static void main_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fx *f = fx_of(nc);
  if (ev == MG_EV_ACCEPT) f->nc = nc;
  record(nc, "main", ev, ev_data);
  if (ev == MG_EV_CLOSE && f->nc == nc) f->nc = NULL;
}

static void ep_upload(struct mg_connection *nc, int ev, void *ev_data) {
  record(nc, "ep", ev, ev_data);
}

static void run_ms(struct fx *f, int64_t ms) {
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + ms * MS), 0);
}

static int setup(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  f->part_no = -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if ((f->lc = mg_bind(&f->mgr, "tcp://" SERVER_ADDR, main_handler)) == NULL) return -1;
  mg_set_protocol_http_websocket(f->lc);
  mbuf_init(&f->data, 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_mgr_free(&f->mgr);
  sim_free(f->sim);
  mbuf_free(&f->data);
  free(f);
  return 0;
}

static void connect_peer(struct fx *f) {
  f->peer = sim_peer_new(f->sim, "p");
  assert_non_null(f->peer);
  assert_int_equal(sim_peer_connect(f->peer, SERVER_ADDR), 0);
  run_ms(f, 1);
  assert_non_null(f->nc);
}

static void send_bytes(struct fx *f, const char *p, size_t n) {
  assert_int_equal(sim_peer_send(f->peer, p, n), 0);
}

static const char *take(struct fx *f) {
  const struct mbuf *rx = sim_peer_received(f->peer);
  size_t *cursor = sim_peer_cursor(f->peer), n = rx->len - *cursor;
  char *line;
  assert_true(n < sizeof(f->got));
  if (n > 0) memcpy(f->got, rx->buf + *cursor, n);
  f->got[n] = '\0';
  *cursor = rx->len;
  /* The Server and Date lines are not this file's business. */
  while ((line = strstr(f->got, "\r\nServer: ")) != NULL ||
         (line = strstr(f->got, "\r\nDate: ")) != NULL) {
    char *end = strstr(line + 2, "\r\n");
    memmove(line, end, strlen(end) + 1);
  }
  return f->got;
}

static void reset_log(struct fx *f) {
  f->log[0] = '\0';
  mbuf_clear(&f->data);
}

static void assert_data(struct fx *f, const char *want) {
  assert_int_equal(f->data.len, strlen(want));
  assert_memory_equal(f->data.buf, want, f->data.len);
}

/* A request head for a multipart body of len bytes. */
static const char *head_for(const char *uri, const char *ctype, size_t len) {
  static char buf[512];
  snprintf(buf, sizeof(buf),
           "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
           uri, ctype, len);
  return buf;
}

#define OK_REPLY "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

/* Two parts: a field, then a file whose data holds CRLFs, dashes and most
 * of a delimiter, none of which may end it. */
#define BODY2                                                                   \
  "--Bnd\r\n"                                                                  \
  "Content-Disposition: form-data; name=\"field\"\r\n\r\n"                     \
  "value\r\n"                                                                   \
  "--Bnd\r\n"                                                                  \
  "Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n"        \
  "Content-Type: text/plain\r\n\r\n"                                           \
  "x\r\n--Bn\r\n-\r\n--Bnx\r\n\r\n"                                            \
  "\r\n--Bnd--\r\n"

/* ---- streaming --------------------------------------------------------- */

/* The same request on one keep-alive connection, cut into two sends at
 * every byte offset: whatever the cut, the same parts and bytes. */
static void test_split_at_every_offset(void **state) {
  struct fx *f = (struct fx *) *state;
  char req[1024];
  size_t n, cut;
  const char *body = BODY2;
  n = (size_t) snprintf(req, sizeof(req), "%s%s",
                        head_for("/up", "multipart/form-data; boundary=Bnd", strlen(body)),
                        body);
  connect_peer(f);
  for (cut = 0; cut <= n; cut++) {
    reset_log(f);
    send_bytes(f, req, cut);
    run_ms(f, 1);
    send_bytes(f, req + cut, n - cut);
    run_ms(f, 1);
    assert_int_equal(strncmp(f->log, "main:MP(/up,0) BEGIN(field,) DATA(", 34), 0);
    assert_non_null(strstr(f->log, "END(0) REQEND(0)"));
    assert_data(f, "value|x\r\n--Bn\r\n-\r\n--Bnx\r\n\r\n|");
    assert_string_equal(take(f), OK_REPLY);
  }
  assert_non_null(f->nc);
}

/* One byte per read: the exact event sequence, a PART_DATA per byte that
 * cannot start a delimiter, none holding a byte of one. */
static void test_one_byte_reads(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body = "--Q\r\n\r\nab\r\n-c\r\n--Q--";
  sim_knobs(f->sim)->read_split = 1;
  connect_peer(f);
  send_bytes(f, head_for("/x", "multipart/form-data; boundary=Q", strlen(body)),
             strlen(head_for("/x", "multipart/form-data; boundary=Q", strlen(body))));
  send_bytes(f, body, strlen(body));
  run_ms(f, 5);
  assert_string_equal(f->log,
                      "main:MP(/x,0) BEGIN(,) DATA(a/1) DATA(b/1) DATA(\r\n-c/4) END(0) "
                      "REQEND(0)");
  assert_data(f, "ab\r\n-c|");
  assert_string_equal(take(f), OK_REPLY);
}

/* A preamble, padding after a delimiter, a part without headers, an empty
 * part, an epilogue; then a GET pipelined behind the body is answered. */
static void test_preamble_padding_epilogue_pipelined(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body =
      "ignored preamble\r\n--b \t\r\n\r\none\r\n--b\r\n"
      "content-disposition: form-data; name=e\r\n\r\n\r\n--b--\r\nepilogue";
  char req[1024];
  int n = snprintf(req, sizeof(req), "%s%sGET /next HTTP/1.1\r\nHost: t\r\n\r\n",
                   head_for("/m", "Multipart/Form-Data;boundary=b", strlen(body)), body);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 2);
  assert_string_equal(f->log,
                      "main:MP(/m,0) BEGIN(,) DATA(one/3) END(0) BEGIN(e,) END(0) "
                      "REQEND(0) main:REQUEST(/next,0)");
  assert_data(f, "one||");
  assert_string_equal(take(f), OK_REPLY OK_REPLY);
}

/* A quoted boundary with characters a token may not hold. */
static void test_quoted_boundary(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char body[] =
      "--a b:c?\r\nContent-Disposition: form-data; name=\"q\"; filename=\"r s.bin\"\r\n\r\n"
      "\x00\x01\xff\r\n--a b:c?--\r\n";
  size_t blen = sizeof(body) - 1, hl;
  char req[1024];
  const char *h = head_for("/q", "multipart/form-data; boundary=\"a b:c?\"; charset=x", blen);
  hl = strlen(h);
  memcpy(req, h, hl);
  memcpy(req + hl, body, blen);
  connect_peer(f);
  send_bytes(f, req, hl + blen);
  run_ms(f, 2);
  /* %.*s stops at the NUL: the data is checked byte by byte below */
  assert_string_equal(f->log, "main:MP(/q,0) BEGIN(q,r s.bin) DATA(/3) END(0) REQEND(0)");
  assert_int_equal(f->data.len, 4);
  assert_memory_equal(f->data.buf, "\x00\x01\xff|", 4);
  assert_string_equal(take(f), OK_REPLY);
}

/* The handler takes 3 bytes of each PART_DATA: the rest is offered again,
 * first, until all is taken. */
static void test_backpressure(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body = "--K\r\n\r\n0123456789\r\n--K--\r\n";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/b", "multipart/form-data; boundary=K", strlen(body)), body);
  f->consume_limit = 3;
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 10);
  assert_string_equal(f->log,
                      "main:MP(/b,0) BEGIN(,) DATA(0123456789/3) DATA(3456789/3) "
                      "DATA(6789/3) DATA(9/1) END(0) REQEND(0)");
  assert_data(f, "0123456789|");
  assert_string_equal(take(f), OK_REPLY);
}

/* ---- data the handler holds back (num_data_consumed = 0) ------------------ */

/* Refused while it is only the first read's bytes (the polls in between
 * offer them again and are refused too): they come again, first, together
 * with the next read's. */
static void test_held_data_offered_with_next_read(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char *const parts[] = {"0123456789abcdef"};
  const char *body = "--K\r\n\r\n0123456789abcdef\r\n--K--\r\n";
  const char *h = head_for("/r", "multipart/form-data; boundary=K", strlen(body));
  f->expect = parts;
  f->hold_below = 16;
  connect_peer(f);
  send_bytes(f, h, strlen(h));
  send_bytes(f, body, 12); /* "--K\r\n\r\n01234" */
  run_ms(f, 3);
  assert_string_equal(f->log, "main:MP(/r,0) BEGIN(,) HOLD(01234)");
  assert_int_equal(f->data.len, 0);
  assert_string_equal(take(f), "");
  send_bytes(f, body + 12, strlen(body) - 12);
  run_ms(f, 2);
  assert_string_equal(f->log,
                      "main:MP(/r,0) BEGIN(,) HOLD(01234) DATA(0123456789abcdef/16) END(0) "
                      "REQEND(0)");
  assert_data(f, "0123456789abcdef|");
  assert_string_equal(take(f), OK_REPLY);
}

/* The whole request, and a GET behind it, arrive at once and the handler
 * refuses: no byte will come from the peer again, so only the retry on
 * MG_EV_POLL can deliver the part. It must not spin either: one offer per
 * poll, not a loop inside one. */
static void test_held_data_retried_on_poll(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char *const parts[] = {"0123456789abcdef"};
  const char *body = "--K\r\n\r\n0123456789abcdef\r\n--K--\r\n";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%sGET /next HTTP/1.1\r\nHost: t\r\n\r\n",
                   head_for("/p", "multipart/form-data; boundary=K", strlen(body)), body);
  f->expect = parts;
  f->hold = 1;
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 20);
  assert_string_equal(f->log, "main:MP(/p,0) BEGIN(,) HOLD(0123456789abcdef)");
  assert_true(f->refusals >= 2); /* offered again with no byte arriving */
  assert_true(f->refusals <= 50);
  assert_int_equal(f->data.len, 0);
  assert_string_equal(take(f), "");
  /* The handler now takes 5 bytes at a time. */
  f->hold = 0;
  f->consume_limit = 5;
  run_ms(f, 1); /* the next poll offers the part again */
  assert_string_equal(f->log,
                      "main:MP(/p,0) BEGIN(,) HOLD(0123456789abcdef) "
                      "DATA(0123456789abcdef/5) DATA(56789abcdef/5) DATA(abcdef/5) "
                      "DATA(f/1) END(0) REQEND(0) main:REQUEST(/next,0)");
  assert_data(f, "0123456789abcdef|");
  run_ms(f, 1); /* the replies, sent at that poll, reach the peer */
  assert_string_equal(take(f), OK_REPLY OK_REPLY);
  assert_non_null(f->nc);
}

/* The peer half-closes right behind the body. The held part is offered
 * once more, at the poll that handles the FIN, before the connection
 * closes; taken then, the request ends well and its reply still goes out
 * before the close. */
static void test_held_data_then_fin(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char *const parts[] = {"0123456789"};
  static const size_t plan[] = {0, SIZE_MAX};
  const char *body = "--K\r\n\r\n0123456789\r\n--K--\r\n";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/z", "multipart/form-data; boundary=K", strlen(body)), body);
  f->expect = parts;
  f->plan = plan;
  f->plan_n = sizeof(plan) / sizeof(plan[0]);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  assert_int_equal(sim_peer_close(f->peer), 0);
  run_ms(f, 5);
  assert_string_equal(f->log,
                      "main:MP(/z,0) BEGIN(,) DATA(0123456789/0) DATA(0123456789/10) END(0) "
                      "REQEND(0) main:CLOSE");
  assert_data(f, "0123456789|");
  assert_string_equal(take(f), OK_REPLY);
  assert_true(sim_peer_got_fin(f->peer));
}

/* Chunked, two parts, all bytes at once: a refusal after some of a part
 * was taken, and one at the start of the next; each resumes on a poll at
 * the first byte not taken. */
static void test_held_data_chunked_two_parts(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char *const parts[] = {"0123456789", "xy"};
  static const size_t plan[] = {3, 0, SIZE_MAX, 0, SIZE_MAX};
  const char *req =
      "POST /c HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=K\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "b\r\n--K\r\n\r\n0123\r\n"
      "6\r\n456789\r\n"
      "f\r\n\r\n--K\r\nContent-\r\n"
      "18\r\nDisposition: form-data; \r\n"
      "15\r\nname=b\r\n\r\nxy\r\n--K--\r\n\r\n"
      "0\r\n\r\n";
  f->expect = parts;
  f->plan = plan;
  f->plan_n = sizeof(plan) / sizeof(plan[0]);
  connect_peer(f);
  send_bytes(f, req, strlen(req));
  run_ms(f, 5);
  run_ms(f, 1); /* the reply, sent at the last retry, reaches the peer */
  assert_string_equal(f->log,
                      "main:MP(/c,0) BEGIN(,) DATA(0123456789/3) DATA(3456789/0) "
                      "DATA(3456789/7) END(0) BEGIN(b,) DATA(xy/0) DATA(xy/2) END(0) "
                      "REQEND(0)");
  assert_data(f, "0123456789|xy|");
  assert_string_equal(take(f), OK_REPLY);
}

/* A recv_mbuf too small for the body, filled faster than the handler takes
 * (8 bytes a read, 3 taken every second offer): once it is full the peer
 * cannot send, and only polls move the part on. Every offer continues
 * where the taken bytes stopped, and the part arrives whole. */
static void test_held_data_full_buffer(void **state) {
  struct fx *f = (struct fx *) *state;
  static char part[2001];
  static const char *const parts[] = {part};
  char req[4096];
  size_t i, hl;
  int n;
  for (i = 0; i < sizeof(part) - 1; i++) {
    part[i] = i % 41 == 0 ? '\r' : i % 41 == 1 ? '\n' : i % 7 < 2 ? '-' : (char) ('A' + i % 23);
  }
  part[sizeof(part) - 1] = '\0';
  n = snprintf(req, sizeof(req), "--K\r\n\r\n%s\r\n--K--\r\n", part);
  hl = strlen(head_for("/f", "multipart/form-data; boundary=K", (size_t) n));
  memmove(req + hl, req, (size_t) n + 1);
  memcpy(req, head_for("/f", "multipart/form-data; boundary=K", (size_t) n), hl);
  f->expect = parts;
  f->alternate = 1;
  f->lc->recv_mbuf_limit = 200;
  sim_knobs(f->sim)->read_split = 8;
  connect_peer(f);
  send_bytes(f, req, hl + (size_t) n);
  for (i = 0; i < 100 && strstr(f->log, "REQEND") == NULL; i++) run_ms(f, 1);
  run_ms(f, 1);
  assert_string_equal(f->log, "main:MP(/f,0) BEGIN(,) END(0) REQEND(0)");
  assert_int_equal(f->data.len, strlen(part) + 1);
  assert_memory_equal(f->data.buf, part, strlen(part));
  assert_int_equal(f->data.buf[strlen(part)], '|');
  assert_true(f->refusals >= 2000 / 3); /* 3 bytes per taking offer */
  assert_int_equal(f->offers, 2 * f->refusals);
  assert_int_equal(f->max_recv, 200); /* it did fill up */
  assert_string_equal(take(f), OK_REPLY);
}

/* A chunked body whose chunks cut the delimiter and the part header. */
static void test_chunked_body(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *req =
      "POST /c HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=Z\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "5\r\n--Z\r\n\r\n"
      "a\r\nContent-Di\r\n"
      "20\r\nsposition: form-data; name=n\r\n\r\n\r\n"
      "4\r\nda\r\n\r\n"
      "3\r\n--Z\r\n"
      "4\r\n--\r\n\r\n0\r\n\r\n";
  connect_peer(f);
  send_bytes(f, req, strlen(req));
  run_ms(f, 2);
  assert_string_equal(f->log, "main:MP(/c,0) BEGIN(n,) DATA(da/2) END(0) REQEND(0)");
  assert_string_equal(take(f), OK_REPLY);
}

/* A registered endpoint gets the multipart events; CLOSE stays with the
 * connection's handler. */
static void test_endpoint_gets_parts(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body = "--e\r\n\r\nz\r\n--e--";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/ep/1", "multipart/form-data; boundary=e", strlen(body)), body);
  mg_register_http_endpoint(f->lc, "/ep", ep_upload);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 2);
  assert_string_equal(f->log, "ep:MP(/ep/1,0) BEGIN(,) DATA(z/1) END(0) REQEND(0)");
}

/* ---- errors ------------------------------------------------------------ */

static void test_missing_boundary_400(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *h = head_for("/n", "multipart/form-data; charset=utf-8", 4);
  connect_peer(f);
  send_bytes(f, h, strlen(h));
  send_bytes(f, "abcd", 4);
  run_ms(f, 2);
  assert_true(strncmp(take(f), "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
  assert_non_null(strstr(f->got, "Connection: close\r\n"));
  /* The close lingers until the peer has been quiet for linger_timeout. */
  assert_string_equal(f->log, "");
  run_ms(f, 600);
  assert_string_equal(f->log, "main:CLOSE");
}

static void test_malformed_part_header(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body = "--m\r\n\r\nfirst\r\n--m\r\nno colon here\r\n\r\ndata\r\n--m--";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/h", "multipart/form-data; boundary=m", strlen(body)), body);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 2);
  assert_string_equal(f->log, "main:MP(/h,0) BEGIN(,) DATA(first/5) END(0) REQEND(-1)");
  assert_true(strncmp(take(f), "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
  run_ms(f, 10000);
  assert_string_equal(f->log,
                      "main:MP(/h,0) BEGIN(,) DATA(first/5) END(0) REQEND(-1) main:CLOSE");
}

/* The peer closes in the middle of a part: the part and the request end
 * with errors, before the CLOSE. */
static void test_truncated_part(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *h = head_for("/t", "multipart/form-data; boundary=T", 1000);
  const char *body = "--T\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\npartial\r\n--";
  connect_peer(f);
  send_bytes(f, h, strlen(h));
  send_bytes(f, body, strlen(body));
  run_ms(f, 2);
  assert_int_equal(sim_peer_close(f->peer), 0);
  run_ms(f, 2);
  assert_string_equal(f->log,
                      "main:MP(/t,0) BEGIN(f,) DATA(partial/7) END(-1) REQEND(-1) main:CLOSE");
  assert_data(f, "partial|");
}

/* A body that ends (Content-Length) without the close delimiter. */
static void test_body_ends_without_close_delimiter(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body = "--T\r\n\r\nabc\r\n-";
  char req[512];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/t", "multipart/form-data; boundary=T", strlen(body)), body);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 2);
  assert_string_equal(f->log, "main:MP(/t,0) BEGIN(,) DATA(abc\r\n-/6) END(-1) REQEND(-1)");
  assert_true(strncmp(take(f), "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
}

/* ---- a big part -------------------------------------------------------- */

#define BIG ((size_t) 64 * 1024 * 1024)
#define SPLIT 65536

static void test_64mib_part_bounded_window(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *pre = "--big\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b\"\r\n\r\n";
  const char *post = "\r\n--big--\r\n";
  size_t total = strlen(pre) + BIG + strlen(post), i, sent;
  uint32_t want = 0;
  char *piece = (char *) malloc(SPLIT);
  const char *h = head_for("/big", "multipart/form-data; boundary=big", total);
  assert_non_null(piece);
  f->quiet = 1;
  sim_knobs(f->sim)->read_split = SPLIT;
  sim_knobs(f->sim)->window = 4 * SPLIT; /* the peer waits for the engine */
  connect_peer(f);
  send_bytes(f, h, strlen(h));
  send_bytes(f, pre, strlen(pre));
  for (sent = 0; sent < BIG; sent += SPLIT) {
    for (i = 0; i < SPLIT; i++) {
      /* CRLF and dashes now and then: near-delimiters all along */
      size_t k = sent + i;
      piece[i] = k % 997 == 0 ? '\r' : k % 997 == 1 ? '\n' : k % 13 < 3 ? '-' : (char) ('a' + k % 26);
      want = want * 31 + (unsigned char) piece[i];
    }
    send_bytes(f, piece, SPLIT);
    run_ms(f, 1);
  }
  send_bytes(f, post, strlen(post));
  run_ms(f, 5);
  free(piece);
  assert_string_equal(f->log, "main:MP(/big,0) BEGIN(f,b) END(0) REQEND(0)");
  assert_int_equal(f->big_bytes, BIG);
  assert_int_equal(f->big_sum, want);
  /* One read and what may begin a delimiter, never the body. */
  assert_true(f->max_recv <= SPLIT + 16);
  assert_string_equal(take(f), OK_REPLY);
}

/* ---- mg_parse_multipart ------------------------------------------------- */

static void test_parse_multipart_good(void **state) {
  const char *body = BODY2;
  size_t len = strlen(body), off = 0, n;
  char var[16], file[16];
  const char *chunk;
  size_t clen;
  (void) state;
  n = mg_parse_multipart(body, len, var, sizeof(var), file, sizeof(file), &chunk, &clen);
  assert_int_equal(n, strlen("--Bnd\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"));
  assert_string_equal(var, "field");
  assert_string_equal(file, "");
  assert_int_equal(clen, 5);
  assert_memory_equal(chunk, "value", 5);
  off += n;
  n = mg_parse_multipart(body + off, len - off, var, sizeof(var), file, sizeof(file), &chunk,
                         &clen);
  assert_true(n > 0);
  assert_string_equal(var, "up");
  assert_string_equal(file, "a.txt");
  assert_int_equal(clen, strlen("x\r\n--Bn\r\n-\r\n--Bnx\r\n\r\n"));
  assert_memory_equal(chunk, "x\r\n--Bn\r\n-\r\n--Bnx\r\n\r\n", clen);
  off += n;
  assert_memory_equal(body + off, "--Bnd--", 7);
  assert_int_equal(mg_parse_multipart(body + off, len - off, var, sizeof(var), file,
                                      sizeof(file), &chunk, &clen),
                   0);
  /* A name longer than the caller's buffer is "", not cut off. */
  n = mg_parse_multipart(body, len, var, 3, file, sizeof(file), &chunk, &clen);
  assert_true(n > 0);
  assert_string_equal(var, "");
}

static void test_parse_multipart_bad(void **state) {
  static const char *bad[] = {
      "",
      "--b",
      "no boundary line\r\n\r\nx\r\n--b--",
      "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nno end",
      "--b\r\nbroken header\r\n\r\nx\r\n--b--",
      "--b\r\nA: 1\r\n",
      "--b\rX\r\n\r\nx\r\n--b--",
      "--\r\n\r\nx\r\n----",
  };
  size_t i;
  char var[8] = "junk", file[8] = "junk";
  const char *chunk = "junk";
  size_t clen = 7;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(mg_parse_multipart(bad[i], strlen(bad[i]), var, sizeof(var), file,
                                        sizeof(file), &chunk, &clen),
                     0);
    assert_string_equal(var, "");
    assert_string_equal(file, "");
    assert_null(chunk);
    assert_int_equal(clen, 0);
  }
  assert_int_equal(mg_parse_multipart(NULL, 10, NULL, 0, NULL, 0, NULL, NULL), 0);
}

/* ---- mg_file_upload_handler --------------------------------------------- */

static struct mg_str local_name(struct mg_connection *nc, struct mg_str fname) {
  struct fx *f = fx_of(nc);
  char path[256];
  if (f->refuse && mg_vcmp(&fname, "evil.txt") == 0) return mg_mk_str_n(NULL, 0);
  if (f->force[0] != '\0' && mg_vcmp(&fname, "two.txt") != 0) {
    return mg_strdup(mg_mk_str(f->force));
  }
  snprintf(path, sizeof(path), "%s/%.*s", f->dir, (int) fname.len, fname.p);
  return mg_strdup(mg_mk_str(path)); /* not NUL-terminated on purpose */
}

static void upload_ep(struct mg_connection *nc, int ev, void *ev_data) {
  struct fx *f = fx_of(nc);
  size_t before;
  if (ev >= MG_EV_HTTP_MULTIPART_REQUEST && ev <= MG_EV_HTTP_MULTIPART_REQUEST_END) {
    char name[8];
    snprintf(name, sizeof(name), "EV%d", ev);
    log_add(f, "%s", name);
  }
  if (ev == MG_EV_HTTP_PART_DATA) f->offers++;
  before = nc->send_mbuf.len;
  mg_file_upload_handler(nc, ev, ev_data, local_name);
  if (f->answer_ev == 0 && nc->send_mbuf.len > before) {
    f->answer_ev = ev;
    f->answer_at = f->offers;
  }
}

static void make_dir(struct fx *f) {
  snprintf(f->dir, sizeof(f->dir), "/tmp/mgmp.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
}

static void read_file(struct fx *f, const char *name, char *out, size_t cap) {
  char path[256];
  FILE *fp;
  size_t n;
  snprintf(path, sizeof(path), "%s/%s", f->dir, name);
  fp = fopen(path, "rb");
  assert_non_null(fp);
  n = fread(out, 1, cap - 1, fp);
  out[n] = '\0';
  fclose(fp);
}

static int exists(struct fx *f, const char *name) {
  char path[256];
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", f->dir, name);
  return stat(path, &st) == 0;
}

static void remove_all(struct fx *f, const char **names) {
  char path[256];
  for (; *names != NULL; names++) {
    snprintf(path, sizeof(path), "%s/%s", f->dir, *names);
    remove(path);
  }
  rmdir(f->dir);
}

#define UPLOAD_BODY                                                          \
  "--U\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"       \
  "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\n" \
  "first file\r\n"                                                          \
  "--U\r\nContent-Disposition: form-data; name=\"b\"; filename=\"two.bin\"\r\n\r\n" \
  "2nd\r\n--U--\r\n"

static void test_upload_writes_files(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *names[] = {"one.txt", "two.bin", NULL};
  char req[1024], content[64];
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/upload", "multipart/form-data; boundary=U", strlen(UPLOAD_BODY)),
                   UPLOAD_BODY);
  make_dir(f);
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  sim_knobs(f->sim)->read_split = 7;
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 5);
  read_file(f, "one.txt", content, sizeof(content));
  assert_string_equal(content, "first file");
  read_file(f, "two.bin", content, sizeof(content));
  assert_string_equal(content, "2nd");
  assert_string_equal(take(f),
                      "HTTP/1.1 200 OK\r\n"
                      "Content-Type: text/plain\r\nContent-Length: 35\r\n\r\n"
                      "one.txt: 10 bytes\ntwo.bin: 3 bytes\n");
  remove_all(f, names);
}

static void test_upload_refused_403(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *names[] = {"ok.txt", "evil.txt", NULL};
  const char *body =
      "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"evil.txt\"\r\n\r\n"
      "bad\r\n--U\r\nContent-Disposition: form-data; name=\"b\"; filename=\"ok.txt\"\r\n\r\n"
      "fine\r\n--U--\r\n";
  char req[1024];
  int n = snprintf(req, sizeof(req), "%s%sGET /after HTTP/1.1\r\nHost: t\r\n\r\n",
                   head_for("/upload", "multipart/form-data; boundary=U", strlen(body)), body);
  make_dir(f);
  f->refuse = 1;
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 5);
  assert_false(exists(f, "evil.txt"));
  assert_false(exists(f, "ok.txt")); /* nothing is written after the refusal */
  assert_string_equal(take(f),
                      "HTTP/1.1 403 Forbidden\r\n"
                      "Content-Type: text/plain\r\nContent-Length: 32\r\n\r\n"
                      "Not allowed to upload this file\n" OK_REPLY);
  remove_all(f, names);
}

/* The peer goes away mid-file: the partial file is removed, and the state
 * freed (ASan would report it otherwise). */
static void test_upload_peer_gone_mid_file(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *names[] = {"one.txt", NULL};
  const char *h = head_for("/upload", "multipart/form-data; boundary=U", 5000);
  const char *body =
      "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\n"
      "some of the file";
  make_dir(f);
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  connect_peer(f);
  send_bytes(f, h, strlen(h));
  send_bytes(f, body, strlen(body));
  run_ms(f, 2);
  assert_true(exists(f, "one.txt"));
  assert_int_equal(sim_peer_reset(f->peer), 0);
  run_ms(f, 2);
  assert_string_equal(f->log, "EV121 EV122 EV123 EV124 EV125 main:CLOSE");
  assert_false(exists(f, "one.txt"));
  assert_string_equal(take(f), "");
  remove_all(f, names);
}

/* Open descriptors: a FILE the handler forgot would show here. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* The callback's answer: a link in the temp dir to /dev/full, where every
 * write fails with ENOSPC. Through a link, a handler that wrongly removes
 * what it failed to write removes the link, not the device node (the tests
 * may run as root). */
static void use_dev_full(struct fx *f) {
  make_dir(f);
  snprintf(f->force, sizeof(f->force), "%s/full", f->dir);
  assert_int_equal(symlink("/dev/full", f->force), 0);
}

/* After a failed write the link is still there and /dev/full still the
 * device: only a regular file being written is removed. */
static void assert_dev_full_kept(struct fx *f) {
  struct stat st;
  assert_int_equal(lstat(f->force, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_int_equal(stat("/dev/full", &st), 0);
  assert_true(S_ISCHR(st.st_mode));
}

#define REPLY_500_WRITE                                                       \
  "HTTP/1.1 500 Internal Server Error\r\n"                                    \
  "Content-Type: text/plain\r\nContent-Length: 22\r\n\r\nCannot write the file\n"
#define REPLY_500_OPEN                                                        \
  "HTTP/1.1 500 Internal Server Error\r\n"                                    \
  "Content-Type: text/plain\r\nContent-Length: 21\r\n\r\nCannot open the file\n"
#define GET_AFTER "GET /after HTTP/1.1\r\nHost: t\r\n\r\n"

/* A small part sits in stdio's buffer until the file is closed, so the
 * write to /dev/full fails at PART_END: 500, and the connection
 * (keep-alive) serves the next request. */
static void test_upload_write_fails_at_close_500(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *body =
      "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\n"
      "small data\r\n--U--\r\n";
  char req[1024];
  const char *names[] = {"full", NULL};
  int fds = count_fds();
  int n = snprintf(req, sizeof(req), "%s%s",
                   head_for("/upload", "multipart/form-data; boundary=U", strlen(body)), body);
  use_dev_full(f);
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 5);
  assert_string_equal(f->log, "EV121 EV122 EV123 EV124 EV125");
  assert_string_equal(take(f), REPLY_500_WRITE);
  assert_int_equal(f->answer_ev, MG_EV_HTTP_PART_END);
  assert_dev_full_kept(f);
  send_bytes(f, GET_AFTER, strlen(GET_AFTER));
  run_ms(f, 5);
  assert_string_equal(f->log, "EV121 EV122 EV123 EV124 EV125 main:REQUEST(/after,0)");
  assert_string_equal(take(f), OK_REPLY);
  assert_non_null(f->nc);
  assert_int_equal(count_fds(), fds);
  remove_all(f, names);
}

/* A part bigger than stdio's buffer: a write fails mid-part. 500 at once,
 * the rest of the body (another file part included) read and dropped, and
 * a GET pipelined behind it answered. */
static void test_upload_write_fails_mid_part_500(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *names[] = {"two.txt", "full", NULL};
  const char *pre =
      "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\n";
  const char *post =
      "\r\n--U\r\nContent-Disposition: form-data; name=\"b\"; filename=\"two.txt\"\r\n\r\n"
      "second\r\n--U--\r\n";
  size_t data = 65536, blen = strlen(pre) + data + strlen(post), hl, off;
  const char *h = head_for("/upload", "multipart/form-data; boundary=U", blen);
  char *req = (char *) malloc(strlen(h) + blen + strlen(GET_AFTER));
  int fds = count_fds();
  assert_non_null(req);
  hl = strlen(h);
  memcpy(req, h, hl);
  off = hl;
  memcpy(req + off, pre, strlen(pre));
  off += strlen(pre);
  memset(req + off, 'z', data);
  off += data;
  memcpy(req + off, post, strlen(post));
  off += strlen(post);
  memcpy(req + off, GET_AFTER, strlen(GET_AFTER));
  off += strlen(GET_AFTER);
  use_dev_full(f);
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  sim_knobs(f->sim)->read_split = 1000;
  connect_peer(f);
  send_bytes(f, req, off);
  free(req);
  run_ms(f, 200);
  assert_true(strncmp(f->log, "EV121 EV122 EV123 EV123 ", 24) == 0);
  assert_non_null(strstr(f->log, " EV123 EV124 EV122 EV123 EV124 EV125 main:REQUEST(/after,0)"));
  /* The 500 went out from a PART_DATA, while the part was still coming. */
  assert_int_equal(f->answer_ev, MG_EV_HTTP_PART_DATA);
  assert_true(f->answer_at >= 2);
  assert_true(f->answer_at + 10 < f->offers);
  assert_string_equal(take(f), REPLY_500_WRITE OK_REPLY);
  assert_false(exists(f, "two.txt")); /* nothing is written after the error */
  assert_dev_full_kept(f);
  assert_non_null(f->nc);
  assert_int_equal(count_fds(), fds);
  remove_all(f, names);
}

/* The callback names a path in a directory that does not exist: the open
 * fails, 500, and the connection goes on with the next request. */
static void test_upload_open_fails_500(void **state) {
  struct fx *f = (struct fx *) *state;
  const char *names[] = {"missing/one.txt", "missing", NULL};
  const char *body =
      "--U\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\n"
      "data\r\n--U--\r\n";
  char req[1024];
  int fds = count_fds();
  int n = snprintf(req, sizeof(req), "%s%s" GET_AFTER,
                   head_for("/upload", "multipart/form-data; boundary=U", strlen(body)), body);
  make_dir(f);
  snprintf(f->force, sizeof(f->force), "%s/missing/one.txt", f->dir);
  mg_register_http_endpoint(f->lc, "/upload", upload_ep);
  connect_peer(f);
  send_bytes(f, req, (size_t) n);
  run_ms(f, 5);
  assert_string_equal(f->log, "EV121 EV122 EV123 EV124 EV125 main:REQUEST(/after,0)");
  assert_string_equal(take(f), REPLY_500_OPEN OK_REPLY);
  assert_int_equal(f->answer_ev, MG_EV_HTTP_PART_BEGIN);
  assert_false(exists(f, "missing"));
  assert_non_null(f->nc);
  assert_int_equal(count_fds(), fds);
  remove_all(f, names);
}

int main(void) {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_split_at_every_offset),
      T(test_one_byte_reads),
      T(test_preamble_padding_epilogue_pipelined),
      T(test_quoted_boundary),
      T(test_backpressure),
      T(test_held_data_offered_with_next_read),
      T(test_held_data_retried_on_poll),
      T(test_held_data_then_fin),
      T(test_held_data_chunked_two_parts),
      T(test_held_data_full_buffer),
      T(test_chunked_body),
      T(test_endpoint_gets_parts),
      T(test_missing_boundary_400),
      T(test_malformed_part_header),
      T(test_truncated_part),
      T(test_body_ends_without_close_delimiter),
      T(test_64mib_part_bounded_window),
      cmocka_unit_test(test_parse_multipart_good),
      cmocka_unit_test(test_parse_multipart_bad),
      T(test_upload_writes_files),
      T(test_upload_refused_403),
      T(test_upload_peer_gone_mid_file),
      T(test_upload_write_fails_at_close_500),
      T(test_upload_write_fails_mid_part_500),
      T(test_upload_open_fails_500),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
