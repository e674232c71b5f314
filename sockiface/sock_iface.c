/*
 * sock_iface.c - the native socket iface: non-blocking TCP and UDP sockets,
 * readiness from sock_poller (epoll or poll), TCP_NODELAY on every TCP
 * connection, close-on-exec everywhere, SO_REUSEADDR on listeners.
 *
 * Interest is recomputed for every connection at each poll from the
 * connection's state (room in recv_mbuf, a blocked write), so recv_mbuf_limit
 * backpressure simply stops reading: the bytes wait in the kernel, and TCP's
 * own window slows the peer down.
 *
 * mg_socket_iface_set_opts() caps the bytes per recv() and send(), sets the
 * socket buffers, and swaps the clock and the resolver: the same handlers
 * then meet partial reads and writes and small windows on real sockets.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#include "sock_iface.h"

#define RBUF_SIZE 65536
#define MAX_EVENTS 1024
#define MAX_ACCEPTS_PER_POLL 256
#define MAX_DGRAMS_PER_POLL 64
#define ACCEPT_PAUSE_SECONDS 0.1

static struct sock_iface *sock_of(struct mg_iface *iface) {
  return (struct sock_iface *) iface->data;
}

static struct sock_conn *sconn(struct mg_connection *nc) {
  return (struct sock_conn *) nc->mgr_data;
}

static socklen_t sa_len(const union socket_address *sa) {
  return sa->sa.sa_family == AF_INET6 ? sizeof(sa->sin6) : sizeof(sa->sin);
}

static void set_nodelay(int fd) {
  int on = 1;
  (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void set_cork(int fd, int on) {
  (void) setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

static int so_error(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

double sock_clock(struct sock_iface *si) {
  struct timespec ts;
  if (si != NULL && si->opts.clock != NULL) return si->opts.clock(si->opts.arg);
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double sock_now(struct mg_iface *iface) {
  return sock_clock(iface != NULL ? sock_of(iface) : NULL);
}

/* The buffer sizes asked for, on a TCP socket about to connect or listen
 * (a listener's are inherited by what it accepts, window scaling included). */
static void set_buffers(const struct sock_iface *si, int fd) {
  if (si == NULL) return;
  if (si->opts.rcvbuf > 0) {
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &si->opts.rcvbuf, sizeof(int));
  }
  if (si->opts.sndbuf > 0) {
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &si->opts.sndbuf, sizeof(int));
  }
}

static void sock_init(struct mg_iface *iface);

