/*
 * mongoose.h - the public API of the engine, compatible with the Mongoose 6
 * event core: a program written against that API compiles unchanged.
 *
 * Layout of this header:
 *   1. platform types (sock_t, union socket_address)
 *   2. mbuf and mg_str
 *   3. events and connection flags
 *   4. the manager, connections, bind/connect options
 *   5. the network interface (struct mg_iface and its vtable), and the
 *      callbacks an iface uses to report what happened
 *   6. helpers (addresses, base64, URL, hexdump, ACL, logging, threads)
 *
 * Everything named engine-private below is laid out in the public structs
 * only so that they can be allocated by value; programs must not touch it.
 */
#ifndef MONGOOSE_H
#define MONGOOSE_H

/* What Mongoose 6's header brought in: its programs use these names
 * without including anything else. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- 1. platform types ------------------------------------------------ */

#define MG_VERSION "6.18"
/* How replies the engine writes (mg_send_response_line, mg_send_head, its
 * own error replies) name the server in their Server header. One setting
 * for all of them, chosen when the engine is built: -DMG_SERVER_NAME='"x"'
 * renames it, and an empty string leaves the header out. */
#ifndef MG_SERVER_NAME
#define MG_SERVER_NAME "Mongoose/" MG_VERSION
#endif

typedef int sock_t;
#define INVALID_SOCKET (-1)
typedef struct stat cs_stat_t;
#define DIRSEP '/'
#ifndef closesocket
#define closesocket(x) close(x)
#endif
#define INT64_FMT PRId64
#define INT64_X_FMT PRIx64
#define SIZE_T_FMT "zu"
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))
#endif
#ifndef WEAK
#define WEAK __attribute__((weak))
#endif
#ifndef NOINLINE
#define NOINLINE __attribute__((noinline))
#endif
#define to64(x) strtoll(x, NULL, 10)
/* Mongoose 6 built without MG_ENABLE_CALLBACK_USERDATA: handlers take three
 * arguments, and these expand to the plain forms. */
#define MG_UD_ARG(ud)
#define MG_CB(cb, ud) cb

union socket_address {
  struct sockaddr sa;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
};

/* ---- 2. mbuf and mg_str ----------------------------------------------- */

/*
 * A growable byte buffer: the data lives in buf[0..len), and buf[0..size)
 * is usable without reallocating. Dropping bytes from the front is
 * amortised O(1): buf moves forward and the `head` bytes behind it are
 * reclaimed later, so buf - head is where the allocation starts. Release an
 * mbuf with mbuf_free(), not free(buf). A zeroed mbuf is a valid empty one.
 */
struct mbuf {
  char *buf;
  size_t len;
  size_t size;
  size_t head; /* consumed bytes before buf, not yet reclaimed */
};

#ifndef MBUF_SIZE_MULTIPLIER
#define MBUF_SIZE_MULTIPLIER 1.5
#endif

void mbuf_init(struct mbuf *mb, size_t initial_capacity);
void mbuf_free(struct mbuf *mb);
/* Appends len bytes; returns len, or 0 (mbuf unchanged) if allocation fails. */
size_t mbuf_append(struct mbuf *mb, const void *data, size_t len);
/* Inserts len bytes at off (off <= mb->len); returns len, or 0 on failure. */
size_t mbuf_insert(struct mbuf *mb, size_t off, const void *data, size_t len);
/* Drops n bytes from the front (all of them if n >= len); amortised O(1). */
void mbuf_remove(struct mbuf *mb, size_t n);
/* Reallocates to new_size if new_size >= len; unchanged on failure. */
void mbuf_resize(struct mbuf *mb, size_t new_size);
/* Shrinks the allocation to len. */
void mbuf_trim(struct mbuf *mb);
/* Empties the buffer, keeping the allocation. */
void mbuf_clear(struct mbuf *mb);
/* Moves the contents of from into to (freeing to's old data); from is left empty. */
void mbuf_move(struct mbuf *from, struct mbuf *to);

/* A borrowed, not necessarily NUL-terminated string. */
struct mg_str {
  const char *p;
  size_t len;
};

#define MG_MK_STR(str_literal) \
  { str_literal, sizeof(str_literal) - 1 }
#define MG_NULL_STR \
  { NULL, 0 }

struct mg_str mg_mk_str(const char *s);
struct mg_str mg_mk_str_n(const char *s, size_t len);
int mg_vcmp(const struct mg_str *str1, const char *str2);
int mg_vcasecmp(const struct mg_str *str1, const char *str2);
int mg_strcmp(const struct mg_str str1, const struct mg_str str2);
int mg_strncmp(const struct mg_str str1, const struct mg_str str2, size_t n);
int mg_strcasecmp(const struct mg_str str1, const struct mg_str str2);
const char *mg_strstr(const struct mg_str haystack, const struct mg_str needle);
const char *mg_strchr(const struct mg_str s, int c);
/* Heap copies; free with mg_strfree. mg_strdup_nul also NUL-terminates. */
struct mg_str mg_strdup(const struct mg_str s);
struct mg_str mg_strdup_nul(const struct mg_str s);
void mg_strfree(struct mg_str *s);
struct mg_str mg_strstrip(struct mg_str s);
int mg_str_starts_with(struct mg_str s, struct mg_str prefix);
int mg_ncasecmp(const char *s1, const char *s2, size_t len);
int mg_casecmp(const char *s1, const char *s2);

/* Comma-separated lists ("a=1,b,c=3"), walked without copying. Each call
 * puts the next entry in *val; with eq_val, an entry "x=y" is split at its
 * first '=' (*val "x", *eq_val "y"), and an entry without '=' gets an empty
 * *eq_val (pointing at the end of *val, never NULL). Entries are not
 * trimmed; "a,,b" has an empty middle entry, a trailing comma adds none.
 * mg_next_comma_list_entry returns where the rest of the list starts, or
 * NULL when no entry was left (list NULL or ""):
 *   while ((list = mg_next_comma_list_entry(list, &v, &eq)) != NULL) ...
 * mg_next_comma_list_entry_n returns the rest as an mg_str whose p is NULL
 * when no entry was left: test p, not len (after the last entry the rest
 * is empty, not NULL). *val and *eq_val are left alone then. */
