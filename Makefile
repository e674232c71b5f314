# The build. Everything goes to build/; see README.md for the targets.
#
#   make            engine libraries, mgsim, examples, tests
#   make scenarios  run every scenario file (the main job)
#   make test       install missing packages, build, run every test
#   make bench      benchmarks, printed as ratios against a peer
#   make clean
#
# Three builds of the engine share the sources:
#   build/obj       -O2, epoll               -> build/libengine.a
#   build/obj-poll  -O2, poll() (MG_USE_POLL) -> build/libengine-poll.a
#   build/obj-asan  ASan+UBSan, epoll        -> build/libengine-asan.a
#   build/obj-asan-poll  ASan+UBSan, poll()  -> build/libengine-asan-poll.a

CC       ?= cc
BUILD    := build
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror
OPT      ?= -O2 -g
SAN      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
CFLAGS_BASE := $(CSTD) $(WARN) -Iengine -Isockiface -Isimiface -Itools/mgsim -MMD -MP
LDLIBS   := -lpthread -lm

# The core: no socket, clock or random call (checked by ci/check-core.sh).
CORE     := mbuf str base64 url acl hexdump addr conn open iface_cb mgr timer dump \
            http_parse http_vars http http_endpoint http_send http_static http_client \
            ws ws_frame sha1 utf8 md5 printf multipart_parse http_multipart http_upload glob \
            log util
# The native edge: the socket iface and the platform helpers.
NATIVE   := sock_iface sock_poller_epoll sock_poller_poll sock_wake sock_resolve \
            os_posix
ENGINE   := $(CORE) $(NATIVE)
# The simulated iface and the scenario runner (mgsim.c adds only main()).
SIM      := rng sim_core sim_net sim_iface sim_wire
RUNNER   := scn_lex scn_parse scn_print scn_text scn_names scn_cmd scn_expect scn_regex scn_run apps mgsim_cli \
            scn_compare shrink explore explore_gen leak_check world native_world native_iface native_peer native_netns \
            apps_examples session app_upload record record_proxy record_render timeline timeline_draw pcap peer_bytes run_outputs
# The examples whose handlers double as scenario apps (built with
# MG_EXAMPLE_APP, which leaves out their main()).
EXAMPLE_APPS := simplest_web_server websocket_chat http_client websocket_client
# Compat programs (tests/compat) with an app form, built the same way.
COMPAT_APPS  := rest_server udp_echo
APP_OBJS  = $(addprefix $(BUILD)/$(1)/app_,$(addsuffix .o,$(EXAMPLE_APPS) $(COMPAT_APPS)))
vpath %.c engine sockiface simiface tools/mgsim

VARIANTS := obj obj-poll obj-asan obj-asan-poll obj-fuzz obj-afl obj-afl-cmplog
FLAGS_obj           := $(OPT)
FLAGS_obj-poll      := $(OPT) -DMG_USE_POLL
FLAGS_obj-asan      := $(SAN)
FLAGS_obj-asan-poll := $(SAN) -DMG_USE_POLL
# Fuzzing builds: libFuzzer (clang) and AFL++ (afl-clang-fast) instrumentation.
# clang-19's libFuzzer (ci/deps.sh fuzz installs it) runs our targets about
# three times faster than clang-14's; plain `clang` is the fallback.
FUZZ_CC  ?= $(shell command -v clang-19 >/dev/null 2>&1 && echo clang-19 || echo clang)
AFL_CC   ?= afl-clang-fast
# Debian's AFL++ driver (4.04c, utils/aflpp_driver) already runs persistent
# and takes each test case from shared memory: it defines
# __afl_sharedmem_fuzzing = 1 and calls LLVMFuzzerTestOneInput on
# __afl_fuzz_ptr/__afl_fuzz_len inside __afl_persistent_loop, which is what
# __AFL_FUZZ_INIT/__AFL_FUZZ_TESTCASE_BUF/__AFL_LOOP expand to (check: nm on
# the .a shows them). So the targets link it and need no main of their own.
AFL_DRIVER ?= /usr/lib/afl/libAFLDriver.a
FUZZ_SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
CC_obj-fuzz         := $(FUZZ_CC)
# OSS-Fuzz-style builds pass their own: FUZZ_SAN="$CFLAGS" FUZZ_NOLINK=
# FUZZ_ENGINE="$LIB_FUZZING_ENGINE" (see ci/clusterfuzzlite/build.sh).
FUZZ_NOLINK ?= -fsanitize=fuzzer-no-link
FUZZ_ENGINE ?= -fsanitize=fuzzer
FLAGS_obj-fuzz      := $(FUZZ_SAN) $(FUZZ_NOLINK)
# The harness (the simulated network and the scenario runner) gets edge
# coverage only: libFuzzer's comparison tracing of its event queue and
# bookkeeping cost two thirds of a session run and steer nothing in the
# engine. The engine and the apps keep the full instrumentation.
FUZZ_HARNESS_COV ?= -fsanitize-coverage=inline-8bit-counters,pc-table
CC_obj-afl          := $(AFL_CC)
FLAGS_obj-afl       := $(FUZZ_SAN)
# CMPLOG builds (afl-fuzz -c): comparison operands logged for AFL++'s
# input-to-state stage. Only run for that, so no sanitizers: just fast.
CC_obj-afl-cmplog   := AFL_LLVM_CMPLOG=1 $(AFL_CC)
FLAGS_obj-afl-cmplog := -O2 -g
LIB_obj-afl-cmplog  := $(BUILD)/libengine-afl-cmplog.a
LIB_obj-fuzz        := $(BUILD)/libengine-fuzz.a
LIB_obj             := $(BUILD)/libengine.a
LIB_obj-poll        := $(BUILD)/libengine-poll.a
LIB_obj-asan        := $(BUILD)/libengine-asan.a
LIB_obj-asan-poll   := $(BUILD)/libengine-asan-poll.a
SIMLIB_obj          := $(BUILD)/libmgsim.a
SIMLIB_obj-asan     := $(BUILD)/libmgsim-asan.a