int mg_socket_iface_set_opts(struct mg_iface *iface,
                             const struct mg_socket_iface_opts *opts) {
  struct sock_iface *si;
  /* A vtable copied from the socket iface's, some methods wrapped, is a
   * socket iface all the same: its data is ours. */
  if (iface == NULL || iface->vtable == NULL || iface->vtable->init != sock_init ||
      opts == NULL ||
      (si = sock_of(iface)) == NULL || opts->rcvbuf < 0 || opts->sndbuf < 0) {
    return EINVAL;
  }
  si->opts = *opts;
  return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static void sock_free(struct mg_iface *iface);

static void sock_init(struct mg_iface *iface) {
  struct sock_iface *si = (struct sock_iface *) calloc(1, sizeof(*si));
  iface->data = si;
  if (si == NULL) return;
  si->poller = poller_new();
  si->wake = wake_new();
  si->rbuf = (char *) malloc(RBUF_SIZE);
  si->poll_thread = pthread_self();
  if (si->poller == NULL || si->wake == NULL || si->rbuf == NULL) {
    sock_free(iface);
    return;
  }
  if (iface->mgr->ctl[0] == INVALID_SOCKET) {
    iface->mgr->ctl[0] = si->wake->fds[0];
    iface->mgr->ctl[1] = si->wake->fds[1];
  }
}

static void finish_broadcast(struct wake *w, struct wake_msg *m) {
  pthread_mutex_lock(&w->lock);
  m->done = 1;
  pthread_cond_signal(&m->cond);
  pthread_mutex_unlock(&w->lock);
}

static void sock_free(struct mg_iface *iface) {
  struct sock_iface *si = sock_of(iface);
  if (si == NULL) return;
  if (si->wake != NULL) {
    struct wake *w = si->wake;
    struct wake_msg *m, *next;
    pthread_mutex_lock(&w->lock);
    w->closed = 1;
    pthread_mutex_unlock(&w->lock);
    /* Nobody will poll again: release waiting broadcasters unserved. */
    for (m = wake_take(w); m != NULL; m = next) {
      next = m->next;
      if (m->kind == WAKE_BROADCAST) {
        finish_broadcast(w, m);
      } else {
        sock_resolve_deliver(m);
      }
    }
    if (iface->mgr->ctl[0] == w->fds[0]) {
      iface->mgr->ctl[0] = iface->mgr->ctl[1] = INVALID_SOCKET;
    }
    wake_release(w);
  }
  poller_free(si->poller);
  free(si->rbuf);
  free(si);
  iface->data = NULL;
}

static int sock_create_conn(struct mg_connection *nc) {
  struct sock_conn *sc = (struct sock_conn *) calloc(1, sizeof(*sc));
  if (sc == NULL) return ENOMEM;
  nc->mgr_data = sc;
  return 0;
}

static void sock_add_conn(struct mg_connection *nc) {
  (void) nc; /* watched from the next poll on */
}

static void sock_remove_conn(struct mg_connection *nc) {
  struct sock_iface *si = sock_of(nc->iface);
  struct sock_conn *sc = sconn(nc);
  if (si != NULL && sc != NULL && nc->sock != INVALID_SOCKET) {
    poller_forget(si->poller, nc->sock, &sc->registered);
  }
}

static void sock_destroy_conn(struct mg_connection *nc) {
  sock_resolve_cancel(nc);
  if (nc->sock != INVALID_SOCKET) {
    sock_remove_conn(nc);
    close(nc->sock);
    nc->sock = INVALID_SOCKET;
  }
  free(nc->mgr_data);
  nc->mgr_data = NULL;
}

static void sock_sock_set(struct mg_connection *nc, sock_t sock) {
  int fl = fcntl(sock, F_GETFL, 0);
  nc->sock = sock;
  if (fl >= 0) (void) fcntl(sock, F_SETFL, fl | O_NONBLOCK);
  (void) fcntl(sock, F_SETFD, FD_CLOEXEC);
  set_nodelay(sock); /* fails harmlessly on anything but TCP */
}

/* ---- opening sockets ----------------------------------------------------- */

static int open_bound(struct mg_connection *nc, union socket_address *sa,
                      int type) {
  int on = 1, fd = socket(sa->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  if (type == SOCK_STREAM) set_buffers(sock_of(nc->iface), fd);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      bind(fd, &sa->sa, sa_len(sa)) != 0 ||
      (type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)) {
    int err = errno;
    close(fd);
    return err;
  }
  nc->sock = fd;
  return 0;
}

static int sock_listen_tcp(struct mg_connection *nc, union socket_address *sa) {
  return open_bound(nc, sa, SOCK_STREAM);
}

static int sock_listen_udp(struct mg_connection *nc, union socket_address *sa) {
  return open_bound(nc, sa, SOCK_DGRAM);
}

/* The outcome, immediate or not, is reported from the next poll. */
static void sock_connect_tcp(struct mg_connection *nc,
                             const union socket_address *sa) {
  struct sock_conn *sc = sconn(nc);
  int fd = socket(sa->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    sc->report_connect = 1;
    sc->connect_err = errno;
    return;
  }
  set_nodelay(fd);
  set_buffers(sock_of(nc->iface), fd);
  nc->sock = fd;
  if (connect(fd, &sa->sa, sa_len(sa)) == 0) {
    sc->report_connect = 1;
    sc->connect_err = 0;
  } else if (errno != EINPROGRESS) {
    sc->report_connect = 1;
    sc->connect_err = errno;
  }
}

static int sock_connect_udp(struct mg_connection *nc) {
  int fd = socket(nc->sa.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  nc->sock = fd;
  return connect(fd, &nc->sa.sa, sa_len(&nc->sa)) == 0 ? 0 : errno;
}

/* ---- sending ------------------------------------------------------------- */

/* What one send may pass: len, or less under the max_send option. */
static size_t send_cap(const struct mg_connection *nc, size_t len) {
  const struct sock_iface *si = (const struct sock_iface *) nc->iface->data;
  return si != NULL && si->opts.max_send > 0 && len > si->opts.max_send
             ? si->opts.max_send
             : len;
}

static int sock_tcp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct sock_conn *sc = sconn(nc);
  ssize_t n;
  if (sc->write_blocked) return 0; /* until the poll sees it writable */
  len = send_cap(nc, len);
  n = send(nc->sock, buf, len, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      sc->write_blocked = 1;
      return 0;
    }
    nc->err = errno;
    return -1;
  }
  if ((size_t) n < len) sc->write_blocked = 1;
  return (int) n;
}

