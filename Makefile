# Makefile — builds libmtchat.a and the mtchat programs, runs the tests.
#
#   make                 build everything into build/
#   make check           build with ASan+UBSan into build/asan and run every test
#   make fuzz            run every libFuzzer target for FUZZ_SECONDS (clang)
#   make bench           benchmarks (bench/), never part of make check
#   make soak            10,000 WebSockets for 10 minutes (bench/soak.sh)
#   make run             install missing packages, build, start the local stack
#                        with the demo web client at / (examples/web)
#   make deps            apt-get install the Debian packages that are missing
#   make install         honours PREFIX and DESTDIR
#   make WERROR=1        warnings are errors (CI)
#   make SANITIZER=address,undefined
# SPDX-License-Identifier: MIT

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/mtchat
MANDIR     ?= $(PREFIX)/share/man
WEBDIR     ?= $(PREFIX)/share/mtchat/web
SYSCONFDIR ?= /etc
DESTDIR    ?=

BUILD      ?= build
# One spelling per build directory (relative inside the tree): the targets
# in the .d dependency files must match the rules' targets, or a header
# change silently leaves objects stale.
override BUILD := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))
VERSION    := 0.4.24-mtchat.1

CC         ?= cc
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
       -Wpointer-arith -Wsign-compare -Wformat=2 -Wundef -Wvla \
       -Wmissing-declarations -Wold-style-definition -Wcast-qual
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT ?= -O2 -g
SANFLAGS :=
ifneq ($(SANITIZER),)
SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT := -O1 -g
endif

# Libraries every program may use through libmtchat.a, found with pkg-config;
# each *_CFLAGS/*_LIBS can be overridden on the command line.
LIB_PKGS    = sqlite3 libpq jansson libcrypto gumbo
LIB_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
LIB_LIBS   ?= $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null)
FCGI_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags fcgi 2>/dev/null)
FCGI_LIBS   ?= $(shell $(PKG_CONFIG) --libs fcgi 2>/dev/null || echo -lfcgi)
LWS_CFLAGS  ?= $(shell $(PKG_CONFIG) --cflags libwebsockets 2>/dev/null)
LWS_LIBS    ?= $(shell $(PKG_CONFIG) --libs libwebsockets 2>/dev/null)
# libev (no pkg-config file): the bridge's event loop, through lws's plugin
EV_LIBS     ?= -lev
CURL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS   ?= $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
CHECK_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   ?= $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CPPFLAGS += -std=c17 -D_POSIX_C_SOURCE=200809L -Ilib -I$(BUILD)/gen \
            -DMTCHAT_VERSION='"$(VERSION)"' \
            -DMTCHAT_SYSCONFDIR='"$(SYSCONFDIR)"'
CFLAGS   ?= $(OPT)
ALL_CFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARN) $(SANFLAGS) -pthread -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread

