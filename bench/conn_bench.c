/*
 * conn_bench - connection-scale load generator for the echo server.
 *
 * Usage: conn_bench HOST PORT NCONN [PEAKFILE]
 *
 * Opens NCONN non-blocking TCP connections to HOST:PORT (at most
 * CONNECT_WINDOW handshakes in flight at any moment, so the server's listen
 * backlog is not overrun). Only once every connection has been established
 * (or has failed) does each one send a single MSG_LEN-byte message carrying
 * its index, and then wait for exactly that message to come back. All
 * connections stay open until every echo has been checked.
 *
 * If PEAKFILE is given, the file is created at that moment (all connections
 * open, all echoes verified) and the program then waits until the file is
 * deleted, or for HOLD seconds, before closing everything. A driver script
 * uses this to sample the server's memory while it holds every connection.
 *
 * Output: one line of key=value fields on stdout:
 *   conns=N established=N echoed=N errors=N connect_s=S exchange_s=S
 *   total_s=S timed_out=0|1
 * total_s = connect_s + exchange_s (the hold and the close are not counted).
 * echoed + errors == conns: a connection that did not echo correctly before
 * the deadline is an error.
 *
 * Exit status: 0 when every connection echoed its message, 1 otherwise,
 * 2 on a usage or setup error.
 *
 * Environment: CONN_BENCH_TIMEOUT (seconds, default 60) bounds the whole
 * connect + exchange run; CONN_BENCH_HOLD (seconds, default 2) bounds the
 * wait on PEAKFILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 32
#define CONNECT_WINDOW 500
#define MAX_EVENTS 1024
#define FD_MARGIN 32

enum conn_state {
  ST_IDLE,       /* not yet started */
  ST_CONNECTING, /* connect() in progress */
  ST_OPEN,       /* established, waiting for the exchange phase */
  ST_SENDING,    /* message partly sent */
  ST_RECEIVING,  /* message sent, echo incomplete */
  ST_DONE,       /* echo verified */
  ST_FAILED      /* error; counted once */
};

struct conn {
  int fd;
  uint8_t state;
  uint8_t sent;
  uint8_t got;
  char buf[MSG_LEN];
};

struct bench {
  struct conn *c;
  unsigned n;
  int ep;
  unsigned established;
  unsigned echoed;
  unsigned errors;
  unsigned inflight;
  unsigned pending; /* connections in ST_SENDING or ST_RECEIVING */
  int reported[3];  /* an errno message already printed, per phase */
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double env_seconds(const char *name, double def) {
  const char *s = getenv(name);
  if (s == NULL || *s == '\0') return def;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || v < 0) {
    fprintf(stderr, "conn_bench: ignoring bad %s=%s\n", name, s);
    return def;
  }
  return v;
}

/* The message for connection i: unique per index, ending in a newline. */
static void make_message(unsigned i, char out[MSG_LEN]) {
  char tmp[MSG_LEN + 1];
  int len = snprintf(tmp, sizeof(tmp), "conn %010u ", i);
  for (int k = len; k < MSG_LEN - 1; k++) {
    tmp[k] = (char) ('a' + (i + (unsigned) k) % 26);
  }
  tmp[MSG_LEN - 1] = '\n';
  memcpy(out, tmp, MSG_LEN);
}

static void note_error(struct bench *b, int phase, const char *what, int err) {
  if (!b->reported[phase]) {
    b->reported[phase] = 1;
    fprintf(stderr, "conn_bench: first %s error: %s\n", what, strerror(err));
  }
}

static void fail_conn(struct bench *b, unsigned i) {
  struct conn *c = &b->c[i];
  if (c->state == ST_CONNECTING && b->inflight > 0) b->inflight--;
  if ((c->state == ST_SENDING || c->state == ST_RECEIVING) && b->pending > 0) {
    b->pending--;
  }
  if (c->fd >= 0) {
    epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
  }
  if (c->state != ST_FAILED) b->errors++;
  c->state = ST_FAILED;
}

static int set_events(struct bench *b, unsigned i, uint32_t events, int op) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = events;
  ev.data.u32 = i;
  return epoll_ctl(b->ep, op, b->c[i].fd, &ev);
}

static void mark_open(struct bench *b, unsigned i) {
  b->c[i].state = ST_OPEN;
  b->established++;
  /* No interest until the exchange phase; errors and hangups still show. */
  if (set_events(b, i, 0, EPOLL_CTL_MOD) != 0) {
    note_error(b, 0, "epoll_ctl", errno);
    fail_conn(b, i);
  }
}

