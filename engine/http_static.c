/*
 * http_static.c - serving files from a document root: GET and HEAD, index
 * files, directory listings, MIME types, Range, ETag and If-Modified-Since.
 *
 * No request reads outside the root. The URI is decoded once; encoded
 * slashes or backslashes, NUL, invalid (or overlong) UTF-8 and backslashes
 * are refused; a ".." segment is refused; and the real path of what would
 * be served, symlinks resolved, must lie inside the real path of the root.
 * Larger files are streamed a piece at a time as the peer takes them, or
 * handed to the kernel whole when the iface can (tcp_send_file), never
 * loaded whole; small ones (64 KiB at most) are read once and kept in
 * memory while a stat per request shows them unchanged (the file cache).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_head.h"
#include "http_internal.h"
#include "ws_internal.h"

#define STREAM_PIECE 16384               /* bytes read from a file at a time */
#define STREAM_HIGH_WATER (64 * 1024)    /* queued before waiting for SEND */

static const struct {
  const char *ext, *type;
} s_mime[] = {
    {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
    {".css", "text/css"},                  {".js", "text/javascript"},
    {".mjs", "text/javascript"},           {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"}, {".xml", "application/xml"},
    {".png", "image/png"},                 {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},               {".gif", "image/gif"},
    {".svg", "image/svg+xml"},             {".ico", "image/x-icon"},
    {".webp", "image/webp"},               {".wasm", "application/wasm"},
    {".pdf", "application/pdf"},           {".zip", "application/zip"},
    {".gz", "application/gzip"},           {".mp4", "video/mp4"},
    {".woff2", "font/woff2"},              {".bin", "application/octet-stream"},
};

static int ends_with_ci(const char *s, size_t n, const char *suffix, size_t m) {
  return n >= m && mg_ncasecmp(s + n - m, suffix, m) == 0;
}

/* custom_mime_types first (".ext=type,.ext2=type2"), then the table. An
 * entry without an extension or a type would match every file or give it
 * no type: it is skipped. */
static struct mg_str mime_for(const char *path, const char *custom) {
  size_t n = strlen(path), i;
  const char *dot;
  struct mg_str ext, type;
  while ((custom = mg_next_comma_list_entry(custom, &ext, &type)) != NULL) {
    if (ext.len > 0 && type.len > 0 && ends_with_ci(path, n, ext.p, ext.len)) {
      return type;
    }
  }
  /* Every extension of the table has one dot: comparing from the last dot
   * of the path is the same suffix test, without measuring each entry. */
  if ((dot = strrchr(path, '.')) != NULL) {
    for (i = 0; i < sizeof(s_mime) / sizeof(s_mime[0]); i++) {
      if (strcasecmp(dot, s_mime[i].ext) == 0) return mg_mk_str(s_mime[i].type);
    }
  }
  return mg_mk_str("application/octet-stream");
}

/* ---- headers ------------------------------------------------------------- */

/* Every reply mg_serve_http writes carries the caller's extra headers, the
 * refusals too: a header such as Access-Control-Allow-Origin or
 * Strict-Transport-Security matters as much on a 404 as on a 200. Header
 * blocks are formatted on the stack and move to the heap only when long. */
struct hdrs {
  char small[512];
  char *p;
};

static const char *hdrs_fmt(struct hdrs *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *hdrs_fmt(struct hdrs *h, const char *fmt, ...) {
  va_list ap;
  int n;
  h->p = h->small;
  va_start(ap, fmt);
  n = mg_avprintf(&h->p, sizeof(h->small), fmt, ap);
  va_end(ap);
  if (n < 0) {
    h->p = h->small;
    h->small[0] = '\0';
  }
  return h->p;
}

static void hdrs_free(struct hdrs *h) {
  if (h->p != h->small) free(h->p);
  h->p = h->small;
}

static int has(const char *s) { return s != NULL && s[0] != '\0'; }

/* "first\r\nextra", or whichever of the two is set. */
static const char *hdrs_join(struct hdrs *h, const char *first, const char *extra) {
  h->p = h->small;
  if (!has(extra)) return first;
  if (!has(first)) return extra;
  return hdrs_fmt(h, "%s\r\n%s", first, extra);
}

/* hidden_file_pattern ("*.secret|.hidden") names whole file names, case
 * and all: a prefix match would hide "x.secrets" along with "x.secret". */
static int is_hidden(const char *name, const char *patterns) {
  if (patterns == NULL || patterns[0] == '\0') return 0;
  return mg_glob_match(patterns, strlen(patterns), name, strlen(name),
                       MG_GLOB_WHOLE) >= 0;
}

/* ---- conditional requests ------------------------------------------------- */

static time_t parse_http_date(const struct mg_str *v) {
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char buf[64], mon[4];
  struct tm tm;
  int day, year, h, m, s;
  const char *p;
  if (v->len >= sizeof(buf)) return (time_t) -1;
  memcpy(buf, v->p, v->len);
  buf[v->len] = '\0';
  /* IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT". */
  if (sscanf(buf, "%*3s, %d %3s %d %d:%d:%d GMT", &day, mon, &year, &h, &m, &s) != 6) {
    return (time_t) -1;
  }
  mon[3] = '\0';
  if ((p = strstr(months, mon)) == NULL || (p - months) % 3 != 0) return (time_t) -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_mday = day;
  tm.tm_mon = (int) (p - months) / 3;
  tm.tm_year = year - 1900;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return timegm(&tm);
}

static int not_modified(struct http_message *hm, const char *etag, time_t mtime) {
  struct mg_str *inm = mg_get_http_header(hm, "If-None-Match");
  struct mg_str *ims = mg_get_http_header(hm, "If-Modified-Since");
  if (inm != NULL) { /* it takes precedence (RFC 9110 13.2.2) */
    return mg_vcmp(inm, "*") == 0 || mg_strstr(*inm, mg_mk_str(etag)) != NULL;
  }
  if (ims != NULL) {
    time_t t = parse_http_date(ims);
    return t != (time_t) -1 && mtime <= t;
  }
  return 0;
}

/* One "bytes=first-last" range (suffix and open forms too). Returns 1 with
 * [*from, *to] inclusive, 0 when absent or not a single byte range (serve
 * everything), -1 when unsatisfiable. */
static int parse_range(struct http_message *hm, int64_t size, int64_t *from,
                       int64_t *to) {
  struct mg_str *r = mg_get_http_header(hm, "Range");
  char buf[100];
  long long a = -1, b = -1;
  int n = 0;
  if (r == NULL || r->len >= sizeof(buf) || r->len < 7 ||
      mg_ncasecmp(r->p, "bytes=", 6) != 0 || memchr(r->p, ',', r->len) != NULL) {
    return 0;
  }
  memcpy(buf, r->p + 6, r->len - 6);
  buf[r->len - 6] = '\0';
  if (buf[0] == '-') {
    if (sscanf(buf + 1, "%lld%n", &b, &n) != 1 || buf[1 + n] != '\0' || b <= 0) {
      return b == 0 ? -1 : 0;
    }
    *from = size > b ? size - b : 0;
    *to = size - 1;
  } else {
    if (sscanf(buf, "%lld-%n", &a, &n) != 1 || a < 0) return 0;
    if (buf[n] == '\0') {
      b = size - 1;
    } else if (sscanf(buf + n, "%lld%n", &b, &n) != 1 || b < a) {
      return 0;
    }
    if (a >= size) return -1;
    *from = a;
    *to = b < size ? b : size - 1;
  }
  return size > 0 ? 1 : -1;
}

/* If-Range (RFC 9110 13.1.5): a Range counts only while the validator still
 * matches; otherwise the whole, changed, file goes out. */
static int if_range_holds(struct http_message *hm, const char *etag, time_t mtime) {
  struct mg_str *v = mg_get_http_header(hm, "If-Range");
  if (v == NULL) return 1;
  if (v->len > 0 && v->p[0] == '"') return mg_vcmp(v, etag) == 0;
  return parse_http_date(v) == mtime;
}

/* ---- streaming ------------------------------------------------------------ */

/* A body longer than this goes out by the iface's tcp_send_file when it has
 * one: shorter ones fit in one send with their head, which beats two calls. */
#define SENDFILE_MIN STREAM_HIGH_WATER
#define SENDFILE_MAX ((size_t) 1 << 30) /* per call: the result is an int */

struct file_stream {
  FILE *fp;
  int64_t left;
  int64_t off;  /* by tcp_send_file: where the rest starts */
  int by_iface; /* tcp_send_file, else read into send_mbuf */
};

static void stream_free(void *p) {
  struct file_stream *fs = (struct file_stream *) p;
  fclose(fs->fp);
  free(fs);
}

/* Queues the next piece of the file the ordinary way: 0 if the file ended
 * before it should have. */
static int queue_piece(struct mg_connection *nc, struct file_stream *fs) {
  char buf[STREAM_PIECE];
  size_t piece = fs->left < (int64_t) sizeof(buf) ? (size_t) fs->left : sizeof(buf);
  ssize_t got = pread(fileno(fs->fp), buf, piece, (off_t) fs->off);
  if (got <= 0) { /* the file shrank: the promised length cannot be kept */
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return 0;
  }
  mg_send(nc, buf, (int) got);
  fs->off += got;
  fs->left -= got;
  return 1;
}

/* The kernel copies the file to the socket, after whatever send_mbuf holds.
 * When the socket is full, one piece is queued the ordinary way: its drain
 * is reported as MG_EV_SEND, which brings us back here once the socket
 * takes data again. */
static int stream_by_iface(struct mg_connection *nc, struct file_stream *fs) {
  int fd = fileno(fs->fp);
  while (fs->left > 0 && nc->send_mbuf.len == 0 &&
         !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    size_t want = fs->left < (int64_t) SENDFILE_MAX ? (size_t) fs->left : SENDFILE_MAX;
    int n = nc->iface->vtable->tcp_send_file(nc, fd, fs->off, want);
    if (n < 0) {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      return 0;
    }
    fs->off += n;
    fs->left -= n;
    if ((size_t) n < want && fs->left > 0 && !queue_piece(nc, fs)) return 0;
  }
  return fs->left > 0;
}

/* Tops send_mbuf up from the file; 1 while there is more to send. */
static int stream_more(struct mg_connection *nc) {
  struct http_pd *pd = mg_http_pd(nc);
  struct file_stream *fs = (struct file_stream *) pd->stream;
  char buf[STREAM_PIECE];
  if (fs->by_iface) return stream_by_iface(nc, fs);
  while (fs->left > 0 && nc->send_mbuf.len < STREAM_HIGH_WATER &&
         !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    size_t want = fs->left < (int64_t) sizeof(buf) ? (size_t) fs->left : sizeof(buf);
    size_t got = fread(buf, 1, want, fs->fp);
    if (got == 0) { /* the file shrank: the promised length cannot be kept */
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      return 0;
    }
    mg_send(nc, buf, (int) got);
    fs->left -= (int64_t) got;
  }
  return fs->left > 0;
}

static char *put_hex(char *p, unsigned long long v) {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

/* Answers with the file: its content in data when the caller has it in
 * memory (fp is then NULL), else open in fp (which it takes over). */
static void serve_file(struct mg_connection *nc, struct http_message *hm, FILE *fp,
                       const char *data, const struct stat *st, struct mg_str mime,
                       const char *extra, time_t fixed_mtime) {
  struct http_pd *pd = mg_http_pd(nc);
  time_t mtime = fixed_mtime != 0 ? fixed_mtime : st->st_mtime;
  int64_t size = (int64_t) st->st_size, from = 0, to = size - 1, len;
  char etag[64], date[40], *e = etag;
  struct hdrs h;
  struct mg_hb b;
  int status = 200, range, head = mg_vcmp(&hm->method, "HEAD") == 0;

  /* "\"%llx.%llx\"", mtime and size */
  *e++ = '"';
  e = put_hex(e, (unsigned long long) mtime);
  *e++ = '.';
  e = put_hex(e, (unsigned long long) size);
  *e++ = '"';
  *e = '\0';
  mg_http_date(date, sizeof(date), (double) mtime);
  if (not_modified(hm, etag, mtime)) {
    hdrs_fmt(&h, "ETag: %s\r\nLast-Modified: %s%s%s", etag, date,
             has(extra) ? "\r\n" : "", has(extra) ? extra : "");
    /* No Content-Length: a 304 may only repeat the 200's (RFC 9110 8.6). */
    mg_send_response_line(nc, 304, h.p);
    hdrs_free(&h);
    mg_send(nc, "\r\n", 2);
    if (fp != NULL) fclose(fp);
    return;
  }
  range = if_range_holds(hm, etag, mtime) ? parse_range(hm, size, &from, &to) : 0;
  if (range < 0) {
    hdrs_fmt(&h, "Content-Range: bytes */%lld%s%s", (long long) size,
             has(extra) ? "\r\n" : "", has(extra) ? extra : "");
    mg_send_head(nc, 416, 0, h.p);
    hdrs_free(&h);
    if (fp != NULL) fclose(fp);
    return;
  }
  if (range > 0) {
    status = 206;
    if (fp != NULL && fseeko(fp, (off_t) from, SEEK_SET) != 0) {
      fclose(fp);
      mg_http_send_error_extra(nc, 500, NULL, extra);
      return;
    }
  }
  len = size > 0 ? to - from + 1 : 0;
  mg_hb_begin_head(&b, nc, status, len, NULL);
  mg_hb_put(&b, "Content-Type: ", 14);
  mg_hb_put(&b, mime.p, mime.len);
  mg_hb_put(&b, "\r\nETag: ", 8);
  mg_hb_put(&b, etag, (size_t) (e - etag));
  mg_hb_put(&b, "\r\nLast-Modified: ", 17);
  mg_hb_str(&b, date);
  mg_hb_put(&b, "\r\nAccept-Ranges: bytes\r\n", 24);
  if (has(extra)) {
    mg_hb_str(&b, extra);
    mg_hb_put(&b, "\r\n", 2);
  }
  if (range > 0) {
    mg_hb_put(&b, "Content-Range: bytes ", 21);
    mg_hb_int(&b, from);
    mg_hb_put(&b, "-", 1);
    mg_hb_int(&b, to);
    mg_hb_put(&b, "/", 1);
    mg_hb_int(&b, size);
    mg_hb_put(&b, "\r\n", 2);
  }
  mg_hb_end_head(&b, len);
  if (head || len == 0 || pd == NULL) {
    if (fp != NULL) fclose(fp);
    return;
  }
  if (data != NULL) {
    mg_send(nc, data + from, (int) len);
    return;
  }
  {
    struct file_stream *fs = (struct file_stream *) malloc(sizeof(*fs));
    if (fs == NULL) {
      fclose(fp);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      return;
    }
    fs->fp = fp;
    fs->left = len;
    fs->off = from;
    /* A hex dump wants the bytes, which the kernel's copy never shows. */
    fs->by_iface = nc->iface->vtable->tcp_send_file != NULL && len > SENDFILE_MIN &&
                   nc->mgr->hexdump_file == NULL;
    pd->stream = fs;
    pd->stream_more = stream_more;
    pd->stream_free = stream_free;
    if (!stream_more(nc)) { /* small: all queued already */
      stream_free(fs);
      pd->stream = NULL;
      pd->stream_more = NULL;
    }
  }
}

void mg_http_serve_file(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const struct mg_str mime_type,
                        const struct mg_str extra_headers) {
  struct stat st;
  struct hdrs h;
  FILE *fp = fopen(path, "rb");
  const char *extra = hdrs_fmt(&h, "%.*s", (int) extra_headers.len,
                               extra_headers.p != NULL ? extra_headers.p : "");
  if (fp == NULL || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fp != NULL) fclose(fp);
    mg_http_send_error_extra(nc, 404, NULL, extra);
  } else {
    serve_file(nc, hm, fp, NULL, &st, mime_type, has(extra) ? extra : NULL, 0);
  }
  hdrs_free(&h);
}

/* ---- directories ---------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *) a, *(char *const *) b);
}

#define PUT(out, literal) mbuf_append((out), (literal), sizeof(literal) - 1)

static void html_escape_into(struct mbuf *out, const char *s) {
  for (; *s != '\0'; s++) {
    const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                    : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
    if (e != NULL) {
      mbuf_append(out, e, strlen(e));
    } else {
      mbuf_append(out, s, 1);
    }
  }
}

static int inside(const char *real, const char *root);

/* Entries sorted by name (readdir order is the file system's whim), names
 * escaped in the text and percent-encoded in the links. An entry that leads
 * outside the root (a symlink) or nowhere is left out: asking for it would
 * only get a 404. */
static void list_directory(struct mg_connection *nc, struct http_message *hm,
                           const char *dir, const char *root,
                           const struct mg_serve_http_opts *o) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL, uri[PATH_MAX];
  size_t n = 0, cap = 0, i;
  struct mbuf out;
  struct hdrs h;
  if (d == NULL) {
    mg_http_send_error_extra(nc, 403, NULL, o->extra_headers);
    return;
  }
  while ((e = readdir(d)) != NULL) {
    char **m, path[PATH_MAX + 256], real[PATH_MAX];
    if (e->d_name[0] == '.' || is_hidden(e->d_name, o->hidden_file_pattern)) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (realpath(path, real) == NULL || !inside(real, root)) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      if ((m = (char **) realloc(names, cap * sizeof(*m))) == NULL) break;
      names = m;
    }
    if ((names[n] = (char *) malloc(strlen(e->d_name) + 1)) == NULL) break;
    strcpy(names[n++], e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), by_name);
  snprintf(uri, sizeof(uri), "%.*s", (int) hm->uri.len, hm->uri.p);
  mbuf_init(&out, 1024);
  PUT(&out, "<!DOCTYPE html>\n<html><head><title>Index of ");
  html_escape_into(&out, uri);
  PUT(&out, "</title></head><body><h1>Index of ");
  html_escape_into(&out, uri);
  PUT(&out, "</h1>\n<ul>\n");
  for (i = 0; i < n; i++) {
    char path[PATH_MAX + 256];
    struct stat st;
    struct mg_str href = mg_url_encode(mg_mk_str(names[i]));
    int is_dir;
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    PUT(&out, "<li><a href=\"");
    if (href.p != NULL) mbuf_append(&out, href.p, href.len);
    if (is_dir) PUT(&out, "/");
    PUT(&out, "\">");
    html_escape_into(&out, names[i]);
    if (is_dir) PUT(&out, "/");
    PUT(&out, "</a></li>\n");
    mg_strfree(&href);
    free(names[i]);
  }
  free(names);
  PUT(&out, "</ul></body></html>\n");
  mg_send_head(nc, 200, (int64_t) out.len,
               hdrs_join(&h, "Content-Type: text/html; charset=utf-8", o->extra_headers));
  hdrs_free(&h);
  if (mg_vcmp(&hm->method, "HEAD") != 0) mg_send(nc, out.buf, (int) out.len);
  mbuf_free(&out);
}

/* ---- the request path ----------------------------------------------------- */

/* Decodes the URI into a path that cannot leave the root: 0 ok, else the
 * status to answer with. */
static int safe_path(const struct mg_str *uri, char *out, size_t len) {
  int n;
  size_t i;
  const char *seg;
  if (uri->len == 0 || uri->p[0] != '/') return 400;
  for (i = 0; i + 2 < uri->len; i++) {
    if (uri->p[i] == '%' && ((uri->p[i + 1] == '2' && (uri->p[i + 2] | 0x20) == 'f') ||
                             (uri->p[i + 1] == '5' && (uri->p[i + 2] | 0x20) == 'c'))) {
      return 400; /* an encoded '/' or '\' has no business in a file path */
    }
  }
  n = mg_url_decode(uri->p, (int) uri->len, out, (int) len, 0);
  if (n <= 0 || memchr(out, '\0', (size_t) n) != NULL || strchr(out, '\\') != NULL) {
    return 400;
  }
  if (ws_utf8_feed(WS_UTF8_ACCEPT, (const unsigned char *) out, (size_t) n) !=
      WS_UTF8_ACCEPT) {
    return 400; /* overlong encodings of '.' and '/' die here */
  }
  for (seg = out; seg != NULL; seg = strchr(seg + 1, '/')) {
    if (strncmp(seg, "/..", 3) == 0 && (seg[3] == '/' || seg[3] == '\0')) return 403;
  }
  return 0;
}

/* Two caches spare system calls on every request: the root's real path
 * (resolving it costs one per path component), and the files already
 * proven to lie inside that root, by identity: device, inode and change
 * time (a reused inode has a new one). A proof holds for the root it was
 * made against only. */
static _Thread_local char s_root[PATH_MAX], s_root_real[PATH_MAX];
struct proven {
  dev_t dev;
  ino_t ino;
  struct timespec ctim;
};
static _Thread_local struct proven s_proven[64];
static _Thread_local unsigned s_proven_next;
static _Thread_local unsigned long s_cache_epoch; /* mg_mgr_epoch() they hold */

static void caches_forget(void) {
  s_root[0] = '\0';
  memset(s_proven, 0, sizeof(s_proven));
  s_proven_next = 0;
}

/* The root's real path, from the cache when it is the same root. The
 * caches last as long as one manager: a new one (mg_mgr_epoch) starts
 * with them empty, since a relative root names another folder after a
 * chdir, files change in between, and a run must not depend on what the
 * process served before it (a simulation replays exactly; a fuzzer sees
 * the same edges for the same input). */
static int real_root(const char *root, char out[PATH_MAX]) {
  unsigned long epoch = mg_mgr_epoch();
  if (epoch != s_cache_epoch) {
    s_cache_epoch = epoch;
    caches_forget();
  }
  if (s_root[0] != '\0' && strcmp(s_root, root) == 0) {
    memcpy(out, s_root_real, PATH_MAX);
    return 0;
  }
  caches_forget(); /* another root: no proof made for the last one holds */
  if (strlen(root) >= sizeof(s_root) || realpath(root, out) == NULL) return -1;
  strcpy(s_root, root);
  memcpy(s_root_real, out, PATH_MAX);
  return 0;
}

static int inside(const char *real, const char *root) {
  size_t n = strlen(root);
  return strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0' ||
                                         (n > 0 && root[n - 1] == '/'));
}

