/*
 * An HTTP server that hands slow work to a pool of worker threads. The poll
 * thread queues each request as a job; a worker computes the answer and
 * mg_broadcast()s it back, and the poll thread finds the waiting connection
 * by the id kept in its user_data.
 *
 *   threaded_server ADDRESS [WORKERS]
 *
 *   GET /job?n=N   -> "job N: sum of squares 1..N = S\n"
 */
#include "mongoose.h"

#define MAX_QUEUE 64

struct job {
  unsigned long conn_id;
  long n;
};

struct job_result {
  unsigned long conn_id;
  long n;
  long long sum;
};

static volatile sig_atomic_t s_exit_flag;
static struct mg_mgr s_mgr;
static unsigned long s_next_id = 1;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static struct job s_queue[MAX_QUEUE];
static int s_head, s_count, s_stopping, s_running;

static void on_signal(int sig) { s_exit_flag = sig; }

static int push_job(struct job j) {
  int ok = 0;
  pthread_mutex_lock(&s_lock);
  if (s_count < MAX_QUEUE) {
    s_queue[(s_head + s_count) % MAX_QUEUE] = j;
    s_count++;
    ok = 1;
    pthread_cond_signal(&s_cond);
  }
  pthread_mutex_unlock(&s_lock);
  return ok;
}

/* Runs on the poll thread for every connection. */
static void on_result(struct mg_connection *nc, int ev, void *ev_data) {
  struct job_result *r = (struct job_result *) ev_data;
  if (ev != MG_EV_POLL || nc->user_data != (void *) r->conn_id) return;
  mg_send_head(nc, 200, -1, "Content-Type: text/plain");
  mg_printf_http_chunk(nc, "job %ld: sum of squares 1..%ld = %lld\n", r->n,
                       r->n, r->sum);
  mg_send_http_chunk(nc, "", 0);
  nc->user_data = NULL;
}

static void *worker(void *param) {
  long id = (long) (intptr_t) param;
  for (;;) {
    struct job j;
    struct job_result r;
    long i;

    pthread_mutex_lock(&s_lock);
    while (s_count == 0 && !s_stopping) pthread_cond_wait(&s_cond, &s_lock);
    if (s_count == 0) {
      s_running--;
      pthread_cond_broadcast(&s_cond);
      pthread_mutex_unlock(&s_lock);
      return NULL;
    }
    j = s_queue[s_head];
    s_head = (s_head + 1) % MAX_QUEUE;
    s_count--;
    pthread_mutex_unlock(&s_lock);

    r.conn_id = j.conn_id;
    r.n = j.n;
    r.sum = 0;
    for (i = 1; i <= j.n; i++) r.sum += (long long) i * i;
    usleep(20000); /* pretend it was hard */
    fprintf(stderr, "worker %ld finished job %lu\n", id, j.conn_id);
    mg_broadcast(&s_mgr, on_result, &r, sizeof(r));
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  char buf[32];
  struct job j;

  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/job") != 0 ||
      mg_get_http_var(&hm->query_string, "n", buf, sizeof(buf)) <= 0) {
    mg_http_send_error(nc, 404, "Not Found");
    return;
  }
  j.conn_id = s_next_id++;
  j.n = atol(buf);
  nc->user_data = (void *) j.conn_id;
  if (!push_job(j)) {
    nc->user_data = NULL;
    mg_http_send_error(nc, 503, "Busy");
  }
}

int main(int argc, char *argv[]) {
  struct mg_connection *nc;
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1:8000";
  int i, workers = argc > 2 ? atoi(argv[2]) : 3;

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&s_mgr, NULL);
  if ((nc = mg_bind(&s_mgr, addr, ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", addr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);

  s_running = workers;
  for (i = 0; i < workers; i++) {
    mg_start_thread(worker, (void *) (intptr_t) i);
  }
  printf("threaded server on %s with %d workers\n", addr, workers);
  fflush(stdout);

  while (!s_exit_flag) mg_mgr_poll(&s_mgr, 200);

  /* Let the workers drain: they may be inside mg_broadcast, which needs
   * the poll loop to run. */
  pthread_mutex_lock(&s_lock);
  s_stopping = 1;
  pthread_cond_broadcast(&s_cond);
  while (s_running > 0) {
    pthread_mutex_unlock(&s_lock);
    mg_mgr_poll(&s_mgr, 20);
    pthread_mutex_lock(&s_lock);
  }
  pthread_mutex_unlock(&s_lock);
  mg_mgr_free(&s_mgr);
  return 0;
}
