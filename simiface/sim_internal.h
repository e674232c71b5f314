/*
 * sim_internal.h - the simulated network's data model, shared by the files
 * of simiface/: sim_core.c (clock, event queue, trace, run loop),
 * sim_net.c (streams, peers, datagrams, DNS) and sim_iface.c (the vtable).
 *
 * Model: an engine socket (struct sim_sock, nc->sock is its number) and a
 * peer meet in a stream. Bytes travel as events on one time-ordered queue;
 * equal times keep insertion order, so the run is deterministic.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include "rng.h"
#include "sim.h"

enum sim_event_kind {
  EV_SYN,          /* a peer's connection request reaches the engine */
  EV_TO_ENGINE,    /* stream bytes reach the engine socket */
  EV_FIN_TO_ENGINE,
  EV_RST_TO_ENGINE,
  EV_TO_PEER,      /* stream bytes reach the peer */
  EV_FIN_TO_PEER,
  EV_RST_TO_PEER,
  EV_CONNECTED,    /* the engine's connect attempt is answered */
  EV_PEER_ACCEPTED, /* a listening peer sees the engine's connection */
  EV_DGRAM_TO_ENGINE,
  EV_DGRAM_TO_PEER,
  EV_DNS           /* a DNS answer reaches a resolving connection */
};

struct sim_event {
  int64_t at;
  uint64_t seq;
  enum sim_event_kind kind;
  struct sim_stream *st;
  struct sim_peer *peer;
  int target;  /* socket number, or connection id for EV_DNS */
  int err;
  union socket_address addr; /* datagram source, DNS answer */
  union socket_address dest; /* datagram destination */
  char *data;
  size_t len;
};

enum stream_state { ST_CONNECTING, ST_PENDING_ACCEPT, ST_OPEN, ST_ENGINE_GONE };

struct sim_stream {
  int id;
  enum stream_state state;
  struct sim_peer *peer;
  struct sim_sock *sock; /* the engine end, once it has one */
  struct sim_knobs k;
  union socket_address engine_addr, peer_addr;
  /* toward the engine */
  struct mbuf peer_out;       /* sent by the peer, held back by the window */
  size_t unconsumed;          /* sent toward the engine, not yet consumed */
  struct mbuf engine_rx;      /* arrived, not yet read by the engine */
  int fin_to_engine, rst_to_engine, eof_reported;
  int peer_fin_sent, fin_scheduled, peer_reset, rst_to_peer;
  /* toward the peer */
  size_t in_flight;           /* sent by the engine, not yet arrived */
  size_t peer_unread;         /* arrived while the peer was not reading */
  int engine_fin_sent;
  struct sim_stream *bridge; /* engine to engine: the other half, whose peer
                                end this stream's peer end feeds */
  /* Kept only while a wire observer looks (sim_wire.c), [0] toward the
   * peer, [1] toward the engine: sequence space sent and arrived (SYN and
   * FIN count one), and bytes on their way to the engine (its window counts
   * only those that arrived). */
  uint64_t wire_sent[2], wire_arrived[2];
  size_t wire_flight;
  struct sim_stream *next;
};

enum sock_kind { SOCK_TCP_LISTEN, SOCK_TCP, SOCK_UDP };

struct sim_sock {
  int fd;
  enum sock_kind kind;
  struct sim_conn *owner;
  union socket_address local, remote;
  struct sim_stream *st;          /* SOCK_TCP */
  struct sim_stream **pending;    /* SOCK_TCP_LISTEN: awaiting accept */
  size_t npending, cap_pending;
  struct mbuf dgrams;             /* SOCK_UDP: [from, size_t len, bytes]... */
  int connect_done, connect_err;  /* SOCK_TCP while connecting */
};

/* nc->mgr_data */
struct sim_conn {
  int id;
  struct mg_connection *nc;
  struct sim_sock *sock;
  int dns_pending, dns_arrived, dns_err;
  union socket_address dns_addr;
};

enum peer_kind { PEER_NEW, PEER_TCP, PEER_TCP_SERVER, PEER_UDP };

struct sim_peer {
  struct sim *sim;
  char name[40];
  int ordinal; /* creation order, from 1 */
  enum peer_kind kind;
  struct sim_knobs k;
  union socket_address addr;
  int has_addr;
  struct sim_stream *st;          /* PEER_TCP */
  enum sim_listen_mode mode;      /* PEER_TCP_SERVER */
  int children;
  int reading, connected, got_fin, got_rst;
  struct mbuf rx;                 /* every byte read, in order */
  size_t cursor;
  struct mbuf held;               /* arrived while not reading */
  struct mbuf dgrams;             /* PEER_UDP: [size_t len, bytes]... */
  size_t dgram_cursor;
  struct sim_peer *next;
};

struct dns_entry {
  char name[256];
  int kind; /* 0 answer, 1 fail, 2 silent */
  union socket_address addr;
  int64_t delay;
  struct dns_entry *next;
};

struct sim_peer_list {
  struct sim_peer **p;
  size_t n, cap;
};

