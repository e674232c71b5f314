/*
 * world.h - where a scenario runs: the simulation (simiface/) or the native
 * world (native.h: the socket iface, real sockets, the run's own network
 * namespace). The runner asks these, and each answers from its own world;
 * peers are named by the handle the world gave them.
 */
#ifndef WORLD_H
#define WORLD_H

#include "scn_internal.h"

struct world_peer; /* a sim_peer or a native_peer, as the world is */

int64_t w_now(const struct scn_ctx *ctx);
int w_conn_id(const struct scn_ctx *ctx, const struct mg_connection *nc);
int w_conn_count(const struct scn_ctx *ctx);
struct mg_connection *w_conn_by_id(const struct scn_ctx *ctx, int id);

void w_trace(struct scn_ctx *ctx, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int w_tracing(const struct scn_ctx *ctx);
void w_touch(struct scn_ctx *ctx);
const char *w_trace_text(const struct scn_ctx *ctx);
size_t w_trace_len(const struct scn_ctx *ctx);
char *w_trace_take(struct scn_ctx *ctx);
uint64_t w_activity(const struct scn_ctx *ctx);
void w_stop(struct scn_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum sim_limit w_limit_hit(const struct scn_ctx *ctx);
const char *w_error(const struct scn_ctx *ctx);

int w_run_until(struct scn_ctx *ctx, int64_t t);
void w_advance(struct scn_ctx *ctx, int64_t t);
void w_mgr_free(struct scn_ctx *ctx);

struct sim_knobs *w_knobs(struct scn_ctx *ctx);
void w_knobs_changed(struct scn_ctx *ctx);
int w_dns_answer(struct scn_ctx *ctx, const char *name, const char *ip, int64_t delay);
int w_dns_fail(struct scn_ctx *ctx, const char *name, int64_t delay);
int w_dns_silent(struct scn_ctx *ctx, const char *name);

struct world_peer *w_peer_find(struct scn_ctx *ctx, const char *name);
struct world_peer *w_peer_new(struct scn_ctx *ctx, const char *name);
struct sim_knobs *w_peer_knobs(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_set_addr(struct scn_ctx *ctx, struct world_peer *p, const char *addr);
int w_peer_connect(struct scn_ctx *ctx, struct world_peer *p, const char *addr);
int w_peer_listen(struct scn_ctx *ctx, struct world_peer *p, const char *addr,
                  enum sim_listen_mode mode);
int w_peer_send(struct scn_ctx *ctx, struct world_peer *p, const void *d, size_t n);
int w_peer_close(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_reset(struct scn_ctx *ctx, struct world_peer *p);
void w_peer_reading(struct scn_ctx *ctx, struct world_peer *p, int on);
int w_peer_udp_bind(struct scn_ctx *ctx, struct world_peer *p, const char *addr);
int w_peer_sendto(struct scn_ctx *ctx, struct world_peer *p, const char *addr,
                  const void *d, size_t n);
const struct mbuf *w_peer_received(struct scn_ctx *ctx, struct world_peer *p);
size_t *w_peer_cursor(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_got_fin(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_got_rst(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_connected(struct scn_ctx *ctx, struct world_peer *p);
int w_peer_next_dgram(struct scn_ctx *ctx, struct world_peer *p, const char **d,
                      size_t *n);

#endif
