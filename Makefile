# migrate - zero-downtime PostgreSQL migration runner and linter
#
#   make                      build build/migrate
#   make check                unit tests (Check) + command tests on a throwaway PostgreSQL
#   make SANITIZE=address,undefined check
#   make demo                 run the example on a throwaway PostgreSQL
#   make fuzz FUZZ_SECONDS=60 libFuzzer targets (clang), each for FUZZ_SECONDS
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/migrate
CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS := libpq yaml-0.1 libpcre2-8 libprotobuf-c jansson
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Isrc -I$(BUILD) $(PKG_CFLAGS) \
	-DMIGRATE_VERSION='"$(VERSION)"' -MMD -MP
LIBS := $(PKG_LIBS) -lpg_query -lcrypto -pthread
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

SRCS := $(wildcard src/*/*.c)
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/rules_embed.o
LIB_OBJS := $(filter-out $(BUILD)/obj/app/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(BUILD)/unit_tests
RULES := $(sort $(wildcard rules/*.yaml))

all: $(BUILD)/migrate

$(BUILD)/migrate: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/rules_embed.c: $(RULES) scripts/embed-rules.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-rules.sh $(RULES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/rules_embed.o: $(BUILD)/rules_embed.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(UNIT_BIN): $(UNIT_SRCS) tests/unit/unit.h $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $(UNIT_SRCS) $(LIB_OBJS) \
		$(LDFLAGS) $(LIBS) $(CHECK_LIBS)

deps:
	sh scripts/deps.sh

# The tests: Check unit tests, then command-level tests on a throwaway server.
check: deps
	$(MAKE) all $(UNIT_BIN)
	sh tests/layers.sh $(BUILD)
	$(UNIT_BIN)
	sh tests/cmd/lint/run.sh $(BUILD)/migrate
	sh tests/run.sh $(BUILD)/migrate

unit: $(UNIT_BIN)
	$(UNIT_BIN)

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(BUILD)/migrate

# Fuzzing: libFuzzer targets linked against the project objects (all but main.o), built
# with clang and ASan/UBSan in build-fuzz/, each run FUZZ_SECONDS from tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := loader config sql env directives
FUZZ_BIN := $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJS) $(LDFLAGS) -fsanitize=fuzzer $(LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz:
	sh scripts/deps.sh fuzz
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g" \
		SANITIZE=fuzzer-no-link,address,undefined fuzz-build
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

install: $(BUILD)/migrate
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/migrate $(DESTDIR)$(BINDIR)/migrate
	cp -R docs/. $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf $(BUILD)

.PHONY: all check unit demo deps install clean fuzz fuzz-build
-include $(OBJS:.o=.d)
