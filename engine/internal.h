/*
 * internal.h - what the core's files share among themselves. Not part of
 * the public API; ifaces use only mongoose.h.
 */
#ifndef MG_INTERNAL_H
#define MG_INTERNAL_H

#include "mongoose.h"

/* Connection lifecycle (conn.c). */
struct mg_connection *mg_conn_new(struct mg_mgr *mgr, struct mg_iface *iface,
                                  mg_event_handler_t handler);
void mg_conn_link(struct mg_connection *nc);
void mg_conn_discard(struct mg_connection *nc); /* never linked: no CLOSE */
void mg_conn_close(struct mg_connection *nc);   /* CLOSE, unlink, free */
void mg_conn_set_eflags(struct mg_connection *nc, unsigned long set,
                        unsigned long clear);
int mg_conn_wants_close(const struct mg_connection *nc);
/* One send attempt of what send_mbuf holds; SEND on progress. */
void mg_conn_flush(struct mg_connection *nc);
/* Tells the iface how much of recv_mbuf the handlers consumed. */
void mg_conn_report_consumed(struct mg_connection *nc);

/* Feeds bytes to a 64-byte-block hash (SHA-1, MD5): tops up the pending
 * block, runs whole blocks, keeps the tail (sha1.c). */
void mg_hash_feed(uint32_t *state, unsigned char buffer[64], uint64_t *count,
                  void (*block)(uint32_t *state, const unsigned char *b),
                  const unsigned char *p, size_t len);

/* Removes n bytes at off from the middle of an mbuf (mbuf.c). */
void mg_mbuf_cut(struct mbuf *mb, size_t off, size_t n);

/* Event dispatch (mgr.c): the handler, then engine flags restored. */
void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data);

/* How many managers have started (mgr.c): caches that outlive a request
 * compare it to forget what an earlier manager's run taught them. */
unsigned long mg_mgr_epoch(void);

/* Timers (timer.c). */
double mg_timers_next_due(struct mg_mgr *mgr);
/* The clock for the engine's own time stamps: read once after a poll's
 * wait, then the same for every event of that poll (a read costs more than
 * the rest of a small request's bookkeeping). Outside mg_mgr_poll, and for
 * handlers (mg_time), the clock is read each time. */
double mg_mgr_now(struct mg_mgr *mgr);
void mg_timers_fire(struct mg_mgr *mgr, double now);

/* Connect path after the address is known (conn.c). */
void mg_conn_start_connect(struct mg_connection *nc, int proto);

/* Glob patterns (glob.c): the bytes of s that pattern takes as a prefix,
 * or -1. flags: */
#define MG_GLOB_NOCASE 1u /* ASCII letters match either case */
#define MG_GLOB_COMMA 2u  /* ',' separates alternatives, as '|' does */
#define MG_GLOB_WHOLE 4u  /* an alternative must take all of s */
long mg_glob_match(const char *pattern, size_t plen, const char *s, size_t slen,
                   unsigned flags);

/* The hex dump line of buf[offset..] (MG_HEXDUMP_BYTES_PER_LINE bytes, or
 * what is left of len) into line, which holds MG_HEXDUMP_LINE_MAX bytes;
 * returns its length, its newline included and no NUL (hexdump.c). */
#define MG_HEXDUMP_BYTES_PER_LINE 16
#define MG_HEXDUMP_LINE_MAX 80
int mg_hexdump_line(const void *buf, int len, int offset, char *line);

#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
