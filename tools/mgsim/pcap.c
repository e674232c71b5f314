/*
 * pcap.c - the capture file of `mgsim run --pcap`: each packet the
 * simulation reports, as the frame a capture on its path would show, in the
 * classic libpcap format (microsecond stamps, LINKTYPE_ETHERNET).
 *
 * Everything in the file follows from the run: initial sequence numbers and
 * MAC addresses come from the addresses, IP identifications count the
 * packets, so the same run gives the same file byte for byte. The file is
 * little-endian whatever the host, for the same reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

#define LINKTYPE_ETHERNET 1
#define SNAPLEN 262144
#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20
#define MSS_OPT_LEN 4
#define UDP_LEN 8
/* The largest TCP payload an IPv4 packet can carry with a bare header; the
 * MSS both ends announce. IPv6 segments keep to it too. */
#define TCP_MSS (65535 - IP4_LEN - TCP_LEN)
/* The largest UDP payload IPv4 allows: a longer datagram (the simulation
 * has no such limit) is written cut to this. */
#define UDP_MAX (65535 - IP4_LEN - UDP_LEN)
#define FRAME_MAX (ETH_LEN + IP6_LEN + TCP_LEN + MSS_OPT_LEN + TCP_MSS)

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

/* A frame whose time has not come: a refused connect's RST is reported
 * when its SYN leaves. */
struct held {
  int64_t t;
  uint64_t order;
  size_t len;
  uint8_t *frame;
};

struct pcap_writer {
  FILE *fp;
  int failed; /* errno of the first failure, or 0 */
  int finished;
  uint16_t ip_id;
  uint64_t order;
  struct held *heap;
  size_t nheap, cap;
  uint8_t frame[FRAME_MAX];
};

/* ---- bytes ----------------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static void put32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

/* The Internet checksum's running sum (RFC 1071), over bytes at an even
 * offset of the checksummed whole (all callers' pieces have even lengths
 * but the last). */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len) {
  size_t i;
  for (i = 0; i + 1 < len; i += 2) sum += (uint32_t) (p[i] << 8 | p[i + 1]);
  if (len & 1) sum += (uint32_t) p[len - 1] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t) ~sum;
}

/* ---- addresses ------------------------------------------------------------- */

/* An address as the packet carries it: IPv4, or IPv6 (an IPv4 address
 * mapped into it when the other end of the packet is IPv6). */
struct ep {
  int v6;
  uint8_t ip[16];
  uint16_t port;
};

static struct ep endpoint(const union socket_address *sa, int v6) {
  struct ep e;
  memset(&e, 0, sizeof(e));
  e.v6 = v6;
  if (sa->sa.sa_family == AF_INET6) {
    memcpy(e.ip, &sa->sin6.sin6_addr, 16);
    e.port = ntohs(sa->sin6.sin6_port);
  } else {
    if (v6) {
      e.ip[10] = e.ip[11] = 0xff;
      memcpy(e.ip + 12, &sa->sin.sin_addr, 4);
    } else {
      memcpy(e.ip, &sa->sin.sin_addr, 4);
    }
    e.port = ntohs(sa->sin.sin_port);
  }
  return e;
}

static size_t ip_len(const struct ep *e) { return e->v6 ? 16 : 4; }

/* A locally administered MAC made of the address's last four bytes. */
static void mac_of(const struct ep *e, uint8_t *mac) {
  mac[0] = 0x02;
  mac[1] = 0x00;
  memcpy(mac + 2, e->ip + ip_len(e) - 4, 4);
}

/* Each direction of a connection starts its sequence numbers somewhere of
 * its own (FNV-1a of its two ends), as real stacks do, so that relative and
 * absolute numbers differ as they do in captures. */
