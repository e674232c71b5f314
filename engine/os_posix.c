/*
 * os_posix.c - the platform helpers of the API that are not part of an
 * iface: socket pairs, threads, a blocking name lookup, stat().
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mongoose.h"

int mg_socketpair(sock_t sp[2], int sock_type) {
  return socketpair(AF_UNIX, sock_type | SOCK_CLOEXEC, 0, sp) == 0;
}

void *mg_start_thread(void *(*thread_func)(void *), void *thread_func_param) {
  pthread_t tid;
  pthread_attr_t attr;
  int err;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  err = pthread_create(&tid, &attr, thread_func, thread_func_param);
  pthread_attr_destroy(&attr);
  return err == 0 ? (void *) tid : NULL;
}

/* Blocking: for programs setting up, never for the event loop (mg_connect
 * resolves names through the iface instead). 1 on success, 0 otherwise. */
int mg_resolve(const char *domain_name, char *ip_addr_buf, size_t buf_len) {
  struct addrinfo hints, *res;
  int ok;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  if (getaddrinfo(domain_name, NULL, &hints, &res) != 0) return 0;
  ok = inet_ntop(AF_INET, &((struct sockaddr_in *) res->ai_addr)->sin_addr,
                 ip_addr_buf, (socklen_t) buf_len) != NULL;
  freeaddrinfo(res);
  return ok;
}

int mg_stat(const char *path, cs_stat_t *st) { return stat(path, st); }
