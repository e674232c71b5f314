/*
 * send_path_bench.c - the cost of sending a large queue grows linearly with
 * its size.
 *
 * One accepted connection queues SIZE bytes with a single mg_send() to a
 * reader that takes 4 KiB at a time, and the wall time from that mg_send()
 * until the reader holds every byte is measured, for SIZE = 1, 4, 16 and
 * 64 MiB. Everything the network has not taken yet waits in the sender's
 * send_mbuf, and each partial send drops what it sent from the front of it.
 * Done by moving the rest of the queue forward, N bytes leaving k at a time
 * cost N^2 / 2k byte moves: 64 times the size would take 4096 times as long.
 *
 * Two modes, one after the other:
 *   native  real TCP over 127.0.0.1 with the socket iface (mg_mgr_init). The
 *           reader is a blocking socket in a thread, one recv() of 4096 bytes
 *           at a time. Small socket buffers on both ends keep the kernel from
 *           taking more than 8 KiB per send().
 *   sim     the simulated iface. The peer's window is 4 KiB, and so is the
 *           most one send may take: every send carries 4 KiB and the next
 *           waits until it has reached the peer.
 *
 *   send_path_bench [MAX_MIB [REPEAT [native|sim]]]     (default 64 3, both)
 *
 * Each size runs REPEAT times (sizes under 16 MiB four times as often: they
 * take milliseconds), and the best run counts, since the machine may be busy
 * with other work. The table has, per mode and size:
 *   seconds     the best wall time
 *   ns/byte     nanoseconds per byte sent
 *   linear      (time / time at 1 MiB) / (size / 1 MiB): 1.0 is perfectly
 *               linear, and a quadratic send path grows it with the size
 *               (to about 64 at 64 MiB). A linear one still shows a few:
 *               1 MiB of queue fits in the CPU caches and 64 MiB does not.
 *   sends       partial sends (MG_EV_SEND events) in that run
 *   bytes/send  their average size
 *   queued_GiB  the sum of send_mbuf.len after each send: what moving the
 *               rest of the queue forward on every send would have copied
 * and per mode a last line with the largest size's time over the 1 MiB time.
 * Exit status 1 if any run lost, reordered or corrupted a byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sim.h"

#define MIB ((size_t) 1 << 20)
#define READ_SIZE 4096 /* what the reader takes at a time */
/* Socket buffers for the native mode (Linux doubles what is asked): one
 * send() then takes 8 KiB. A smaller receive buffer only slows loopback TCP
 * down; larger ones let the kernel take tens of KiB per send(). */
#define SENDER_SNDBUF 4096
#define READER_RCVBUF 16384
#define NATIVE_TIMEOUT_S 120.0

static const size_t s_sizes_mib[] = {1, 4, 16, 64};
#define NSIZES (sizeof(s_sizes_mib) / sizeof(s_sizes_mib[0]))

/* One run: what the sender queues and what came of it. */
struct run {
  const char *data;
  size_t size;
  int native;
  double start, end;    /* wall clock: the mg_send(), the last byte read */
  long sends;           /* MG_EV_SEND events on the sending connection */
  double queued;        /* sum of send_mbuf.len after each of them */
  size_t got;           /* bytes the reader received, all checked */
  int port;             /* native: where the listener is */
  atomic_int done;      /* native: the reader has finished */
};

struct result {
  double seconds;
  long sends;
  double queued;
};

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The sending side: the whole payload is queued when the reader arrives. */
static void sender(struct mg_connection *nc, int ev, void *ev_data) {
  struct run *r = (struct run *) nc->mgr->user_data;
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) {
    if (r->native) {
      int sndbuf = SENDER_SNDBUF;
      setsockopt(nc->sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    }
    nc->send_mbuf_limit = 0; /* no limit: the queue is the whole payload */
    r->start = wall();
    mg_send(nc, r->data, (int) r->size);
  } else if (ev == MG_EV_SEND) {
    r->sends++;
    r->queued += (double) nc->send_mbuf.len;
  }
}

/* ---- native: real TCP over loopback -------------------------------------- */

/* The reader thread: a plain blocking socket, 4 KiB per recv(), each piece
 * compared with what was sent. */
