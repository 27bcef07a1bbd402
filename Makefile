# migrate - zero-downtime PostgreSQL migration runner and linter
#
#   make                      build build/migrate
#   make check                unit tests (Check) + command tests on a throwaway PostgreSQL
#   make SANITIZE=address,undefined check
#   make demo                 run the example on a throwaway PostgreSQL
#   make fuzz FUZZ_SECONDS=60 libFuzzer targets (clang), each for FUZZ_SECONDS
#   make install PREFIX=/usr/local DESTDIR=
#                             binary, man page, bash and zsh completion, docs
#   make deb                  build-deb/migrate_VERSION_ARCH.deb (dpkg-deb)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/migrate
MANDIR ?= $(PREFIX)/share/man
# where lint's SARIF points for each rule's page (DOCS_URL/rules/ID.md): the installed docs,
# or the project's published docs (make DOCS_URL=https://...)
DOCS_URL ?= file://$(DOCDIR)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS := libpq yaml-0.1 libpcre2-8 jansson
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) libprotobuf-c 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# libpg_query and protobuf-c linked statically where their archives are installed
# (Debian's -dev packages have them): the parser's thread-local globals then need no
# __tls_get_addr and its calls no PLT, some 8 % of lint's CPU (bench/README.md)
PARSER_STATIC := $(and $(filter /%,$(shell $(CC) -print-file-name=libpg_query.a)),\
	$(filter /%,$(shell $(CC) -print-file-name=libprotobuf-c.a)))
ifeq ($(PARSER_STATIC),)
PARSER_LIBS := -lpg_query -lprotobuf-c
else
# the parser's packing calls wrapped: its tree is copied, never packed (sql/parsecopy.c)
PARSER_WRAP := $(foreach t,parse scan,$(foreach f,get_packed_size pack,\
	-Wl,--wrap=pg_query__$(t)_result__$(f)))
PARSER_LIBS := $(PARSER_WRAP) -Wl,-Bstatic -lpg_query -lprotobuf-c -Wl,-Bdynamic
PARSER_CFLAGS := -DMIGRATE_PARSER_WRAP
endif
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Isrc -I$(BUILD) $(PKG_CFLAGS) $(PARSER_CFLAGS) \
	-DMIGRATE_VERSION='"$(VERSION)"' -DMIGRATE_DOCS_URL='"$(DOCS_URL)"' -MMD -MP
LIBS := $(PKG_LIBS) $(PARSER_LIBS) -lcrypto -pthread
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

DOC_PAGES := $(sort $(notdir $(wildcard docs/*.md)))
GENERATED := $(BUILD)/migrate.1 $(BUILD)/migrate.bash $(BUILD)/_migrate

all: $(BUILD)/migrate $(GENERATED)

# the installed documentation pages, for --help and the man page (rewritten only when it changes)
$(BUILD)/docpages.h: FORCE
	@mkdir -p $(BUILD)
	@{ echo '#define MIGRATE_DOCDIR "$(DOCDIR)"'; \
	  printf '#define MIGRATE_DOC_PAGES'; sep=' '; \
	  for p in $(DOC_PAGES); do printf '%s"%s"' "$$sep" "$$p"; sep=', '; done; echo; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/app/main.o $(BUILD)/obj/app/generate.o: $(BUILD)/docpages.h

# man page and completions come from the option tables, as --help does
$(BUILD)/migrate.1: $(BUILD)/migrate
	$(BUILD)/migrate --generate man > $@.tmp && mv $@.tmp $@
$(BUILD)/migrate.bash: $(BUILD)/migrate
	$(BUILD)/migrate --generate bash > $@.tmp && mv $@.tmp $@
$(BUILD)/_migrate: $(BUILD)/migrate
	$(BUILD)/migrate --generate zsh > $@.tmp && mv $@.tmp $@

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

install: $(BUILD)/migrate $(GENERATED)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(BUILD)/migrate $(DESTDIR)$(BINDIR)/migrate
	install -m 0644 $(BUILD)/migrate.1 $(DESTDIR)$(MANDIR)/man1/migrate.1
	install -m 0644 $(BUILD)/migrate.bash $(DESTDIR)$(BASHCOMPDIR)/migrate
	install -m 0644 $(BUILD)/_migrate $(DESTDIR)$(ZSHCOMPDIR)/_migrate
	cp -R docs/. $(DESTDIR)$(DOCDIR)/
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/

# A Debian package (binary, man page, completions, docs) of a PREFIX=/usr build in build-deb/
deb:
	$(MAKE) BUILD=build-deb PREFIX=/usr all
	sh scripts/deb.sh build-deb $(VERSION)

clean:
	rm -rf $(BUILD)

.PHONY: all check unit demo deps install deb clean fuzz fuzz-build FORCE
-include $(OBJS:.o=.d)