const char *mg_next_comma_list_entry(const char *list, struct mg_str *val,
                                     struct mg_str *eq_val);
struct mg_str mg_next_comma_list_entry_n(struct mg_str list, struct mg_str *val,
                                         struct mg_str *eq_val);

/* Glob matching of a prefix of str, as in Mongoose 6: '*' is any run of
 * bytes but '/', '**' any run, '?' one byte, '$' (last in an alternative)
 * the end of str, '|' and ',' separate alternatives, and ASCII letters
 * match either case. Returns how many bytes of str matched: the longest
 * alternative's match (Mongoose 6 took the first alternative that matched;
 * the two differ only when alternatives overlap). When nothing matched,
 * mg_match_prefix returns -1, as Mongoose 6 documented it (its last
 * releases returned 0, so `> 0` is the portable test for a non-empty
 * match), and mg_match_prefix_n returns 0. str NULL is "". */
int mg_match_prefix(const char *pattern, int pattern_len, const char *str);
size_t mg_match_prefix_n(const struct mg_str pattern, const struct mg_str str);

/* The length of s, but at most maxlen: no byte past s[maxlen - 1] is read. */
size_t c_strnlen(const char *s, size_t maxlen);
/* The first occurrence of find in s[0..slen), or NULL. s need not be
 * NUL-terminated: a NUL byte in it is one find cannot match. An empty find
 * is found at s. */
const char *c_strnstr(const char *s, const char *find, size_t slen);

/* ---- 3. events and flags ---------------------------------------------- */

#define MG_EV_POLL 0    /* time_t *now; also mg_broadcast with its data */
#define MG_EV_ACCEPT 1  /* union socket_address *peer */
#define MG_EV_CONNECT 2 /* int *: 0 success, else an errno value */
#define MG_EV_RECV 3    /* int *: bytes just appended to recv_mbuf */
#define MG_EV_SEND 4    /* int *: bytes written and removed from send_mbuf */
#define MG_EV_CLOSE 5   /* NULL */
#define MG_EV_TIMER 6   /* double *: the stamp the timer was set for */

/* Set by the engine; a handler that changes them has no effect on them. */
#define MG_F_LISTENING (1 << 0)
#define MG_F_UDP (1 << 1)
#define MG_F_RESOLVING (1 << 2)
#define MG_F_CONNECTING (1 << 3)
#define MG_F_SSL (1 << 4)
#define MG_F_SSL_HANDSHAKE_DONE (1 << 5)
#define MG_F_WANT_READ (1 << 6)
#define MG_F_WANT_WRITE (1 << 7)
#define MG_F_IS_WEBSOCKET (1 << 8)
#define MG_F_ENGINE_MASK 0x3ffUL /* bits 0..9 belong to the engine */

/* Set by the user. */
#define MG_F_SEND_AND_CLOSE (1 << 10)
#define MG_F_CLOSE_IMMEDIATELY (1 << 11)
#define MG_F_WEBSOCKET_NO_DEFRAG (1 << 12)
#define MG_F_DELETE_CHUNK (1 << 13)
#define MG_F_ENABLE_BROADCAST (1 << 14)
#define MG_F_TUN_DO_NOT_RECONNECT (1 << 15)
#define MG_F_USER_1 (1 << 20)
#define MG_F_USER_2 (1 << 21)
#define MG_F_USER_3 (1 << 22)
#define MG_F_USER_4 (1 << 23)
#define MG_F_USER_5 (1 << 24)
#define MG_F_USER_6 (1 << 25)

/* ---- 4. manager and connections --------------------------------------- */

struct mg_connection;
struct mg_iface;
struct mg_iface_vtable;
typedef void (*mg_event_handler_t)(struct mg_connection *nc, int ev,
                                   void *ev_data);

/* Default recv_mbuf_limit: how much unconsumed input a connection may hold. */
#ifndef MG_DEFAULT_RECV_MBUF_LIMIT
#define MG_DEFAULT_RECV_MBUF_LIMIT ((size_t) 4 * 1024 * 1024)
#endif
/*
 * Default send_mbuf_limit: the bound on send_mbuf growth. A mg_send() that
 * would grow send_mbuf past it queues nothing, sets nc->err to ENOBUFS and
 * closes the connection (MG_F_CLOSE_IMMEDIATELY): a peer that stops reading
 * costs at most this much memory, and the failure is loud, never a silent
 * truncation.
 */
#ifndef MG_DEFAULT_SEND_MBUF_LIMIT
#define MG_DEFAULT_SEND_MBUF_LIMIT ((size_t) 64 * 1024 * 1024)
#endif
/* Seconds a host name in mg_connect may take to resolve. */
#ifndef MG_DEFAULT_RESOLVE_TIMEOUT
#define MG_DEFAULT_RESOLVE_TIMEOUT 5.0
#endif

struct mg_mgr {
  struct mg_connection *active_connections;
  const char *hexdump_file; /* "-" is stdout, "--" stderr, else a path */
  sock_t ctl[2];            /* wake-up pair of the main iface (mg_broadcast) */
  void *user_data;
  int num_ifaces;
  struct mg_iface **ifaces; /* ifaces[0] is the main iface */
  const char *nameserver;
  /* engine-private */
  struct mg_connection *tail;
  void *due;      /* scratch array ordering the timers due in one poll */
  size_t due_cap; /* its capacity, in entries */
  double now;     /* the clock as this poll's events see it (mg_mgr_now) */
  int now_state;  /* 0: outside a poll; 1: in one, not read yet; 2: now holds */
};