LIB_SRC   := $(wildcard lib/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o \
             $(BUILD)/gen/pg_migrations.o
ADMIN_SRC := $(wildcard bin/admin*.c)
FCGI_SRC  := $(wildcard cgi/*.c)
BRIDGE_SRC := $(wildcard bridge/*.c)
REAPER_SRC := bin/mtchat-reaper.c
HOOKS_SRC := bin/mtchat-hooks.c
UNIT_SRC  := $(wildcard tests/unit/check_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SQL_FILES := $(sort $(wildcard sql/[0-9]*.sql))

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

PROGS := $(BUILD)/mtchat-admin $(BUILD)/mtchat.fcgi $(BUILD)/mtchat-reaper \
    $(BUILD)/mtchat-hooks
ifneq ($(WITH_BRIDGE),no)
PROGS += $(BUILD)/mtchat-bridge
endif

.PHONY: all check asan unit test-run deps run install uninstall clean lint bench soak

all: $(PROGS)

$(BUILD)/gen/migrations.c: $(SQL_FILES) tools/embed-sql.sh
	@mkdir -p $(@D)
	sh tools/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/bin/%.o: bin/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

$(BUILD)/cgi/%.o: cgi/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(FCGI_CFLAGS) -c -o $@ $<

$(BUILD)/bridge/%.o: bridge/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(LWS_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icgi $(LIB_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/libmtchat.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/mtchat-admin: $(ADMIN_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/mtchat.fcgi: $(FCGI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FCGI_LIBS) $(LIB_LIBS)

$(BUILD)/mtchat-bridge: $(BRIDGE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LWS_LIBS) $(EV_LIBS) $(LIB_LIBS)

$(BUILD)/mtchat-reaper: $(REAPER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/mtchat-hooks: $(HOOKS_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CURL_LIBS) $(LIB_LIBS)

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIB_LIBS)

# mtchat.fcgi's request path without its main(), for the programs that
# serve requests in-process (tests/unit/resthost.h): check_rest_* and the
# REST fuzz target.
CGI_LIB := $(BUILD)/libmtchat-cgi.a
$(CGI_LIB): $(filter-out $(BUILD)/cgi/main.o,$(FCGI_SRC:%.c=$(BUILD)/%.o))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/check_rest_%: $(BUILD)/tests/check_rest_%.o $(CGI_LIB) \
    $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIB_LIBS)

# PostgreSQL, the second store (docs/postgresql.md): the migrations of
# sql/pg/ compiled in, and the tests of tests/pg, which tests/it/08*-pg-*.sh
# run on a throw-away cluster (tests/pg.sh).
PG_SQL_FILES := $(sort $(wildcard sql/pg/[0-9]*.sql))
PG_TEST_SRC  := $(wildcard tests/pg/*.c)
PG_TEST_BIN  := $(PG_TEST_SRC:tests/pg/%.c=$(BUILD)/tests/pg/%)

$(BUILD)/gen/pg_migrations.c: $(PG_SQL_FILES) tools/embed-sql.sh
	@mkdir -p $(@D)
	sh tools/embed-sql.sh -n pg_migrations $(PG_SQL_FILES) > $@.tmp && \
	    mv $@.tmp $@

$(BUILD)/gen/pg_migrations.o: $(BUILD)/gen/pg_migrations.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/pg/%.o: tests/pg/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LIB_CFLAGS) $(CHECK_CFLAGS) \
	    -c -o $@ $<

$(BUILD)/tests/pg/%: $(BUILD)/tests/pg/%.o $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIB_LIBS)

unit: $(UNIT_BIN) $(PG_TEST_BIN)

# Benchmark tools (bench/*.c): built by `make bench` only.
$(BUILD)/bench/%: bench/%.c $(BUILD)/libmtchat.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(FCGI_CFLAGS) $(LWS_CFLAGS) -o $@ $< \
	    $(BUILD)/libmtchat.a $(FCGI_LIBS) $(LWS_LIBS) $(LIB_LIBS) -lm

# Coverage-guided fuzz targets (tests/fuzz/fuzz_*.c): libFuzzer through
# clang, with ASan and UBSan, in their own build directory. `make fuzz`
# runs each for FUZZ_SECONDS on a corpus under build/fuzz/corpus grown
# from the seeds in tests/fuzz/corpus; `make check` runs each briefly with
# a fixed seed (tests/it/0901-libfuzzer.sh).
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icgi -Ibridge -Itests/unit $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(CGI_LIB) \
    $(BUILD)/bridge/proto.o $(BUILD)/libmtchat.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIB_LIBS)

.PHONY: fuzz fuzz-build fuzz-bins
fuzz-bins: $(FUZZ_BIN)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    SANITIZER=address,undefined,fuzzer-no-link fuzz-bins

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Every test — unit and integration — on binaries built with ASan and UBSan;
# the plain build is made too, for the valgrind test of the tools, and the
# fuzz targets, which the suite runs briefly.
check: deps
	$(MAKE) all
	$(MAKE) BUILD=build/asan SANITIZER=address,undefined all unit
	@if printf 'int LLVMFuzzerTestOneInput() { return 0; }\n' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null; \
	then $(MAKE) fuzz-build; else echo "check: no libFuzzer" \
	    "($(FUZZ_CC), libclang-rt): the fuzz targets are skipped"; fi
	MTCHAT_PLAIN_BUILD=$(abspath $(BUILD)) \
	    MTCHAT_FUZZ_BUILD=$(abspath $(FUZZ_BUILD)) \
	    MTCHAT_TEST_JOBS=$${MTCHAT_TEST_JOBS:-2} sh tests/run.sh build/asan

asan: check

# Runs the tests against an already built tree (no rebuild).
test-run:
	sh tests/run.sh $(BUILD)

deps:
	@sh tools/deps.sh

run: deps all
	@sh tools/run-demo.sh $(BUILD)

lint:
	@sh tools/lint.sh

bench: all $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

# The 10-minute soak of 10,000 WebSockets (bench/soak.sh; N, RATE, SECS).
soak: all
	@sh bench/soak.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/mtchat-admin $(DESTDIR)$(SBINDIR)/mtchat-admin
	for p in mtchat-reaper mtchat-hooks mtchat-bridge; do \
	    if [ -f $(BUILD)/$$p ]; then install -m 755 $(BUILD)/$$p $(DESTDIR)$(SBINDIR)/$$p; fi; done
	if [ -f $(BUILD)/mtchat.fcgi ]; then install -m 755 $(BUILD)/mtchat.fcgi $(DESTDIR)$(LIBEXECDIR)/mtchat.fcgi; fi
	for m in man/*.8; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	install -d $(DESTDIR)$(WEBDIR)/js
	install -m 644 examples/web/index.html examples/web/style.css $(DESTDIR)$(WEBDIR)/
	install -m 644 examples/web/js/*.js $(DESTDIR)$(WEBDIR)/js/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mtchat-admin $(DESTDIR)$(SBINDIR)/mtchat-reaper \
	    $(DESTDIR)$(SBINDIR)/mtchat-hooks $(DESTDIR)$(SBINDIR)/mtchat-bridge \
	    $(DESTDIR)$(LIBEXECDIR)/mtchat.fcgi
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	for m in man/*.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$${m#man/}; done
	for m in man/*.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$${m#man/}; done
	rm -f $(DESTDIR)$(WEBDIR)/index.html $(DESTDIR)$(WEBDIR)/style.css \
	    $(DESTDIR)$(WEBDIR)/js/*.js
	-rmdir $(DESTDIR)$(WEBDIR)/js $(DESTDIR)$(WEBDIR) \
	    $(DESTDIR)$(PREFIX)/share/mtchat 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
