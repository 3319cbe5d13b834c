/*
 * scheduler.c: the scheduler, a background worker that runs a scaling cycle
 * every tenant_scaling.naptime (README, The scheduler).
 *
 * Each cycle is a few short transactions: record the run as running,
 * sample the training job queues, do the cycle under the cycle lock and
 * record how it went, or, when it failed, record the error. A crash or a stop in the middle leaves the run
 * 'running'; the next start marks such runs failed. Nothing of a failed
 * cycle is applied: its writes are one transaction.
 *
 * The scheduler pauses while pg_restore is connected to its database: a
 * run recorded beside the restore's COPY of scheduler_runs would take a run id
 * the dump holds (and decide from half-restored data).
 *
 * A missing database: connecting to it is FATAL, which a restart every
 * bgw_restart_time would repeat forever. So a start whose last connection
 * attempt failed connects to no database instead, logs once, checks every
 * naptime for the database, and exits to be restarted (and connect) once it
 * exists. The attempt is remembered in a flag in shared memory.
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
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "runs.h"
#include "sql_support.h"
#include "scheduler.h"


PGDLLEXPORT void ts_scheduler_main(Datum main_arg);

static MemoryContext cycle_context = NULL;
static bool reported_missing_extension = false;
static bool reported_missing_role = false;
static Oid	connected_user = InvalidOid;	/* the bootstrap superuser the worker connects as */
static bool reported_restore = false;

/* in shared memory: true from a connection attempt until it succeeded */
typedef struct SchedulerShared
{
	bool		connecting;
} SchedulerShared;

static SchedulerShared *scheduler_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
scheduler_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SchedulerShared)));
}

static void
scheduler_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	scheduler_shared = ShmemInitStruct("tenant_scaling scheduler", sizeof(SchedulerShared), &found);
	if (!found)
		scheduler_shared->connecting = false;
	LWLockRelease(AddinShmemInitLock);
}

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

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = scheduler_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = scheduler_shmem_startup;
}

/*
 * The role the cycles run as (tenant_scaling.role), for the transaction:
 * false, said once, when it does not exist (the extension creates the
 * default). An abort restores the connecting user; end_work does at commit.
 */
static bool
become_scheduler_role(void)
{
	Oid			role;

	if (ts_scheduler_role == NULL || ts_scheduler_role[0] == '\0')
		return true;
	role = get_role_oid(ts_scheduler_role, true);
	if (!OidIsValid(role))
	{
		if (!reported_missing_role)
			ereport(WARNING,
					(errmsg("tenant_scaling scheduler: role \"%s\" does not exist; not scheduling", ts_scheduler_role),
					 errhint("CREATE EXTENSION tenant_scaling creates it; or set tenant_scaling.role and reload.")));
		reported_missing_role = true;
		return false;
	}
	if (reported_missing_role)
		ereport(LOG, (errmsg("tenant_scaling scheduler: role \"%s\" exists now; scheduling starts", ts_scheduler_role)));
	reported_missing_role = false;
	SetUserIdAndSecContext(role, SECURITY_LOCAL_USERID_CHANGE);
	return true;
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

/* The rest of a cycle's transactions run as the role too; it went away: an error, recorded. */
static void
begin_work_as_scheduler(const char *activity)
{
	begin_work(activity);
	if (!become_scheduler_role())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" (tenant_scaling.role) does not exist", ts_scheduler_role)));
}

