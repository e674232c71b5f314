/*
 * test_pcap.c - the capture writer of `mgsim run --pcap` (tools/mgsim/
 * pcap.c), fed packets as the simulation describes them and read back: the
 * file and record headers, IP and transport checksums (verified here with a
 * sum of the test's own), TCP numbers from relative to absolute, flags,
 * windows, the MSS option, segments split to fit IP, frames held for their
 * time, a relay's copies left out, datagrams and their duplicates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include "pcap.h"
#include "testutil.h"

struct frame {
  uint32_t sec, usec, len;
  const uint8_t *b;
};

static struct {
  uint8_t file[1 << 20];
  size_t len;
  struct frame f[64];
  int n;
} s_cap;

static char s_path[64];
static int s_proto; /* mg_parse_address's: unused */

static uint32_t le32(const uint8_t *p) {
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}
static uint32_t be32(const uint8_t *p) {
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static unsigned be16(const uint8_t *p) { return (unsigned) (p[0] << 8 | p[1]); }

static struct pcap_writer *open_capture(void) {
  struct pcap_writer *pw;
  int fd;
  snprintf(s_path, sizeof(s_path), "/tmp/test_pcap_XXXXXX");
  fd = mkstemp(s_path);
  assert_true(fd >= 0);
  close(fd);
  pw = pcap_open(s_path);
  assert_non_null(pw);
  return pw;
}

/* Closes the writer and splits the file into its frames. */
static void read_capture(struct pcap_writer *pw) {
  FILE *fp;
  size_t at = 24;
  assert_int_equal(pcap_close(pw), 0);
  assert_non_null(fp = fopen(s_path, "rb"));
  s_cap.len = fread(s_cap.file, 1, sizeof(s_cap.file), fp);
  fclose(fp);
  unlink(s_path);
  assert_true(s_cap.len >= 24);
  s_cap.n = 0;
  while (at < s_cap.len) {
    struct frame *f = &s_cap.f[s_cap.n++];
    assert_true(at + 16 <= s_cap.len);
    f->sec = le32(s_cap.file + at);
    f->usec = le32(s_cap.file + at + 4);
    f->len = le32(s_cap.file + at + 8);
    assert_int_equal(le32(s_cap.file + at + 12), f->len); /* nothing cut */
    f->b = s_cap.file + at + 16;
    at += 16 + f->len;
    assert_true(at <= s_cap.len);
  }
}

/* The ones' complement sum of RFC 1071, folded. */
static unsigned sum16(uint32_t sum, const uint8_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) sum += i % 2 ? p[i] : (uint32_t) p[i] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/* Checks a frame's IP and transport checksums; returns the transport
 * header (and its protocol and length through the pointers). */
static const uint8_t *check_frame(const struct frame *f, int *proto, size_t *tlen) {
  const uint8_t *ip = f->b + 14;
  uint32_t pseudo;
  const uint8_t *t;
  if (be16(f->b + 12) == 0x0800) {
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(sum16(0, ip, 20), 0xffff);
    assert_int_equal(be16(ip + 2) + 14, f->len);
    *proto = ip[9];
    *tlen = be16(ip + 2) - 20;
    t = ip + 20;
    pseudo = sum16(0, ip + 12, 8) + (uint32_t) *proto + (uint32_t) *tlen;
  } else {
    assert_int_equal(be16(f->b + 12), 0x86dd);
    assert_int_equal(ip[0] >> 4, 6);
    *proto = ip[6];
    *tlen = be16(ip + 4);
    assert_int_equal(*tlen + 54, f->len);
    t = ip + 40;
    pseudo = sum16(0, ip + 8, 32) + (uint32_t) *proto + (uint32_t) *tlen;
  }
  assert_int_equal(sum16(pseudo, t, *tlen), 0xffff);
  return t;
}

static struct sim_wire tcp_pkt(enum sim_wire_kind kind, int to_engine, int64_t t,
                               uint64_t seq, uint64_t ack) {
  struct sim_wire w;
  memset(&w, 0, sizeof(w));
  w.kind = kind;
  w.now = w.sent_at = t;
  w.arrives_at = t + 100;
  mg_parse_address(to_engine ? "192.0.2.2:5001" : "10.0.0.1:80", &w.src, &s_proto, NULL, 0);
  mg_parse_address(to_engine ? "10.0.0.1:80" : "192.0.2.2:5001", &w.dst, &s_proto, NULL, 0);
  w.stream = 1;
  w.to_engine = to_engine;
  w.window = SIM_WIRE_UNLIMITED;
  w.seq = seq;
  w.ack = ack;
  return w;
}

static void test_file_header(void **state) {
  struct pcap_writer *pw = open_capture();
  (void) state;
  read_capture(pw);
  assert_int_equal(s_cap.len, 24);
  assert_int_equal(le32(s_cap.file), 0xa1b2c3d4u); /* microseconds */
  assert_int_equal(s_cap.file[4] | s_cap.file[5] << 8, 2);
  assert_int_equal(s_cap.file[6] | s_cap.file[7] << 8, 4);
  assert_true(le32(s_cap.file + 16) >= 65535 + 14 + 60);
  assert_int_equal(le32(s_cap.file + 20), 1); /* Ethernet */
}

/* A handshake and an exchange: relative numbers become absolute ones from
 * each direction's own start, consistently. */
static void test_tcp_numbers(void **state) {
  struct pcap_writer *pw = open_capture();
  struct sim_wire w[5];
  uint32_t isn_peer, isn_engine;
  const uint8_t *t[5];
  int i, proto;
  size_t tlen;
  (void) state;
  w[0] = tcp_pkt(SIM_WIRE_SYN, 1, 0, 0, 0);
  w[1] = tcp_pkt(SIM_WIRE_SYNACK, 0, 100, 0, 1);
  w[1].window = 100;
  w[2] = tcp_pkt(SIM_WIRE_DATA, 1, 1000, 1, 1);
  w[2].data = "hello";
  w[2].len = 5;
  w[3] = tcp_pkt(SIM_WIRE_ACK, 0, 1100, 1, 6);
  w[3].window = 0;
  w[4] = tcp_pkt(SIM_WIRE_FIN, 0, 1234567, 1, 6);
  for (i = 0; i < 5; i++) pcap_on_wire(pw, &w[i]);
  read_capture(pw);
  assert_int_equal(s_cap.n, 5);
  for (i = 0; i < 5; i++) {
    t[i] = check_frame(&s_cap.f[i], &proto, &tlen);
    assert_int_equal(proto, 6);
  }
  isn_peer = be32(t[0] + 4);
  isn_engine = be32(t[1] + 4);
  assert_true(isn_peer != isn_engine);
  /* SYN: no ACK, the MSS option; SYN-ACK acknowledges the SYN. */
  assert_int_equal(t[0][13], 0x02);
  assert_int_equal(be32(t[0] + 8), 0);
  assert_int_equal(t[0][12] >> 4, 6);
  assert_int_equal(t[0][20], 2);
  assert_int_equal(be16(t[0] + 22), 65495);
  assert_int_equal(t[1][13], 0x12);
  assert_int_equal(be32(t[1] + 8), isn_peer + 1);
  /* Data from seq 1 with PSH; the ACK after it covers its 5 bytes. */
  assert_int_equal(t[2][13], 0x18);
  assert_int_equal(be32(t[2] + 4), isn_peer + 1);
  assert_int_equal(be32(t[2] + 8), isn_engine + 1);
  assert_memory_equal(t[2] + 20, "hello", 5);
  assert_int_equal(t[3][13], 0x10);
  assert_int_equal(be32(t[3] + 8), isn_peer + 6);
  assert_int_equal(t[4][13], 0x11);
  /* Windows: unlimited is 65535, a knob's value as it is, a full one 0. */
  assert_int_equal(be16(t[0] + 14), 65535);
  assert_int_equal(be16(t[1] + 14), 100);
  assert_int_equal(be16(t[3] + 14), 0);
  /* Ports, and virtual time from mg_time()'s epoch. */
  assert_int_equal(be16(t[0]), 5001);
  assert_int_equal(be16(t[0] + 2), 80);
  assert_int_equal(s_cap.f[0].sec, 1000000);
  assert_int_equal(s_cap.f[0].usec, 0);
  assert_int_equal(s_cap.f[4].sec, 1000001);
  assert_int_equal(s_cap.f[4].usec, 234567);
}

/* More than one IP packet can carry: consecutive segments of at most
 * 65495 bytes, their numbers following on. */
static void test_big_data_split(void **state) {
  static char big[70000];
  struct pcap_writer *pw = open_capture();
  struct sim_wire w = tcp_pkt(SIM_WIRE_DATA, 0, 5, 1, 1);
  const uint8_t *a, *b;
  int proto;
  size_t alen, blen;
  (void) state;
  memset(big, 'z', sizeof(big));
  big[65495] = 'A';
  w.data = big;
  w.len = sizeof(big);
  pcap_on_wire(pw, &w);
  read_capture(pw);
  assert_int_equal(s_cap.n, 2);
  a = check_frame(&s_cap.f[0], &proto, &alen);
  b = check_frame(&s_cap.f[1], &proto, &blen);
  assert_int_equal(alen - 20, 65495);
  assert_int_equal(blen - 20, 70000 - 65495);
  assert_int_equal(be32(b + 4), be32(a + 4) + 65495);
  assert_int_equal(b[20], 'A');
}

/* A packet whose time has not come waits for it; the relay's copies and
 * acknowledgements of an engine-to-engine stream are not written. */
static void test_order_and_relay(void **state) {
  struct pcap_writer *pw = open_capture();
  struct sim_wire rst = tcp_pkt(SIM_WIRE_RST, 1, 100, 0, 1);
  struct sim_wire relay = tcp_pkt(SIM_WIRE_DATA, 1, 50, 1, 1);
  struct sim_wire early = tcp_pkt(SIM_WIRE_ACK, 0, 50, 1, 1);
  struct sim_wire late = tcp_pkt(SIM_WIRE_ACK, 0, 150, 1, 1);
  const uint8_t *t;
  int proto;
  size_t tlen;
  (void) state;
  rst.now = 0;
  relay.bridge = 2;
  relay.data = "x";
  relay.len = 1;
  early.bridge = 2; /* an engine end's: written */
  pcap_on_wire(pw, &rst);
  pcap_on_wire(pw, &relay);
  pcap_on_wire(pw, &early);
  pcap_on_wire(pw, &late);
  read_capture(pw);
  assert_int_equal(s_cap.n, 3);
  assert_int_equal(s_cap.f[0].usec, 50);
  assert_int_equal(s_cap.f[1].usec, 100);
  t = check_frame(&s_cap.f[1], &proto, &tlen);
  assert_int_equal(t[13], 0x14); /* RST+ACK */
  assert_int_equal(s_cap.f[2].usec, 150);
}

/* Datagrams: checksums over IPv6 and IPv4, an IPv4 address mapped when the
 * other end is IPv6, a duplicate with its original's identification. */
static void test_datagrams(void **state) {
  struct pcap_writer *pw = open_capture();
  struct sim_wire w;
  const uint8_t *u;
  int proto;
  size_t tlen;
  (void) state;
  memset(&w, 0, sizeof(w));
  w.kind = SIM_WIRE_DGRAM;
  mg_parse_address("udp://[2001:db8::5]:7000", &w.src, &s_proto, NULL, 0);
  mg_parse_address("udp://10.0.0.1:53", &w.dst, &s_proto, NULL, 0);
  w.data = "abc";
  w.len = 3;
  pcap_on_wire(pw, &w);
  mg_parse_address("udp://10.1.0.5:7000", &w.src, &s_proto, NULL, 0);
  w.lost = 1;
  pcap_on_wire(pw, &w);
  w.lost = 0;
  pcap_on_wire(pw, &w);
  w.dup = 1;
  pcap_on_wire(pw, &w);
  read_capture(pw);
  assert_int_equal(s_cap.n, 4);
  u = check_frame(&s_cap.f[0], &proto, &tlen);
  assert_int_equal(proto, 17);
  assert_int_equal(tlen, 11);
  assert_int_equal(be16(u + 4), 11);
  assert_memory_equal(u + 8, "abc", 3);
  /* ::ffff:10.0.0.1 */
  assert_memory_equal(s_cap.f[0].b + 14 + 24, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01", 16);
  check_frame(&s_cap.f[1], &proto, &tlen); /* lost: still on the wire */
  check_frame(&s_cap.f[2], &proto, &tlen);
  check_frame(&s_cap.f[3], &proto, &tlen);
  assert_int_equal(be16(s_cap.f[3].b + 14 + 4), be16(s_cap.f[2].b + 14 + 4));
  assert_true(be16(s_cap.f[2].b + 14 + 4) != be16(s_cap.f[1].b + 14 + 4));
}

static void test_unwritable(void **state) {
  struct pcap_writer *pw;
  struct sim_wire w = tcp_pkt(SIM_WIRE_SYN, 1, 0, 0, 0);
  (void) state;
  errno = 0;
  assert_null(pcap_open("/nonexistent-dir/x.pcap"));
  assert_int_equal(errno, ENOENT);
  if (access("/dev/full", W_OK) == 0) {
    assert_non_null(pw = pcap_open("/dev/full"));
    pcap_on_wire(pw, &w);
    assert_int_equal(pcap_close(pw), -1);
    assert_int_equal(errno, ENOSPC);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_header),    cmocka_unit_test(test_tcp_numbers),
      cmocka_unit_test(test_big_data_split), cmocka_unit_test(test_order_and_relay),
      cmocka_unit_test(test_datagrams),      cmocka_unit_test(test_unwritable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
