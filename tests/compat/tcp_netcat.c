/*
 * A netcat-like TCP client: what arrives on stdin goes to the server, what
 * the server sends goes to stdout. A thread reads stdin into one end of a
 * socket pair; the other end joins the event loop through mg_add_sock().
 * The program ends when the server closes the connection.
 *
 *   tcp_netcat HOST:PORT
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static struct mg_connection *s_remote;
static int s_done;

static void on_signal(int sig) { s_exit_flag = sig; }

static void *stdin_thread(void *param) {
  sock_t fd = *(sock_t *) param;
  char buf[2048];
  ssize_t n;

  while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
    ssize_t off = 0;
    while (off < n) {
      ssize_t w = send(fd, buf + off, (size_t) (n - off), 0);
      if (w <= 0) break;
      off += w;
    }
  }
  shutdown(fd, SHUT_WR);
  return NULL;
}

static void stdin_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  switch (ev) {
    case MG_EV_RECV:
      if (s_remote != NULL) {
        mg_send(s_remote, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
        mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
      }
      break;
    case MG_EV_CLOSE:
      fprintf(stderr, "stdin: end of input\n");
      break;
    default:
      break;
  }
}

static void remote_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "connect failed: %s\n", strerror(*(int *) ev_data));
        s_done = 2;
      } else {
        char addr[64];
        mg_conn_addr_to_str(nc, addr, sizeof(addr),
                            MG_SOCK_STRINGIFY_REMOTE | MG_SOCK_STRINGIFY_IP |
                                MG_SOCK_STRINGIFY_PORT);
        fprintf(stderr, "connected to %s\n", addr);
      }
      break;
    case MG_EV_RECV:
      fwrite(nc->recv_mbuf.buf, 1, nc->recv_mbuf.len, stdout);
      fflush(stdout);
      mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
      break;
    case MG_EV_CLOSE:
      s_remote = NULL;
      if (s_done == 0) s_done = 1;
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  sock_t fds[2];

  if (argc != 2) {
    fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  s_remote = mg_connect(&mgr, argv[1], remote_handler);
  if (s_remote == NULL) {
    fprintf(stderr, "cannot connect to %s\n", argv[1]);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  if (!mg_socketpair(fds, SOCK_STREAM)) {
    perror("socketpair");
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_add_sock(&mgr, fds[1], stdin_handler);
  mg_start_thread(stdin_thread, &fds[0]);

  while (!s_exit_flag && !s_done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_done == 1 ? 0 : EXIT_FAILURE;
}
