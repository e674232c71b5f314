/*
 * apps_examples.c - the example programs' own handlers as scenario apps
 * (each example, built with MG_EXAMPLE_APP, exports a start function).
 */
#include "scn_internal.h"

int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen);
int websocket_chat_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen);
int websocket_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                       size_t errlen);
int http_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen);
int websocket_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                         size_t errlen);
/* Two of tests/compat's Mongoose-6-style programs, in simulation too. */
int rest_server_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen);
int udp_echo_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                 size_t errlen);

void scn_register_example_apps(void);
void scn_register_example_apps(void) {
  static const struct {
    const char *name;
    scn_app_start start;
  } apps[] = {
      {"http-static", simplest_web_server_app},
      {"ws-chat", websocket_chat_app},
      {"ws-echo", websocket_echo_app},
      {"http-client", http_client_app},
      {"ws-client", websocket_client_app},
      {"rest", rest_server_app},
      {"udp-echo", udp_echo_app},
  };
  size_t i;
  for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
    if (scn_find_app(apps[i].name) == NULL) scn_register_app(apps[i].name, apps[i].start);
  }
}
