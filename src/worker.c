/*
 * worker.c: the scheduler, a background worker that runs a scaling cycle
 * every tenant_scaling.naptime (DESIGN 7).
 *
 * Each cycle is a few short transactions: record the run as running,
 * sample the training job queues, do the cycle under the cycle lock and
 * record how it went, or, when it failed, record the error. A crash or a stop in the middle leaves the run
 * 'running'; the next start marks such runs failed. Nothing of a failed
 * cycle is applied: its writes are one transaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "runs.h"
#include "worker.h"

bool		ts_scheduler_enabled = true;
int			ts_naptime = 15;
char	   *ts_database = NULL;

PGDLLEXPORT void ts_scheduler_main(Datum main_arg);

static MemoryContext cycle_context = NULL;
static bool reported_missing_extension = false;

void
ts_register_scheduler(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "tenant_scaling");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "ts_scheduler_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "tenant_scaling scheduler");
	snprintf(worker.bgw_type, BGW_MAXLEN, "tenant_scaling scheduler");
	RegisterBackgroundWorker(&worker);
}

static void
begin_work(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_work(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(cycle_context);
}

/* True when the extension is installed; says once, clearly, when it is not. */
static bool
extension_ready(void)
{
	if (OidIsValid(get_extension_oid("tenant_scaling", true)))
	{
		if (reported_missing_extension)
			ereport(LOG, (errmsg("tenant_scaling scheduler: the extension is installed now; scheduling starts")));
		reported_missing_extension = false;
		return true;
	}
	if (!reported_missing_extension)
		ereport(LOG,
				(errmsg("tenant_scaling scheduler: extension \"tenant_scaling\" is not installed in database \"%s\"; waiting",
						ts_database),
				 errhint("Run CREATE EXTENSION tenant_scaling in that database, or set tenant_scaling.database.")));
	reported_missing_extension = true;
	return false;
}

/* First transaction: record the run; returns 0 when there is nothing to do. */
static int64
start_run(bool *first_run)
{
	int64		run_id = 0;

	begin_work("tenant_scaling: starting a cycle");
	if (extension_ready())
	{
		if (*first_run)
		{
			int			abandoned = runs_mark_abandoned();

			if (abandoned > 0)
				ereport(LOG, (errmsg("tenant_scaling scheduler: marked %d unfinished run(s) as failed", abandoned)));
			*first_run = false;
		}
		run_id = runs_insert("worker", "running");
	}
	end_work();
	return run_id;
}

static void
record_failure(int64 run_id, const char *message)
{
	CycleResult result;

	begin_work("tenant_scaling: recording a failed cycle");
	cycle_result_init(&result);
	runs_finish(run_id, "failed", &result, message);
	end_work();
}

/*
 * Second transaction: the job queues sampled, under the cycle lock; returns
 * how many tenants' samples were skipped as locked.
 */
static int
sample_transaction(void)
{
	int			locked = 0;

	begin_work("tenant_scaling: sampling training job queues");
	if (runs_try_cycle_lock())
		ts_sample_job_queues(GetCurrentTransactionStartTimestamp(), &locked);
	end_work();
	return locked;
}

/* Third transaction: the cycle itself, under the cycle lock. */
static void
cycle_transaction(int64 run_id, int samples_locked)
{
	CycleResult result;

	begin_work("tenant_scaling: run_scaling_cycle");
	cycle_result_init(&result);
	cycle_count_not_scaled_n(&result, "queue_sample_locked", samples_locked);
	if (runs_try_cycle_lock())
	{
		ts_cycle_execute(run_id, GetCurrentTransactionStartTimestamp(), &result);
		runs_finish(run_id, "succeeded", &result, NULL);
	}
	else
		runs_finish(run_id, "skipped", &result, "another scaling cycle was running");
	end_work();
}

/* One cycle; an error is logged and recorded, and the worker goes on. */
static void
run_cycle(bool *first_run)
{
	volatile int64 run_id = 0;

	PG_TRY();
	{
		run_id = start_run(first_run);
		if (run_id != 0)
		{
			int			samples_locked = sample_transaction();

			cycle_transaction(run_id, samples_locked);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cycle_context);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
		if (run_id != 0)
			record_failure(run_id, edata->message);
	}
	PG_END_TRY();
}

void
ts_scheduler_main(Datum main_arg)
{
	TimestampTz last_start = 0;
	bool		first_run = true;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(ts_database, NULL, 0);
	pgstat_report_appname("tenant_scaling scheduler");
	/* as run_scaling_cycle's SET clause: no search_path of the database reaches the cycle's SQL */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	cycle_context = AllocSetContextCreate(TopMemoryContext, "tenant_scaling cycle",
										  ALLOCSET_DEFAULT_SIZES);
	ereport(LOG, (errmsg("tenant_scaling scheduler started in database \"%s\"", ts_database)));

	for (;;)
	{
		TimestampTz now;
		long		delay_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		now = GetCurrentTimestamp();
		/* the next cycle is due naptime after the last one started, so a reload adds none */
		if (ts_scheduler_enabled && !RecoveryInProgress() &&
			(last_start == 0 || now >= TimestampTzPlusMilliseconds(last_start, ts_naptime * 1000L)))
		{
			last_start = now;
			MemoryContextSwitchTo(cycle_context);
			run_cycle(&first_run);
			MemoryContextSwitchTo(TopMemoryContext);
			MemoryContextReset(cycle_context);
			continue;
		}
		if (ts_scheduler_enabled && last_start != 0)
			delay_ms = Max(1, TimestampDifferenceMilliseconds(now,
															  TimestampTzPlusMilliseconds(last_start, ts_naptime * 1000L)));
		else
			delay_ms = ts_naptime * 1000L;

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 delay_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
