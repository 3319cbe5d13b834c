/*
 * capacity_load.c: shared GPU capacity under load, on libpq.
 *
 * CLIENTS connections submit, start and finish training jobs of 1 to 8 GPUs
 * for 40 tenants of all four tiers on three small pools, for a bounded
 * time, while one connection reports random capacity changes of the spot
 * and on-demand pools, one samples the pools and the tenants, and one runs
 * the scheduler's admission pass (reclaim_capacity) every CYCLE_MS.
 *
 * It fails if a sample ever finds a pool holding more GPUs than its
 * capacity or a tenant holding more than its guarantee plus its borrowing
 * limit, if a job is lost (the rows must account for every submitted job,
 * each queued, running or finished), if the derived usage and counts differ
 * from a fresh count, or if after a pass a tenant within its guarantee
 * still waits while preempting borrowed work could make room for it. For
 * that last check the clients pause, so that the pass and the check see the
 * same state. It prints jobs per second, preemptions, and how far the
 * borrowed GPUs of tenants that wait for more are from their fair-share
 * weights. Connection settings come from the PG* variables.
 *
 *   capacity_load [--seconds N] [--clients N] [--no-checks] [--workload W] [--pools N]
 *
 * --no-checks runs the clients alone, for a benchmark; --workload gives
 * every job one workload type (feature_computation needs no GPU: the
 * admission that takes no pool, the benchmark's reference); --pools gives
 * every pool that capacity and every tenant no borrowing limit, so that
 * only max_concurrent_jobs decides what starts, as for jobs of no GPU.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TENANTS 40
#define MAX_CLIENTS 64
#define HELD_PER_CLIENT 3
#define CYCLE_MS 500

static int	seconds = 30;
static int	clients = 16;
static bool checks = true;
static const char *only_workload = NULL;
static int	pool_capacity = 0;	/* every pool's capacity, for a benchmark; 0: a few dozen GPUs */
static atomic_bool stop = false;
static atomic_bool pause_requested = false;
static atomic_int paused_clients = 0;
static atomic_long over_committed = 0;
static atomic_long over_quota = 0;
static atomic_long samples = 0;
static atomic_long passes = 0;
static atomic_long missed_reclaims = 0;
static atomic_long capacity_changes = 0;
static atomic_long contended_samples = 0;
static double deviation_sum = 0;	/* written by the cycle thread only */
static double deviation_max = 0;
static char tenant_ids[TENANTS][37];

static const char *const tiers[4] = {"basic", "standard", "premium", "enterprise"};
/* the tenants' own quotas by tier: guaranteed, borrowing limit (-1: none) */
static const int guaranteed[4] = {0, 0, 4, 8};
static const int borrowing_limit[4] = {6, 8, 12, -1};
/* with the tiers' multipliers (1, 1, 2, 4) and max_gpu 8: 1 to 8 GPUs */
static const char *const workloads[3] = {"training_small", "training_medium", "training_large"};

typedef struct Client
{
	int			index;
	PGconn	   *conn;
	long		submitted;
	long		started;
	long		finished;
	long		finished_preempted;	/* the job was preempted before its finish */
	long		errors;			/* unexpected errors */
	long long	held[HELD_PER_CLIENT];
	int			nheld;
	unsigned int seed;
} Client;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};

	nanosleep(&pause, NULL);
}

static PGconn *
connect_or_die(void)
{
	PGconn	   *conn = PQconnectdb("");

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "connection failed: %s", PQerrorMessage(conn));
		exit(2);
	}
	return conn;
}

static void
exec_or_die(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "setup failed: %s\n%s", sql, PQerrorMessage(conn));
		exit(2);
	}
	PQclear(res);
}

static long long
single_value(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	long long	v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		v = atoll(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "query failed: %s\n%s", sql, PQerrorMessage(conn));
	PQclear(res);
	return v;
}

