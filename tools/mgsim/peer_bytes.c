/*
 * peer_bytes.c - the bytes each scripted peer sent and received, for
 * checking a capture against (peer_bytes.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_bytes.h"
#include "scn_internal.h"

/* What one peer's script sent: the simulation does not keep it. */
struct sent {
  char *name;
  struct mbuf bytes;
};

static FILE *s_fp;
static int s_failed, s_done;
static struct sent *s_sent;
static size_t s_nsent, s_cap;

int peer_bytes_open(const char *path) {
  if ((s_fp = fopen(path, "w")) == NULL) return -1;
  s_failed = s_done = 0;
  return 0;
}

void peer_bytes_sent(const char *peer, const void *data, size_t len) {
  size_t i;
  if (s_fp == NULL || s_done) return;
  for (i = 0; i < s_nsent && strcmp(s_sent[i].name, peer) != 0; i++) {
  }
  if (i == s_nsent) {
    if (s_nsent == s_cap) {
      size_t cap = s_cap ? s_cap * 2 : 16;
      struct sent *m = (struct sent *) realloc(s_sent, cap * sizeof(*m));
      if (m == NULL) {
        s_failed = ENOMEM;
        return;
      }
      s_sent = m;
      s_cap = cap;
    }
    if ((s_sent[i].name = strdup(peer)) == NULL) {
      s_failed = ENOMEM;
      return;
    }
    mbuf_init(&s_sent[i].bytes, 0);
    s_nsent++;
  }
  if (mbuf_append(&s_sent[i].bytes, data, len) != len && len > 0) s_failed = ENOMEM;
}

static void put_hex(const char *what, const char *p, size_t len) {
  size_t i;
  fputs(what, s_fp);
  for (i = 0; i < len; i++) fprintf(s_fp, "%02x", (unsigned char) p[i]);
  fputc('\n', s_fp);
}

void peer_bytes_ended(void *unused, struct scn_ctx *ctx) {
  struct sim_peer *p = NULL;
  (void) unused;
  if (s_fp == NULL || s_done || ctx->sim == NULL) return;
  s_done = 1; /* --repeat runs the same run again */
  while ((p = sim_peer_next(ctx->sim, p)) != NULL) {
    union socket_address own, engine;
    char a[64], b[64];
    const struct mbuf *got = sim_peer_received(p);
    size_t i;
    if (sim_peer_stream_addrs(p, &own, &engine) != 0) continue;
    mg_sock_addr_to_str(&own, a, sizeof(a), MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
    mg_sock_addr_to_str(&engine, b, sizeof(b), MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
    fprintf(s_fp, "peer %s %s %s\n", sim_peer_name(p), a, b);
    for (i = 0; i < s_nsent && strcmp(s_sent[i].name, sim_peer_name(p)) != 0; i++) {
    }
    if (i < s_nsent) {
      put_hex("sent ", s_sent[i].bytes.buf, s_sent[i].bytes.len);
    } else {
      put_hex("sent ", NULL, 0);
    }
    put_hex("got ", got->buf, got->len);
  }
}

int peer_bytes_close(void) {
  size_t i;
  int err = s_failed;
  for (i = 0; i < s_nsent; i++) {
    free(s_sent[i].name);
    mbuf_free(&s_sent[i].bytes);
  }
  free(s_sent);
  s_sent = NULL;
  s_nsent = s_cap = 0;
  if (s_fp == NULL) return 0;
  errno = 0;
  if ((fflush(s_fp) != 0 || ferror(s_fp)) && err == 0) err = errno != 0 ? errno : EIO;
  errno = 0;
  if (fclose(s_fp) != 0 && err == 0) err = errno != 0 ? errno : EIO;
  s_fp = NULL;
  if (err != 0) {
    errno = err;
    return -1;
  }
  return 0;
}