EXAMPLES := echo_server timer simplest_web_server websocket_chat http_client \
            websocket_client
TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
# The tests that touch sockets run again against the poll() backend.
NET_TESTS := test_events test_flow test_threads test_timers test_udp test_static_files test_sock_opts

MGSIM        := $(BUILD)/mgsim $(BUILD)/mgsim-asan
EXAMPLE_BINS := $(addprefix $(BUILD)/examples/,$(EXAMPLES)) \
                $(BUILD)/examples/echo_server_poll
# Mongoose-6-style programs (tests/compat/NAME.c, each including only
# "mongoose.h"), exercised by ci/check-compat.sh against real clients.
# Programs of that era were built as gnu99; -D_GNU_SOURCE gives the same
# POSIX and GNU names (strdup, usleep, ...) under -std=c11.
COMPAT   := rest_server threaded_server tcp_netcat cookie_auth big_upload \
            file_upload ws_chat_client udp_echo reverse_proxy timers \
            device_settings http_client http_client_post static_server \
            websocket_echo_server chunked_reply raw_http_client broadcast_chat \
            hexdump_server util_tool basic_auth_server download_client \
            ws_refused_client header_names log_and_lists
COMPAT_BINS  := $(addprefix $(BUILD)/compat/,$(COMPAT))
TEST_BINS    := $(addprefix $(BUILD)/tests/,$(TESTS)) \
                $(addprefix $(BUILD)/tests-poll/,$(NET_TESTS))

# Fuzz targets: fuzz/TARGET.c each (see the fuzzing section below).
FUZZ_TARGETS := http_request http_response uri_helpers ws_frames scenario session \
                http_diff multipart
# The targets that run simulations; the others are parsers, and get CMPLOG
# builds for AFL++ (their magic values and lengths are what CMPLOG solves).
SIM_FUZZ_TARGETS := scenario session ws_frames
PARSER_FUZZ_TARGETS := $(filter-out $(SIM_FUZZ_TARGETS),$(FUZZ_TARGETS))
# The differential target compares our parser with Debian's libhttp-parser.
LDLIBS_http_diff := -lhttp_parser
ALL_OBJS = $(addprefix $(BUILD)/$(1)/,$(addsuffix .o,$(ENGINE) $(SIM) $(RUNNER))) \
           $(call APP_OBJS,$(1))