static void
setup(PGconn *conn)
{
	char		sql[2048];
	char		limit[16];
	int			i;

	exec_or_die(conn, "SET client_min_messages = warning");
	exec_or_die(conn, "DELETE FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE 'cafe1000-%'");
	exec_or_die(conn, "DELETE FROM tenant_scaling.tenant_capacity_quotas WHERE tenant_id::text LIKE 'cafe1000-%'");
	exec_or_die(conn, "DELETE FROM tenant_scaling.tenant_scaling_config WHERE tenant_id::text LIKE 'cafe1000-%'");
	/* a few dozen GPUs: the guarantees (60) fit the pools the guaranteed tenants may use */
	exec_or_die(conn, "UPDATE tenant_scaling.capacity_pools"
				" SET capacity = CASE pool WHEN 'reserved' THEN 32 WHEN 'spot' THEN 12 ELSE 20 END");
	if (pool_capacity > 0)
	{
		snprintf(sql, sizeof(sql), "UPDATE tenant_scaling.capacity_pools SET capacity = %d", pool_capacity);
		exec_or_die(conn, sql);
	}
	for (i = 0; i < TENANTS; i++)
	{
		int			tier = i % 4;

		snprintf(tenant_ids[i], sizeof(tenant_ids[i]), "cafe1000-0000-0000-0000-%012d", i);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs,"
				 " max_model_size_gb, max_training_duration_hours, max_queued_jobs, max_gpu)"
				 " VALUES ('%s', '%s', 4, 100, 100, 1000000, 8)",
				 tenant_ids[i], tiers[tier]);
		exec_or_die(conn, sql);
		snprintf(limit, sizeof(limit), "%d", borrowing_limit[tier]);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO tenant_scaling.tenant_capacity_quotas"
				 " (tenant_id, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed)"
				 " VALUES ('%s', %d, %s, %d, %s)",
				 tenant_ids[i], guaranteed[tier], borrowing_limit[tier] < 0 ? "NULL" : limit, 1 << tier,
				 tier == 3 ? "false" : "true");
		exec_or_die(conn, sql);
	}
	/* for a benchmark, only max_concurrent_jobs limits what starts, as for jobs of no GPU */
	if (pool_capacity > 0)
		exec_or_die(conn, "UPDATE tenant_scaling.tenant_capacity_quotas SET borrowing_limit_gpus = NULL"
					" WHERE tenant_id::text LIKE 'cafe1000-%'");
}

/* one statement with up to two parameters; the int8 of the first column, or -1 */
static long long
call(Client *c, const char *sql, int nparams, const char *p1, const char *p2, const char *expected_state)
{
	const char *params[2] = {p1, p2};
	PGresult   *res = PQexecParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	long long	value = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			value = atoll(PQgetvalue(res, 0, 0));
	}
	else
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		value = -2;
		if (expected_state == NULL || state == NULL || strcmp(state, expected_state) != 0)
		{
			c->errors++;
			if (c->errors < 5)
				fprintf(stderr, "client %d: %s", c->index, PQerrorMessage(c->conn));
		}
	}
	PQclear(res);
	return value;
}

/* a client's or the capacity reports' wait while the cycle thread checks a quiet database */
static void
maybe_pause(void)
{
	if (!atomic_load(&pause_requested))
		return;
	atomic_fetch_add(&paused_clients, 1);
	while (atomic_load(&pause_requested) && !atomic_load(&stop))
		sleep_ms(1);
	atomic_fetch_sub(&paused_clients, 1);
}

/*
 * Each round: submit (every other round) a job of a random size for a random tenant, start the
 * next job of a random tenant, and now and then finish the oldest job this
 * client started (it may have been preempted since: then it is back in its
 * queue, and the finish is refused).
 */