struct mg_connection {
  struct mg_connection *next, *prev; /* mgr->active_connections list */
  struct mg_connection *listener;    /* for accepted connections */
  struct mg_mgr *mgr;
  sock_t sock;
  int err;
  union socket_address sa; /* the peer's address */
  size_t recv_mbuf_limit;  /* reading stops while recv_mbuf holds this much */
  struct mbuf recv_mbuf;
  struct mbuf send_mbuf;
  time_t last_io_time;
  double ev_timer_time; /* MG_EV_TIMER when mg_time() >= this; 0 = none */
  void *ssl_if_data;
  mg_event_handler_t proto_handler;
  void *proto_data;
  void (*proto_data_destructor)(void *proto_data);
  mg_event_handler_t handler;
  void *user_data;
  union {
    void *v;
    mg_event_handler_t f;
  } priv_1;
  void *priv_2;
  void *mgr_data; /* the iface's per-connection state */
  struct mg_iface *iface;
  unsigned long flags;
  size_t send_mbuf_limit; /* see MG_DEFAULT_SEND_MBUF_LIMIT; 0: no limit */
  /* engine-private */
  unsigned long engine_flags;  /* authoritative copy of MG_F_ENGINE_MASK bits */
  size_t recv_reported;        /* recv_mbuf.len the iface last heard of */
  /* A protocol in the middle of a message it must hold whole (a WebSocket
   * message within max_ws_message) sets the recv_mbuf length that message
   * needs; reading goes on up to it even past recv_mbuf_limit. 0: none. */
  size_t recv_need;
  struct mbuf dgram_sizes;     /* UDP: size_t length of each queued datagram */
  double resolve_deadline;     /* MG_F_RESOLVING: give up at this time */
  double proto_deadline;       /* a protocol timeout: the poll wakes then */
  int pending_connect;         /* 1: deliver CONNECT(pending_err) next poll */
  int pending_err;
  unsigned int closing : 1;    /* CLOSE delivered or being delivered */
  unsigned int outbound : 1;   /* made by mg_connect*, not accepted */
  unsigned int peer_fin : 1;   /* the peer ended its side in order (FIN) */
};

struct mg_mgr_init_opts {
  const struct mg_iface_vtable *main_iface;
  int num_ifaces;
  const struct mg_iface_vtable **ifaces;
  const char *nameserver;
};

void mg_mgr_init(struct mg_mgr *mgr, void *user_data);
void mg_mgr_init_opt(struct mg_mgr *mgr, void *user_data,
                     struct mg_mgr_init_opts opts);
void mg_mgr_free(struct mg_mgr *mgr);
/* One iteration; waits at most milli ms. Returns the number of connections. */
int mg_mgr_poll(struct mg_mgr *mgr, int milli);
struct mg_connection *mg_next(struct mg_mgr *mgr, struct mg_connection *c);

struct mg_bind_opts {
  void *user_data;
  unsigned int flags;
  const char **error_string;
  struct mg_iface *iface;
};
struct mg_connection *mg_bind(struct mg_mgr *mgr, const char *address,
                              mg_event_handler_t handler);
struct mg_connection *mg_bind_opt(struct mg_mgr *mgr, const char *address,
                                  mg_event_handler_t handler,
                                  struct mg_bind_opts opts);

struct mg_connect_opts {
  void *user_data;
  unsigned int flags;
  const char **error_string;
  struct mg_iface *iface;
  const char *nameserver;
  double resolve_timeout; /* seconds; 0 = MG_DEFAULT_RESOLVE_TIMEOUT */
};
struct mg_connection *mg_connect(struct mg_mgr *mgr, const char *address,
                                 mg_event_handler_t handler);
struct mg_connection *mg_connect_opt(struct mg_mgr *mgr, const char *address,
                                     mg_event_handler_t handler,
                                     struct mg_connect_opts opts);

struct mg_add_sock_opts {
  void *user_data;
  unsigned int flags;
  const char **error_string;
  struct mg_iface *iface;
};
struct mg_connection *mg_add_sock(struct mg_mgr *mgr, sock_t sock,
                                  mg_event_handler_t handler);
struct mg_connection *mg_add_sock_opt(struct mg_mgr *mgr, sock_t sock,
                                      mg_event_handler_t handler,
                                      struct mg_add_sock_opts opts);

void mg_send(struct mg_connection *nc, const void *buf, int len);
int mg_printf(struct mg_connection *nc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int mg_vprintf(struct mg_connection *nc, const char *fmt, va_list ap);

double mg_set_timer(struct mg_connection *nc, double timestamp);
double mg_time(void);

/* Thread-safe: cb runs on the poll thread for every connection (ev
 * MG_EV_POLL, ev_data = the data) before mg_broadcast returns. */
void mg_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                  size_t len);

/* ---- 5. the network interface ----------------------------------------- */

struct mg_iface {
  struct mg_mgr *mgr;
  void *data;
  const struct mg_iface_vtable *vtable;
};

/*
 * The one door between the engine and the outside world. The first sixteen
 * operations are those of Mongoose 6, in its order; the rest are this
 * engine's extensions (clock, randomness, name resolution, cross-thread
 * wake-up), which keep the core free of any clock, random or socket call,
 * and two optional ones (NULL: the core does without): a half-close for
 * lingering closes, and sending straight from a file.
 *
 * Rules: no method blocks; no method calls back into the core, except poll,
 * which reports what happened through the mg_if_* callbacks below.
 */
