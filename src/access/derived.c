/*
 * derived.c: the derived state a cycle reads, kept by statement triggers.
 *
 * tenant_training_inputs holds each tenant's newest queue sample and its
 * workers by status; tenant_job_counts its jobs queued and running
 * (job_counts.c);
 * endpoint_metrics_latest holds each endpoint's newest
 * metrics. The triggers read the statement's transition tables, so a bulk
 * insert costs one upsert statement, and a decision costs one primary-key
 * row whatever the length of the history.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"

#include "job_counts.h"
#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_maintain_derived_state);

typedef enum DerivedSource
{
	SOURCE_STATS,
	SOURCE_METRICS,
	SOURCE_WORKERS,
	SOURCE_JOBS,
	SOURCE_COUNT
} DerivedSource;

typedef enum DerivedEvent
{
	EVENT_INSERT,
	EVENT_UPDATE,
	EVENT_DELETE,
	EVENT_TRUNCATE,
	EVENT_COUNT
} DerivedEvent;

#define STATS_COLUMNS "queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute"
#define STATS_SET \
	" SET queue_size = excluded.queue_size, avg_wait_time_seconds = excluded.avg_wait_time_seconds," \
	"     max_wait_time_seconds = excluded.max_wait_time_seconds," \
	"     processing_rate_per_minute = excluded.processing_rate_per_minute, stats_at = excluded.stats_at"

/* the newest sample of each touched tenant (none: NULLs) becomes its inputs */
#define STATS_RECOMPUTE(touched) \
	"WITH touched AS (" touched ")" \
	" INSERT INTO tenant_scaling.tenant_training_inputs AS i (tenant_id, " STATS_COLUMNS ", stats_at)" \
	" SELECT t.tenant_id, s.queue_size, s.avg_wait_time_seconds, s.max_wait_time_seconds," \
	"        s.processing_rate_per_minute, s.timestamp" \
	"   FROM touched t LEFT JOIN LATERAL (SELECT * FROM tenant_scaling.training_queue_stats q" \
	"                                      WHERE q.tenant_id = t.tenant_id" \
	"                                      ORDER BY q.timestamp DESC LIMIT 1) s ON true" \
	"  ORDER BY t.tenant_id" \
	" ON CONFLICT (tenant_id) DO UPDATE" STATS_SET

#define METRICS_COLUMNS "tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second"
#define METRICS_SET \
	" SET ts = excluded.ts, cpu_avg = excluded.cpu_avg," \
	"     memory_avg = excluded.memory_avg, latency_p95_ms = excluded.latency_p95_ms," \
	"     requests_per_second = excluded.requests_per_second"

/* the newest metrics of each touched endpoint; an endpoint with none left loses its row */
#define METRICS_RECOMPUTE(touched) \
	"WITH touched AS (" touched ")," \
	" gone AS (DELETE FROM tenant_scaling.endpoint_metrics_latest l USING touched t" \
	"           WHERE l.tenant_id = t.tenant_id AND l.endpoint_id = t.endpoint_id AND NOT EXISTS" \
	"                 (SELECT 1 FROM tenant_scaling.endpoint_metrics m" \
	"                   WHERE m.endpoint_id = t.endpoint_id AND m.tenant_id = t.tenant_id))" \
	" INSERT INTO tenant_scaling.endpoint_metrics_latest AS l (endpoint_id, " METRICS_COLUMNS ")" \
	" SELECT s.endpoint_id, s.tenant_id, s.ts, s.cpu_avg, s.memory_avg, s.latency_p95_ms, s.requests_per_second" \
	"   FROM touched t CROSS JOIN LATERAL (SELECT * FROM tenant_scaling.endpoint_metrics m" \
	"                                       WHERE m.endpoint_id = t.endpoint_id AND m.tenant_id = t.tenant_id" \
	"                                       ORDER BY m.ts DESC LIMIT 1) s" \
	"  ORDER BY s.tenant_id, s.endpoint_id" \
	" ON CONFLICT (tenant_id, endpoint_id) DO UPDATE" METRICS_SET