static int same_file(const struct proven *p, const struct stat *st) {
  return p->dev == st->st_dev && p->ino == st->st_ino &&
         p->ctim.tv_sec == st->st_ctim.tv_sec && p->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Opens path if it is a regular file inside root, symlinks resolved. What is
 * checked is the file actually opened, so a path swapped between the check
 * and the open cannot slip through. NULL when it is not to be served;
 * *denied then says whether it is a file inside the root that the server
 * may not read (403 rather than 404: it exists, and the owner should know
 * why it is not served). A file outside the root is never reported so. */
static FILE *open_inside(const char *path, const char *root, struct stat *st,
                         int *denied) {
  char real[PATH_MAX];
  struct stat rst;
  size_t i;
  FILE *fp;
  *denied = 0;
  /* Only regular files are opened: opening a FIFO would block the loop. The
   * caller has made this stat (st), which fstat below checks again. */
  if (!S_ISREG(st->st_mode)) return NULL;
  if ((fp = fopen(path, "rb")) == NULL) {
    int e = errno;
    *denied = (e == EACCES || e == EPERM) && realpath(path, real) != NULL &&
              inside(real, root);
    return NULL;
  }
  if (fstat(fileno(fp), st) != 0 || !S_ISREG(st->st_mode)) {
    fclose(fp);
    return NULL;
  }
  setvbuf(fp, NULL, _IONBF, 0); /* reads go straight into our buffer */
  for (i = 0; i < sizeof(s_proven) / sizeof(s_proven[0]); i++) {
    if (same_file(&s_proven[i], st)) return fp;
  }
  if (realpath(path, real) == NULL || !inside(real, root) || stat(real, &rst) != 0 ||
      rst.st_dev != st->st_dev || rst.st_ino != st->st_ino) {
    fclose(fp);
    return NULL;
  }
  i = s_proven_next++ % (sizeof(s_proven) / sizeof(s_proven[0]));
  s_proven[i].dev = st->st_dev;
  s_proven[i].ino = st->st_ino;
  s_proven[i].ctim = st->st_ctim;
  return fp;
}

/* ---- the file cache -------------------------------------------------------- */

/*
 * Small files are kept in memory, so that a request for one costs a single
 * stat: recv, stat, send. An entry is the content of one path, proven to lie
 * inside one root, and holds for as long as a stat of that path shows the
 * very file it was read from: same device, inode, size, modification and
 * change times, to the nanosecond. Whatever writes to a file, renames it,
 * replaces it, or changes its mode, owner or times moves its change time.
 *
 * But a file system stamps times from a clock that ticks coarsely (a timer
 * tick, a second, two on FAT): a rewrite within the tick of the last change
 * could leave every stamp as it was. So a file is kept only once its change
 * time lies FCACHE_SETTLE seconds in the past: any later change then gets a
 * later stamp. A file changed just now is read afresh each time until then,
 * and so is every file under a simulated clock, which stands long before
 * any real file was made.
 *
 * The cache is one per process, for threads each running a manager of
 * their own: a thread that finds it busy simply reads the file. An entry
 * counts for the manager that made it only (mg_mgr_epoch), like the caches
 * above.
 */
#define FCACHE_SLOTS 64
#define FCACHE_FILE_MAX ((int64_t) STREAM_HIGH_WATER)
#define FCACHE_SETTLE 2.0

struct fcache_entry {
  unsigned long epoch; /* 0: empty */
  uint32_t hash;
  char *key; /* the root, a NUL, the path, a NUL */
  size_t root_len;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtim, ctim;
  char *data;
};
static struct fcache_entry s_fcache[FCACHE_SLOTS];
static atomic_flag s_fcache_busy = ATOMIC_FLAG_INIT;

static uint32_t fcache_hash(const char *root, const char *path) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *path != '\0'; path++) h = (h ^ (unsigned char) *path) * 16777619u;
  for (; *root != '\0'; root++) h = (h ^ (unsigned char) *root) * 16777619u;
  return h;
}

