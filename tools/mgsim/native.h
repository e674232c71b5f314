/*
 * native.h - the native world: a scenario's apps on the native socket iface,
 * its peers on real non-blocking sockets, in the run's own network
 * namespace, where the scenario's addresses are given to a private loopback.
 *
 * It answers the runner the way the simulation does (sim.h), so that one
 * runner drives both: connection ids in creation order, a trace in the same
 * format, peers that keep what they received, a DNS table, knobs.
 *
 * Time: the clock the engine reads (through the iface's clock hook) stands
 * still at each instant of the scenario (a line's time, a timer's, a
 * datagram held back by jitter) while the kernel, the engine and the peers
 * settle, and then moves to the next instant: at once, or, with a time
 * scale N > 0, in real time, N wall seconds per scenario second. The kernel's
 * own work (delivery, windows, FIN and RST) takes no scenario time.
 */
#ifndef NATIVE_H
#define NATIVE_H

#include <stdint.h>

#include "mongoose.h"
#include "sim.h"

struct native;
struct native_peer;

/* Enters a new network namespace (a user namespace first, once, when not
 * privileged) and brings its loopback up: each run starts on a network of
 * its own, with no socket of an earlier run lingering. 0, or -1 with the
 * reason in err: native runs then cannot be made. */
int native_isolate(char *err, size_t errlen);
/* Gives the namespace's loopback an IPv4 address (a.b.c.d, /32); 127.0.0.0/8
 * and 0.0.0.0 need none. 0 or -1 (err). */
int native_add_address(const char *ip, char *err, size_t errlen);

struct native *native_new(uint64_t seed, double time_scale);
void native_free(struct native *w);
/* mgr on the socket iface, with the world's clock, resolver and caps. */
int native_mgr_init(struct native *w, struct mg_mgr *mgr);
int64_t native_now(const struct native *w);
struct sim_knobs *native_knobs(struct native *w);
/* Applies the network knobs to the iface (read-split and send-limit as the
 * caps per recv and send, window as the sockets' receive buffer); the
 * scenario sets them before the apps start. */
void native_apply_knobs(struct native *w);

/* Runs mgr and the peers to time t, settling at every instant on the way.
 * 0, or -1 (native_error). */
int native_run_until(struct native *w, struct mg_mgr *mgr, int64_t t);
/* After mg_mgr_free: the peers still read until t. */
void native_advance(struct native *w, int64_t t);
void native_mgr_gone(struct native *w);

int native_conn_id(const struct mg_connection *nc);
int native_conn_count(const struct native *w);
struct mg_connection *native_conn_by_id(const struct native *w, int id);

void native_trace(struct native *w, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void native_set_tracing(struct native *w, int on);
int native_tracing(const struct native *w);
void native_touch(struct native *w);
const char *native_trace_text(const struct native *w);
char *native_trace_take(struct native *w);
size_t native_trace_len(const struct native *w);
uint64_t native_activity(const struct native *w);
void native_set_limits(struct native *w, size_t trace_bytes, uint64_t work);
void native_set_poll_limit(struct native *w, long limit);
void native_stop(struct native *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum sim_limit native_limit_hit(const struct native *w);
const char *native_error(const struct native *w);

int native_dns_answer(struct native *w, const char *name, const char *ip,
                      int64_t delay_us);
int native_dns_fail(struct native *w, const char *name, int64_t delay_us);
int native_dns_silent(struct native *w, const char *name);

struct native_peer *native_peer_new(struct native *w, const char *name);
struct native_peer *native_peer_find(struct native *w, const char *name);
struct sim_knobs *native_peer_knobs(struct native_peer *p);
int native_peer_set_addr(struct native_peer *p, const char *addr);
int native_peer_connect(struct native_peer *p, const char *addr);
int native_peer_listen(struct native_peer *p, const char *addr,
                       enum sim_listen_mode mode);
int native_peer_send(struct native_peer *p, const void *data, size_t len);
int native_peer_close(struct native_peer *p);
int native_peer_reset(struct native_peer *p);
void native_peer_reading(struct native_peer *p, int on);
int native_peer_udp_bind(struct native_peer *p, const char *addr);
int native_peer_sendto(struct native_peer *p, const char *addr, const void *data,
                       size_t len);
const struct mbuf *native_peer_received(const struct native_peer *p);
size_t *native_peer_cursor(struct native_peer *p);
int native_peer_got_fin(const struct native_peer *p);
int native_peer_got_rst(const struct native_peer *p);
int native_peer_connected(const struct native_peer *p);
int native_peer_next_dgram(struct native_peer *p, const char **data, size_t *len);

#endif
