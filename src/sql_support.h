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

#include "decide.h"
#include "scaling_rules.h"

extern int	ts_max_training_workers;

/* A numeric as an exact decimal; NaN and infinities are an error naming what. */
extern TsDecimal ts_numeric_to_decimal(Datum numeric, const char *what);

/* The rules of a jsonb document over the defaults; invalid ones raise 22023. */
extern void ts_rules_from_jsonb(Jsonb *doc, ScalingRules *rules);

/* As ts_rules_from_jsonb, but isnull means the defaults. */
extern void ts_rules_from_datum(Datum doc, bool isnull, ScalingRules *rules);

/*
 * The saved plan of sql in *cache, prepared at the first call: the plans of
 * the extension's fixed statements live for the backend.
 */
extern SPIPlanPtr ts_keep_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types);

/* Put one row of values into a TABLE function's result. */
extern void ts_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls);

#endif