static int fcache_lock(void) {
  return !atomic_flag_test_and_set_explicit(&s_fcache_busy, memory_order_acquire);
}

static void fcache_unlock(void) {
  atomic_flag_clear_explicit(&s_fcache_busy, memory_order_release);
}

static int fcache_matches(const struct fcache_entry *e, uint32_t hash, const char *root,
                          const char *path, const struct stat *st) {
  return e->epoch == mg_mgr_epoch() && e->hash == hash && e->dev == st->st_dev &&
         e->ino == st->st_ino && e->size == st->st_size &&
         e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
         e->ctim.tv_sec == st->st_ctim.tv_sec && e->ctim.tv_nsec == st->st_ctim.tv_nsec &&
         strcmp(e->key, root) == 0 && strcmp(e->key + e->root_len + 1, path) == 0;
}

/* Serves path from the cache when st (a stat made just now) shows the file
 * it holds: 1 if it did. */
static int fcache_serve(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const char *root, const struct stat *st,
                        const struct mg_serve_http_opts *o) {
  uint32_t hash;
  struct fcache_entry *e;
  if (st->st_size > FCACHE_FILE_MAX) return 0;
  hash = fcache_hash(root, path);
  e = &s_fcache[hash % FCACHE_SLOTS];
  if (!fcache_lock()) return 0;
  if (!fcache_matches(e, hash, root, path, st)) {
    fcache_unlock();
    return 0;
  }
  serve_file(nc, hm, NULL, e->data, st, mime_for(path, o->custom_mime_types),
             o->extra_headers, o->fixed_mtime);
  fcache_unlock();
  return 1;
}