static void *
client_main(void *arg)
{
	Client	   *c = arg;
	char		id[32];

	c->conn = connect_or_die();
	while (!atomic_load(&stop))
	{
		const char *tenant = tenant_ids[rand_r(&c->seed) % TENANTS];
		const char *workload = only_workload ? only_workload : workloads[rand_r(&c->seed) % 3];
		const char *preemptible = rand_r(&c->seed) % 10 < 3 ? "true" : "false";
		const char *params[4] = {tenant, workload, preemptible, NULL};
		PGresult   *res;
		long long	job;

		maybe_pause();
		/* a submit every other round: the queues grow, slower than without a bound */
		if (rand_r(&c->seed) % 2 == 0)
		{
			res = PQexecParams(c->conn, "SELECT tenant_scaling.submit_training_job($1, $2, 1, 1, $3)", 3, NULL,
							   params, NULL, NULL, 0);
			if (PQresultStatus(res) == PGRES_TUPLES_OK)
				c->submitted++;
			else if (++c->errors < 5)
				fprintf(stderr, "client %d: %s", c->index, PQerrorMessage(c->conn));
			PQclear(res);
		}

		tenant = tenant_ids[rand_r(&c->seed) % TENANTS];
		job = call(c, "SELECT tenant_scaling.start_next_training_job($1)", 1, tenant, NULL, NULL);
		if (job > 0)
		{
			c->started++;
			if (c->nheld == HELD_PER_CLIENT)
			{
				/* no room to remember it: finish it at once */
				snprintf(id, sizeof(id), "%lld", job);
				if (call(c, "SELECT 1 FROM tenant_scaling.finish_training_job($1, true)", 1, id, NULL, "55000") == 1)
					c->finished++;
				else
					c->finished_preempted++;
			}
			else
				c->held[c->nheld++] = job;
		}
		if (c->nheld > 0 && rand_r(&c->seed) % 3 == 0)
		{
			snprintf(id, sizeof(id), "%lld", c->held[0]);
			if (call(c, "SELECT 1 FROM tenant_scaling.finish_training_job($1, true)", 1, id, NULL, "55000") == 1)
				c->finished++;
			else
				c->finished_preempted++;
			memmove(c->held, c->held + 1, sizeof(long long) * (--c->nheld));
		}
	}
	PQfinish(c->conn);
	return NULL;
}

/* Sample the pools and the tenants all through the run. */
static void *
monitor_main(void *arg)
{
	PGconn	   *conn = connect_or_die();

	(void) arg;
	while (!atomic_load(&stop))
	{
		/* from the jobs themselves, not the derived usage */
		PGresult   *res = PQexec(conn,
								 "SELECT (SELECT count(*) FROM (SELECT j.pool FROM tenant_scaling.training_jobs j"
								 "          JOIN tenant_scaling.capacity_pools p USING (pool)"
								 "         WHERE j.status = 'running' GROUP BY j.pool, p.capacity"
								 "        HAVING sum(j.gpu_count) > p.capacity) o),"
								 "       (SELECT count(*) FROM (SELECT j.tenant_id FROM tenant_scaling.training_jobs j"
								 "          JOIN tenant_scaling.tenant_capacity_quotas q USING (tenant_id)"
								 "         WHERE j.status = 'running' AND j.tenant_id::text LIKE 'cafe1000-%'"
								 "         GROUP BY j.tenant_id, q.guaranteed_gpus, q.borrowing_limit_gpus"
								 "        HAVING sum(j.gpu_count) > q.guaranteed_gpus + q.borrowing_limit_gpus) t)");

		if (PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			long		pools = atol(PQgetvalue(res, 0, 0));
			long		tenants = atol(PQgetvalue(res, 0, 1));

			if (pools > 0 && atomic_fetch_add(&over_committed, pools) == 0)
				fprintf(stderr, "a sample found %ld pools over their capacity\n", pools);
			if (tenants > 0 && atomic_fetch_add(&over_quota, tenants) == 0)
				fprintf(stderr, "a sample found %ld tenants over their guarantee and borrowing limit\n", tenants);
			atomic_fetch_add(&samples, 1);
		}
		PQclear(res);
		sleep_ms(2);
	}
	PQfinish(conn);
	return NULL;
}

/* An actuator's reports: spot GPUs reclaimed and given back, on-demand ones too. */
static void *
capacity_main(void *arg)
{
	PGconn	   *conn = connect_or_die();
	unsigned int seed = 4242;

	(void) arg;
	while (!atomic_load(&stop))
	{
		char		sql[160];
		PGresult   *res;

		sleep_ms(300 + rand_r(&seed) % 700);
		maybe_pause();
		if (atomic_load(&stop))
			break;
		if (rand_r(&seed) % 2 == 0)
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM tenant_scaling.report_capacity_change('spot', %u)",
					 4 + rand_r(&seed) % 13);
		else
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM tenant_scaling.report_capacity_change('on_demand', %u)",
					 12 + rand_r(&seed) % 13);
		res = PQexec(conn, sql);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			atomic_fetch_add(&capacity_changes, 1);
		PQclear(res);
	}
	PQfinish(conn);
	return NULL;
}

