/*
 * world.c - each question of the runner, put to the world it runs in.
 */
#include <stdarg.h>

#include "native.h"
#include "world.h"

#define NAT(ctx) ((ctx)->nat)
#define SP(p) ((struct sim_peer *) (void *) (p))
#define NP(p) ((struct native_peer *) (void *) (p))
#define WP(p) ((struct world_peer *) (void *) (p))

int64_t w_now(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_now(NAT(ctx)) : sim_now(ctx->sim);
}
int w_conn_id(const struct scn_ctx *ctx, const struct mg_connection *nc) {
  return NAT(ctx) ? native_conn_id(nc) : sim_conn_id(nc);
}
int w_conn_count(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_conn_count(NAT(ctx)) : sim_conn_count(ctx->sim);
}
struct mg_connection *w_conn_by_id(const struct scn_ctx *ctx, int id) {
  return NAT(ctx) ? native_conn_by_id(NAT(ctx), id) : sim_conn_by_id(ctx->sim, id);
}

void w_trace(struct scn_ctx *ctx, const char *who, const char *fmt, ...) {
  char text[512];
  va_list ap;
  if (!w_tracing(ctx)) {
    w_touch(ctx);
    return;
  }
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (NAT(ctx)) {
    native_trace(NAT(ctx), who, "%s", text);
  } else {
    sim_trace(ctx->sim, who, "%s", text);
  }
}
int w_tracing(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_tracing(NAT(ctx)) : sim_tracing(ctx->sim);
}
void w_touch(struct scn_ctx *ctx) {
  if (NAT(ctx)) {
    native_touch(NAT(ctx));
  } else {
    sim_touch(ctx->sim);
  }
}
const char *w_trace_text(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_trace_text(NAT(ctx)) : sim_trace_text(ctx->sim);
}
size_t w_trace_len(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_trace_len(NAT(ctx)) : sim_trace_len(ctx->sim);
}
char *w_trace_take(struct scn_ctx *ctx) {
  return NAT(ctx) ? native_trace_take(NAT(ctx)) : sim_trace_take(ctx->sim);
}
uint64_t w_activity(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_activity(NAT(ctx)) : sim_activity(ctx->sim);
}
void w_stop(struct scn_ctx *ctx, const char *fmt, ...) {
  char text[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (NAT(ctx)) {
    native_stop(NAT(ctx), "%s", text);
  } else {
    sim_stop(ctx->sim, "%s", text);
  }
}
enum sim_limit w_limit_hit(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_limit_hit(NAT(ctx)) : sim_limit_hit(ctx->sim);
}
const char *w_error(const struct scn_ctx *ctx) {
  return NAT(ctx) ? native_error(NAT(ctx)) : sim_error(ctx->sim);
}

int w_run_until(struct scn_ctx *ctx, int64_t t) {
  return NAT(ctx) ? native_run_until(NAT(ctx), &ctx->mgr, t)
                  : sim_run_until(ctx->sim, &ctx->mgr, t);
}
void w_advance(struct scn_ctx *ctx, int64_t t) {
  if (NAT(ctx)) {
    native_advance(NAT(ctx), t);
  } else {
    sim_advance(ctx->sim, t);
  }
}
void w_mgr_free(struct scn_ctx *ctx) {
  mg_mgr_free(&ctx->mgr);
  ctx->mgr_live = 0;
  if (NAT(ctx)) native_mgr_gone(NAT(ctx));
}

struct sim_knobs *w_knobs(struct scn_ctx *ctx) {
  return NAT(ctx) ? native_knobs(NAT(ctx)) : sim_knobs(ctx->sim);
}
void w_knobs_changed(struct scn_ctx *ctx) {
  if (NAT(ctx)) native_apply_knobs(NAT(ctx));
}
int w_dns_answer(struct scn_ctx *ctx, const char *name, const char *ip, int64_t delay) {
  return NAT(ctx) ? native_dns_answer(NAT(ctx), name, ip, delay)
                  : sim_dns_answer(ctx->sim, name, ip, delay);
}
int w_dns_fail(struct scn_ctx *ctx, const char *name, int64_t delay) {
  return NAT(ctx) ? native_dns_fail(NAT(ctx), name, delay)
                  : sim_dns_fail(ctx->sim, name, delay);
}
int w_dns_silent(struct scn_ctx *ctx, const char *name) {
  return NAT(ctx) ? native_dns_silent(NAT(ctx), name) : sim_dns_silent(ctx->sim, name);
}

struct world_peer *w_peer_find(struct scn_ctx *ctx, const char *name) {
  return NAT(ctx) ? WP(native_peer_find(NAT(ctx), name)) : WP(sim_peer_find(ctx->sim, name));
}
struct world_peer *w_peer_new(struct scn_ctx *ctx, const char *name) {
  return NAT(ctx) ? WP(native_peer_new(NAT(ctx), name)) : WP(sim_peer_new(ctx->sim, name));
}
struct sim_knobs *w_peer_knobs(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_knobs(NP(p)) : sim_peer_knobs(SP(p));
}
int w_peer_set_addr(struct scn_ctx *ctx, struct world_peer *p, const char *addr) {
  return NAT(ctx) ? native_peer_set_addr(NP(p), addr) : sim_peer_set_addr(SP(p), addr);
}
int w_peer_connect(struct scn_ctx *ctx, struct world_peer *p, const char *addr) {
  return NAT(ctx) ? native_peer_connect(NP(p), addr) : sim_peer_connect(SP(p), addr);
}
int w_peer_listen(struct scn_ctx *ctx, struct world_peer *p, const char *addr,
                  enum sim_listen_mode mode) {
  return NAT(ctx) ? native_peer_listen(NP(p), addr, mode) : sim_peer_listen(SP(p), addr, mode);
}
int w_peer_send(struct scn_ctx *ctx, struct world_peer *p, const void *d, size_t n) {
  return NAT(ctx) ? native_peer_send(NP(p), d, n) : sim_peer_send(SP(p), d, n);
}
int w_peer_close(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_close(NP(p)) : sim_peer_close(SP(p));
}
int w_peer_reset(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_reset(NP(p)) : sim_peer_reset(SP(p));
}
void w_peer_reading(struct scn_ctx *ctx, struct world_peer *p, int on) {
  if (NAT(ctx)) {
    native_peer_reading(NP(p), on);
  } else {
    sim_peer_reading(SP(p), on);
  }
}
int w_peer_udp_bind(struct scn_ctx *ctx, struct world_peer *p, const char *addr) {
  return NAT(ctx) ? native_peer_udp_bind(NP(p), addr) : sim_peer_udp_bind(SP(p), addr);
}
int w_peer_sendto(struct scn_ctx *ctx, struct world_peer *p, const char *addr,
                  const void *d, size_t n) {
  return NAT(ctx) ? native_peer_sendto(NP(p), addr, d, n) : sim_peer_sendto(SP(p), addr, d, n);
}
const struct mbuf *w_peer_received(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_received(NP(p)) : sim_peer_received(SP(p));
}
size_t *w_peer_cursor(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_cursor(NP(p)) : sim_peer_cursor(SP(p));
}
int w_peer_got_fin(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_got_fin(NP(p)) : sim_peer_got_fin(SP(p));
}
int w_peer_got_rst(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_got_rst(NP(p)) : sim_peer_got_rst(SP(p));
}
int w_peer_connected(struct scn_ctx *ctx, struct world_peer *p) {
  return NAT(ctx) ? native_peer_connected(NP(p)) : sim_peer_connected(SP(p));
}
int w_peer_next_dgram(struct scn_ctx *ctx, struct world_peer *p, const char **d,
                      size_t *n) {
  return NAT(ctx) ? native_peer_next_dgram(NP(p), d, n) : sim_peer_next_dgram(SP(p), d, n);
}
