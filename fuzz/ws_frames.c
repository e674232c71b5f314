/*
 * ws_frames.c - fuzz target: WebSocket frames, as raw bytes from a client
 * that has completed the handshake, fed to the ws-echo app in pieces whose
 * sizes the input chooses. The first byte of each piece is its length.
 */
#include <stdint.h>

#include "sim_target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void) argc;
  sim_target_init((*argv)[0]);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mbuf text;
  size_t i = 0;
  static const char head[] =
      "app ws-echo tcp://10.0.0.1:81\npeer c connect 10.0.0.1:81\n"
      "peer c send \"GET /ws HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\n"
      "Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
      "Sec-WebSocket-Version: 13\\r\\n\\r\\n\"\n";
  if (size > 8192) return 0;
  if (s_scn_path[0] == '\0') sim_target_init("build/fuzz/ws_frames");
  mbuf_init(&text, size * 3 + sizeof(head) + 64);
  mbuf_append(&text, head, sizeof(head) - 1);
  while (i < size) {
    size_t n = data[i++] % 64 + 1, k;
    char hex[3];
    if (n > size - i) n = size - i;
    mbuf_append(&text, "+10us peer c send hex \"", 23);
    for (k = 0; k < n; k++) {
      snprintf(hex, sizeof(hex), "%02x", data[i + k]);
      mbuf_append(&text, hex, 2);
    }
    mbuf_append(&text, "\"\n", 2);
    i += n;
    if (n == 0) break;
  }
  mbuf_append(&text, "+1s\n", 5); /* with its NUL */
  sim_target_run(text.buf, 1);
  mbuf_free(&text);
  return 0;
}