static uint32_t isn(const struct ep *from, const struct ep *to) {
  uint32_t h = 2166136261u;
  const struct ep *e[2];
  int k;
  size_t i;
  e[0] = from;
  e[1] = to;
  for (k = 0; k < 2; k++) {
    for (i = 0; i < ip_len(e[k]); i++) h = (h ^ e[k]->ip[i]) * 16777619u;
    h = (h ^ (uint8_t) (e[k]->port >> 8)) * 16777619u;
    h = (h ^ (uint8_t) e[k]->port) * 16777619u;
  }
  return h;
}

/* ---- frames ---------------------------------------------------------------- */

/* Ethernet and IP headers for a payload of len bytes (the transport header
 * included); returns where the transport header goes. */
static size_t put_ip(struct pcap_writer *pw, const struct ep *src, const struct ep *dst,
                     int proto, size_t len, uint16_t id) {
  uint8_t *f = pw->frame;
  mac_of(dst, f);
  mac_of(src, f + 6);
  if (src->v6) {
    put16(f + 12, 0x86dd);
    f += ETH_LEN;
    put32(f, 0x60000000u);
    put16(f + 4, (unsigned) len);
    f[6] = (uint8_t) proto;
    f[7] = 64;
    memcpy(f + 8, src->ip, 16);
    memcpy(f + 24, dst->ip, 16);
    return ETH_LEN + IP6_LEN;
  }
  put16(f + 12, 0x0800);
  f += ETH_LEN;
  f[0] = 0x45;
  f[1] = 0;
  put16(f + 2, (unsigned) (IP4_LEN + len));
  put16(f + 4, id);
  put16(f + 6, 0x4000); /* don't fragment */
  f[8] = 64;
  f[9] = (uint8_t) proto;
  put16(f + 10, 0);
  memcpy(f + 12, src->ip, 4);
  memcpy(f + 16, dst->ip, 4);
  put16(f + 10, fold(sum_bytes(0, f, IP4_LEN)));
  return ETH_LEN + IP4_LEN;
}

/* The transport checksum: the pseudo-header of RFC 793 / RFC 8200, then
 * the header and payload as they stand in the frame (checksum field 0). */
static uint16_t transport_sum(const struct ep *src, const struct ep *dst, int proto,
                              const uint8_t *seg, size_t len) {
  uint8_t pseudo[40];
  uint32_t sum;
  size_t n = ip_len(src);
  memcpy(pseudo, src->ip, n);
  memcpy(pseudo + n, dst->ip, n);
  sum = sum_bytes(0, pseudo, 2 * n);
  if (src->v6) {
    sum += (uint32_t) (len >> 16) + (uint32_t) (len & 0xffff);
  } else {
    sum += (uint32_t) len;
  }
  sum += (uint32_t) proto;
  return fold(sum_bytes(sum, seg, len));
}

static void hold(struct pcap_writer *pw, int64_t t, size_t len);
static void emit(struct pcap_writer *pw, int64_t t, const uint8_t *frame, size_t len);

/* One frame, now or, if its time is later than the report's, held. */
static void out(struct pcap_writer *pw, const struct sim_wire *w, size_t len) {
  if (w->sent_at > w->now) {
    hold(pw, w->sent_at, len);
  } else {
    emit(pw, w->sent_at, pw->frame, len);
  }
}

static void tcp_segment(struct pcap_writer *pw, const struct sim_wire *w, const struct ep *src,
                        const struct ep *dst, uint64_t seq, int flags, const uint8_t *data,
                        size_t len) {
  int syn = (flags & TH_SYN) != 0;
  size_t hlen = TCP_LEN + (syn ? MSS_OPT_LEN : 0);
  size_t at = put_ip(pw, src, dst, 6, hlen + len, pw->ip_id++);
  uint8_t *t = pw->frame + at;
  size_t win = w->window > 65535 ? 65535 : w->window;
  put16(t, src->port);
  put16(t + 2, dst->port);
  put32(t + 4, isn(src, dst) + (uint32_t) seq);
  put32(t + 8, w->ack > 0 ? isn(dst, src) + (uint32_t) w->ack : 0);
  t[12] = (uint8_t) ((hlen / 4) << 4);
  t[13] = (uint8_t) flags;
  put16(t + 14, (unsigned) win);
  put16(t + 16, 0);
  put16(t + 18, 0);
  if (syn) { /* MSS */
    t[20] = 2;
    t[21] = 4;
    put16(t + 22, TCP_MSS);
  }
  if (len > 0) memcpy(t + hlen, data, len);
  put16(t + 16, transport_sum(src, dst, 6, t, hlen + len));
  out(pw, w, at + hlen + len);
}

