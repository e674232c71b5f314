/*
 * sim.h - the simulated iface: a virtual clock and a simulated network of
 * TCP streams and UDP datagrams between the engine and scripted peers.
 *
 * The engine runs unchanged on it: mg_mgr_init_opt() with
 * mg_sim_iface_vtable (sim_mgr_init() does that), and every socket, clock
 * reading and random number the engine asks for comes from here. Time is
 * virtual: when nothing is due, a poll jumps the clock to the next scheduled
 * happening instead of sleeping. Everything random comes from one seeded
 * PRNG, so a run is a pure function of the script and the seed.
 *
 * Times are int64 microseconds since the start of the simulation; mg_time()
 * reads SIM_EPOCH + now / 1e6 seconds.
 */
#ifndef SIM_H
#define SIM_H

#include <stdint.h>

#include "mongoose.h"

#define SIM_EPOCH 1000000.0 /* mg_time() at virtual time 0, in seconds */

struct sim;
struct sim_peer;

/* Network knobs. A stream copies the knobs of its peer when it is created;
 * a peer copies the simulation's when it is created. */
struct sim_knobs {
  int64_t delay_us;        /* one-way delivery delay */
  size_t send_limit;       /* most bytes one engine send may take; 0: any */
  size_t read_split;       /* most bytes per RECV the engine gets; 0: any */
  size_t window;           /* bytes toward the engine not yet consumed by its
                              handlers (recved opens it); 0: unlimited */
  size_t peer_window;      /* bytes toward a peer it has not read; 0: unlimited */
  double loss, dup;        /* UDP: probability of loss and of duplication */
  int64_t jitter_us;       /* UDP: extra random delay in [0, jitter] */
  int64_t connect_timeout_us; /* engine connect to a silent peer */
};

enum sim_listen_mode { SIM_ACCEPT, SIM_REFUSE, SIM_SILENT };

extern const struct mg_iface_vtable mg_sim_iface_vtable;

struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *s);
/* Initialises mgr with the simulated iface as its main iface. */
void sim_mgr_init(struct sim *s, struct mg_mgr *mgr, void *user_data);
int64_t sim_now(const struct sim *s);
struct sim_knobs *sim_knobs(struct sim *s);

/* Polls mgr until virtual time t and until nothing more happens at t.
 * Returns 0, or -1 if the engine kept busy at one instant without end. */
int sim_run_until(struct sim *s, struct mg_mgr *mgr, int64_t t);
/* Same-instant polls sim_run_until allows (default 10,000,000). */
void sim_set_poll_limit(struct sim *s, long limit);

/* Bounds on one run, so that a scenario asking for endless work fails
 * rather than exhausting memory or time: trace bytes kept (and, against the
 * same bound, bytes peers received and keep for expectations), and work, the
 * number of connections the polls served (a poll serving 10 connections
 * counts 10). 0: no bound. Past one, sim_run_until fails at once with a
 * message that says which, and sim_limit_hit() tells it too; trace lines
 * past the bound are dropped. */
enum sim_limit { SIM_LIMIT_NONE, SIM_LIMIT_TRACE, SIM_LIMIT_WORK, SIM_LIMIT_CALLER };
void sim_set_limits(struct sim *s, size_t trace_bytes, uint64_t work);
/* For bounds of the caller's own: the next check in sim_run_until fails
 * with this message (the first stop wins). */
