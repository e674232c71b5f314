/*
 * sock_poller_epoll.c - the epoll backend of sock_poller.h (level-triggered).
 */
#if defined(__linux__) && !defined(MG_USE_POLL)
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sock_poller.h"

/* Interest is stored shifted so that 0 means "not in the epoll set". */
#define REG(want) ((want) | 0x100u)

struct poller {
  int epfd;
  struct epoll_event events[256];
};

struct poller *poller_new(void) {
  struct poller *p = (struct poller *) calloc(1, sizeof(*p));
  if (p == NULL) return NULL;
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd < 0) {
    free(p);
    return NULL;
  }
  return p;
}

void poller_free(struct poller *p) {
  if (p == NULL) return;
  close(p->epfd);
  free(p);
}

void poller_begin(struct poller *p) { (void) p; }

int poller_watch(struct poller *p, int fd, void *tag, unsigned want,
                 unsigned *registered) {
  struct epoll_event ev;
  int op;
  if (want == 0) {
    poller_forget(p, fd, registered);
    return 0;
  }
  if (*registered == REG(want)) return 0;
  ev.events = ((want & POLLER_IN) ? EPOLLIN : 0u) |
              ((want & POLLER_OUT) ? EPOLLOUT : 0u);
  ev.data.ptr = tag;
  op = *registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(p->epfd, op, fd, &ev) != 0) return errno;
  *registered = REG(want);
  return 0;
}

void poller_forget(struct poller *p, int fd, unsigned *registered) {
  if (*registered == 0) return;
  epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
  *registered = 0;
}

int poller_wait(struct poller *p, int timeout_ms, struct poller_event *out,
                int max) {
  int n, i;
  if (max > (int) (sizeof(p->events) / sizeof(p->events[0]))) {
    max = (int) (sizeof(p->events) / sizeof(p->events[0]));
  }
  n = epoll_wait(p->epfd, p->events, max, timeout_ms);
  if (n < 0) return 0; /* EINTR: the caller simply polls again */
  for (i = 0; i < n; i++) {
    unsigned e = p->events[i].events;
    out[i].tag = p->events[i].data.ptr;
    out[i].ready = ((e & EPOLLIN) ? POLLER_IN : 0u) |
                   ((e & EPOLLOUT) ? POLLER_OUT : 0u) |
                   ((e & (EPOLLERR | EPOLLHUP)) ? POLLER_ERR : 0u);
  }
  return n;
}
#else
typedef int mg_sock_poller_epoll_unused;
#endif