/* Hands data (size st->st_size, from the file path names) to the cache,
 * which frees it when it drops it. 0 when not taken: the caller frees it. */
static int fcache_keep(const char *path, const char *root, const struct stat *st,
                       char *data) {
  size_t rn = strlen(root), pn = strlen(path);
  uint32_t hash = fcache_hash(root, path);
  struct fcache_entry *e = &s_fcache[hash % FCACHE_SLOTS];
  char *key;
  if ((double) st->st_ctim.tv_sec + FCACHE_SETTLE > mg_time()) return 0;
  if ((key = (char *) malloc(rn + pn + 2)) == NULL) return 0;
  memcpy(key, root, rn + 1);
  memcpy(key + rn + 1, path, pn + 1);
  if (!fcache_lock()) {
    free(key);
    return 0;
  }
  free(e->key);
  free(e->data);
  e->epoch = mg_mgr_epoch();
  e->hash = hash;
  e->key = key;
  e->root_len = rn;
  e->dev = st->st_dev;
  e->ino = st->st_ino;
  e->size = st->st_size;
  e->mtim = st->st_mtim;
  e->ctim = st->st_ctim;
  e->data = data;
  fcache_unlock();
  return 1;
}

/* Serves path if a stat shows a regular file that open_inside accepts: 1
 * if it did. Else st holds that stat (0) or there was none (-1), and
 * *denied is open_inside's. */