/* sendfile has no MSG_NOSIGNAL: a peer gone away would raise SIGPIPE,
 * whose default kills the process. It is held back around the call, and
 * the one the call raised is taken, unless the program blocks it itself
 * (it is then the program's to see). */
static ssize_t sendfile_quiet(int sock, int fd, off_t *off, size_t len) {
  sigset_t pipe_set, old;
  ssize_t n;
  int err;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0) return sendfile(sock, fd, off, len);
  n = sendfile(sock, fd, off, len);
  err = errno;
  if (n < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
    struct timespec zero = {0, 0};
    (void) sigtimedwait(&pipe_set, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = err;
  return n;
}

static int sock_tcp_send_file(struct mg_connection *nc, int fd, int64_t offset,
                              size_t len) {
  struct sock_conn *sc = sconn(nc);
  off_t off = (off_t) offset;
  ssize_t n;
  int err;
  if (sc->write_blocked) return 0; /* until the poll sees it writable */
  if (len > INT_MAX) len = INT_MAX;
  len = send_cap(nc, len);
  /* Corked, the kernel cuts what it copies into full segments and pushes
   * them at the uncork, rather than pushing each batch of pages as it goes
   * (TCP_NODELAY): on loopback the receiving side then does far less work
   * per byte. */
  set_cork(nc->sock, 1);
  n = sendfile_quiet(nc->sock, fd, &off, len);
  err = errno;
  set_cork(nc->sock, 0);
  if (n < 0) {
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
      sc->write_blocked = 1;
      return 0;
    }
    nc->err = err;
    return -1;
  }
  if (n == 0 && len > 0) { /* the file ends before offset + len */
    nc->err = EIO;
    return -1;
  }
  if ((size_t) n < len) sc->write_blocked = 1;
  return (int) n;
}

/* A failure changes nothing the engine could act on: the close follows. */
static void sock_shutdown_write(struct mg_connection *nc) {
  if (nc->sock != INVALID_SOCKET) (void) shutdown(nc->sock, SHUT_WR);
}

static int sock_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  struct sock_conn *sc = sconn(nc);
  ssize_t n;
  if (sc->write_blocked) return 0;
  if (nc->listener != NULL) {
    n = sendto(nc->listener->sock, buf, len, MSG_NOSIGNAL, &nc->sa.sa,
               sa_len(&nc->sa));
  } else if (nc->sock != INVALID_SOCKET) {
    n = send(nc->sock, buf, len, MSG_NOSIGNAL);
  } else {
    nc->err = EBADF; /* a child whose listener has closed */
    return -1;
  }
  if (n >= 0) return (int) len;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    sc->write_blocked = 1;
    return 0;
  }
  /* An ICMP refusal of an earlier datagram is news, not a broken socket. */
  if (errno == ECONNREFUSED) return (int) len;
  nc->err = errno;
  return -1;
}

static void sock_recved(struct mg_connection *nc, size_t len) {
  /* Nothing to do: interest is recomputed from recv_mbuf at each poll. */
  (void) nc;
  (void) len;
}

/* ---- the poll ------------------------------------------------------------ */

static unsigned interest(struct mg_connection *nc, struct sock_conn *sc,
                         double now) {
  unsigned want = 0;
  if (nc->closing || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return 0;
  if (nc->engine_flags & MG_F_LISTENING) {
    return now >= sc->accept_resume ? POLLER_IN : 0;
  }
  if (nc->engine_flags & MG_F_CONNECTING) {
    return (nc->engine_flags & MG_F_UDP) ? 0 : POLLER_OUT;
  }
  if (nc->engine_flags & MG_F_UDP) {
    want |= POLLER_IN;
  } else if (!sc->eof && mg_if_recv_room(nc) > 0) {
    want |= POLLER_IN;
  } else if (sc->hup) {
    return 0; /* a hung-up socket is always "ready": don't spin on it */
  }
  if (sc->write_blocked && nc->send_mbuf.len > 0) want |= POLLER_OUT;
  return want;
}

static void accept_some(struct mg_iface *iface, struct mg_connection *lc) {
  int i;
  for (i = 0; i < MAX_ACCEPTS_PER_POLL; i++) {
    union socket_address sa;
    socklen_t len = sizeof(sa);
    int fd = accept4(lc->sock, &sa.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      /* Out of descriptors, the pending connection stays queued and the
       * listener stays readable: pause it briefly instead of spinning. */
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        sconn(lc)->accept_resume = sock_now(iface) + ACCEPT_PAUSE_SECONDS;
      }
      return;
    }
    set_nodelay(fd);
    set_buffers(sock_of(iface), fd);
    if (mg_if_accept_tcp(lc, fd, &sa) == NULL) close(fd);
  }
}

