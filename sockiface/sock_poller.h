/*
 * sock_poller.h - readiness notification for the native socket iface, with
 * two backends: epoll (Linux, the default) and poll() (everywhere else, and
 * on Linux when built with -DMG_USE_POLL). Neither has an FD_SETSIZE limit.
 *
 * Each poll the iface calls poller_begin(), then poller_watch() once for
 * every descriptor it cares about, then poller_wait(). The epoll backend
 * only issues epoll_ctl() when a descriptor's interest changed since the last
 * poll; the poll() backend rebuilds its array.
 */
#ifndef MG_SOCK_POLLER_H
#define MG_SOCK_POLLER_H

#define POLLER_IN 1u
#define POLLER_OUT 2u
#define POLLER_ERR 4u /* error or hang-up */

struct poller;

struct poller_event {
  void *tag;
  unsigned ready;
};

struct poller *poller_new(void);
void poller_free(struct poller *p);
void poller_begin(struct poller *p);
/* want 0 unregisters. *registered is the caller's per-descriptor memory of
 * what the backend knows (0 initially). Returns 0 or an errno value. */
int poller_watch(struct poller *p, int fd, void *tag, unsigned want,
                 unsigned *registered);
/* Call before closing a watched descriptor. */
void poller_forget(struct poller *p, int fd, unsigned *registered);
/* Up to max events; returns their number, 0 on timeout. */
int poller_wait(struct poller *p, int timeout_ms, struct poller_event *out,
                int max);

#endif