static int serve_regular(struct mg_connection *nc, struct http_message *hm,
                         const char *path, const char *root,
                         const struct mg_serve_http_opts *o, struct stat *st,
                         int *denied) {
  struct mg_str mime;
  FILE *fp;
  char *data;
  *denied = 0;
  if (stat(path, st) != 0) return -1;
  if (!S_ISREG(st->st_mode)) return 0;
  if (fcache_serve(nc, hm, path, root, st, o)) return 1;
  if ((fp = open_inside(path, root, st, denied)) == NULL) return 0;
  mime = mime_for(path, o->custom_mime_types);
  /* A small file that has settled is read whole, once, and kept. */
  if (st->st_size > 0 && st->st_size <= FCACHE_FILE_MAX &&
      (double) st->st_ctim.tv_sec + FCACHE_SETTLE <= mg_time() &&
      (data = (char *) malloc((size_t) st->st_size)) != NULL) {
    if (fread(data, 1, (size_t) st->st_size, fp) == (size_t) st->st_size) {
      fclose(fp);
      serve_file(nc, hm, NULL, data, st, mime, o->extra_headers, o->fixed_mtime);
      if (!fcache_keep(path, root, st, data)) free(data);
      return 1;
    }
    free(data); /* it changed under us: stream it, as a file that changes */
    rewind(fp);
  }
  serve_file(nc, hm, fp, NULL, st, mime, o->extra_headers, o->fixed_mtime);
  return 1;
}