struct mg_iface_vtable {
  void (*init)(struct mg_iface *iface);
  void (*free)(struct mg_iface *iface);
  void (*add_conn)(struct mg_connection *nc);
  void (*remove_conn)(struct mg_connection *nc);
  /* Waits at most timeout_ms for something to report; returns how many
   * things it reported. */
  int (*poll)(struct mg_iface *iface, int timeout_ms);
  /* 0 or an errno value; on success nc->sock is set. */
  int (*listen_tcp)(struct mg_connection *nc, union socket_address *sa);
  int (*listen_udp)(struct mg_connection *nc, union socket_address *sa);
  /* Starts connecting to sa; the result comes through mg_if_connect_cb. */
  void (*connect_tcp)(struct mg_connection *nc, const union socket_address *sa);
  /* 0 or an errno value: a UDP "connection" to nc->sa. */
  int (*connect_udp)(struct mg_connection *nc);
  /* Bytes taken now (0 if none can be), or -1 with nc->err set. */
  int (*tcp_send)(struct mg_connection *nc, const void *buf, size_t len);
  /* Sends one datagram: len, 0 if it cannot go now, or -1 with nc->err. */
  int (*udp_send)(struct mg_connection *nc, const void *buf, size_t len);
  /* The handlers consumed len bytes of recv_mbuf. */
  void (*recved)(struct mg_connection *nc, size_t len);
  /* 0 or an errno value. */
  int (*create_conn)(struct mg_connection *nc);
  void (*destroy_conn)(struct mg_connection *nc);
  void (*sock_set)(struct mg_connection *nc, sock_t sock);
  void (*get_conn_addr)(struct mg_connection *nc, int remote,
                        union socket_address *sa);
  /* extensions */
  double (*now)(struct mg_iface *iface);
  void (*random)(struct mg_iface *iface, void *buf, size_t len);
  /* Starts resolving host (0 or an errno value); the answer comes through
   * mg_if_resolved. destroy_conn cancels a pending resolution. */
  int (*resolve)(struct mg_connection *nc, const char *host);
  /* Runs mg_if_broadcast on the poll thread and returns after it did. */
  void (*broadcast)(struct mg_iface *iface, mg_event_handler_t cb, void *data,
                    size_t len);
  /* Ends the sending side of a TCP connection (a FIN) while reading goes
   * on; called with send_mbuf empty. NULL: the iface cannot, and the FIN
   * waits for the close. */
  void (*shutdown_write)(struct mg_connection *nc);
  /* Optional (NULL: the core reads files and queues their bytes). Sends up
   * to len bytes of the open file fd from offset; called only while
   * send_mbuf is empty, so the bytes follow what was queued. Returns the
   * bytes taken now (0 if none can be), or -1 with nc->err set, also when
   * the file ends before offset + len. */
  int (*tcp_send_file)(struct mg_connection *nc, int fd, int64_t offset,
                       size_t len);
};

extern const struct mg_iface_vtable mg_socket_iface_vtable;
extern const struct mg_iface_vtable *mg_default_iface_vtable;

/* Options of the native socket iface (this engine's own; all off by
 * default). They put a constrained network, a different clock or a name
 * table under an unchanged program: a test harness runs the same handlers
 * on real sockets with the partial reads and writes, small windows and
 * answers its scenario asks for. */
#define MG_RESOLVE_PASS (-1)   /* resolve hook: ask the system resolver */
#define MG_RESOLVE_SILENT (-2) /* resolve hook: no answer ever comes */
struct mg_socket_iface_opts {
  size_t max_recv; /* most bytes one recv() of a TCP socket takes (0: 64 KiB) */
  size_t max_send; /* most bytes one send() of a TCP socket passes (0: all) */
  int rcvbuf;      /* SO_RCVBUF of every TCP socket it opens (0: the kernel's) */
  int sndbuf;      /* SO_SNDBUF likewise */
  /* The clock now() (and so mg_time()) reads, in seconds; NULL: the real
   * time. wait_ms turns a wait of the engine, in milliseconds of that clock,
   * into the wall-clock milliseconds the poll sleeps at most; NULL: as is. */
  double (*clock)(void *arg);
  int (*wait_ms)(void *arg, int timeout_ms);
  /* Asked first for every host name: 0 with *addr set (its port is
   * ignored), an errno value (the name fails), MG_RESOLVE_SILENT or
   * MG_RESOLVE_PASS. The answer arrives *delay seconds of the clock later. */
  int (*resolve)(void *arg, const char *host, union socket_address *addr,
                 double *delay);
  void *arg; /* for the three hooks */
};
/* Sets the options of a socket iface (mgr->ifaces[0] of a manager made with
 * mg_mgr_init, or with a copy of mg_socket_iface_vtable whose methods wrap
 * the originals). The buffer sizes apply to sockets opened from then on, the
 * rest at once. 0, or EINVAL when iface is not a socket iface. */
int mg_socket_iface_set_opts(struct mg_iface *iface,
                             const struct mg_socket_iface_opts *opts);

/* Callbacks for iface implementations, to be called from their poll only. */
struct mg_connection *mg_if_accept_tcp(struct mg_connection *listener,
                                       sock_t sock,
                                       const union socket_address *peer);
void mg_if_connect_cb(struct mg_connection *nc, int err);
size_t mg_if_recv_room(const struct mg_connection *nc);
void mg_if_recv_tcp(struct mg_connection *nc, const void *buf, size_t len);
void mg_if_recv_udp(struct mg_connection *nc, const void *buf, size_t len,
                    const union socket_address *from);
/* err 0: orderly FIN (flush what is queued, then close); else reset/error. */
void mg_if_peer_closed(struct mg_connection *nc, int err);
void mg_if_resolved(struct mg_connection *nc, const union socket_address *addr,
                    int err);
void mg_if_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                     size_t len);

/* ---- 6. helpers -------------------------------------------------------- */

#define MG_SOCK_STRINGIFY_IP 1
#define MG_SOCK_STRINGIFY_PORT 2
#define MG_SOCK_STRINGIFY_REMOTE 4