static void start_connect(struct bench *b, unsigned i,
                          const struct sockaddr *sa, socklen_t salen) {
  struct conn *c = &b->c[i];
  c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    note_error(b, 0, "socket", errno);
    fail_conn(b, i);
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->state = ST_CONNECTING;
  b->inflight++;
  if (set_events(b, i, EPOLLOUT, EPOLL_CTL_ADD) != 0) {
    note_error(b, 0, "epoll_ctl", errno);
    fail_conn(b, i);
    return;
  }
  if (connect(c->fd, sa, salen) == 0) {
    b->inflight--;
    mark_open(b, i);
  } else if (errno != EINPROGRESS && errno != EINTR) {
    note_error(b, 0, "connect", errno);
    fail_conn(b, i);
  }
}

static void on_connect_event(struct bench *b, unsigned i, uint32_t events) {
  struct conn *c = &b->c[i];
  if (c->state != ST_CONNECTING) {
    /* An open connection reporting an error or hangup before the exchange. */
    if (c->state == ST_OPEN && (events & (EPOLLERR | EPOLLHUP))) {
      note_error(b, 0, "idle connection", ECONNRESET);
      fail_conn(b, i);
    }
    return;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) err = ECONNRESET;
  if (err != 0) {
    note_error(b, 0, "connect", err);
    fail_conn(b, i);
    return;
  }
  if (!(events & EPOLLOUT)) return;
  b->inflight--;
  mark_open(b, i);
}

/* Push out the rest of connection i's message. */
static void try_send(struct bench *b, unsigned i) {
  struct conn *c = &b->c[i];
  char msg[MSG_LEN];
  make_message(i, msg);
  while (c->sent < MSG_LEN) {
    ssize_t r = send(c->fd, msg + c->sent, MSG_LEN - c->sent, MSG_NOSIGNAL);
    if (r > 0) {
      c->sent = (uint8_t) (c->sent + r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (set_events(b, i, EPOLLOUT | EPOLLIN, EPOLL_CTL_MOD) != 0) {
        note_error(b, 1, "epoll_ctl", errno);
        fail_conn(b, i);
      }
      return;
    } else {
      note_error(b, 1, "send", r < 0 ? errno : EPIPE);
      fail_conn(b, i);
      return;
    }
  }
  c->state = ST_RECEIVING;
  if (set_events(b, i, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD) != 0) {
    note_error(b, 1, "epoll_ctl", errno);
    fail_conn(b, i);
  }
}

/* Read whatever part of the echo has arrived; verify it when complete. */
static void try_recv(struct bench *b, unsigned i) {
  struct conn *c = &b->c[i];
  while (c->got < MSG_LEN) {
    ssize_t r = recv(c->fd, c->buf + c->got, MSG_LEN - c->got, 0);
    if (r > 0) {
      c->got = (uint8_t) (c->got + r);
    } else if (r == 0) {
      note_error(b, 1, "receive", ECONNRESET);
      fail_conn(b, i);
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else {
      note_error(b, 1, "receive", errno);
      fail_conn(b, i);
      return;
    }
  }
  char msg[MSG_LEN];
  make_message(i, msg);
  if (memcmp(msg, c->buf, MSG_LEN) != 0) {
    note_error(b, 2, "echo mismatch", EPROTO);
    fail_conn(b, i);
    return;
  }
  /* Done: keep the socket open but stop watching it. */
  epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
  c->state = ST_DONE;
  b->echoed++;
  b->pending--;
}

static void on_exchange_event(struct bench *b, unsigned i, uint32_t events) {
  struct conn *c = &b->c[i];
  if (c->state == ST_SENDING) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) try_send(b, i);
    if (c->state == ST_SENDING && (events & EPOLLIN)) {
      /* Data before our send finished cannot be a correct echo yet, but
       * read it anyway so a server reply is not lost. */
      try_recv(b, i);
    }
  } else if (c->state == ST_RECEIVING) {
    try_recv(b, i);
  } else if (c->state == ST_OPEN && (events & (EPOLLERR | EPOLLHUP))) {
    fail_conn(b, i);
  }
}

static int wait_ms(double deadline, int cap_ms) {
  double left = deadline - now_s();
  if (left <= 0) return 0;
  double ms = left * 1000.0 + 1.0;
  return ms < cap_ms ? (int) ms : cap_ms;
}

static int raise_fd_limit(unsigned need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    perror("conn_bench: getrlimit");
    return -1;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      perror("conn_bench: setrlimit");
      return -1;
    }
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t) need + FD_MARGIN) {
    fprintf(stderr,
            "conn_bench: open-file limit %llu is too low for %u connections\n",
            (unsigned long long) rl.rlim_cur, need);
    return -1;
  }
  return 0;
}