static void read_udp(struct sock_iface *si, struct mg_connection *nc) {
  int i;
  for (i = 0; i < MAX_DGRAMS_PER_POLL; i++) {
    union socket_address from;
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(nc->sock, si->rbuf, RBUF_SIZE, 0, &from.sa, &len);
    if (n < 0) return;
    if (nc->listener == NULL && !(nc->engine_flags & MG_F_LISTENING)) {
      from = nc->sa;
    }
    mg_if_recv_udp(nc, si->rbuf, (size_t) n, &from);
  }
}

/* Reads while the handlers make room, up to RBUF_SIZE bytes per poll so one
 * busy connection cannot starve the others. */
static void read_tcp(struct sock_iface *si, struct mg_connection *nc) {
  struct sock_conn *sc = sconn(nc);
  size_t total = 0, room;
  while (total < RBUF_SIZE && (room = mg_if_recv_room(nc)) > 0) {
    size_t want = room < RBUF_SIZE - total ? room : RBUF_SIZE - total;
    if (si->opts.max_recv > 0 && want > si->opts.max_recv) want = si->opts.max_recv;
    ssize_t n = recv(nc->sock, si->rbuf, want, 0);
    if (n > 0) {
      total += (size_t) n;
      mg_if_recv_tcp(nc, si->rbuf, (size_t) n);
      if ((size_t) n < want) return; /* drained */
    } else if (n == 0) {
      sc->eof = 1;
      mg_if_peer_closed(nc, 0);
      return;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        mg_if_peer_closed(nc, errno);
      }
      return;
    }
  }
}

static void handle_conn(struct mg_iface *iface, struct mg_connection *nc,
                        unsigned ready) {
  struct sock_iface *si = sock_of(iface);
  struct sock_conn *sc = sconn(nc);
  if (nc->engine_flags & MG_F_LISTENING) {
    if (nc->engine_flags & MG_F_UDP) {
      read_udp(si, nc);
    } else {
      accept_some(iface, nc);
    }
    return;
  }
  if (nc->engine_flags & MG_F_CONNECTING) {
    mg_if_connect_cb(nc, so_error(nc->sock));
    return;
  }
  if (ready & POLLER_OUT) sc->write_blocked = 0;
  if (nc->engine_flags & MG_F_UDP) {
    if (ready & (POLLER_IN | POLLER_ERR)) read_udp(si, nc);
    return;
  }
  if (ready & POLLER_IN) {
    read_tcp(si, nc);
  } else if (ready & POLLER_ERR) {
    /* Not reading (no room): only a hard error is worth reporting now; an
     * orderly hang-up waits until the handlers have read what is buffered. */
    int err = so_error(nc->sock);
    if (err != 0) {
      mg_if_peer_closed(nc, err);
    } else {
      sc->hup = 1; /* stop watching until there is room to read again */
    }
  }
}

static void handle_wake(struct sock_iface *si, struct mg_mgr *mgr) {
  struct wake_msg *m, *next;
  for (m = wake_take(si->wake); m != NULL; m = next) {
    next = m->next; /* a finished broadcast's message vanishes */
    if (m->kind == WAKE_BROADCAST) {
      mg_if_broadcast(mgr, m->cb, m->data, m->len);
      finish_broadcast(si->wake, m);
    } else {
      sock_resolve_deliver(m);
    }
  }
}

/* Bytes queued after the poll's flush (by a MG_EV_SEND handler topping up
 * a long reply, say) to a socket not known to be full: the next flush can
 * send them at once, so the wait must not hold them back. Waiting for
 * writability instead would cost an epoll_ctl pair per connection. */
static int can_send_now(const struct mg_connection *nc, const struct sock_conn *sc) {
  const unsigned long busy = MG_F_LISTENING | MG_F_CONNECTING | MG_F_RESOLVING;
  return nc->send_mbuf.len > 0 && !sc->write_blocked && !nc->closing &&
         !(nc->engine_flags & busy) && !(nc->flags & MG_F_CLOSE_IMMEDIATELY);
}