/* Parses "port", ":port", "ip:port", "[ip6]:port", "host:port" with an
 * optional "tcp://" or "udp://". Returns -1 on error, 0 if host needs
 * resolving (copied to host), 1 if sa is complete. *proto is SOCK_STREAM or
 * SOCK_DGRAM. */
int mg_parse_address(const char *str, union socket_address *sa, int *proto,
                     char *host, size_t host_len);
int mg_conn_addr_to_str(struct mg_connection *nc, char *buf, size_t len,
                        int flags);
int mg_sock_addr_to_str(const union socket_address *sa, char *buf, size_t len,
                        int flags);

int mg_hexdump(const void *buf, int len, char *dst, int dst_len);
void mg_hexdump_connection(struct mg_connection *nc, const char *path,
                           const void *buf, int num_bytes, int ev);

void mg_base64_encode(const unsigned char *src, int src_len, char *dst);
int mg_base64_decode(const unsigned char *s, int len, char *dst);

int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded);
#define MG_URL_ENCODE_F_SPACE_AS_PLUS (1 << 0)
#define MG_URL_ENCODE_F_UPPERCASE_HEX (1 << 1)
struct mg_str mg_url_encode_opt(const struct mg_str src,
                                const struct mg_str safe, unsigned int flags);
struct mg_str mg_url_encode(const struct mg_str src);
/* Splits [scheme://][user_info@]host[:port][path][?query][#fragment]; the
 * parts point into uri. An IPv6 host keeps its brackets ("[::1]"), as in
 * Mongoose 6. A part that is absent is {NULL, 0}; port 0 when none is
 * given. 0 on success, -1 (outputs untouched) when malformed. */
int mg_parse_uri(const struct mg_str uri, struct mg_str *scheme,
                 struct mg_str *user_info, struct mg_str *host,
                 unsigned int *port, struct mg_str *path, struct mg_str *query,
                 struct mg_str *fragment);
/* -1: malformed ACL, 0: denied, 1: allowed. remote_ip in host byte order. */
int mg_check_ip_acl(const char *acl, uint32_t remote_ip);

/* Prints into *buf (size bytes) when it fits; otherwise points *buf at a new
 * heap buffer, which the caller frees when it differs from the one it
 * passed (*buf may be NULL with size 0: the result is then always on the
 * heap). Returns the length, or -1 (out of memory, bad format; *buf is
 * then unchanged). */