static void *native_reader(void *arg) {
  struct run *r = (struct run *) arg;
  struct sockaddr_in sin;
  char buf[READ_SIZE];
  int rcvbuf = READER_RCVBUF;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("send_path_bench: socket");
    atomic_store(&r->done, 1);
    return NULL;
  }
  /* Before connect(), so that the window it advertises is small from the
   * start. */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) r->port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
    perror("send_path_bench: connect");
  } else {
    while (r->got < r->size) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (memcmp(buf, r->data + r->got, (size_t) n) != 0) break;
      r->got += (size_t) n;
    }
  }
  r->end = wall();
  close(fd);
  atomic_store(&r->done, 1);
  return NULL;
}

static int run_native(struct run *r) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  pthread_t tid;
  char port[16];
  double deadline = wall() + NATIVE_TIMEOUT_S;
  mg_mgr_init(&mgr, r);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", sender);
  if (lc == NULL ||
      mg_conn_addr_to_str(lc, port, sizeof(port), MG_SOCK_STRINGIFY_PORT) <= 0) {
    fprintf(stderr, "send_path_bench: cannot listen on 127.0.0.1\n");
    mg_mgr_free(&mgr);
    return -1;
  }
  r->port = atoi(port);
  if (pthread_create(&tid, NULL, native_reader, r) != 0) {
    fprintf(stderr, "send_path_bench: cannot start the reader thread\n");
    mg_mgr_free(&mgr);
    return -1;
  }
  while (!atomic_load(&r->done) && wall() < deadline) mg_mgr_poll(&mgr, 10);
  mg_mgr_free(&mgr); /* also unblocks a reader that timed out */
  pthread_join(tid, NULL);
  return r->got == r->size ? 0 : -1;
}

/* ---- sim: the simulated iface --------------------------------------------- */

static int run_sim(struct run *r) {
  struct sim *s = sim_new(1);
  struct sim_knobs *k;
  struct sim_peer *p;
  struct mg_mgr mgr;
  const struct mbuf *rx;
  /* Virtual time: each 4 KiB takes one delivery delay (100 us); allow ten
   * times that, and a second more. */
  int64_t limit = (int64_t) (r->size / READ_SIZE) * 1000 + 1000000;
  int rc = 0;
  if (s == NULL) return -1;
  sim_set_tracing(s, 0); /* the trace is for scenarios, not for timing */
  k = sim_knobs(s);      /* set before the peer exists: it copies them */
  k->peer_window = READ_SIZE;
  k->send_limit = READ_SIZE;
  sim_mgr_init(s, &mgr, r);
  if (mg_bind(&mgr, "tcp://127.0.0.1:8000", sender) == NULL ||
      (p = sim_peer_new(s, "reader")) == NULL ||
      sim_peer_connect(p, "127.0.0.1:8000") != 0) {
    fprintf(stderr, "send_path_bench: sim setup: %s\n", sim_error(s));
    mg_mgr_free(&mgr);
    sim_free(s);
    return -1;
  }
  rx = sim_peer_received(p);
  while (rx->len < r->size && sim_now(s) < limit) mg_mgr_poll(&mgr, 1000);
  r->end = wall();
  if (rx->len == r->size && memcmp(rx->buf, r->data, r->size) == 0) {
    r->got = rx->len;
  } else {
    rc = -1;
  }
  mg_mgr_free(&mgr);
  sim_free(s);
  return rc;
}

/* ---- the table ------------------------------------------------------------ */

/* One run of one mode and size, kept in *best if it is the fastest yet. */
static int measure(int native, const char *data, size_t size, struct result *best) {
  struct run r;
  int rc;
  memset(&r, 0, sizeof(r));
  r.data = data;
  r.size = size;
  r.native = native;
  atomic_init(&r.done, 0);
  rc = native ? run_native(&r) : run_sim(&r);
  if (rc != 0) {
    fprintf(stderr, "send_path_bench: %s %zu MiB: the reader got %zu of %zu bytes intact\n",
            native ? "native" : "sim", size / MIB, r.got, size);
    return -1;
  }
  if (best->seconds < 0 || r.end - r.start < best->seconds) {
    best->seconds = r.end - r.start;
    best->sends = r.sends;
    best->queued = r.queued;
  }
  return 0;
}

