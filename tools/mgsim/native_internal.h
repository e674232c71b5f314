/*
 * native_internal.h - what the native world's files share: native_world.c
 * (clock, run loop, connection ids, trace, DNS table), native_iface.c (the
 * socket iface, wrapped and hooked), native_peer.c (peers on real sockets)
 * and native_netns.c (the namespace).
 */
#ifndef NATIVE_INTERNAL_H
#define NATIVE_INTERNAL_H

#include "native.h"
#include "rng.h"

enum npeer_kind { NP_NEW, NP_TCP, NP_TCP_SERVER, NP_UDP, NP_RELAY };

struct native_peer {
  struct native *w;
  char name[40];
  int ordinal;
  enum npeer_kind kind;
  struct sim_knobs k;
  union socket_address addr;
  int fd;                     /* -1: none (yet, or any more) */
  /* NP_RELAY: side 0 is fd (the connecting engine's), side 1 fd2 (the
   * listening one's); out holds what goes to fd2, out2 what goes to fd. */
  int fd2;
  struct mbuf out2;
  int relay_eof[2];           /* the side read its end (FIN or RST) */
  int relay_fin[2];           /* a FIN for the side: 1 due, 2 sent */
  enum sim_listen_mode mode;  /* NP_TCP_SERVER */
  int children;
  int connecting, connected, reading, got_fin, got_rst, reset;
  int fin_wanted, fin_due, fin_sent; /* the script's FIN, on the wire, sent */
  int eof_seen;               /* the kernel said FIN or RST (still on the wire) */
  int filler;                 /* a silent listener's queue-filling socket */
  struct mbuf out;            /* sent by the script, not yet taken by the kernel */
  struct mbuf rx;             /* every byte read, in order */
  size_t cursor;
  struct mbuf dgrams;         /* NP_UDP: [size_t len, bytes]... */
  size_t dgram_cursor;
  struct mbuf jitters;        /* NP_UDP: int64_t per datagram on its way from the engine */
  size_t jitter_cursor;
  struct native_peer *next;
};

/* What travels between a peer and the kernel, held for the network's
 * delay: the peer's actions reach the kernel, and what the kernel gave the
 * peer reaches it, delay later (the simulation's model of the path). */
enum wire_kind {
  W_CONNECT, W_SEND, W_FIN, W_RST, W_DGRAM_OUT, /* peer -> kernel */
  W_DATA_IN, W_FIN_IN, W_RST_IN, W_DGRAM_IN, W_ACCEPTED, /* kernel -> peer */
  W_RELAY, W_RELAY_FIN, W_RELAY_RST /* a relay's, to its side `to` */
};

struct wire_item {
  int64_t at;
  enum wire_kind kind;
  struct native_peer *p;
  union socket_address addr; /* W_CONNECT, W_DGRAM_OUT: where to */
  int fd;                    /* W_ACCEPTED; W_RELAY*: the side it goes to (1: fd2) */
  char *data;
  size_t len;
  struct wire_item *next;
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
  /* connection -> id: open addressing, at most half full (with tombstones) */
  struct id_slot {
    const struct mg_connection *nc; /* NULL: free; ID_GONE: a tombstone */
    int id;
  } *ids;
  size_t ids_cap, ids_used;
  /* answers the resolver hook handed out, for the run loop to stop at */
  int64_t *dns_due;
  size_t ndns_due, cap_dns_due;
  struct ndns *dns;
  /* The engine's connects, held for the path's round trip (the kernel's
   * own handshake takes none), and the ports the simulation would give. */
  struct held_connect {
    struct mg_connection *nc;
    union socket_address to, local;
    int64_t at; /* when the SYN arrives (fd -1), then when its answer does */
    int fd;
  } *connects;
  size_t nconnects, cap_connects;
  uint16_t next_port;
  struct native_peer *peers, *last_peer;
  int npeers;
  struct wire_item *wire, *wire_tail; /* in time order */
  int relay_listener;        /* where relays take the engine's connecting side */
  int nrelays;
  struct mbuf trace;
  int untraced;
  uint64_t activity;
  uint64_t net_activity; /* what the kernel takes part in: sends, connects, closes */
  size_t trace_limit, peer_kept;
  uint64_t work, work_limit;
  enum sim_limit limit_hit;
  char error[300];
};

/* native_world.c */
/* One run at a time: the iface's wrappers find the world here. */
extern struct native *native_running;
/* The iface made or dropped a connection: it gets the next id / loses it. */
int native_conn_added(struct native *w, struct mg_connection *nc);
void native_conn_removed(struct native *w, const struct mg_connection *nc, int id);
int native_set_error(struct native *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void native_addr_str(const union socket_address *sa, char *buf, size_t len);
int native_parse_addr(const char *str, union socket_address *sa);
int native_addr_eq(const union socket_address *a, const union socket_address *b);
/* The engine's UDP socket bound to addr, as the trace names it, or "net":
 * a path's loss and duplication are its sender's to trace. */
void native_engine_who(const struct native *w, const union socket_address *addr, char *who,
                       size_t len);

/* native_iface.c */
/* The engine's connects whose SYN or answer is due now go ahead. */
void native_release_connects(struct native *w);

/* native_peer.c */
/* Reads, accepts, flushes and delivers what is due for every peer; returns
 * whether anything happened. */
int native_peers_service(struct native *w);
/* The engine connecting to a listener of its own: the simulation relays
 * each half of the path with its delay ("link.N"). Opens both halves (the
 * listening side's connect is made now, its SYN having arrived) and returns
 * the socket the engine's connecting side gets, or -1. */
int native_relay_open(struct native *w, const union socket_address *local,
                      const union socket_address *to);
/* The UDP peer bound to addr, if any. */
struct native_peer *native_udp_peer_at(const struct native *w,
                                       const union socket_address *addr);
/* The engine sent p a datagram that is to arrive jitter_us late. */
void native_peer_expect_dgram(struct native_peer *p, int64_t jitter_us);
/* The earliest time something on the wire is due, or INT64_MAX. */
int64_t native_peers_next_due(const struct native *w);
void native_peers_free(struct native *w);

#endif
