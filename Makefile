# tenant_scaling: PGXS build
EXTENSION = tenant_scaling tenant_scaling_proxy
MODULE_big = tenant_scaling

PURE_OBJS = src/ts_decimal.o src/scaling_rules.o src/decide.o
OBJS = $(PURE_OBJS) src/tenant_scaling.o src/catalog.o src/sql_support.o src/apply.o src/evaluate.o \
	src/cycle.o src/runs.o src/endpoint.o src/worker.o src/derived.o src/jobs.o src/security.o src/cost.o \
	src/policy.o src/training.o src/inference.o src/allocate.o src/triggers.o src/job_counts.o

# install scripts and upgrade scripts: CREATE EXTENSION installs 0.1.0 and
# runs the upgrades to the default version
DATA = $(wildcard tenant_scaling--*.sql) $(wildcard tenant_scaling_proxy--*.sql)

# one pg_regress file per capability, in the order of sql/schedule
REGRESS = $(patsubst sql/%.sql,%,$(shell cat sql/schedule 2>/dev/null | sed -n 's/^test: *//p' | tr ' ' '\n' | sed 's|^|sql/|;s|$$|.sql|'))
REGRESS_OPTS = --inputdir=. --load-extension=tenant_scaling

# isolation specs in test/specs, their expected output in test/expected
ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=tenant_scaling

CJSON_CFLAGS := $(shell pkg-config --cflags libcjson)
CJSON_LIBS := $(shell pkg-config --libs libcjson)
PG_CPPFLAGS = -Isrc $(CJSON_CFLAGS)
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
SHLIB_LINK = $(CJSON_LIBS)

EXTRA_CLEAN = test/unit/unit_tests results regression.diffs regression.out output_iso

# JIT bitcode would need clang and llvm at build time; the functions are not JIT targets
override with_llvm = no

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Unit tests of the pure C code: no PostgreSQL headers, no server.
UNIT_SRCS = $(wildcard test/unit/*.c) src/ts_decimal.c src/scaling_rules.c src/decide.c
test/unit/unit_tests: $(UNIT_SRCS) $(wildcard src/*.h test/unit/*.h)
	$(CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -Isrc $(CJSON_CFLAGS) \
		-DTS_INVALID_RULES_PATH='"$(abspath test/unit/invalid_rules.txt)"' -o $@ $(UNIT_SRCS) $(CJSON_LIBS) -lm

unit: test/unit/unit_tests
	test/unit/unit_tests

.PHONY: unit

# PGXS does not track headers: rebuild everything when one changes
$(OBJS): $(wildcard src/*.h)