static void tcp(struct pcap_writer *pw, const struct sim_wire *w, const struct ep *src,
                const struct ep *dst) {
  int ack = w->ack > 0 ? TH_ACK : 0;
  const uint8_t *data = (const uint8_t *) w->data;
  size_t left = w->len, off = 0;
  switch (w->kind) {
    case SIM_WIRE_SYN:
      tcp_segment(pw, w, src, dst, w->seq, TH_SYN, NULL, 0);
      break;
    case SIM_WIRE_SYNACK:
      tcp_segment(pw, w, src, dst, w->seq, TH_SYN | TH_ACK, NULL, 0);
      break;
    case SIM_WIRE_FIN:
      tcp_segment(pw, w, src, dst, w->seq, TH_FIN | ack, NULL, 0);
      break;
    case SIM_WIRE_RST:
      tcp_segment(pw, w, src, dst, w->seq, TH_RST | ack, NULL, 0);
      break;
    case SIM_WIRE_ACK:
      tcp_segment(pw, w, src, dst, w->seq, TH_ACK, NULL, 0);
      break;
    default: /* data: the simulation's cut, unless IP cannot carry it whole */
      do {
        size_t n = left < TCP_MSS ? left : TCP_MSS;
        tcp_segment(pw, w, src, dst, w->seq + off, ack | TH_PSH, data + off, n);
        off += n;
        left -= n;
      } while (left > 0);
      break;
  }
}

static void udp(struct pcap_writer *pw, const struct sim_wire *w, const struct ep *src,
                const struct ep *dst) {
  size_t len = w->len < UDP_MAX ? w->len : UDP_MAX;
  /* The network's copy of a datagram is the same packet, identification
   * and all. */
  uint16_t id = w->dup ? (uint16_t) (pw->ip_id - 1) : pw->ip_id++;
  size_t at = put_ip(pw, src, dst, 17, UDP_LEN + len, id);
  uint8_t *u = pw->frame + at;
  uint16_t sum;
  put16(u, src->port);
  put16(u + 2, dst->port);
  put16(u + 4, (unsigned) (UDP_LEN + len));
  put16(u + 6, 0);
  if (len > 0) memcpy(u + UDP_LEN, w->data, len);
  sum = transport_sum(src, dst, 17, u, UDP_LEN + len);
  put16(u + 6, sum == 0 ? 0xffff : sum);
  out(pw, w, at + UDP_LEN + len);
}

/* ---- the file -------------------------------------------------------------- */

static void fail(struct pcap_writer *pw) {
  if (pw->failed == 0) pw->failed = errno != 0 ? errno : EIO;
}

static void emit(struct pcap_writer *pw, int64_t t, const uint8_t *frame, size_t len) {
  uint8_t rec[16];
  int64_t us = t > 0 ? t : 0;
  if (pw->failed) return;
  put32le(rec, (uint32_t) ((int64_t) SIM_EPOCH + us / 1000000));
  put32le(rec + 4, (uint32_t) (us % 1000000));
  put32le(rec + 8, (uint32_t) len);
  put32le(rec + 12, (uint32_t) len);
  errno = 0;
  if (fwrite(rec, 1, sizeof(rec), pw->fp) != sizeof(rec) ||
      fwrite(frame, 1, len, pw->fp) != len) {
    fail(pw);
  }
}

static int later(const struct held *a, const struct held *b) {
  return a->t > b->t || (a->t == b->t && a->order > b->order);
}