static int sock_poll(struct mg_iface *iface, int timeout_ms) {
  struct sock_iface *si = sock_of(iface);
  struct poller_event events[MAX_EVENTS];
  struct mg_connection *nc;
  double now = sock_now(iface), answer_due = 0;
  int reported = 0, sendable = 0, n, i, err;
  if (si == NULL) return 0;
  si->poll_thread = pthread_self();
  reported += sock_resolve_due(iface, now, &answer_due);
  poller_begin(si->poller);
  poller_watch(si->poller, si->wake->fds[1], si, POLLER_IN, &si->wake_registered);
  for (nc = iface->mgr->active_connections; nc != NULL; nc = nc->next) {
    struct sock_conn *sc = sconn(nc);
    if (nc->iface != iface || sc == NULL) continue;
    if (sc->report_connect) {
      sc->report_connect = 0;
      mg_if_connect_cb(nc, sc->connect_err);
      reported++;
    }
    if (nc->sock == INVALID_SOCKET) continue;
    err = poller_watch(si->poller, nc->sock, nc, interest(nc, sc, now),
                       &sc->registered);
    if (err != 0) mg_if_peer_closed(nc, err); /* e.g. an unpollable fd */
    if (can_send_now(nc, sc)) sendable = 1;
  }
  if (reported > 0 || sendable) {
    timeout_ms = 0;
  } else {
    if (answer_due > 0 && (answer_due - now) * 1000.0 < timeout_ms) {
      timeout_ms = (int) ceil((answer_due - now) * 1000.0);
    }
    if (si->opts.wait_ms != NULL) timeout_ms = si->opts.wait_ms(si->opts.arg, timeout_ms);
  }
  n = poller_wait(si->poller, timeout_ms, events, MAX_EVENTS);
  for (i = 0; i < n; i++) {
    if (events[i].tag == si) {
      handle_wake(si, iface->mgr);
    } else {
      handle_conn(iface, (struct mg_connection *) events[i].tag, events[i].ready);
    }
  }
  return reported + n;
}

/* ---- addresses, clock, randomness, names, wake-ups ----------------------- */

static void sock_get_conn_addr(struct mg_connection *nc, int remote,
                               union socket_address *sa) {
  socklen_t len = sizeof(*sa);
  int fd = nc->listener != NULL && (nc->engine_flags & MG_F_UDP)
               ? nc->listener->sock
               : nc->sock;
  memset(sa, 0, sizeof(*sa));
  if (remote) {
    if ((nc->engine_flags & MG_F_UDP) || fd == INVALID_SOCKET ||
        getpeername(fd, &sa->sa, &len) != 0) {
      *sa = nc->sa;
    }
  } else if (fd != INVALID_SOCKET) {
    (void) getsockname(fd, &sa->sa, &len);
  }
}

static void sock_random(struct mg_iface *iface, void *buf, size_t len) {
  char *p = (char *) buf;
  (void) iface;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n <= 0) continue; /* EINTR; the kernel pool never runs dry */
    p += n;
    len -= (size_t) n;
  }
}

static int sock_resolve(struct mg_connection *nc, const char *host) {
  struct sock_iface *si = sock_of(nc->iface);
  return si != NULL ? sock_resolve_start(nc, si, host) : ENOMEM;
}

/* Runs the callbacks on the poll thread and waits for them. Called on the
 * poll thread itself (from a handler), it runs them right away instead of
 * waiting for a poll that could never come. */
static void sock_broadcast(struct mg_iface *iface, mg_event_handler_t cb,
                           void *data, size_t len) {
  struct sock_iface *si = sock_of(iface);
  struct wake_msg msg;
  struct wake *w;
  if (si == NULL) return;
  if (pthread_equal(pthread_self(), si->poll_thread)) {
    mg_if_broadcast(iface->mgr, cb, data, len);
    return;
  }
  memset(&msg, 0, sizeof(msg));
  msg.kind = WAKE_BROADCAST;
  msg.cb = cb;
  msg.data = data;
  msg.len = len;
  pthread_cond_init(&msg.cond, NULL);
  w = si->wake;
  wake_retain(w);
  if (wake_post(w, &msg)) {
    pthread_mutex_lock(&w->lock);
    while (!msg.done) pthread_cond_wait(&msg.cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
  }
  pthread_cond_destroy(&msg.cond);
  wake_release(w);
}

const struct mg_iface_vtable mg_socket_iface_vtable = {
    sock_init,          sock_free,         sock_add_conn,   sock_remove_conn,
    sock_poll,          sock_listen_tcp,   sock_listen_udp, sock_connect_tcp,
    sock_connect_udp,   sock_tcp_send,     sock_udp_send,   sock_recved,
    sock_create_conn,   sock_destroy_conn, sock_sock_set,   sock_get_conn_addr,
    sock_now,           sock_random,       sock_resolve,    sock_broadcast,
    .shutdown_write = sock_shutdown_write,
    .tcp_send_file = sock_tcp_send_file,
};

const struct mg_iface_vtable *mg_default_iface_vtable = &mg_socket_iface_vtable;