static void
end_work(void)
{
	SetUserIdAndSecContext(connected_user, 0);
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

/* True while pg_restore is connected to this database; says so once. */
static bool
restore_in_progress(void)
{
	static SPIPlanPtr plan = NULL;
	bool		isnull;
	bool		restoring;

	if (SPI_execute_plan(ts_keep_plan(&plan,
									  "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity"
									  " WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()"
									  "   AND application_name OPERATOR(pg_catalog.=) 'pg_restore')", 0, NULL),
						 NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading pg_stat_activity failed");
	restoring = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (restoring && !reported_restore)
		ereport(LOG,
				(errmsg("tenant_scaling scheduler: pg_restore is connected to database \"%s\"; pausing until it is done",
						ts_database)));
	else if (!restoring && reported_restore)
	{
		/* the restored history came in below its triggers: what they would have derived */
		if (SPI_execute("SELECT tenant_scaling.rebuild_derived_state()", false, 0) != SPI_OK_SELECT)
			elog(ERROR, "rebuilding the derived state failed");
		ereport(LOG, (errmsg("tenant_scaling scheduler: pg_restore is done; derived state rebuilt, scheduling resumes")));
	}
	reported_restore = restoring;
	return restoring;
}

/* First transaction: record the run; returns 0 when there is nothing to do. */
static int64
start_run(bool *first_run)
{
	int64		run_id = 0;

	begin_work("tenant_scaling: starting a cycle");
	/* what pg_stat_activity says of other sessions is read before leaving the superuser */
	if (extension_ready() && !restore_in_progress() && become_scheduler_role())
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

/*
 * Record a failed run. The failure may be that the extension went away
 * (DROP EXTENSION committed mid-cycle): then there is nothing to record
 * into, and an error here is logged, never thrown out of the worker.
 */
static void
record_run_failure(int64 run_id, const char *message)
{
	PG_TRY();
	{
		CycleResult result;

		begin_work_as_scheduler("tenant_scaling: recording a failed cycle");
		if (extension_ready())
		{
			cycle_result_init(&result);
			runs_finish(run_id, "failed", &result, message);
		}
		end_work();
	}
	PG_CATCH();
	{
		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cycle_context);
		EmitErrorReport();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
	}
	PG_END_TRY();
}

/*
 * Second transaction: the job queues sampled, under the cycle lock; returns
 * how many tenants' samples were skipped as locked.
 */
static int
sample_transaction(void)
{
	int			locked = 0;

	begin_work_as_scheduler("tenant_scaling: sampling training job queues");
	if (runs_try_cycle_lock())
		ts_sample_job_queues(GetCurrentTimestamp(), &locked);
	end_work();
	return locked;
}

/* Third transaction: the cycle itself, under the cycle lock. */
static void
cycle_transaction(int64 run_id, int samples_locked)
{
	CycleResult result;

	begin_work_as_scheduler("tenant_scaling: run_scaling_cycle");
	cycle_result_init(&result);
	cycle_count_not_scaled_n(&result, "queue_sample_locked", samples_locked);
	if (runs_try_cycle_lock())
	{
		ts_cycle_execute(run_id, "worker", GetCurrentTimestamp(), &result);
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
			record_run_failure(run_id, edata->message);
	}
	PG_END_TRY();
}

static bool
database_exists(void)
{
	bool		exists;

	StartTransactionCommand();
	exists = OidIsValid(get_database_oid(ts_database, true));
	CommitTransactionCommand();
	return exists;
}

/*
 * The last start could not connect: connected to no database, wait quietly
 * until the database exists, then exit to be restarted, connecting to it.
 */
static void
wait_for_database(void)
{
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("tenant_scaling scheduler");
	if (!database_exists())
		ereport(LOG,
				(errmsg("tenant_scaling scheduler: database \"%s\" does not exist; waiting for it", ts_database),
				 errhint("Create the database, or set tenant_scaling.database and restart the server.")));
	while (!database_exists())
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ts_naptime * 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	ereport(LOG, (errmsg("tenant_scaling scheduler: database \"%s\" exists now; restarting to connect", ts_database)));
	scheduler_shared->connecting = false;
	proc_exit(1);
}

void
ts_scheduler_main(Datum main_arg)
{
	TimestampTz last_start = 0;
	bool		first_run = true;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (scheduler_shared->connecting)
		wait_for_database();
	scheduler_shared->connecting = true;
	BackgroundWorkerInitializeConnection(ts_database, NULL, 0);
	scheduler_shared->connecting = false;
	connected_user = GetUserId();
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