static void hold(struct pcap_writer *pw, int64_t t, size_t len) {
  struct held h;
  size_t i;
  if (pw->nheap == pw->cap) {
    size_t cap = pw->cap ? pw->cap * 2 : 16;
    struct held *m = (struct held *) realloc(pw->heap, cap * sizeof(*m));
    if (m == NULL) {
      errno = ENOMEM;
      fail(pw);
      return;
    }
    pw->heap = m;
    pw->cap = cap;
  }
  if ((h.frame = (uint8_t *) malloc(len)) == NULL) {
    errno = ENOMEM;
    fail(pw);
    return;
  }
  memcpy(h.frame, pw->frame, len);
  h.len = len;
  h.t = t;
  h.order = pw->order++;
  for (i = pw->nheap++; i > 0 && later(&pw->heap[(i - 1) / 2], &h); i = (i - 1) / 2) {
    pw->heap[i] = pw->heap[(i - 1) / 2];
  }
  pw->heap[i] = h;
}

/* Writes the held frames due by time t (all of them: INT64_MAX). */
static void release(struct pcap_writer *pw, int64_t t) {
  while (pw->nheap > 0 && pw->heap[0].t <= t) {
    struct held top = pw->heap[0], last = pw->heap[--pw->nheap];
    size_t i = 0;
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= pw->nheap) break;
      if (c + 1 < pw->nheap && later(&pw->heap[c], &pw->heap[c + 1])) c++;
      if (!later(&last, &pw->heap[c])) break;
      pw->heap[i] = pw->heap[c];
      i = c;
    }
    if (pw->nheap > 0) pw->heap[i] = last;
    emit(pw, top.t, top.frame, top.len);
    free(top.frame);
  }
}

struct pcap_writer *pcap_open(const char *path) {
  struct pcap_writer *pw = (struct pcap_writer *) calloc(1, sizeof(*pw));
  uint8_t hdr[24];
  int err;
  if (pw == NULL) return NULL;
  if ((pw->fp = fopen(path, "wb")) == NULL) {
    err = errno;
    free(pw);
    errno = err;
    return NULL;
  }
  put32le(hdr, 0xa1b2c3d4u);
  hdr[4] = 2; /* version 2.4 */
  hdr[5] = 0;
  hdr[6] = 4;
  hdr[7] = 0;
  put32le(hdr + 8, 0);  /* GMT */
  put32le(hdr + 12, 0); /* accuracy */
  put32le(hdr + 16, SNAPLEN);
  put32le(hdr + 20, LINKTYPE_ETHERNET);
  errno = 0;
  if (fwrite(hdr, 1, sizeof(hdr), pw->fp) != sizeof(hdr)) fail(pw);
  return pw;
}

void pcap_on_wire(void *writer, const struct sim_wire *w) {
  struct pcap_writer *pw = (struct pcap_writer *) writer;
  int v6 = w->src.sa.sa_family == AF_INET6 || w->dst.sa.sa_family == AF_INET6;
  struct ep src = endpoint(&w->src, v6), dst = endpoint(&w->dst, v6);
  /* A relay's copies: the capture shows the engine ends' own packets. */
  if (pw->finished || (w->bridge != 0 && w->to_engine)) return;
  release(pw, w->now);
  if (w->kind == SIM_WIRE_DGRAM) {
    udp(pw, w, &src, &dst);
  } else {
    tcp(pw, w, &src, &dst);
  }
}

void pcap_finish(struct pcap_writer *pw) {
  release(pw, INT64_MAX);
  pw->finished = 1;
}

int pcap_close(struct pcap_writer *pw) {
  int err;
  if (pw == NULL) return 0;
  release(pw, INT64_MAX);
  free(pw->heap);
  errno = 0;
  if (fflush(pw->fp) != 0 || ferror(pw->fp)) fail(pw);
  errno = 0;
  if (fclose(pw->fp) != 0) fail(pw);
  err = pw->failed;
  free(pw);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return 0;
}
