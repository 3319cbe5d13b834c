/*
 * sql_support.h: conversions between SQL values and the pure decision code,
 * and the helpers every SQL-callable function shares.
 */
#ifndef TS_SQL_SUPPORT_H
#define TS_SQL_SUPPORT_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "decide.h"
#include "scaling_rules.h"

#include "settings.h"

/* A numeric as an exact decimal; NaN and infinities are an error naming what. */
extern TsDecimal ts_numeric_to_decimal(Datum numeric, const char *what);

/* The rules of a jsonb document over the defaults; invalid ones raise 22023. */
extern void ts_rules_from_jsonb(Jsonb *doc, ScalingRules *rules);

/* As ts_rules_from_jsonb, but isnull means the defaults. */
extern void ts_rules_from_datum(Datum doc, bool isnull, ScalingRules *rules);

/* LocalTimeFn with PostgreSQL's time zone data (a schedule's windows). */
extern bool ts_local_time(int64_t utc_us, const char *tz, CivilTime *out);

/*
 * The saved plan of sql in *cache, prepared at the first call: the plans of
 * the extension's fixed statements live for the backend.
 */
extern SPIPlanPtr ts_keep_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types);

/*
 * Run fn(arg) in an internal subtransaction. Returns false, with the error
 * copied into the caller's memory context in *error, when it failed and was
 * rolled back; the caller's memory context and resource owner are kept.
 */
extern bool ts_try_subtransaction(void (*fn) (void *arg), void *arg, ErrorData **error);

/*
 * value, or its first TS_QUOTED_VALUE_MAX bytes (cut at a character
 * boundary) and "...": what a message quotes of a value a caller passed, so
 * that a 10 MB argument does not write a 10 MB log line.
 */
#define TS_QUOTED_VALUE_MAX 64
extern const char *ts_quoted_value(const char *value);

/* A uuid as text, palloc'd. */
extern char *ts_uuid_text(const pg_uuid_t *id);

/* Put one row of values into a TABLE function's result. */
extern void ts_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls);

#endif
