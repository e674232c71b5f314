/*
 * sock_iface.h - what the files of the native socket iface share:
 * sock_iface.c (sockets and the poll), sock_wake.c (the cross-thread wake-up
 * channel behind mg_broadcast and the resolver) and sock_resolve.c.
 */
#ifndef MG_SOCK_IFACE_H
#define MG_SOCK_IFACE_H

#include <pthread.h>

#include "mongoose.h"
#include "sock_poller.h"

struct resolve_req;

/* A message to the poll thread. Broadcasts live on the caller's stack until
 * done; resolutions are heap-allocated by sock_resolve.c. */
struct wake_msg {
  struct wake_msg *next;
  enum { WAKE_BROADCAST, WAKE_RESOLVED } kind;
  mg_event_handler_t cb; /* WAKE_BROADCAST */
  void *data;
  size_t len;
  int done;
  pthread_cond_t cond;
  struct resolve_req *req; /* WAKE_RESOLVED */
};

/* Shared by the iface and its resolver threads; freed by whoever is last,
 * so a resolver thread that outlives mg_mgr_free() touches nothing freed. */
struct wake {
  pthread_mutex_t lock;
  int fds[2]; /* [0]: other threads write a byte, [1]: the poll reads */
  int refs;
  int closed; /* the iface is gone: drop whatever arrives */
  struct wake_msg *head, *tail;
};

struct wake *wake_new(void);
void wake_retain(struct wake *w);
void wake_release(struct wake *w); /* the last release frees it */
/* Queues m (under the lock) and wakes the poll. 0 if the iface is gone. */
int wake_post(struct wake *w, struct wake_msg *m);
/* Takes everything queued, oldest first. */
struct wake_msg *wake_take(struct wake *w);

struct sock_iface {
  struct poller *poller;
  struct wake *wake;
  unsigned wake_registered;
  pthread_t poll_thread;
  char *rbuf; /* one read buffer for every connection */
  struct mg_socket_iface_opts opts;
  int held_answers; /* connections holding a hook's answer until it is due */
};

/* nc->mgr_data */
struct sock_conn {
  unsigned registered;
  unsigned write_blocked : 1; /* wait for writability before sending again */
  unsigned eof : 1;
  unsigned hup : 1; /* the peer hung up while we were not reading */
  unsigned report_connect : 1; /* a connect result decided synchronously */
  int connect_err;
  double accept_resume; /* listener: accept paused until then (EMFILE) */
  struct resolve_req *resolve;
  /* An answer of the resolve hook, held until its time (clock seconds). */
  unsigned answer_held : 1;
  int answer_err;
  double answer_due;
  union socket_address answer;
};

double sock_clock(struct sock_iface *si);
/* Asks the hook, else starts a system lookup: 0 or an errno value. */
int sock_resolve_start(struct mg_connection *nc, struct sock_iface *si,
                       const char *host);
void sock_resolve_cancel(struct mg_connection *nc);
/* Delivers the hook's answers that are due; returns how many, and lowers
 * *next_due to the earliest still held (0: none). */
int sock_resolve_due(struct mg_iface *iface, double now, double *next_due);
/* Called on the poll thread for a WAKE_RESOLVED message; frees it. */
void sock_resolve_deliver(struct wake_msg *m);

#endif
