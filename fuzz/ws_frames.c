/*
 * ws_frames.c - fuzz target: WebSocket frames, as raw bytes from a client
 * that has completed the handshake, fed to the ws-echo app in pieces whose
 * sizes the input chooses. The first byte of each piece is its length.
 * The input becomes the runner's lines directly; as text it would read
 *
 *   app ws-echo tcp://10.0.0.1:81
 *   peer c connect 10.0.0.1:81
 *   peer c send "GET /ws HTTP/1.1 ... (the handshake)"
 *   +10us peer c send "<piece>"   (one line per piece)
 *   +1s
 */
#include <stdint.h>

#include "sim_target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void) argc;
  sim_target_init((*argv)[0]);
  return 0;
}

static const char s_handshake[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct scn *sc;
  struct tok t[4];
  int64_t now = 0;
  size_t i = 0;
  int ok;
  if (size > 8192) return 0;
  if (s_scn_path[0] == '\0') sim_target_init("build/fuzz/ws_frames");
  if ((sc = scn_new(s_scn_path, s_scn_dir)) == NULL) abort();
  t[0] = scn_tok_word("app");
  t[1] = scn_tok_word("ws-echo");
  t[2] = scn_tok_word("tcp://10.0.0.1:81");
  ok = scn_add_line(sc, now, t, 3) == 0;
  t[0] = scn_tok_word("peer");
  t[1] = scn_tok_word("c");
  t[2] = scn_tok_word("connect");
  t[3] = scn_tok_word("10.0.0.1:81");
  ok = ok && scn_add_line(sc, now, t, 4) == 0;
  t[2] = scn_tok_word("send");
  t[3] = scn_tok_str(s_handshake, sizeof(s_handshake) - 1);
  ok = ok && scn_add_line(sc, now, t, 4) == 0;
  while (ok && i < size) {
    size_t n = data[i++] % 64 + 1;
    if (n > size - i) n = size - i;
    now += 10;
    t[3] = scn_tok_str(data + i, n);
    ok = scn_add_line(sc, now, t, 4) == 0;
    i += n;
    if (n == 0) break;
  }
  now += 1000000;
  if (!ok || scn_add_line(sc, now, NULL, 0) != 0) abort();
  sim_target_run_scn(sc, 1);
  return 0;
}