/*
 * (A template: %s is what is selected.) A waiting tenant within its guarantee that preemption could still serve:
 * its head job (within max_concurrent_jobs) needs no more than a usable
 * pool's free GPUs plus the borrowed work there that reclaim_capacity may
 * preempt (a job of a tenant that, without its newer jobs in that pool, is
 * still above its guarantee).
 */
static const char *const missed_sql =
"WITH quota AS (SELECT t.tenant_id, q.*, tenant_scaling.gpus_held(t.tenant_id) AS held"
"                 FROM tenant_scaling.tenant_capacity_quotas t"
"                 CROSS JOIN LATERAL tenant_scaling.capacity_quota(t.tenant_id) q"
"                WHERE t.tenant_id::text LIKE 'cafe1000-%%'),"
" head AS (SELECT DISTINCT ON (j.tenant_id) j.tenant_id, j.gpu_count, j.preemptible, j.wait_reason"
"            FROM tenant_scaling.training_jobs j WHERE j.status = 'queued'"
"           ORDER BY j.tenant_id, j.submitted_at, j.job_id),"
" eligible AS (SELECT j.pool, j.gpu_count,"
"                     q.held - coalesce(sum(j.gpu_count) OVER (PARTITION BY j.tenant_id, j.pool"
"                         ORDER BY j.started_at DESC, j.job_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
"                       > q.guaranteed_gpus AS preemptible_now, j.tenant_id"
"                FROM tenant_scaling.training_jobs j JOIN quota q USING (tenant_id) WHERE j.status = 'running')"
"SELECT %s FROM head h JOIN quota q USING (tenant_id)"
" JOIN tenant_scaling.tenant_job_counts n USING (tenant_id)"
" WHERE h.wait_reason IN ('no_capacity', 'preempted') AND n.running_jobs < 4"
"   AND q.held + h.gpu_count <= q.guaranteed_gpus"
"   AND EXISTS (SELECT 1 FROM tenant_scaling.placement_pools(h.gpu_count, h.preemptible AND q.spot_allowed) p"
"                WHERE p.capacity - p.units_in_use + coalesce((SELECT sum(e.gpu_count) FROM eligible e"
"                         WHERE e.pool = p.pool AND e.preemptible_now AND e.tenant_id <> h.tenant_id), 0)"
"                      >= h.gpu_count)";

/*
 * Fair sharing: among tenants that borrow and wait for more (their head job
 * waits for capacity), the share of the borrowed GPUs each holds against
 * the share its weight gives it; half the sum of the differences (0: the
 * weights' shares exactly, 1: all to one tenant).
 */
static const char *const deviation_sql =
"WITH b AS (SELECT c.tenant_id, c.borrowed_gpus::numeric AS borrowed, c.fair_share_weight AS w"
"             FROM tenant_scaling.tenant_capacity c"
"            WHERE c.tenant_id::text LIKE 'cafe1000-%' AND c.borrowed_gpus > 0"
"              AND c.head_wait_reason IN ('no_capacity', 'preempted'))"
"SELECT count(*), coalesce(sum(abs(borrowed / (SELECT sum(borrowed) FROM b) - w / (SELECT sum(w) FROM b))) / 2, 0)"
"  FROM b";