/* Every size of one mode, REPEAT rounds of all of them rather than all the
 * runs of one size in a row: a burst of other work on the machine then
 * slows one run of several sizes, not every run of one. */
static int bench_mode(const char *mode, const char *data, size_t nsizes, int repeat) {
  struct result res[NSIZES];
  size_t i, last = nsizes - 1;
  int native = strcmp(mode, "native") == 0, round, k;
  for (i = 0; i < nsizes; i++) res[i].seconds = -1;
  for (round = 0; round < repeat; round++) {
    for (i = 0; i < nsizes; i++) {
      int runs = s_sizes_mib[i] < 16 ? 4 : 1;
      for (k = 0; k < runs; k++) {
        if (measure(native, data, s_sizes_mib[i] * MIB, &res[i]) != 0) return -1;
      }
    }
  }
  for (i = 0; i < nsizes; i++) {
    size_t size = s_sizes_mib[i] * MIB;
    printf("%-6s %5zu %9.4f %8.3f %7.2f %8ld %10.0f %10.2f\n", mode, s_sizes_mib[i],
           res[i].seconds, res[i].seconds * 1e9 / (double) size,
           (res[i].seconds / res[0].seconds) / (double) s_sizes_mib[i], res[i].sends,
           res[i].sends > 0 ? (double) size / (double) res[i].sends : 0.0,
           res[i].queued / (double) (1u << 30));
  }
  if (last > 0) {
    double ratio = (double) s_sizes_mib[last];
    printf("%s: %zu MiB / 1 MiB time = %.1f (linear %.0f, quadratic %.0f)\n", mode,
           s_sizes_mib[last], res[last].seconds / res[0].seconds, ratio, ratio * ratio);
  }
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  size_t max_mib = argc > 1 ? (size_t) atol(argv[1]) : 64;
  int repeat = argc > 2 ? atoi(argv[2]) : 3;
  const char *only = argc > 3 ? argv[3] : NULL;
  static const char *const modes[] = {"native", "sim"};
  size_t nsizes = 0, i, max_size;
  char *data;
  int m, failed = 0;
  uint32_t x = 2463534242u;

#ifdef __GLIBC__
  /* glibc maps every block over 32 MiB afresh and unmaps it when freed, but
   * serves smaller ones from memory an earlier run has touched: only the
   * largest size would pay the kernel for new pages on every run. In the
   * heap, and never trimmed, every size reuses what the run before it
   * touched. */
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
  while (nsizes < NSIZES && s_sizes_mib[nsizes] <= max_mib) nsizes++;
  if (nsizes == 0 || repeat <= 0 ||
      (only != NULL && strcmp(only, "native") != 0 && strcmp(only, "sim") != 0)) {
    fprintf(stderr, "usage: %s [MAX_MIB (>= 1) [REPEAT [native|sim]]]\n", argv[0]);
    return 2;
  }
  /* Bytes that differ from one 4 KiB piece to the next, so that a piece
   * lost, repeated or out of order would not compare equal. */
  max_size = s_sizes_mib[nsizes - 1] * MIB;
  if ((data = (char *) malloc(max_size)) == NULL) {
    fprintf(stderr, "send_path_bench: out of memory\n");
    return 1;
  }
  for (i = 0; i < max_size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    data[i] = (char) (x >> 24);
  }

  printf("send_path_bench: one mg_send() of SIZE bytes, read 4 KiB at a time; "
         "best of %d runs (%d under 16 MiB)\n",
         repeat, 4 * repeat);
  printf("%-6s %5s %9s %8s %7s %8s %10s %10s\n", "mode", "MiB", "seconds",
         "ns/byte", "linear", "sends", "bytes/send", "queued_GiB");
  fflush(stdout);
  for (m = 0; m < 2; m++) {
    if (only != NULL && strcmp(only, modes[m]) != 0) continue;
    if (bench_mode(modes[m], data, nsizes, repeat) != 0) failed = 1;
  }
  free(data);
  return failed;
}