/* The path of a request target: an absolute-form target ("http://h/a/b",
 * RFC 9112 3.2.2) names its resource by the path after the authority. */
static struct mg_str origin_path(struct mg_str uri) {
  const char *p = uri.p, *end = uri.p + uri.len;
  if (uri.len == 0 || uri.p[0] == '/') return uri;
  while (p < end && *p != ':') p++;
  if (end - p < 3 || p[1] != '/' || p[2] != '/') return uri; /* not hier-part */
  for (p += 3; p < end && *p != '/'; p++) {
  }
  return p < end ? mg_mk_str_n(p, (size_t) (end - p)) : mg_mk_str("/");
}

/* opts.ip_acl, as Mongoose 6 applies it to whoever asks for a file. The
 * ACL is written for IPv4: any other peer is refused while one is set. */
static int peer_allowed(const struct mg_connection *nc, const char *acl) {
  const unsigned char *b = (const unsigned char *) &nc->sa.sin.sin_addr;
  uint32_t ip;
  if (acl == NULL) return 1;
  if (nc->sa.sa.sa_family != AF_INET) return 0;
  ip = (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
  return mg_check_ip_acl(acl, ip) == 1;
}

/* The directory a request names: path itself, or the one holding it. */
static const char *path_dir(const char *path, char *dir, size_t len) {
  struct stat st;
  char *slash;
  snprintf(dir, len, "%s", path);
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return dir;
  if ((slash = strrchr(dir, '/')) != NULL) *slash = '\0';
  return dir;
}

/* Digest authentication is not served. Files it would protect are not
 * served either: a global auth file, or a per-directory one present in the
 * directory asked for, makes the answer 403 rather than the content. */
static int needs_digest_auth(const struct mg_serve_http_opts *opts, const char *path) {
  char f[PATH_MAX * 2 + 300], dir[PATH_MAX * 2];
  struct stat st;
  if (opts->global_auth_file != NULL && opts->global_auth_file[0] != '\0') return 1;
  if (opts->per_directory_auth_file == NULL || opts->per_directory_auth_file[0] == '\0') {
    return 0;
  }
  snprintf(f, sizeof(f), "%s/%s", path_dir(path, dir, sizeof(dir)),
           opts->per_directory_auth_file);
  return stat(f, &st) == 0;
}

void mg_serve_http(struct mg_connection *nc, struct http_message *hm,
                   struct mg_serve_http_opts opts) {
  char rel[PATH_MAX], path[PATH_MAX * 2], real[PATH_MAX], root[PATH_MAX];
  const char *index_files = opts.index_files != NULL ? opts.index_files
                                                     : "index.html,index.htm";
  const char *base, *extra = opts.extra_headers;
  struct stat st;
  struct mg_str uri;
  int status, denied, found;

  if (!peer_allowed(nc, opts.ip_acl)) {
    mg_http_send_error_extra(nc, 403, NULL, extra);
    nc->flags |= MG_F_SEND_AND_CLOSE;
    return;
  }
  if (mg_vcmp(&hm->method, "GET") != 0 && mg_vcmp(&hm->method, "HEAD") != 0) {
    struct hdrs h;
    mg_send_head(nc, 405, 0, hdrs_join(&h, "Allow: GET, HEAD", extra));
    hdrs_free(&h);
    return;
  }
  uri = origin_path(hm->uri);
  if ((status = safe_path(&uri, rel, sizeof(rel))) != 0) {
    mg_http_send_error_extra(nc, status, NULL, extra);
    return;
  }
  if (real_root(opts.document_root != NULL ? opts.document_root : ".", root) != 0) {
    mg_http_send_error_extra(nc, 500, "no document root", extra);
    return;
  }
  { /* both are shorter than PATH_MAX: path holds them */
    size_t rn = strlen(root), ln = strlen(rel);
    memcpy(path, root, rn);
    memcpy(path + rn, rel, ln + 1);
  }
  base = strrchr(rel, '/') != NULL ? strrchr(rel, '/') + 1 : rel;
  if (base[0] != '\0' && is_hidden(base, opts.hidden_file_pattern)) {
    mg_http_send_error_extra(nc, 404, NULL, extra);
    return;
  }
  if (needs_digest_auth(&opts, path)) {
    mg_http_send_error_extra(nc, 403, "digest authentication is not supported", extra);
    return;
  }
  if ((found = serve_regular(nc, hm, path, root, &opts, &st, &denied)) > 0) {
    return; /* the common case */
  }
  if (denied) {
    mg_http_send_error_extra(nc, 403, NULL, extra);
    return;
  }
  if (found < 0 || !S_ISDIR(st.st_mode) || realpath(path, real) == NULL ||
      !inside(real, root)) {
    /* absent, not a regular file, or a path leaving the root: all 404 */
    mg_http_send_error_extra(nc, 404, NULL, extra);
    return;
  }
  {
    const char *p = index_files;
    struct mg_str name;
    if (uri.p[uri.len - 1] != '/') { /* the query goes along */
      char loc[PATH_MAX * 2 + 3];
      /* One leading slash: "//dir/" would name a host, not a path. */
      while (uri.len > 1 && uri.p[1] == '/') {
        uri.p++;
        uri.len--;
      }
      snprintf(loc, sizeof(loc), "%.*s/%s%.*s", (int) uri.len, uri.p,
               hm->query_string.p != NULL ? "?" : "", (int) hm->query_string.len,
               hm->query_string.p != NULL ? hm->query_string.p : "");
      mg_http_send_redirect(nc, 301, mg_mk_str(loc), mg_mk_str(has(extra) ? extra : ""));
      return;
    }
    /* the first index file that exists */
    while ((p = mg_next_comma_list_entry(p, &name, NULL)) != NULL) {
      char ipath[PATH_MAX * 2 + 64];
      struct stat ist;
      snprintf(ipath, sizeof(ipath), "%s/%.*s", real, (int) name.len, name.p);
      if (name.len > 0 && serve_regular(nc, hm, ipath, root, &opts, &ist, &denied) > 0) {
        return;
      }
      /* An index the server may not read is not a reason to list what it
       * was there to hide. */
      if (denied) {
        mg_http_send_error_extra(nc, 403, NULL, extra);
        return;
      }
    }
    /* As in Mongoose 6, listing is the default; only "no" turns it off. */
    if (opts.enable_directory_listing == NULL ||
        strcmp(opts.enable_directory_listing, "no") != 0) {
      list_directory(nc, hm, real, root, &opts);
    } else {
      mg_http_send_error_extra(nc, 403, NULL, extra);
    }
  }
}
