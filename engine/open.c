/*
 * open.c - where connections come from: mg_bind, mg_connect, mg_add_sock.
 *
 * A bad address is the only failure reported synchronously (NULL and an
 * error string). Everything that can go wrong later - resolution, refusal,
 * timeouts - arrives as MG_EV_CONNECT with an errno, followed by CLOSE.
 *
 * The error strings are Mongoose 6's words, fixed texts a program may
 * compare against: "cannot parse address", "failed to open listener",
 * "failed to create connection". The errno of a failed listen stays in
 * errno for a program that wants the detail.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static void set_error(const char **error_string, const char *msg) {
  if (error_string != NULL) *error_string = msg;
}

static struct mg_iface *pick_iface(struct mg_mgr *mgr, struct mg_iface *want) {
  if (want != NULL) return want;
  return mgr->num_ifaces > 0 ? mgr->ifaces[0] : NULL;
}

struct mg_connection *mg_bind(struct mg_mgr *mgr, const char *address,
                              mg_event_handler_t handler) {
  struct mg_bind_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_bind_opt(mgr, address, handler, opts);
}

struct mg_connection *mg_bind_opt(struct mg_mgr *mgr, const char *address,
                                  mg_event_handler_t handler,
                                  struct mg_bind_opts opts) {
  union socket_address sa;
  struct mg_iface *iface = pick_iface(mgr, opts.iface);
  struct mg_connection *nc;
  char host[256];
  int proto, err, parsed;

  parsed = address != NULL
               ? mg_parse_address(address, &sa, &proto, host, sizeof(host))
               : -1;
  /* A listener needs a numeric address: resolving a name would block, and
   * nothing in the core may. A host name is refused as unparsable. */
  if (parsed <= 0) {
    set_error(opts.error_string, "cannot parse address");
    return NULL;
  }
  if (iface == NULL || (nc = mg_conn_new(mgr, iface, handler)) == NULL) {
    set_error(opts.error_string, "failed to create connection");
    return NULL;
  }
  nc->sa = sa;
  nc->user_data = opts.user_data;
  nc->flags = opts.flags & ~MG_F_ENGINE_MASK;
  err = proto == SOCK_DGRAM ? iface->vtable->listen_udp(nc, &sa)
                            : iface->vtable->listen_tcp(nc, &sa);
  if (err != 0) {
    set_error(opts.error_string, "failed to open listener");
    mg_conn_discard(nc);
    errno = err;
    return NULL;
  }
  /* Port 0 lets the system choose; a program learns which through nc->sa,
   * as mg_conn_addr_to_str shows it. */
  if (iface->vtable->get_conn_addr != NULL) {
    union socket_address bound;
    memset(&bound, 0, sizeof(bound));
    iface->vtable->get_conn_addr(nc, 0, &bound);
    if (bound.sa.sa_family != 0) nc->sa = bound;
  }
  mg_conn_set_eflags(nc, MG_F_LISTENING | (proto == SOCK_DGRAM ? MG_F_UDP : 0),
                     0);
  mg_conn_link(nc);
  return nc;
}

struct mg_connection *mg_connect(struct mg_mgr *mgr, const char *address,
                                 mg_event_handler_t handler) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_opt(mgr, address, handler, opts);
}

/* The outcome of a synchronous step is still reported as an event, from the
 * next poll, so handlers never run inside mg_connect(). */
static void defer_connect_result(struct mg_connection *nc, int err) {
  nc->pending_connect = 1;
  nc->pending_err = err;
}

void mg_conn_start_connect(struct mg_connection *nc, int proto) {
  mg_conn_set_eflags(nc, MG_F_CONNECTING, MG_F_RESOLVING);
  if (proto == SOCK_DGRAM) {
    defer_connect_result(nc, nc->iface->vtable->connect_udp(nc));
  } else {
    nc->iface->vtable->connect_tcp(nc, &nc->sa);
  }
}

struct mg_connection *mg_connect_opt(struct mg_mgr *mgr, const char *address,
                                     mg_event_handler_t handler,
                                     struct mg_connect_opts opts) {
  union socket_address sa;
  struct mg_iface *iface = pick_iface(mgr, opts.iface);
  struct mg_connection *nc;
  char host[256];
  int proto, parsed;

  parsed = address != NULL
               ? mg_parse_address(address, &sa, &proto, host, sizeof(host))
               : -1;
  if (parsed < 0) {
    set_error(opts.error_string, "cannot parse address");
    return NULL;
  }
  if (iface == NULL || (nc = mg_conn_new(mgr, iface, handler)) == NULL) {
    set_error(opts.error_string, "failed to create connection");
    return NULL;
  }
  nc->outbound = 1;
  nc->sa = sa;
  nc->user_data = opts.user_data;
  nc->flags = opts.flags & ~MG_F_ENGINE_MASK;
  if (proto == SOCK_DGRAM) mg_conn_set_eflags(nc, MG_F_UDP, 0);
  mg_conn_link(nc);
  if (parsed == 1) {
    mg_conn_start_connect(nc, proto);
  } else {
    double timeout =
        opts.resolve_timeout > 0 ? opts.resolve_timeout : MG_DEFAULT_RESOLVE_TIMEOUT;
    int err;
    mg_conn_set_eflags(nc, MG_F_RESOLVING, 0);
    nc->resolve_deadline = mg_time() + timeout;
    err = iface->vtable->resolve != NULL ? iface->vtable->resolve(nc, host)
                                         : EAFNOSUPPORT;
    if (err != 0) defer_connect_result(nc, err);
  }
  return nc;
}

struct mg_connection *mg_add_sock(struct mg_mgr *mgr, sock_t sock,
                                  mg_event_handler_t handler) {
  struct mg_add_sock_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_add_sock_opt(mgr, sock, handler, opts);
}

struct mg_connection *mg_add_sock_opt(struct mg_mgr *mgr, sock_t sock,
                                      mg_event_handler_t handler,
                                      struct mg_add_sock_opts opts) {
  struct mg_iface *iface = pick_iface(mgr, opts.iface);
  struct mg_connection *nc;
  if (iface == NULL || (nc = mg_conn_new(mgr, iface, handler)) == NULL) {
    set_error(opts.error_string, "failed to create connection");
    return NULL;
  }
  nc->user_data = opts.user_data;
  nc->flags = opts.flags & ~MG_F_ENGINE_MASK;
  /* The one engine flag a caller may choose: what kind of socket it hands us. */
  if (opts.flags & MG_F_UDP) mg_conn_set_eflags(nc, MG_F_UDP, 0);
  if (sock != INVALID_SOCKET) iface->vtable->sock_set(nc, sock);
  mg_conn_link(nc);
  return nc;
}
