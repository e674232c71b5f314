/*
 * os_posix.c - the platform helpers of the API that are not part of an
 * iface: socket pairs, threads, a blocking name lookup, files, the address
 * of a raw socket, the wall clock, base64 and hex dumps onto a stdio
 * stream.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

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

FILE *mg_fopen(const char *path, const char *mode) { return fopen(path, mode); }

size_t mg_fread(void *ptr, size_t size, size_t count, FILE *f) {
  return fread(ptr, size, count, f);
}

size_t mg_fwrite(const void *ptr, size_t size, size_t count, FILE *f) {
  return fwrite(ptr, size, count, f);
}

int mg_open(const char *path, int flag, int mode) {
  return open(path, flag, (mode_t) mode);
}

/* For a socket a program opened itself: without the flag, a child it
 * starts would keep the socket open, and the peer would not see a close
 * when the program closes its end. */
void mg_set_close_on_exec(sock_t sock) {
  int flags = fcntl(sock, F_GETFD);
  if (flags >= 0) fcntl(sock, F_SETFD, flags | FD_CLOEXEC);
}

/* The system's clock, never the iface's: a program that timestamps its
 * own records wants real time even when the engine runs simulated. */
double cs_time(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* For a socket the engine does not manage (no connection, no iface to
 * ask), hence the direct calls. A socket that is not IPv4 or IPv6 (a Unix
 * socket pair, say) has no address in this format and prints as "". */
void mg_sock_to_str(sock_t sock, char *buf, size_t len, int flags) {
  union socket_address sa;
  socklen_t slen = sizeof(sa);
  int r;
  if (buf == NULL || len == 0) return;
  buf[0] = '\0';
  memset(&sa, 0, sizeof(sa));
  r = (flags & MG_SOCK_STRINGIFY_REMOTE) ? getpeername(sock, &sa.sa, &slen)
                                          : getsockname(sock, &sa.sa, &slen);
  if (r != 0) return;
  if (sa.sa.sa_family != AF_INET && sa.sa.sa_family != AF_INET6) return;
  if (mg_sock_addr_to_str(&sa, buf, len, flags) < 0) buf[0] = '\0';
}

/* Writing to a stdio stream is file I/O, which the core leaves to this
 * side; the encoding itself is the core's streaming encoder. */
static void put_to_file(char ch, void *user_data) {
  fputc(ch, (FILE *) user_data);
}

void cs_fprint_base64(FILE *f, const unsigned char *src, int src_len) {
  struct cs_base64_ctx ctx;
  cs_base64_init(&ctx, put_to_file, f);
  if (src_len > 0) cs_base64_update(&ctx, (const char *) src, (size_t) src_len);
  cs_base64_finish(&ctx);
}

/* A line at a time, so a dump of any length needs no buffer for the whole
 * text (mg_hexdump itself stops where its buffer ends). */
void mg_hexdumpf(FILE *fp, const void *buf, int len) {
  char line[MG_HEXDUMP_LINE_MAX];
  int offset, step;
  if (fp == NULL || buf == NULL) return;
  /* Stepping by what is left keeps offset <= len: no overflow near
   * INT_MAX. */
  for (offset = 0; offset < len; offset += step) {
    step = len - offset < MG_HEXDUMP_BYTES_PER_LINE ? len - offset
                                                    : MG_HEXDUMP_BYTES_PER_LINE;
    fwrite(line, 1, (size_t) mg_hexdump_line(buf, len, offset, line), fp);
  }
}
