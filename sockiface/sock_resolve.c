/*
 * sock_resolve.c - host names in mg_connect, resolved without blocking the
 * loop: each name gets a detached thread running getaddrinfo(), whose answer
 * returns to the poll thread through the wake channel. A cancelled request
 * (the connection closed or timed out first) is answered into the void.
 * A resolve hook (mg_socket_iface_opts) is asked first; its answers are
 * held on the connection and delivered by the poll when they are due.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "sock_iface.h"

struct resolve_req {
  struct wake_msg msg; /* first, so the message is the request */
  struct wake *w;
  struct mg_connection *nc; /* NULL once cancelled; poll thread only */
  union socket_address sa;
  int err;
  char host[256];
};

/* IPv4 first: it is what "host:port" means to most Mongoose programs. */
static int lookup(const char *host, union socket_address *sa) {
  struct addrinfo hints, *res, *ai, *pick = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, NULL, &hints, &res) != 0) return EHOSTUNREACH;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      pick = ai;
      break;
    }
    if (ai->ai_family == AF_INET6 && pick == NULL) pick = ai;
  }
  if (pick != NULL && pick->ai_addrlen <= sizeof(*sa)) {
    memset(sa, 0, sizeof(*sa));
    memcpy(sa, pick->ai_addr, pick->ai_addrlen);
  }
  freeaddrinfo(res);
  return pick != NULL ? 0 : EHOSTUNREACH;
}

static void *resolve_thread(void *arg) {
  struct resolve_req *req = (struct resolve_req *) arg;
  struct wake *w = req->w;
  req->err = lookup(req->host, &req->sa);
  if (!wake_post(w, &req->msg)) free(req);
  wake_release(w);
  return NULL;
}

/* The hook's answer: held until due, or never delivered when silent. */
static int hook_answer(struct mg_connection *nc, struct sock_iface *si,
                       const char *host) {
  struct sock_conn *sc = (struct sock_conn *) nc->mgr_data;
  union socket_address sa;
  double delay = 0;
  int rc;
  memset(&sa, 0, sizeof(sa));
  rc = si->opts.resolve(si->opts.arg, host, &sa, &delay);
  if (rc == MG_RESOLVE_PASS) return rc;
  if (rc == MG_RESOLVE_SILENT) return 0;
  sc->answer_held = 1;
  sc->answer_err = rc > 0 ? rc : rc < 0 ? EINVAL : 0; /* a value outside the contract fails */
  sc->answer = sa;
  sc->answer_due = sock_clock(si) + (delay > 0 ? delay : 0);
  si->held_answers++;
  return 0;
}

int sock_resolve_start(struct mg_connection *nc, struct sock_iface *si,
                       const char *host) {
  struct sock_conn *sc = (struct sock_conn *) nc->mgr_data;
  struct wake *w = si->wake;
  struct resolve_req *req;
  pthread_attr_t attr;
  pthread_t tid;
  int err;
  if (si->opts.resolve != NULL && hook_answer(nc, si, host) != MG_RESOLVE_PASS) {
    return 0;
  }
  if (strlen(host) >= sizeof(req->host)) return ENAMETOOLONG;
  if ((req = (struct resolve_req *) calloc(1, sizeof(*req))) == NULL) {
    return ENOMEM;
  }
  strcpy(req->host, host);
  req->nc = nc;
  req->w = w;
  req->msg.kind = WAKE_RESOLVED;
  req->msg.req = req;
  wake_retain(w);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  err = pthread_create(&tid, &attr, resolve_thread, req);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    wake_release(w);
    free(req);
    return err;
  }
  sc->resolve = req;
  return 0;
}

void sock_resolve_cancel(struct mg_connection *nc) {
  struct sock_conn *sc = (struct sock_conn *) nc->mgr_data;
  if (sc == NULL) return;
  if (sc->answer_held) {
    struct sock_iface *si = (struct sock_iface *) nc->iface->data;
    sc->answer_held = 0;
    if (si != NULL) si->held_answers--;
  }
  if (sc->resolve == NULL) return;
  sc->resolve->nc = NULL;
  sc->resolve = NULL;
}

int sock_resolve_due(struct mg_iface *iface, double now, double *next_due) {
  struct sock_iface *si = (struct sock_iface *) iface->data;
  struct mg_connection *nc, *next;
  int delivered = 0;
  if (si->held_answers == 0) return 0;
  for (nc = iface->mgr->active_connections; nc != NULL; nc = next) {
    struct sock_conn *sc = (struct sock_conn *) nc->mgr_data;
    next = nc->next;
    if (nc->iface != iface || sc == NULL || !sc->answer_held) continue;
    if (sc->answer_due <= now) {
      sc->answer_held = 0;
      si->held_answers--;
      delivered++;
      mg_if_resolved(nc, sc->answer_err == 0 ? &sc->answer : NULL, sc->answer_err);
    } else if (*next_due == 0 || sc->answer_due < *next_due) {
      *next_due = sc->answer_due;
    }
  }
  return delivered;
}

void sock_resolve_deliver(struct wake_msg *m) {
  struct resolve_req *req = m->req;
  struct mg_connection *nc = req->nc;
  if (nc != NULL) {
    ((struct sock_conn *) nc->mgr_data)->resolve = NULL;
    mg_if_resolved(nc, req->err == 0 ? &req->sa : NULL, req->err);
  }
  free(req);
}