int mg_avprintf(char **buf, size_t size, const char *fmt, va_list ap);
int mg_asprintf(char **buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* vsnprintf and snprintf under Mongoose 6's names, with C99's contract:
 * buf gets what fits, NUL-terminated when buf_size > 0 (buf may be NULL
 * when buf_size is 0); the return is the length of the whole text, or a
 * negative value for a format that cannot be printed. */
int c_vsnprintf(char *buf, size_t buf_size, const char *fmt, va_list ap);
int c_snprintf(char *buf, size_t buf_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Builds "scheme://user_info@host:port/path?query#fragment" from the parts
 * given (NULL or empty parts are left out; port 0 is left out; a host with
 * a ':' gets brackets unless it has them) into a NUL-terminated heap
 * string the caller frees (free(uri->p)). normalize_path resolves "." and
 * ".." segments (mg_normalize_uri_path) and turns an empty path into "/".
 * 0 on success, -1 (uri {NULL, 0}) when the path cannot be normalized or
 * memory runs out. */
int mg_assemble_uri(const struct mg_str *scheme, const struct mg_str *user_info,
                    const struct mg_str *host, unsigned int port,
                    const struct mg_str *path, const struct mg_str *query,
                    const struct mg_str *fragment, int normalize_path,
                    struct mg_str *uri);
/* Resolves "." and ".." segments of an absolute path ("/a/./b/../c" gives
 * "/a/c", "/a/b/.." gives "/a/") into the writable buffer out->p, which
 * holds at least in->len bytes and may be in->p itself; sets out->len (no
 * NUL is added). 1 on success, 0 (out->len 0) when the path is empty, does
 * not start with '/' or climbs above the root ("/a/../.."). */
int mg_normalize_uri_path(const struct mg_str *in, struct mg_str *out);

/* SHA-1, MD5 and base64 under the names of Mongoose 6's common library. */
typedef struct {
  uint32_t state[5];
  uint64_t count; /* bytes hashed so far */
  unsigned char buffer[64];
} cs_sha1_ctx;
void cs_sha1_init(cs_sha1_ctx *ctx);
void cs_sha1_update(cs_sha1_ctx *ctx, const unsigned char *data, uint32_t len);
void cs_sha1_final(unsigned char digest[20], cs_sha1_ctx *ctx);
void cs_hmac_sha1(const unsigned char *key, size_t key_len,
                  const unsigned char *text, size_t text_len,
                  unsigned char out[20]);
typedef struct {
  uint32_t state[4];
  uint64_t count; /* bytes hashed so far */
  unsigned char buffer[64];
} cs_md5_ctx;
void cs_md5_init(cs_md5_ctx *ctx);
void cs_md5_update(cs_md5_ctx *ctx, const unsigned char *data, size_t len);
void cs_md5_final(unsigned char digest[16], cs_md5_ctx *ctx);
/* The lowercase hex MD5 of the concatenation of (const unsigned char *,
 * size_t) pairs, the list ending with a NULL pointer; returns buf. */
char *cs_md5(char buf[33], ...);
/* Lowercase hex of p[0..len) into to (2 * len + 1 bytes). */
void cs_to_hex(char *to, const unsigned char *p, size_t len);
typedef void (*cs_base64_putc_t)(char ch, void *user_data);
struct cs_base64_ctx {
  cs_base64_putc_t b64_putc;
  unsigned char chunk[3];
  int chunk_size;
  void *user_data;
};
void cs_base64_init(struct cs_base64_ctx *ctx, cs_base64_putc_t putc,
                    void *user_data);
void cs_base64_update(struct cs_base64_ctx *ctx, const char *str, size_t len);
void cs_base64_finish(struct cs_base64_ctx *ctx);
/* dst gets 4 * ((src_len + 2) / 3) + 1 bytes, NUL-terminated. */
void cs_base64_encode(const unsigned char *src, int src_len, char *dst);
void cs_fprint_base64(FILE *f, const unsigned char *src, int src_len);
/* Decodes up to len bytes of s into dst (NUL-terminated); returns how many
 * input bytes it used (it stops at the first byte that is not base64) and
 * stores the decoded length in *dec_len when it is not NULL. */
int cs_base64_decode(const unsigned char *s, int len, char *dst, int *dec_len);
/* Appends the base64 of data[0..len) to mbuf, with no NUL: all of it, or
 * nothing when memory runs out. */
void mg_mbuf_append_base64(struct mbuf *mbuf, const void *data, size_t len);
/* A cs_base64_putc_t that appends ch to the struct mbuf * user_data. */
void mg_mbuf_append_base64_putc(char ch, void *user_data);

/* 1 on a big-endian machine, else 0. */
int mg_is_big_endian(void);
/* The seconds since the epoch of a broken-down UTC time, as timegm() gives
 * them but by arithmetic alone, the time zone untouched. Fields outside
 * their range carry over (tm_mon 12 is January of the next year, tm_mday 0
 * the last day of the month before); tm_wday, tm_yday and tm_isdst are not
 * read. Times before 1970 are negative (Mongoose 6 gave -1 for them). */
double cs_timegm(const struct tm *tm);

/* Logging, as Mongoose 6 programs use it:
 *   cs_log_set_level(LL_INFO);
 *   LOG(LL_INFO, ("listening on %s", addr));
 * writes "file.c:12 listening on ..." and a newline to the log file when
 * the message's level is at or below the threshold, which is LL_ERROR
 * until cs_log_set_level changes it (Mongoose 6's default; LL_NONE
 * silences everything). The log file is stderr unless cs_log_set_file names
 * another (NULL: back to stderr); each line is flushed. A program that
 * defines its own LOG or DBG before including this header keeps it. */
enum cs_log_level {
  LL_NONE = -1,
  LL_ERROR = 0,
  LL_WARN = 1,
  LL_INFO = 2,
  LL_DEBUG = 3,
  LL_VERBOSE_DEBUG = 4
};
void cs_log_set_level(enum cs_log_level level);
void cs_log_set_file(FILE *file);
/* What LOG and DBG expand to (through MG_CS_LOG, which a program's own LOG
 * leaves usable): the prefix, 1 when the level is to be logged, then the
 * message, which goes out with the prefix as one write. */
int cs_log_print_prefix(enum cs_log_level level, const char *file, int line);
void cs_log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define MG_CS_LOG(l, x)                                                \
  do {                                                                 \
    if (cs_log_print_prefix((l), __FILE__, __LINE__)) cs_log_printf x; \
  } while (0)
#ifndef LOG
#define LOG(l, x) MG_CS_LOG(l, x)
#endif
#ifndef DBG
#define DBG(x) MG_CS_LOG(LL_VERBOSE_DEBUG, x)
#endif

/* Platform helpers (native code, sockiface/os_posix.c). */
int mg_socketpair(sock_t sp[2], int sock_type);
void *mg_start_thread(void *(*thread_func)(void *), void *thread_func_param);
int mg_resolve(const char *domain_name, char *ip_addr_buf, size_t buf_len);
int mg_stat(const char *path, cs_stat_t *st);
FILE *mg_fopen(const char *path, const char *mode);
int mg_open(const char *path, int flag, int mode);
/* The local (or, with MG_SOCK_STRINGIFY_REMOTE, the peer's) address of a
 * socket as mg_sock_addr_to_str prints it; "" when it has no IPv4 or IPv6
 * address or the text does not fit. */
void mg_sock_to_str(sock_t sock, char *buf, size_t len, int flags);
/* Sets FD_CLOEXEC on sock (every socket the engine opens has it already). */
void mg_set_close_on_exec(sock_t sock);
/* fread and fwrite under Mongoose 6's names. */
size_t mg_fread(void *ptr, size_t size, size_t count, FILE *f);
size_t mg_fwrite(const void *ptr, size_t size, size_t count, FILE *f);
/* The wall clock: seconds since the epoch, with a fraction. mg_time() reads
 * the manager's iface instead (a virtual clock in simulation). */
double cs_time(void);
/* mg_hexdump's format of buf[0..len) onto fp, however long. */
void mg_hexdumpf(FILE *fp, const void *buf, int len);

/* ---- 7. HTTP and WebSocket --------------------------------------------- */

#define MG_EV_HTTP_REQUEST 100 /* struct http_message * */
#define MG_EV_HTTP_REPLY 101   /* struct http_message * */
#define MG_EV_HTTP_CHUNK 102   /* struct http_message * */
#define MG_EV_WEBSOCKET_HANDSHAKE_REQUEST 111 /* struct http_message * */
#define MG_EV_WEBSOCKET_HANDSHAKE_DONE 112    /* struct http_message * */
#define MG_EV_WEBSOCKET_FRAME 113             /* struct websocket_message * */
#define MG_EV_WEBSOCKET_CONTROL_FRAME 114     /* struct websocket_message * */
/* Server-side includes are not served; the numbers are reserved. */
#define MG_EV_SSI_CALL 105
#define MG_EV_SSI_CALL_CTX 106
/* A multipart/form-data request, streamed part by part (never buffered
 * whole): MULTIPART_REQUEST (struct http_message *, the head), then for
 * each part PART_BEGIN, PART_DATA (as it arrives), PART_END, and at the
 * end MULTIPART_REQUEST_END, all with struct mg_http_multipart_part *. */
#define MG_EV_HTTP_MULTIPART_REQUEST 121
#define MG_EV_HTTP_PART_BEGIN 122
#define MG_EV_HTTP_PART_DATA 123
#define MG_EV_HTTP_PART_END 124
#define MG_EV_HTTP_MULTIPART_REQUEST_END 125

struct mg_http_multipart_part {
  const char *file_name; /* the part's filename parameter, or "" */
  const char *var_name;  /* the part's name parameter, or "" */
  struct mg_str data;    /* PART_DATA: this piece of the part's data */
  int status;            /* PART_END, REQUEST_END: 0 ok, < 0 an error */
  void *user_data;       /* the handler's own, kept across the events */
  size_t num_data_consumed; /* PART_DATA: set by the handler (see below) */
};

#ifndef MG_MAX_HTTP_HEADERS
#define MG_MAX_HTTP_HEADERS 40
#endif

struct http_message {
  struct mg_str message; /* the whole message: request/status line to body end */
  struct mg_str body;    /* zero-length for a message without a body */
  struct mg_str method;  /* requests: "GET" */
  struct mg_str uri;     /* requests: "/path", without the query string */
  struct mg_str proto;   /* "HTTP/1.1" */
  int resp_code;         /* replies: 200 */
  struct mg_str resp_status_msg; /* replies: "OK" */
  struct mg_str query_string;    /* requests: what follows '?', if anything */
  struct mg_str header_names[MG_MAX_HTTP_HEADERS];
  struct mg_str header_values[MG_MAX_HTTP_HEADERS];
};

struct websocket_message {
  unsigned char *data;
  size_t size;
  unsigned char flags; /* FIN bit (0x80) | opcode */
};

#define WEBSOCKET_OP_CONTINUE 0
#define WEBSOCKET_OP_TEXT 1
#define WEBSOCKET_OP_BINARY 2
#define WEBSOCKET_OP_CLOSE 8
#define WEBSOCKET_OP_PING 9
#define WEBSOCKET_OP_PONG 10
#define WEBSOCKET_DONT_FIN 0x100

/* Returns the header length (through the blank line) when the headers are
 * complete, 0 when more bytes are needed, -1 when the message is malformed
 * (a reply's status outside 100..599 included). Fills hm; hm->body spans
 * the Content-Length (or what is there so far). Empty lines before the
 * request or status line are skipped: they count in the returned length,
 * and hm->message starts after them. */
int mg_parse_http(const char *s, int n, struct http_message *hm, int is_req);
struct mg_str *mg_get_http_header(struct http_message *hm, const char *name);
/* A variable of a query string or form body ("a=1&b=2", name matched
 * case-sensitively), URL-decoded into dst: its decoded length; -1 when
 * name is NULL or buf is NULL or empty; -2 when dst is NULL or dst_len 0;
 * -3 when the value does not fit in dst with its NUL or has a malformed
 * %-escape; -4 when there is no such variable. dst holds "" on failure
 * whenever it is usable. */
int mg_get_http_var(const struct mg_str *buf, const char *name, char *dst,
                    size_t dst_len);
/* A parameter of a header value (realm="x", nonce=y, q='z'): the
 * value may be double-quoted, single-quoted or bare; in quotes a backslash
 * escapes the next byte. Returns its length, 0 when absent or when buf is
 * too small (buf then holds ""). */
int mg_http_parse_header(struct mg_str *hdr, const char *var_name, char *buf,
                         size_t buf_size);
/* As mg_http_parse_header, into *buf when the value fits in buf_size bytes,
 * else into a new heap buffer that replaces *buf (the caller frees it when
 * it changed). Returns the value's length, 0 when absent. */
int mg_http_parse_header2(struct mg_str *hdr, const char *var_name, char **buf,
                          size_t buf_size);
/* 0 and user/pass filled for "Authorization: Basic ...", else -1. */
int mg_get_http_basic_auth(struct http_message *hm, char *user,
                           size_t user_len, char *pass, size_t pass_len);
/* The same from the header's value ("Basic dXNlcjpwYXNz"). */
int mg_parse_http_basic_auth(struct mg_str *hdr, char *user, size_t user_len,
                             char *pass, size_t pass_len);
/* Appends "Authorization: Basic <base64 of user:pass>\r\n" to buf. */
void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf);
/* One part of a buffered multipart/form-data body: fills the names and
 * points *chunk at the part's data. Returns how many bytes of buf the part
 * took (the offset of the next part), 0 when there is no further part. */
size_t mg_parse_multipart(const char *buf, size_t buf_len, char *var_name,
                          size_t var_name_len, char *file_name,
                          size_t file_name_len, const char **chunk,
                          size_t *chunk_len);

/* Limits a server or client connection enforces (and a listener hands to
 * the connections it accepts). A zero field keeps the default. */
struct mg_http_limits {
  size_t max_header_bytes;   /* request/status line and headers: 431 */
  size_t max_uri_bytes;      /* request target: 414 */
  size_t max_body_bytes;     /* a buffered body, chunked or not: 413 (a
                                multipart body streams, unbounded) */
  size_t max_ws_message;     /* a WebSocket message, reassembled: 1009 */
  double idle_timeout;       /* seconds a keep-alive connection may idle */
  double header_timeout;     /* seconds a request's headers may take */
  /* After an error reply to a request the peer is still sending, input is
   * read and dropped, and the close waits until the peer has been quiet for
   * linger_timeout seconds (or closes), at most linger_max seconds: closing
   * on unread data would send a RST, which can destroy the reply. */
  double linger_timeout;
  double linger_max;
};
#define MG_HTTP_DEFAULT_MAX_HEADER_BYTES (16 * 1024)
#define MG_HTTP_DEFAULT_MAX_URI_BYTES (8 * 1024)
#define MG_HTTP_DEFAULT_MAX_BODY_BYTES ((size_t) 64 * 1024 * 1024)
#define MG_HTTP_DEFAULT_MAX_WS_MESSAGE ((size_t) 16 * 1024 * 1024)
#define MG_HTTP_DEFAULT_IDLE_TIMEOUT 30.0
#define MG_HTTP_DEFAULT_HEADER_TIMEOUT 10.0
#define MG_HTTP_DEFAULT_LINGER_TIMEOUT 0.5
#define MG_HTTP_DEFAULT_LINGER_MAX 5.0

void mg_set_protocol_http_websocket(struct mg_connection *nc);
void mg_http_set_limits(struct mg_connection *nc, struct mg_http_limits limits);

struct mg_serve_http_opts {
  const char *document_root;
  const char *index_files; /* "index.html,index.htm" by default */
  /* Digest authentication is not served: a global auth file, or a
   * per-directory one present where a request points, gives 403. */
  const char *per_directory_auth_file;
  const char *auth_domain;
  const char *global_auth_file;
  const char *enable_directory_listing; /* "no" stops listings */
  const char *ssi_pattern;
  const char *ip_acl; /* "-0.0.0.0/0,+10.0.0.0/8": others get 403, then close */
  const char *url_rewrites;
  const char *dav_document_root;
  const char *dav_auth_file;
  const char *hidden_file_pattern; /* "*.secret|.hidden" */
  const char *cgi_file_pattern;
  const char *cgi_interpreter;
  const char *custom_mime_types; /* ".txt=text/plain; charset=utf-8,.x=y/z" */
  /* Added to every reply mg_serve_http writes, files, listings and errors
   * alike: "X-A: 1\r\nX-B: 2" */
  const char *extra_headers;
  time_t fixed_mtime; /* nonzero: every file's time (deterministic replays) */
};
void mg_serve_http(struct mg_connection *nc, struct http_message *hm,
                   struct mg_serve_http_opts opts);
void mg_http_serve_file(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const struct mg_str mime_type,
                        const struct mg_str extra_headers);

void mg_send_response_line(struct mg_connection *nc, int status_code,
                           const char *extra_headers);
/* content_length < 0: chunked (end with an empty mg_send_http_chunk). */
void mg_send_head(struct mg_connection *nc, int status_code,
                  int64_t content_length, const char *extra_headers);
void mg_send_http_chunk(struct mg_connection *nc, const char *buf, size_t len);
void mg_printf_http_chunk(struct mg_connection *nc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mg_printf_html_escape(struct mg_connection *nc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mg_http_send_error(struct mg_connection *nc, int code, const char *reason);
void mg_http_send_redirect(struct mg_connection *nc, int status_code,
                           const struct mg_str location,
                           const struct mg_str extra_headers);
void mg_register_http_endpoint(struct mg_connection *nc, const char *uri_path,
                               mg_event_handler_t handler);
/* Mongoose 6's endpoint options. user_data belongs to Mongoose 6 builds
 * with per-callback user data (MG_ENABLE_CALLBACK_USERDATA), which this
 * engine does not have: it is ignored. auth_file (with auth_domain, the
 * realm) asks for digest authentication, which is out of scope: rather than
 * serve unprotected what the program meant to guard, an endpoint given a
 * non-empty auth_file is not registered, and one registered before under
 * the same pattern is dropped (its requests go to the connection's handler,
 * as for any URI no endpoint takes); an LL_ERROR log line says so.
 * Otherwise this is mg_register_http_endpoint. */
struct mg_http_endpoint_opts {
  void *user_data;
  const char *auth_domain;
  const char *auth_file;
};
void mg_register_http_endpoint_opt(struct mg_connection *nc,
                                   const char *uri_path,
                                   mg_event_handler_t handler,
                                   struct mg_http_endpoint_opts opts);

/* Where an upload goes: the local path for a part's file name (heap memory
 * the engine frees), or a NULL p to refuse the part (403). */
typedef struct mg_str (*mg_fu_fname_fn)(struct mg_connection *nc,
                                        struct mg_str fname);
/* Handles the MG_EV_HTTP_PART_* events of an upload: writes each file part
 * where fn says and answers 200 with a summary, or an error status. */
void mg_file_upload_handler(struct mg_connection *nc, int ev, void *ev_data,
                            mg_fu_fname_fn local_name_fn);

struct mg_connection *mg_connect_http(struct mg_mgr *mgr,
                                      mg_event_handler_t event_handler,
                                      const char *url,
                                      const char *extra_headers,
                                      const char *post_data);
struct mg_connection *mg_connect_http_opt(struct mg_mgr *mgr,
                                          mg_event_handler_t ev_handler,
                                          struct mg_connect_opts opts,
                                          const char *url,
                                          const char *extra_headers,
                                          const char *post_data);

void mg_send_websocket_frame(struct mg_connection *nc, int op_and_flags,
                             const void *data, size_t data_len);
void mg_send_websocket_framev(struct mg_connection *nc, int op_and_flags,
                              const struct mg_str *strings, int num_strings);
void mg_printf_websocket_frame(struct mg_connection *nc, int op_and_flags,
                               const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct mg_connection *mg_connect_ws(struct mg_mgr *mgr,
                                    mg_event_handler_t event_handler,
                                    const char *url, const char *protocol,
                                    const char *extra_headers);
struct mg_connection *mg_connect_ws_opt(struct mg_mgr *mgr,
                                        mg_event_handler_t ev_handler,
                                        struct mg_connect_opts opts,
                                        const char *url, const char *protocol,
                                        const char *extra_headers);
void mg_send_websocket_handshake(struct mg_connection *nc, const char *uri,
                                 const char *extra_headers);
void mg_send_websocket_handshake2(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers);
void mg_send_websocket_handshake3(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers, const char *user,
                                  const char *pass);

#ifdef __cplusplus
}
#endif
#endif /* MONGOOSE_H */
