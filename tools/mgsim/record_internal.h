/*
 * record_internal.h - what the files of `mgsim record` share: record.c
 * (the command), record_proxy.c (the proxy, which fills a struct recorder
 * while the session runs) and record_render.c (which turns it into the
 * scenario once the session is over). The recorder is the only thing the
 * proxy and the writer have in common, so it is what is kept here, with
 * the writer's put helpers, which record.c needs too: the app line it
 * builds is scenario text.
 */
#ifndef RECORD_INTERNAL_H
#define RECORD_INTERNAL_H

#include <stddef.h>

#include "scn_internal.h"

enum rec_kind {
  R_CONNECT, /* the client's side: */
  R_SEND,
  R_FIN,
  R_RST,
  R_GOT, /* the server's: */
  R_SFIN,
  R_SRST
};

struct rec_event {
  double t;
  int peer;          /* index into recorder.peers */
  enum rec_kind kind;
  size_t off, len;   /* R_SEND: bytes in the peer's sent; R_GOT: in got */
};

struct recorder;

/* One client connection and the server connection made for it. */
struct rec_peer {
  struct recorder *r;
  int index;
  struct mg_connection *client, *server; /* NULL once closed */
  struct mbuf sent, got;                 /* client->server, server->client */
  int client_fin, server_fin;   /* a FIN came from that side */
  int client_rst, server_rst;   /* a RST (or a failure) from that side */
  int shut_server, shut_client; /* we sent that side a FIN */
  int client_ours, server_ours; /* we close that side */
  int connected;                /* to the server */
  int done;
};

struct recorder {
  char target[300];    /* "tcp://IP:PORT" */
  char peer_addr[120]; /* where the replay's peers connect */
  char *app_line;      /* "app ...", as written */
  const char *listen_arg, *target_arg; /* as shown: IP:PORT */
  struct rec_peer **peers;
  int npeers, cap_peers;
  struct rec_event *evs;
  size_t nevs, cap_evs;
  double t_end;
  long count, finished;
  int stopped, stop, oom;
};

/* The proxy's handler, for the listener and every connection it makes;
 * the listener's user_data is the recorder. */
void rec_proxy_handler(struct mg_connection *nc, int ev, void *ev_data);

/* The scenario text (heap, NUL-terminated), or NULL: out of memory. */
char *rec_render(struct recorder *r, int *sends, int *expects);

#endif