static void hold_at_peak(const char *path, double hold_s) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "conn_bench: cannot create %s: %s\n", path,
            strerror(errno));
    return;
  }
  char line[32];
  int len = snprintf(line, sizeof(line), "%ld\n", (long) getpid());
  if (write(fd, line, (size_t) len) < 0) {
    /* The file's existence is the signal; its content is informational. */
  }
  close(fd);
  double until = now_s() + hold_s;
  struct stat st;
  while (now_s() < until && stat(path, &st) == 0) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  unlink(path);
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: %s HOST PORT NCONN [PEAKFILE]\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  const char *port = argv[2];
  char *end = NULL;
  unsigned long nl = strtoul(argv[3], &end, 10);
  if (end == argv[3] || *end != '\0' || nl == 0 || nl > 1000000) {
    fprintf(stderr, "conn_bench: bad NCONN '%s'\n", argv[3]);
    return 2;
  }
  const char *peakfile = argc == 5 ? argv[4] : NULL;
  double timeout_s = env_seconds("CONN_BENCH_TIMEOUT", 60.0);
  double hold_s = env_seconds("CONN_BENCH_HOLD", 2.0);

  signal(SIGPIPE, SIG_IGN);
  if (raise_fd_limit((unsigned) nl) != 0) return 2;

  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  int gerr = getaddrinfo(host, port, &hints, &ai);
  if (gerr != 0 || ai == NULL) {
    fprintf(stderr, "conn_bench: cannot resolve %s:%s: %s\n", host, port,
            gai_strerror(gerr));
    return 2;
  }

  struct bench b;
  memset(&b, 0, sizeof(b));
  b.n = (unsigned) nl;
  b.c = calloc(b.n, sizeof(*b.c));
  b.ep = epoll_create1(EPOLL_CLOEXEC);
  if (b.c == NULL || b.ep < 0) {
    fprintf(stderr, "conn_bench: setup failed: %s\n", strerror(errno));
    return 2;
  }
  for (unsigned i = 0; i < b.n; i++) b.c[i].fd = -1;

  struct epoll_event *evs = calloc(MAX_EVENTS, sizeof(*evs));
  if (evs == NULL) {
    fprintf(stderr, "conn_bench: out of memory\n");
    return 2;
  }

  double t0 = now_s();
  double deadline = t0 + timeout_s;
  int timed_out = 0;

  /* Phase 1: connect everything, CONNECT_WINDOW handshakes at a time. */
  unsigned next = 0;
  while (next < b.n || b.inflight > 0) {
    while (next < b.n && b.inflight < CONNECT_WINDOW) {
      start_connect(&b, next, ai->ai_addr, ai->ai_addrlen);
      next++;
    }
    if (b.inflight == 0) continue;
    if (now_s() >= deadline) {
      timed_out = 1;
      break;
    }
    int k = epoll_wait(b.ep, evs, MAX_EVENTS, wait_ms(deadline, 100));
    if (k < 0) {
      if (errno == EINTR) continue;
      perror("conn_bench: epoll_wait");
      return 2;
    }
    for (int j = 0; j < k; j++) on_connect_event(&b, evs[j].data.u32, evs[j].events);
  }
  double t1 = now_s();

  /* Phase 2: every open connection sends its message, then reads the echo. */
  if (!timed_out) {
    for (unsigned i = 0; i < b.n; i++) {
      if (b.c[i].state != ST_OPEN) continue;
      b.c[i].state = ST_SENDING;
      b.pending++;
      try_send(&b, i);
    }
    while (b.pending > 0) {
      if (now_s() >= deadline) {
        timed_out = 1;
        break;
      }
      int k = epoll_wait(b.ep, evs, MAX_EVENTS, wait_ms(deadline, 100));
      if (k < 0) {
        if (errno == EINTR) continue;
        perror("conn_bench: epoll_wait");
        return 2;
      }
      for (int j = 0; j < k; j++) {
        on_exchange_event(&b, evs[j].data.u32, evs[j].events);
      }
    }
  }
  double t2 = now_s();

  /* Whatever has not echoed by now is an error. */
  for (unsigned i = 0; i < b.n; i++) {
    uint8_t st = b.c[i].state;
    if (st != ST_DONE && st != ST_FAILED) {
      b.errors++;
      b.c[i].state = ST_FAILED;
    }
  }
  if (timed_out) {
    fprintf(stderr, "conn_bench: timed out after %.0f s\n", timeout_s);
  }

  /* Peak: every surviving connection is still open. */
  if (peakfile != NULL) hold_at_peak(peakfile, hold_s);

  printf("conns=%u established=%u echoed=%u errors=%u connect_s=%.3f "
         "exchange_s=%.3f total_s=%.3f timed_out=%d\n",
         b.n, b.established, b.echoed, b.errors, t1 - t0, t2 - t1, t2 - t0,
         timed_out);
  fflush(stdout);

  for (unsigned i = 0; i < b.n; i++) {
    if (b.c[i].fd >= 0) close(b.c[i].fd);
  }
  close(b.ep);
  free(evs);
  free(b.c);
  freeaddrinfo(ai);
  return b.echoed == b.n ? 0 : 1;
}