FUZZ_INC := -Iengine -Isockiface -Isimiface -Itools/mgsim -Ifuzz
# Compiled with the target in one command, so -MMD does not see these.
FUZZ_HEADERS := $(wildcard fuzz/*.h)
REPLAY_BINS := $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_TARGETS)) \
               $(addprefix $(BUILD)/fuzz-replay-asan/,$(FUZZ_TARGETS))

.PHONY: all test check-core bench clean deps deps-build scenarios determinism test-browser \
        coverage coverage-diff faithfulness
all: $(LIB_obj) $(LIB_obj-poll) $(MGSIM) $(EXAMPLE_BINS) $(TEST_BINS) $(REPLAY_BINS) \
     $(COMPAT_BINS) $(BUILD)/mgsim-planted $(BUILD)/mgsim-planted-asan

$(addprefix $(BUILD)/obj-fuzz/,$(addsuffix .o,$(SIM) $(RUNNER))): \
    FLAGS_obj-fuzz = $(FUZZ_SAN) $(FUZZ_HARNESS_COV)

define variant
$(BUILD)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(or $$(CC_$(1)),$$(CC)) $$(CFLAGS_BASE) $$(FLAGS_$(1)) -c $$< -o $$@
$(BUILD)/$(1)/app_%.o: examples/%.c
	@mkdir -p $$(@D)
	$$(or $$(CC_$(1)),$$(CC)) $$(CFLAGS_BASE) $$(FLAGS_$(1)) -DMG_EXAMPLE_APP -c $$< -o $$@
$(BUILD)/$(1)/app_%.o: tests/compat/%.c
	@mkdir -p $$(@D)
	$$(or $$(CC_$(1)),$$(CC)) $$(CFLAGS_BASE) $$(FLAGS_$(1)) -DMG_EXAMPLE_APP -c $$< -o $$@
$$(LIB_$(1)): $$(addprefix $(BUILD)/$(1)/,$$(addsuffix .o,$$(ENGINE)))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(v))))

$(SIMLIB_obj): $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(SIM) $(RUNNER))) \
               $(call APP_OBJS,obj)
	@rm -f $@
	ar rcs $@ $^
$(SIMLIB_obj-asan): $(addprefix $(BUILD)/obj-asan/,$(addsuffix .o,$(SIM) $(RUNNER))) \
                    $(call APP_OBJS,obj-asan)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/mgsim: $(BUILD)/obj/mgsim.o $(SIMLIB_obj) $(LIB_obj)
	$(CC) $(OPT) $^ $(LDLIBS) -o $@
$(BUILD)/mgsim-asan: $(BUILD)/obj-asan/mgsim.o $(SIMLIB_obj-asan) $(LIB_obj-asan)
	$(CC) $(SAN) $^ $(LDLIBS) -o $@
# mgsim with apps that have bugs planted, for ci/check-explore.sh.
$(BUILD)/mgsim-planted: tests/planted_apps.c $(SIMLIB_obj) $(LIB_obj)
	$(CC) $(CFLAGS_BASE) $(OPT) $^ $(LDLIBS) -o $@
$(BUILD)/mgsim-planted-asan: tests/planted_apps.c $(SIMLIB_obj-asan) $(LIB_obj-asan)
	$(CC) $(CFLAGS_BASE) $(SAN) $^ $(LDLIBS) -o $@

# The main job: every scenario, one line each and a summary.
scenarios: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/mgsim
	@$(BUILD)/mgsim run scenarios

# Every scenario natively as well as simulated, compared (README: "How
# faithful is the simulation"), then again under ASan+UBSan.
faithfulness: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/mgsim $(BUILD)/mgsim-asan
	@$(BUILD)/mgsim compare scenarios
	@echo "under ASan+UBSan:"
	@$(BUILD)/mgsim-asan compare scenarios | grep -v '^agree '

$(BUILD)/examples/%: examples/%.c $(LIB_obj)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $< $(LIB_obj) $(LDLIBS) -o $@
$(BUILD)/examples/echo_server_poll: examples/echo_server.c $(LIB_obj-poll)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $< $(LIB_obj-poll) $(LDLIBS) -o $@

$(BUILD)/compat/%: tests/compat/%.c $(LIB_obj)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -Werror=implicit-function-declaration -Iengine $(OPT) $< $(LIB_obj) $(LDLIBS) -o $@
.PHONY: compat
compat: $(COMPAT_BINS)

# Tests run under ASan+UBSan, once per poller backend. test_mbuf makes
# allocations fail by wrapping the allocator at link time.
TEST_LDFLAGS_test_mbuf := -Wl,--wrap=realloc -Wl,--wrap=malloc
$(BUILD)/tests/%: tests/%.c tests/testutil.h $(LIB_obj-asan) $(SIMLIB_obj-asan)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) $< $(SIMLIB_obj-asan) $(LIB_obj-asan) $(TEST_LDFLAGS_$*) -lcmocka $(LDLIBS) -o $@
$(BUILD)/tests-poll/%: tests/%.c tests/testutil.h $(LIB_obj-asan-poll)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) $< $(LIB_obj-asan-poll) $(TEST_LDFLAGS_$*) -lcmocka $(LDLIBS) -o $@

# ---- fuzzing ------------------------------------------------------------
# One source per target (fuzz/TARGET.c), built for libFuzzer, AFL++ and a
# plain replay main (gcc, and gcc with ASan+UBSan).

FUZZ_LINK = $(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_INC) $(FUZZ_SAN) $(FUZZ_ENGINE) \
            $(filter-out %.h,$^) $(LDLIBS) $(LDLIBS_$*) -o $@
$(BUILD)/fuzz/%: fuzz/%.c $(call ALL_OBJS,obj-fuzz) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_LINK)
# The parser targets take the engine from an archive, so each binary holds
# only the objects its target reaches: libFuzzer walks every coverage counter
# after each input, and the whole object list (~21,700 counters) cost about
# 8 us per input, a ceiling near 100,000 exec/s before the target ran. The
# simulation targets keep the full list (they reach code only the apps name).
$(addprefix $(BUILD)/fuzz/,$(PARSER_FUZZ_TARGETS)): $(BUILD)/fuzz/%: fuzz/%.c $(LIB_obj-fuzz) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_LINK)
$(BUILD)/afl/%: fuzz/%.c $(call ALL_OBJS,obj-afl) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(AFL_CC) $(CSTD) $(WARN) $(FUZZ_INC) $(FUZZ_SAN) $(filter-out %.h,$^) $(AFL_DRIVER) $(LDLIBS) $(LDLIBS_$*) -o $@
# The same target with AFL++'s CMPLOG instrumentation, for afl-fuzz -c
# (parser targets: `make afl-cmplog`); the engine comes from an archive, so
# only what the target uses is linked.
$(BUILD)/afl-cmplog/%: fuzz/%.c $(LIB_obj-afl-cmplog) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	AFL_LLVM_CMPLOG=1 $(AFL_CC) $(CSTD) $(WARN) $(FUZZ_INC) $(FLAGS_obj-afl-cmplog) $(filter-out %.h,$^) $(AFL_DRIVER) $(LDLIBS) $(LDLIBS_$*) -o $@
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/replay_main.c $(SIMLIB_obj) $(LIB_obj) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(FUZZ_INC) $(OPT) $(filter-out %.h,$^) $(LDLIBS) $(LDLIBS_$*) -o $@
$(BUILD)/fuzz-replay-asan/%: fuzz/%.c fuzz/replay_main.c $(SIMLIB_obj-asan) $(LIB_obj-asan) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(FUZZ_INC) $(SAN) $(filter-out %.h,$^) $(LDLIBS) $(LDLIBS_$*) -o $@
# The replay main on the libFuzzer build's objects, without libFuzzer: its
# edge counters let `--twice` name the edges that vary between runs of one
# input (ci/check-fuzz.sh), which is what AFL++ reports as instability.
$(BUILD)/fuzz-replay-cov/%: fuzz/%.c fuzz/replay_main.c $(call ALL_OBJS,obj-fuzz) $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_INC) $(FUZZ_SAN) $(FUZZ_NOLINK) $(filter-out %.h,$^) $(LDLIBS) $(LDLIBS_$*) -o $@

.PHONY: fuzz afl afl-cmplog print-fuzz-targets print-parser-fuzz-targets
fuzz: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
print-fuzz-targets:
	@echo $(FUZZ_TARGETS)
print-parser-fuzz-targets:
	@echo $(PARSER_FUZZ_TARGETS)
afl: $(addprefix $(BUILD)/afl/,$(FUZZ_TARGETS))
afl-cmplog: $(addprefix $(BUILD)/afl-cmplog/,$(PARSER_FUZZ_TARGETS))

deps:
	@bash ci/deps.sh build interop bench fuzz capture
deps-build:
	@bash ci/deps.sh build

test: deps
	@$(MAKE) --no-print-directory all fuzz
	@bash ci/run-tests.sh $(BUILD) $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(CORE)))

determinism:
	@bash ci/determinism.sh

# Line and branch coverage (gcc --coverage in build/cov), and coverage of
# the lines changed since BASE=<rev> (FAIL_UNDER=<percent> makes it a gate).
coverage:
	@bash coverage/run.sh
coverage-diff:
	@FAIL_UNDER=$(FAIL_UNDER) bash coverage/diff.sh $(BASE)

# The chat page in Debian's Chromium (ci/deps.sh browser installs it).
test-browser: all
	@bash ci/check-browser.sh $(BUILD)

check-core: $(LIB_obj)
	@bash ci/check-core.sh $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(CORE)))

# -MMD adds the headers to $^ on a rebuild: they are not link inputs.
$(BUILD)/bench/sim_bench: bench/sim_bench.c $(SIMLIB_obj) $(LIB_obj)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $(filter-out %.h,$^) $(LDLIBS) -o $@
$(BUILD)/bench/send_path_bench: bench/send_path_bench.c $(SIMLIB_obj) $(LIB_obj)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) $(filter-out %.h,$^) $(LDLIBS) -o $@

bench: $(EXAMPLE_BINS) $(BUILD)/bench/sim_bench $(BUILD)/bench/send_path_bench $(BUILD)/mgsim \
       $(BUILD)/mgsim-asan $(BUILD)/mgsim-planted $(BUILD)/mgsim-planted-asan fuzz afl afl-cmplog
	@bash bench/run_conn_bench.sh
	@bash bench/run_sim_bench.sh $(BUILD)
	@bash bench/run_explore_bench.sh $(BUILD)
	@$(BUILD)/bench/send_path_bench
	@bash bench/run_http_bench.sh $(BUILD)
	@bash bench/run_fuzz_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d)

# Objects are never intermediate: a fresh build dir keeps them for the next run.
.SECONDARY:
