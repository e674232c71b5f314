/*
 * sock_wake.c - the channel other threads use to reach the poll thread: a
 * locked message queue plus a socket pair whose read end the poll watches.
 * One byte is written per message; the poll drains the bytes and then the
 * whole queue, so a lost or merged byte never loses a message.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock_iface.h"

struct wake *wake_new(void) {
  struct wake *w = (struct wake *) calloc(1, sizeof(*w));
  if (w == NULL) return NULL;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                 w->fds) != 0) {
    free(w);
    return NULL;
  }
  pthread_mutex_init(&w->lock, NULL);
  w->refs = 1;
  return w;
}

void wake_retain(struct wake *w) {
  pthread_mutex_lock(&w->lock);
  w->refs++;
  pthread_mutex_unlock(&w->lock);
}

void wake_release(struct wake *w) {
  int last;
  pthread_mutex_lock(&w->lock);
  last = --w->refs == 0;
  pthread_mutex_unlock(&w->lock);
  if (!last) return;
  close(w->fds[0]);
  close(w->fds[1]);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

int wake_post(struct wake *w, struct wake_msg *m) {
  static const char byte = 1;
  pthread_mutex_lock(&w->lock);
  if (w->closed) {
    pthread_mutex_unlock(&w->lock);
    return 0;
  }
  m->next = NULL;
  if (w->tail != NULL) {
    w->tail->next = m;
  } else {
    w->head = m;
  }
  w->tail = m;
  /* A full socket buffer (EAGAIN) is fine: the poll is already due to wake. */
  (void) send(w->fds[0], &byte, 1, MSG_NOSIGNAL);
  pthread_mutex_unlock(&w->lock);
  return 1;
}

struct wake_msg *wake_take(struct wake *w) {
  struct wake_msg *m;
  char drain[256];
  while (recv(w->fds[1], drain, sizeof(drain), 0) > 0) {
  }
  pthread_mutex_lock(&w->lock);
  m = w->head;
  w->head = w->tail = NULL;
  pthread_mutex_unlock(&w->lock);
  return m;
}