void sim_stop(struct sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum sim_limit sim_limit_hit(const struct sim *s);

/* Moves virtual time to t without an engine (after mg_mgr_free): the
 * network still delivers to the peers. */
void sim_advance(struct sim *s, int64_t t);

/* The small id the trace uses for a connection (creation order, from 1). */
int sim_conn_id(const struct mg_connection *nc);
/* How many connections the simulation has made: the largest id so far. */
int sim_conn_count(const struct sim *s);
/* The connection with that id, or NULL if there is none (any more). */
struct mg_connection *sim_conn_by_id(const struct sim *s, int id);
/* Adds a line to the trace: "<time> <who> <text>". */
void sim_trace(struct sim *s, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Off: lines are counted as activity but not kept (fuzzing speed). */
void sim_set_tracing(struct sim *s, int on);
/* Whether trace lines are kept. Callers that build costly trace arguments
 * ask first, and count the activity with sim_touch() when the answer is no. */
int sim_tracing(const struct sim *s);
void sim_touch(struct sim *s);
/* The trace so far, NUL-terminated. */
const char *sim_trace_text(const struct sim *s);
/* Hands the trace over (heap, NUL-terminated; NULL: out of memory) and
 * starts an empty one: a long trace need not be copied to be kept. */
char *sim_trace_take(struct sim *s);
size_t sim_trace_len(const struct sim *s);
/* Counts everything that happens; unchanged across a poll means idle. */
uint64_t sim_activity(const struct sim *s);

/* DNS: name -> address, or a failure, or silence. */
int sim_dns_answer(struct sim *s, const char *name, const char *ip,
                   int64_t delay_us);
int sim_dns_fail(struct sim *s, const char *name, int64_t delay_us);
int sim_dns_silent(struct sim *s, const char *name);

/* Peers: the scripted other ends. Addresses are "ip:port". */
struct sim_peer *sim_peer_new(struct sim *s, const char *name);
struct sim_peer *sim_peer_find(struct sim *s, const char *name);
const char *sim_peer_name(const struct sim_peer *p);
struct sim_knobs *sim_peer_knobs(struct sim_peer *p);
int sim_peer_set_addr(struct sim_peer *p, const char *addr);
int sim_peer_connect(struct sim_peer *p, const char *addr);
int sim_peer_listen(struct sim_peer *p, const char *addr,
                    enum sim_listen_mode mode);
int sim_peer_send(struct sim_peer *p, const void *data, size_t len);
int sim_peer_close(struct sim_peer *p); /* FIN */
int sim_peer_reset(struct sim_peer *p); /* RST */
void sim_peer_reading(struct sim_peer *p, int on);
int sim_peer_udp_bind(struct sim_peer *p, const char *addr);
int sim_peer_sendto(struct sim_peer *p, const char *addr, const void *data,
                    size_t len);

/* What a peer has seen. Received bytes accumulate; *consumed is a cursor the
 * caller (the scenario runner) moves as it checks them. */
const struct mbuf *sim_peer_received(const struct sim_peer *p);
size_t *sim_peer_cursor(struct sim_peer *p);
int sim_peer_got_fin(const struct sim_peer *p);
int sim_peer_got_rst(const struct sim_peer *p);
int sim_peer_connected(const struct sim_peer *p);
/* UDP: the datagrams received, oldest first; takes the next unchecked one. */
int sim_peer_next_dgram(struct sim_peer *p, const char **data, size_t *len);
/* Peers in creation order: NULL gives the first, the last gives NULL. */
struct sim_peer *sim_peer_next(struct sim *s, const struct sim_peer *p);
/* A peer's TCP connection: its own address and the engine's end of it.
 * 0, or -1 when it has none (it listens, it is a UDP peer, a relay...). */
int sim_peer_stream_addrs(const struct sim_peer *p, union socket_address *own,
                          union socket_address *engine);

/* Bytes as the trace shows what a peer got: escaped, cut to fit cap. */
void sim_preview(const char *data, size_t len, char *out, size_t cap);

/* The error text of the last failed sim_* call. */
const char *sim_error(const struct sim *s);

/* ---- the wire -------------------------------------------------------------
 *
 * An observer sees every packet the simulated network carries, as a capture
 * would: the segments of each TCP stream (cut exactly where the simulation
 * cut them: one per send the engine's send limit or the peer's window let
 * through, one per window's worth a peer's bytes were let into the network),
 * the handshakes, the pure acknowledgements a receiver sends, FINs, RSTs and
 * UDP datagrams. It is told of each packet once, when the simulation sends
 * it (`now`), in the order the simulation decides them; sent_at equals now
 * except for a refused connect, whose RST the simulation settles when the
 * SYN leaves (sent_at is then one delay later). Nothing the observer does
 * can change the run (it must not call back into the simulation); unset, it
 * costs a test per packet. Install it right after sim_new(): packets before
 * it are not told, and sequence numbers count from it.
 *
 * TCP as the simulation models it:
 * - A peer's connect: SYN; when it reaches a listener, the SYN-ACK and the
 *   peer's ACK at that same instant (the simulation gives the peer its
 *   connection when the SYN arrives: the SYN-ACK's arrives_at is its
 *   sent_at). No listener: RST.
 * - The engine's connect: SYN; the listening peer's SYN-ACK when it arrives,
 *   the engine's ACK when that arrives. A refusing address: RST (to_engine,
 *   peer as below, stream 0). A silent listener: the SYN alone (no
 *   retransmissions), then nothing.
 * - Every arrival of data or FIN is acknowledged at once by the receiver
 *   (SIM_WIRE_ACK, unless it answers with RST or ignores it after a reset),
 *   and a receiver whose window opens (the engine's handlers consumed bytes
 *   under a `window` knob, a peer resumed reading under `peer-window`) sends
 *   a window update (SIM_WIRE_ACK, len 0).
 * - An engine connecting to its own listener meets it through a relay peer
 *   ("link.N"): two streams, each with the relay at its peer end, `bridge`
 *   naming the other. On such a stream the packets toward the engine are
 *   the relay's (it forwards what the other engine end sent, and
 *   acknowledges what it takes): the connection between the two engine
 *   addresses is the packets with to_engine == 0 of both streams.
 *
 * seq and ack are relative sequence numbers, as a capture tool shows them:
 * each direction's SYN and FIN count one, so a stream's first byte is 1. An
 * ack of 0 means the sender has had nothing from the other end yet, not
 * even its SYN (the packet carries no acknowledgement). */
enum sim_wire_kind {
  SIM_WIRE_SYN,
  SIM_WIRE_SYNACK,
  SIM_WIRE_DATA,
  SIM_WIRE_FIN,
  SIM_WIRE_RST,
  SIM_WIRE_DGRAM,
  SIM_WIRE_ACK /* no data, no flag but ACK: an acknowledgement or window update */
};

#define SIM_WIRE_UNLIMITED ((size_t) -1) /* a window under no knob */

struct sim_wire {
  enum sim_wire_kind kind;
  int64_t now;                 /* virtual time of the report (us) */
  int64_t sent_at, arrives_at; /* us; a lost datagram: when it would have
                                  arrived (without jitter) */
  union socket_address src, dst;
  int stream;    /* the stream's id (creation order, from 1); 0 for datagrams
                    and for the engine's connects no peer accepts */
  int bridge;    /* engine to engine: the other half's stream id, else 0 */
  int to_engine; /* 1: an engine socket receives it (a peer, a relay or an
                    unknown address sent it); 0: the engine sent it */
  int conn_id;   /* the engine connection at the engine end, 0 if none yet
                    (a peer's connect before the accept); datagrams toward
                    the engine: the receiving socket's (a UDP listener's)
                    when the datagram was sent */
  const char *peer; /* the peer at the other end ("link.N" for a relay);
                       NULL: no peer there (a refused address, a datagram to
                       nobody) */
  const void *data; /* DATA, DGRAM: the bytes (valid during the call) */
  size_t len;
  size_t window;    /* TCP: the receive window the sender advertises, bytes
                       it can take on this stream now; SIM_WIRE_UNLIMITED
                       when no knob limits it */
  uint64_t seq, ack; /* TCP: relative sequence numbers (see above) */
  int lost;      /* a datagram the network dropped, or one sent to an address
                    no UDP peer has (peer NULL); it still left the sender */
  int dup;       /* a datagram: the network's second copy of the one before */
};

/* fn(arg, packet) for every packet from now on; fn NULL: none. */
void sim_set_wire_observer(struct sim *s, void (*fn)(void *arg, const struct sim_wire *w),
                           void *arg);

#endif
