/*
 * native_internal.h - what the native world's files share: native_world.c
 * (clock, run loop, connection ids, trace, the iface's hooks), native_peer.c
 * (peers on real sockets) and native_netns.c (the namespace).
 */
#ifndef NATIVE_INTERNAL_H
#define NATIVE_INTERNAL_H

#include "native.h"
#include "rng.h"

enum npeer_kind { NP_NEW, NP_TCP, NP_TCP_SERVER, NP_UDP };

struct native_peer {
  struct native *w;
  char name[40];
  int ordinal;
  enum npeer_kind kind;
  struct sim_knobs k;
  union socket_address addr;
  int fd;                     /* -1: none (yet, or any more) */
  enum sim_listen_mode mode;  /* NP_TCP_SERVER */
  int children;
  int connecting, connected, reading, got_fin, got_rst, fin_wanted, fin_sent,
      reset;
  struct mbuf out;            /* sent by the script, not yet taken by the kernel */
  struct mbuf rx;             /* every byte read, in order */
  size_t cursor;
  struct mbuf dgrams;         /* NP_UDP: [size_t len, bytes]... */
  size_t dgram_cursor;
  struct native_peer *next;
};

/* A datagram held back by jitter until its time. */
struct held_dgram {
  int64_t at;
  struct native_peer *p;
  int to_engine;              /* 1: p sends it to dest; 0: p receives it */
  union socket_address dest;
  char *data;
  size_t len;
  struct held_dgram *next;
};

struct ndns {
  char name[256];
  int kind; /* 0 answer, 1 fail, 2 silent */
  union socket_address addr;
  int64_t delay;
  struct ndns *next;
};

struct native {
  double scale;
  int64_t now;               /* scenario microseconds: the engine's clock */
  int driving;               /* the run loop is polling (no waits inside) */
  uint64_t hook_activity;    /* activity at the wait hook's last call */
  long poll_limit;
  struct sim_knobs knobs;
  struct rng rng;
  struct mg_mgr *mgr;
  struct mg_iface_vtable vt; /* the socket iface's, with tracing wrappers */
  /* connection ids: id - 1 -> connection (NULL once closed) */
  struct nconn {
    struct mg_connection *nc;
    int shut; /* its FIN went out before the close (shutdown_write) */
  } *conns;
  size_t nconns, cap_conns;
  /* answers the resolver hook handed out, for the run loop to stop at */
  int64_t *dns_due;
  size_t ndns_due, cap_dns_due;
  struct ndns *dns;
  struct native_peer *peers, *last_peer;
  int npeers;
  struct held_dgram *held;
  struct mbuf trace;
  int untraced;
  uint64_t activity;
  size_t trace_limit, peer_kept;
  uint64_t work, work_limit;
  enum sim_limit limit_hit;
  char error[300];
};

/* native_world.c */
int native_set_error(struct native *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void native_addr_str(const union socket_address *sa, char *buf, size_t len);
int native_parse_addr(const char *str, union socket_address *sa);
void native_preview(const char *data, size_t len, char *out, size_t cap);

/* native_peer.c */
/* Reads, accepts, flushes and delivers what is due for every peer; returns
 * whether anything happened. */
int native_peers_service(struct native *w);
/* The earliest held datagram's time, or INT64_MAX. */
int64_t native_peers_next_due(const struct native *w);
void native_peers_free(struct native *w);

#endif
