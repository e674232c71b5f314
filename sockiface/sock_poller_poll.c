/*
 * sock_poller_poll.c - the poll() backend of sock_poller.h: portable, no
 * FD_SETSIZE limit, O(n) per wait.
 */
#if !defined(__linux__) || defined(MG_USE_POLL)
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "sock_poller.h"

struct poller {
  struct pollfd *fds;
  void **tags;
  size_t n, cap;
};

struct poller *poller_new(void) {
  return (struct poller *) calloc(1, sizeof(struct poller));
}

void poller_free(struct poller *p) {
  if (p == NULL) return;
  free(p->fds);
  free(p->tags);
  free(p);
}

void poller_begin(struct poller *p) { p->n = 0; }

static int grow(struct poller *p) {
  size_t cap = p->cap ? p->cap * 2 : 64;
  struct pollfd *fds = (struct pollfd *) realloc(p->fds, cap * sizeof(*fds));
  void **tags;
  if (fds == NULL) return ENOMEM;
  p->fds = fds;
  tags = (void **) realloc(p->tags, cap * sizeof(*tags));
  if (tags == NULL) return ENOMEM;
  p->tags = tags;
  p->cap = cap;
  return 0;
}

int poller_watch(struct poller *p, int fd, void *tag, unsigned want,
                 unsigned *registered) {
  (void) registered;
  if (want == 0) return 0;
  if (p->n == p->cap && grow(p) != 0) return ENOMEM;
  p->fds[p->n].fd = fd;
  p->fds[p->n].events = (short) (((want & POLLER_IN) ? POLLIN : 0) |
                                 ((want & POLLER_OUT) ? POLLOUT : 0));
  p->fds[p->n].revents = 0;
  p->tags[p->n] = tag;
  p->n++;
  return 0;
}

void poller_forget(struct poller *p, int fd, unsigned *registered) {
  (void) p;
  (void) fd;
  *registered = 0;
}

int poller_wait(struct poller *p, int timeout_ms, struct poller_event *out,
                int max) {
  size_t i;
  int count = 0;
  if (poll(p->fds, (nfds_t) p->n, timeout_ms) <= 0) return 0;
  for (i = 0; i < p->n && count < max; i++) {
    short r = p->fds[i].revents;
    if (r == 0) continue;
    out[count].tag = p->tags[i];
    out[count].ready = ((r & POLLIN) ? POLLER_IN : 0u) |
                       ((r & POLLOUT) ? POLLER_OUT : 0u) |
                       ((r & (POLLERR | POLLHUP | POLLNVAL)) ? POLLER_ERR : 0u);
    count++;
  }
  return count;
}
#else
typedef int mg_sock_poller_poll_unused;
#endif