/* Indexes into socks or conns, ascending (both only ever grow at the end),
 * with holes where one closed; compacted when the holes are many. */
struct sim_live {
  size_t *idx;
  size_t n, cap, holes;
};

struct sim {
  int64_t now, horizon;
  long poll_limit;
  int untraced;
  uint64_t seq, activity;
  struct rng rng;
  struct sim_knobs knobs;
  struct mg_mgr *mgr;
  /* event queue: a binary min-heap on (at, seq) */
  struct sim_event *heap;
  size_t nheap, cap_heap;
  /* socket numbers -> sockets; connection ids -> connections (NULL once
   * closed: numbers are never reused) */
  struct sim_sock **socks;
  size_t nsocks, cap_socks;
  struct sim_conn **conns;
  size_t nconns, cap_conns, nlive_conns;
  /* The open ones, for the walks every poll makes: a run that opened and
   * closed many must not pay for them ever after. */
  struct sim_live live_socks, live_conns;
  int dns_arrived; /* connections whose answer awaits delivery */
  struct sim_stream *streams;
  int nstreams;
  struct sim_peer *peers, *last_peer;
  int npeers;
  struct sim_peer **peer_names; /* by name: open addressing, half full at most */
  size_t peer_names_cap;
  /* Listening and UDP peers, in creation order: what the engine's connects
   * and datagrams look for, without the many peers its connects create. */
  struct sim_peer_list servers, udp_peers;
  struct dns_entry *dns;
  uint16_t next_port;
  struct mbuf trace;
  /* Bounds on one run (0: none) and what it has used of them. */
  size_t trace_limit;
  size_t peer_kept; /* bytes peers received and keep (for expectations) */
  uint64_t work, work_limit; /* work: the connections each poll served */
  enum sim_limit limit_hit;
  char error[200];
  void (*wire_fn)(void *arg, const struct sim_wire *w); /* NULL: none */
  void *wire_arg;
};

/* sim_core.c */
void sim_schedule(struct sim *s, struct sim_event *e); /* copies e */
int64_t sim_next_event_time(const struct sim *s);      /* INT64_MAX if none */
int sim_pop_due(struct sim *s, struct sim_event *out);
int sim_set_error(struct sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sim_addr_str(const union socket_address *sa, char *buf, size_t len);
int sim_parse_addr(const char *str, union socket_address *sa);
int sim_addr_eq(const union socket_address *a, const union socket_address *b);

/* sim_wire.c: telling the wire observer (sim.h). Callers test WIRED(s)
 * first, so that a run nobody observes pays that test and nothing more. */
#define WIRED(s) ((s)->wire_fn != NULL)
/* A TCP packet of st sent now by the engine end (to_engine 0) or the peer
 * end, arriving at `arrives`; moves the sender's sequence space on. */
void sim_wire_tcp(struct sim *s, struct sim_stream *st, enum sim_wire_kind kind,
                  int to_engine, int64_t arrives, const void *data, size_t len);
/* Sequence space (bytes, or 1 for a SYN or FIN) reaching the receiver. */
void sim_wire_arrived(struct sim_stream *st, int to_engine, size_t n);
/* The same, and the receiver's pure ACK for it, sent at once (the
 * simulation acknowledges everything as it arrives). */
void sim_wire_acked(struct sim *s, struct sim_stream *st, int to_engine, size_t n);
/* The engine's connect to an address with no stream behind it: the SYN,
 * and for a refusal the RST that answers it after delay. */
void sim_wire_no_stream(struct sim *s, struct sim_sock *sk,
                        const union socket_address *to, const char *peer,
                        int64_t delay, int refused);
void sim_wire_dgram(struct sim *s, const union socket_address *from,
                    const union socket_address *to, int to_engine, int conn_id,
                    const char *peer, int64_t arrives, const void *data, size_t len,
                    int lost, int dup);

/* sim_net.c */
void sim_process(struct sim *s, struct sim_event *e);
struct sim_sock *sim_sock_new(struct sim *s, enum sock_kind kind);
struct sim_sock *sim_sock_get(const struct sim *s, int fd);
void sim_sock_close(struct sim *s, struct sim_sock *sk);
void sim_sock_shutdown(struct sim *s, struct sim_sock *sk); /* FIN, still reading */
struct sim_stream *sim_stream_new(struct sim *s, struct sim_peer *p);
void sim_stream_pump(struct sim *s, struct sim_stream *st);
size_t sim_peer_window_space(const struct sim_stream *st);
int sim_engine_connect(struct sim *s, struct sim_sock *sk,
                       const union socket_address *to);
void sim_engine_dgram(struct sim *s, struct sim_sock *sk,
                      const union socket_address *to, const void *buf,
                      size_t len, int conn_id);
void sim_dns_query(struct sim *s, struct sim_conn *sc, const char *host);
void sim_free_net(struct sim *s);
void sim_live_add(struct sim_live *l, size_t idx);
/* Drops the holes of the open lists: only where no walk over one is under
 * way (the start of a poll, a step without an engine). */
void sim_compact(struct sim *s);
struct sim *sim_take_installing(void);

#endif