/* The scheduler's admission pass every CYCLE_MS; every few passes, on a quiet database, the checks. */
static void *
cycle_main(void *arg)
{
	PGconn	   *conn = connect_or_die();
	int			n = 0;

	(void) arg;
	/* as the scheduler's cycle: a tenant another transaction holds is passed over */
	exec_or_die(conn, "SET lock_timeout = '100ms'");
	while (!atomic_load(&stop))
	{
		bool		quiet = checks && (++n % 4 == 0);
		PGresult   *res;

		sleep_ms(CYCLE_MS);
		if (quiet)
		{
			atomic_store(&pause_requested, true);
			/* the clients and the capacity reports */
			while (atomic_load(&paused_clients) < clients + 1 && !atomic_load(&stop))
				sleep_ms(1);
			if (atomic_load(&stop))
				break;
		}
		res = PQexec(conn, "SELECT count(*) FROM tenant_scaling.reclaim_capacity()");
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			atomic_fetch_add(&passes, 1);
		else
			fprintf(stderr, "reclaim_capacity failed: %s", PQerrorMessage(conn));
		PQclear(res);
		if (quiet)
		{
			char		sql[4096];
			long long	missed;

			snprintf(sql, sizeof(sql), missed_sql, "count(*)");
			missed = single_value(conn, sql);
			if (missed > 0 && atomic_fetch_add(&missed_reclaims, missed) == 0)
			{
				/* what the pass missed, and the pools then */
				snprintf(sql, sizeof(sql), missed_sql,
						 "string_agg(format('tenant %s holds %s of %s guaranteed, its head job needs %s',"
						 " h.tenant_id, q.held, q.guaranteed_gpus, h.gpu_count), '; ')"
						 " || ' | pools: ' || (SELECT string_agg(format('%s %s of %s', pool, in_use, capacity), ', ')"
						 " FROM tenant_scaling.capacity_pool_status)");
				res = PQexec(conn, sql);
				fprintf(stderr, "after a pass, %lld tenants within their guarantee still wait for room preemption"
						" could make: %s\n", missed,
						PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : PQerrorMessage(conn));
				PQclear(res);
				/* and what a second pass, on the same state, does */
				res = PQexec(conn, "SELECT string_agg(format('%s %s %s %s %s', action, right(tenant_id::text, 2), pool,"
							 " gpu_count, reason), '; ') FROM tenant_scaling.reclaim_capacity()");
				fprintf(stderr, "a second pass: %s\n",
						PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : PQerrorMessage(conn));
				PQclear(res);
			}
			res = PQexec(conn, deviation_sql);
			if (PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) >= 2)
			{
				double		d = atof(PQgetvalue(res, 0, 1));

				atomic_fetch_add(&contended_samples, 1);
				deviation_sum += d;
				if (d > deviation_max)
					deviation_max = d;
			}
			PQclear(res);
			atomic_store(&pause_requested, false);
		}
	}
	atomic_store(&pause_requested, false);
	PQfinish(conn);
	return NULL;
}

static int	passed = 0;
static int	failed = 0;

static void
check(bool ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (ok)
		passed++;
	else
		failed++;
}

