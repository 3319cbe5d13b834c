# tenant_scaling: PGXS build
EXTENSION = tenant_scaling tenant_scaling_proxy
MODULE_big = tenant_scaling

# the pure core: no PostgreSQL headers, unit-tested and fuzzed on its own
CORE_OBJS = src/core/ts_decimal.o src/core/scaling_rules.o src/core/decide.o src/core/behavior.o src/core/training_policy.o src/core/endpoint_policy.o src/core/forecast.o src/core/schedule.o src/core/training_simulator.o \
	src/core/simulator.o
# reading and writing the extension's own tables: lookups, derived state, triggers, tenants
ACCESS_OBJS = src/access/table_access.o src/access/sql_support.o src/access/security.o \
	src/access/derived.o src/access/job_counts.o src/access/cost.o src/access/triggers.o
# from rows to applied decisions: evaluation, writing, the cycle
DECISIONS_OBJS = src/decisions/scaling_state.o src/decisions/evaluate.o src/decisions/apply.o src/decisions/cycle.o src/decisions/overrides.o
# the SQL-callable functions
API_OBJS = src/api/policy.o src/api/training.o src/api/inference.o src/api/allocate.o \
	src/api/endpoint.o src/api/jobs.o src/api/runs.o src/api/simulate.o src/api/forecast.o
OBJS = $(CORE_OBJS) $(ACCESS_OBJS) $(DECISIONS_OBJS) $(API_OBJS) src/scheduler/scheduler.o src/tenant_scaling.o

# The install script of the current version is built from the parts in
# sql/, grouped by object, in name order (as pg_cron and pgvector build
# theirs); the released scripts and the upgrade scripts are kept as written.
EXTVERSION = 0.3.0
DATA_built = tenant_scaling--$(EXTVERSION).sql
DATA = tenant_scaling--0.1.0.sql tenant_scaling--0.2.0.sql $(wildcard tenant_scaling--*--*.sql) $(wildcard tenant_scaling_proxy--*.sql)


# Tests, all under test/: pg_regress (test/sql, test/expected), isolation
# (test/specs, test/expected) and TAP (test/t), run by make installcheck
# against a running server with the library preloaded (TAP as a non-root user).
REGRESS = schema policy training inference allocation scaling_rules derived_state scaling jobs capacity security actuator \
	overrides target_tracking predictive training_queue schedule warm_pool metrics \
	search_path cost attacks privileges
REGRESS_OPTS = --inputdir=test --load-extension=tenant_scaling
ISOLATION = capacity_admission cost_refresh cycle_concurrency cycle_lock cycle_never_waits job_admission metrics_ingest
ISOLATION_OPTS = --inputdir=test --load-extension=tenant_scaling
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

CJSON_CFLAGS := $(shell pkg-config --cflags libcjson)
CJSON_LIBS := $(shell pkg-config --libs libcjson)
SRC_DIRS = src src/core src/access src/decisions src/api src/scheduler
PG_CPPFLAGS = $(addprefix -I,$(SRC_DIRS)) $(CJSON_CFLAGS)
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers

# Only what PostgreSQL looks up is exported (the library is loaded RTLD_GLOBAL,
# so any other name could clash with another extension's): the C functions the
# install scripts name, their info functions, the module magic, _PG_init and
# the scheduler's entry point. test/symbols.sh checks the shared object.
EXPORTS = src/exports.map
SHLIB_LINK = $(CJSON_LIBS) -Wl,--version-script=$(EXPORTS)

EXTRA_CLEAN = test/unit/unit_tests results regression.diffs regression.out output_iso tmp_check $(EXPORTS)

# JIT bitcode would need clang and llvm at build time; the functions are not JIT targets
override with_llvm = no

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rules after PGXS's, so that "all" stays the default goal.

# the install script of this version, from its parts
tenant_scaling--$(EXTVERSION).sql: $(sort $(wildcard sql/*.sql))
	cat $^ > $@

# the export list, from the install scripts
$(EXPORTS): tenant_scaling--0.1.0.sql $(DATA_built) $(wildcard tenant_scaling--*--*.sql)
	{ echo '{ global: _PG_init; Pg_magic_func; pg_finfo_*; ts_scheduler_main;'; \
	  sed -n "s/.*'MODULE_PATHNAME', *'\([a-z_0-9]*\)'.*/  \1;/p" $^ | sort -u; \
	  echo 'local: *; };'; } > $@
$(shlib): $(EXPORTS)

# Unit tests of the pure C code: no PostgreSQL headers, no server.
UNIT_SRCS = $(wildcard test/unit/*.c) $(CORE_OBJS:.o=.c)
test/unit/unit_tests: $(UNIT_SRCS) $(wildcard src/core/*.h test/unit/*.h)
	$(CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-missing-field-initializers -Isrc/core $(CJSON_CFLAGS) \
		-DTS_INVALID_RULES_PATH='"$(abspath test/unit/invalid_rules.txt)"' -o $@ $(UNIT_SRCS) $(CJSON_LIBS) -lm

unit: test/unit/unit_tests
	test/unit/unit_tests

.PHONY: unit

# PGXS does not track headers: rebuild everything when one changes
$(OBJS): $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))