/* add each statement's change in workers by status to the tenant's counts */
#define WORKER_DELTAS(rows) \
	"INSERT INTO tenant_scaling.tenant_training_inputs AS i (tenant_id, active_workers, provisioning_workers)" \
	" SELECT tenant_id, sum(d * (status = 'active')::int), sum(d * (status = 'provisioning')::int)" \
	"   FROM (" rows ") w GROUP BY tenant_id ORDER BY tenant_id" \
	" ON CONFLICT (tenant_id) DO UPDATE" \
	" SET active_workers = i.active_workers + excluded.active_workers," \
	"     provisioning_workers = i.provisioning_workers + excluded.provisioning_workers"

static const char *const derived_sql[SOURCE_COUNT][EVENT_COUNT] = {
	[SOURCE_STATS] = {
		[EVENT_INSERT] =
		"INSERT INTO tenant_scaling.tenant_training_inputs AS i (tenant_id, " STATS_COLUMNS ", stats_at)"
		" SELECT DISTINCT ON (tenant_id) tenant_id, " STATS_COLUMNS ", timestamp"
		"   FROM new_rows ORDER BY tenant_id, timestamp DESC"
		" ON CONFLICT (tenant_id) DO UPDATE" STATS_SET
		" WHERE i.stats_at IS NULL OR excluded.stats_at >= i.stats_at",
		[EVENT_UPDATE] = STATS_RECOMPUTE("SELECT tenant_id FROM old_rows UNION SELECT tenant_id FROM new_rows"),
		/* only a delete of a tenant's newest sample changes its inputs */
		[EVENT_DELETE] = STATS_RECOMPUTE("SELECT DISTINCT o.tenant_id FROM old_rows o"
										 " JOIN tenant_scaling.tenant_training_inputs i"
										 "   ON i.tenant_id = o.tenant_id AND o.timestamp >= i.stats_at"),
		[EVENT_TRUNCATE] =
		"UPDATE tenant_scaling.tenant_training_inputs SET queue_size = NULL, avg_wait_time_seconds = NULL,"
		" max_wait_time_seconds = NULL, processing_rate_per_minute = NULL, stats_at = NULL"
		" WHERE stats_at IS NOT NULL",
	},
	[SOURCE_METRICS] = {
		/*
		 * every (tenant, endpoint) of the statement, so that each reaches the
		 * foreign key of endpoint_metrics_latest (an insert) or locks its row
		 * (an update): endpoint_metrics has no foreign key of its own
		 */
		[EVENT_INSERT] =
		"INSERT INTO tenant_scaling.endpoint_metrics_latest AS l (endpoint_id, " METRICS_COLUMNS ")"
		" SELECT DISTINCT ON (tenant_id, endpoint_id) endpoint_id, " METRICS_COLUMNS
		"   FROM new_rows ORDER BY tenant_id, endpoint_id, ts DESC"
		" ON CONFLICT (tenant_id, endpoint_id) DO UPDATE" METRICS_SET
		" WHERE excluded.ts >= l.ts",
		[EVENT_UPDATE] = METRICS_RECOMPUTE("SELECT tenant_id, endpoint_id FROM old_rows"
										   " UNION SELECT tenant_id, endpoint_id FROM new_rows"),
		[EVENT_DELETE] = METRICS_RECOMPUTE("SELECT DISTINCT o.tenant_id, o.endpoint_id FROM old_rows o"
										   " JOIN tenant_scaling.endpoint_metrics_latest l"
										   "   ON l.tenant_id = o.tenant_id AND l.endpoint_id = o.endpoint_id"
										   "  AND o.ts >= l.ts"),
		[EVENT_TRUNCATE] = "DELETE FROM tenant_scaling.endpoint_metrics_latest",
	},
	[SOURCE_WORKERS] = {
		[EVENT_INSERT] = WORKER_DELTAS("SELECT tenant_id, status, 1 AS d FROM new_rows"),
		[EVENT_UPDATE] = WORKER_DELTAS("SELECT tenant_id, status, 1 AS d FROM new_rows"
									   " UNION ALL SELECT tenant_id, status, -1 FROM old_rows"),
		[EVENT_DELETE] = WORKER_DELTAS("SELECT tenant_id, status, -1 AS d FROM old_rows"),
		[EVENT_TRUNCATE] =
		"UPDATE tenant_scaling.tenant_training_inputs SET active_workers = 0, provisioning_workers = 0"
		" WHERE active_workers <> 0 OR provisioning_workers <> 0",
	},
	[SOURCE_JOBS] = {
		/* inserts, updates and deletes: job_counts.c */
		[EVENT_TRUNCATE] =
		"UPDATE tenant_scaling.tenant_job_counts SET queued_jobs = 0, running_jobs = 0"
		" WHERE queued_jobs <> 0 OR running_jobs <> 0",
	},
};