int
main(int argc, char **argv)
{
	Client		cs[MAX_CLIENTS];
	pthread_t	threads[MAX_CLIENTS];
	pthread_t	monitor,
				capacity,
				cycle;
	PGconn	   *conn;
	long		submitted = 0,
				started = 0,
				finished = 0,
				finished_preempted = 0,
				errors = 0;
	double		started_at,
				elapsed;
	int			i;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
			clients = atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-checks") == 0)
			checks = false;
		else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
			only_workload = argv[++i];
		else if (strcmp(argv[i], "--pools") == 0 && i + 1 < argc)
			pool_capacity = atoi(argv[++i]);
		else
		{
			fprintf(stderr, "usage: %s [--seconds N] [--clients N] [--no-checks] [--workload W] [--pools N]\n", argv[0]);
			return 2;
		}
	}
	if (clients < 1 || clients > MAX_CLIENTS || seconds < 1)
	{
		fprintf(stderr, "clients must be 1..%d and seconds at least 1\n", MAX_CLIENTS);
		return 2;
	}

	conn = connect_or_die();
	setup(conn);
	for (i = 0; i < clients; i++)
	{
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].index = i;
		cs[i].seed = 7919u * (unsigned) (i + 1);
	}
	started_at = now_seconds();
	if (checks)
	{
		pthread_create(&monitor, NULL, monitor_main, NULL);
		pthread_create(&capacity, NULL, capacity_main, NULL);
		pthread_create(&cycle, NULL, cycle_main, NULL);
	}
	for (i = 0; i < clients; i++)
		pthread_create(&threads[i], NULL, client_main, &cs[i]);
	while (now_seconds() - started_at < seconds)
		sleep_ms(50);
	atomic_store(&stop, true);
	for (i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	elapsed = now_seconds() - started_at;
	if (checks)
	{
		pthread_join(monitor, NULL);
		pthread_join(capacity, NULL);
		pthread_join(cycle, NULL);
	}
	for (i = 0; i < clients; i++)
	{
		submitted += cs[i].submitted;
		started += cs[i].started;
		finished += cs[i].finished;
		finished_preempted += cs[i].finished_preempted;
		errors += cs[i].errors;
	}
	printf("# %s: %d clients, %.1f s: %ld submitted, %ld started, %ld finished, %.0f starts/s, %.0f jobs/s\n",
		   only_workload ? only_workload : "jobs of 1 to 8 GPUs", clients, elapsed, submitted, started, finished,
		   started / elapsed, finished / elapsed);
	if (!checks)
		return errors == 0 ? 0 : 1;
	printf("# %ld samples, %ld admission passes, %ld capacity changes, %lld preemptions, %ld finishes found their job preempted\n",
		   atomic_load(&samples), atomic_load(&passes), atomic_load(&capacity_changes),
		   single_value(conn, "SELECT coalesce(sum(preemptions), 0) FROM tenant_scaling.training_jobs"
						" WHERE tenant_id::text LIKE 'cafe1000-%'"),
		   finished_preempted);
	printf("# fair sharing: borrowed GPUs of the tenants waiting for more against their weights' shares:"
		   " %.3f on average, %.3f at most, over %ld contended checks\n",
		   atomic_load(&contended_samples) > 0 ? deviation_sum / atomic_load(&contended_samples) : 0.0,
		   deviation_max, atomic_load(&contended_samples));

	check(errors == 0, "no call failed but finishes of preempted jobs");
	check(atomic_load(&samples) > 10, "the monitor sampled the pools and tenants throughout");
	check(atomic_load(&over_committed) == 0, "no sample found a pool holding more GPUs than its capacity");
	check(atomic_load(&over_quota) == 0, "no sample found a tenant above its guarantee plus borrowing limit");
	check(atomic_load(&capacity_changes) > 0, "capacity changes were reported during the run");
	check(atomic_load(&passes) > 3, "the admission pass ran during the run");
	check(atomic_load(&missed_reclaims) == 0,
		  "after every pass, no tenant within its guarantee waited for room preemption could make");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe1000-%'") == submitted,
		  "no job lost: the rows account for every submitted job");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe1000-%' AND status = 'succeeded'") == finished,
		  "every finish that succeeded ended its job, once");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe1000-%' AND NOT ("
					   "   status = 'queued' AND pool IS NULL AND started_at IS NULL"
					   "   OR status = 'running' AND pool IS NOT NULL AND started_at IS NOT NULL"
					   "   OR status = 'succeeded' AND finished_at IS NOT NULL)") == 0,
		  "every job is queued (never started or preempted), running on a pool, or finished");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.capacity_pool_usage u"
					   " FULL JOIN (SELECT pool, sum(gpu_count) AS gpus, count(*) AS jobs"
					   "              FROM tenant_scaling.training_jobs WHERE status = 'running' AND pool IS NOT NULL"
					   "             GROUP BY pool) f USING (pool)"
					   " WHERE coalesce(u.units_in_use, 0) <> coalesce(f.gpus, 0)"
					   "    OR coalesce(u.running_jobs, 0) <> coalesce(f.jobs, 0)") == 0,
		  "capacity_pool_usage equals the running jobs, pool by pool");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.tenant_job_counts c"
					   " FULL JOIN (SELECT tenant_id, count(*) FILTER (WHERE status = 'queued') AS q,"
					   "                   count(*) FILTER (WHERE status = 'running') AS r"
					   "              FROM tenant_scaling.training_jobs GROUP BY tenant_id) a USING (tenant_id)"
					   " WHERE coalesce(c.queued_jobs, 0) <> coalesce(a.q, 0)"
					   "    OR coalesce(c.running_jobs, 0) <> coalesce(a.r, 0)") == 0,
		  "tenant_job_counts equals the jobs, tenant by tenant");
	exec_or_die(conn, "UPDATE tenant_scaling.capacity_pools SET capacity = CASE pool WHEN 'on_demand' THEN 64 ELSE 32 END"
				" WHERE NOT EXISTS (SELECT FROM tenant_scaling.training_jobs WHERE status = 'running')");
	PQfinish(conn);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