/* the table each source's triggers are on */
static const char *const source_table[SOURCE_COUNT] = {
	[SOURCE_STATS] = "training_queue_stats",
	[SOURCE_METRICS] = "endpoint_metrics",
	[SOURCE_WORKERS] = "tenant_training_workers",
	[SOURCE_JOBS] = "training_jobs",
};

/* plans are kept: a metrics feeder inserting one row per statement pays no parse */
static SPIPlanPtr derived_plans[SOURCE_COUNT][EVENT_COUNT];

static DerivedSource
source_of(Trigger *trigger)
{
	const char *arg = trigger->tgnargs == 1 ? trigger->tgargs[0] : "";

	if (strcmp(arg, "stats") == 0)
		return SOURCE_STATS;
	if (strcmp(arg, "metrics") == 0)
		return SOURCE_METRICS;
	if (strcmp(arg, "workers") == 0)
		return SOURCE_WORKERS;
	if (strcmp(arg, "jobs") == 0)
		return SOURCE_JOBS;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("maintain_derived_state: unknown source \"%s\"", ts_quoted_value(arg)),
			 errhint("The argument is stats, metrics, workers or jobs.")));
	return SOURCE_COUNT;		/* keep the compiler quiet */
}

static DerivedEvent
event_of(TriggerEvent event)
{
	if (TRIGGER_FIRED_BY_INSERT(event))
		return EVENT_INSERT;
	if (TRIGGER_FIRED_BY_UPDATE(event))
		return EVENT_UPDATE;
	if (TRIGGER_FIRED_BY_DELETE(event))
		return EVENT_DELETE;
	return EVENT_TRUNCATE;
}

Datum
ts_maintain_derived_state(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	DerivedSource source;
	DerivedEvent event;
	SPIPlanPtr	plan;
	int			ret;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("maintain_derived_state must be called as an AFTER ... FOR EACH STATEMENT trigger")));
	source = source_of(trigdata->tg_trigger);
	/* it runs as the owner: only over the transition rows of its own source */
	ts_check_trigger_relation(trigdata, "maintain_derived_state", source_table[source]);
	event = event_of(trigdata->tg_event);

	SPI_connect();
	if (event != EVENT_TRUNCATE && SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables");
	if (source == SOURCE_JOBS && event != EVENT_TRUNCATE)
		ts_maintain_job_counts(event == EVENT_INSERT ? JOB_ROWS_INSERTED :
							   event == EVENT_UPDATE ? JOB_ROWS_UPDATED : JOB_ROWS_DELETED);
	else
	{
		plan = ts_keep_plan(&derived_plans[source][event], derived_sql[source][event], 0, NULL);
		ret = SPI_execute_plan(plan, NULL, NULL, false, 0);
		if (ret < 0)
			elog(ERROR, "derived state maintenance failed: %s", SPI_result_code_string(ret));
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
