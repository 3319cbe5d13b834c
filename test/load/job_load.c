/*
 * job_load.c: the job queue under load, on libpq.
 *
 * CLIENTS connections submit, start and finish training jobs for TENANTS
 * tenants whose max_concurrent_jobs run from 1 to 5, for a bounded time,
 * while a monitor connection samples how many jobs each tenant runs. It
 * fails if a tenant ever runs more than its limit, if a job is started
 * twice, or if the final rows do not account for every submitted job; it
 * prints jobs per second. Connection settings come from the PG* variables.
 *
 *   job_load [--seconds N] [--clients N] [--plain] [--no-monitor]
 *
 * --plain runs the same three statements in plain SQL, with no limit
 * check, on a table without triggers: the benchmark's reference.
 * --no-monitor leaves the sampling out, so that a benchmark measures only
 * the clients.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TENANTS 50
#define MAX_CLIENTS 64
#define MAX_STARTS_PER_CLIENT 2000000

static int	seconds = 30;
static int	clients = 16;
static bool plain = false;
static bool monitor_on = true;
static atomic_bool stop = false;
static atomic_long violations = 0;
static atomic_long samples = 0;
static char tenant_ids[TENANTS][37];

typedef struct Client
{
	int			index;
	PGconn	   *conn;
	long		submitted;
	long		finished;
	long		errors;			/* unexpected errors */
	long		nstarted;
	long long  *started;		/* job ids start returned */
	unsigned int seed;
} Client;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

static void
setup(PGconn *conn)
{
	char		sql[512];
	int			i;

	exec_or_die(conn, "SET client_min_messages = warning");
	exec_or_die(conn, "DELETE FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE 'cafe0000-%'");
	exec_or_die(conn, "DELETE FROM tenant_scaling.tenant_scaling_config WHERE tenant_id::text LIKE 'cafe0000-%'");
	exec_or_die(conn, "DROP TABLE IF EXISTS public.job_load_plain");
	exec_or_die(conn, "CREATE TABLE public.job_load_plain (LIKE tenant_scaling.training_jobs INCLUDING DEFAULTS)");
	exec_or_die(conn, "ALTER TABLE public.job_load_plain ADD PRIMARY KEY (job_id)");
	exec_or_die(conn, "CREATE SEQUENCE IF NOT EXISTS public.job_load_plain_seq");
	exec_or_die(conn, "ALTER TABLE public.job_load_plain ALTER job_id SET DEFAULT nextval('public.job_load_plain_seq')");
	exec_or_die(conn, "CREATE INDEX ON public.job_load_plain (tenant_id, submitted_at, job_id) WHERE status = 'queued'");
	for (i = 0; i < TENANTS; i++)
	{
		snprintf(tenant_ids[i], sizeof(tenant_ids[i]), "cafe0000-0000-0000-0000-%012d", i);
		snprintf(sql, sizeof(sql),
				 "INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs,"
				 " max_model_size_gb, max_training_duration_hours, max_queued_jobs)"
				 " VALUES ('%s', 'basic', %d, 100, 100, 1000000)",
				 tenant_ids[i], 1 + i % 5);
		exec_or_die(conn, sql);
	}
}

/* one statement with one uuid or int8 parameter; returns the int8 of the first column or -1 */
static long long
call(Client *c, const char *sql, const char *param, bool expect_errors)
{
	const char *params[1] = {param};
	PGresult   *res = PQexecParams(c->conn, sql, 1, NULL, params, NULL, NULL, 0);
	long long	value = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
			value = atoll(PQgetvalue(res, 0, 0));
	}
	else if (!expect_errors)
	{
		c->errors++;
		if (c->errors < 5)
			fprintf(stderr, "client %d: %s", c->index, PQerrorMessage(c->conn));
	}
	PQclear(res);
	return value;
}

static const char *submit_sql[2] = {
	"SELECT tenant_scaling.submit_training_job($1, 'training_small', 1, 1)",
	"INSERT INTO public.job_load_plain (tenant_id, workload_type, model_size_gb, expected_duration_hours)"
	" VALUES ($1, 'training_small', 1, 1) RETURNING job_id",
};
static const char *start_sql[2] = {
	"SELECT tenant_scaling.start_next_training_job($1)",
	"UPDATE public.job_load_plain SET status = 'running', started_at = clock_timestamp()"
	" WHERE job_id = (SELECT job_id FROM public.job_load_plain WHERE tenant_id = $1 AND status = 'queued'"
	"                 ORDER BY submitted_at, job_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING job_id",
};
static const char *finish_sql[2] = {
	"SELECT 1 FROM tenant_scaling.finish_training_job($1, true)",
	"UPDATE public.job_load_plain SET status = 'succeeded', finished_at = clock_timestamp()"
	" WHERE job_id = $1 AND status = 'running' RETURNING 1",
};

/*
 * Each round: submit a job for a tenant, start the next job of a tenant,
 * and finish the job this client started a round ago, so that jobs run for
 * a while and tenants sit at their limits.
 */
static void *
client_main(void *arg)
{
	Client	   *c = arg;
	long long	running = -1;
	char		id[32];

	c->conn = connect_or_die();
	while (!atomic_load(&stop))
	{
		const char *tenant = tenant_ids[rand_r(&c->seed) % TENANTS];
		long long	job;

		if (call(c, submit_sql[plain], tenant, false) > 0)
			c->submitted++;
		tenant = tenant_ids[rand_r(&c->seed) % TENANTS];
		job = call(c, start_sql[plain], tenant, false);
		if (running > 0)
		{
			snprintf(id, sizeof(id), "%lld", running);
			if (call(c, finish_sql[plain], id, false) > 0)
				c->finished++;
			running = -1;
		}
		if (job > 0)
		{
			if (c->nstarted < MAX_STARTS_PER_CLIENT)
				c->started[c->nstarted++] = job;
			running = job;
		}
	}
	if (running > 0)
	{
		snprintf(id, sizeof(id), "%lld", running);
		if (call(c, finish_sql[plain], id, false) > 0)
			c->finished++;
	}
	PQfinish(c->conn);
	return NULL;
}

/* Sample running jobs per tenant against the limits, all through the run. */
static void *
monitor_main(void *arg)
{
	PGconn	   *conn = connect_or_die();

	(void) arg;
	while (!atomic_load(&stop))
	{
		PGresult   *res = PQexec(conn,
								 "SELECT j.tenant_id, count(*), max(c.max_concurrent_jobs)"
								 "  FROM tenant_scaling.training_jobs j"
								 "  JOIN tenant_scaling.tenant_scaling_config c USING (tenant_id)"
								 " WHERE j.status = 'running' AND j.tenant_id::text LIKE 'cafe0000-%'"
								 " GROUP BY j.tenant_id HAVING count(*) > max(c.max_concurrent_jobs)");

		if (PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			if (PQntuples(res) > 0)
			{
				atomic_fetch_add(&violations, PQntuples(res));
				fprintf(stderr, "tenant %s runs %s jobs, its limit is %s\n",
						PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
			}
			atomic_fetch_add(&samples, 1);
		}
		PQclear(res);
		/* often enough to catch a slot over the limit, without taking a core from the clients */
		nanosleep(&(struct timespec) {0, 2 * 1000 * 1000}, NULL);
	}
	PQfinish(conn);
	return NULL;
}

static int
compare_ids(const void *a, const void *b)
{
	long long	x = *(const long long *) a;
	long long	y = *(const long long *) b;

	return (x > y) - (x < y);
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
	pthread_t	monitor;
	PGconn	   *conn;
	long		submitted = 0,
				finished = 0,
				errors = 0,
				nstarted = 0,
				duplicates = 0;
	long long  *all;
	double		started_at,
				elapsed;
	int			i;
	long		k;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
			clients = atoi(argv[++i]);
		else if (strcmp(argv[i], "--plain") == 0)
			plain = true;
		else if (strcmp(argv[i], "--no-monitor") == 0)
			monitor_on = false;
		else
		{
			fprintf(stderr, "usage: %s [--seconds N] [--clients N] [--plain] [--no-monitor]\n", argv[0]);
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
		cs[i].started = malloc(sizeof(long long) * MAX_STARTS_PER_CLIENT);
	}
	started_at = now_seconds();
	monitor_on = monitor_on && !plain;
	if (monitor_on)
		pthread_create(&monitor, NULL, monitor_main, NULL);
	for (i = 0; i < clients; i++)
		pthread_create(&threads[i], NULL, client_main, &cs[i]);
	while (now_seconds() - started_at < seconds)
	{
		struct timespec pause = {0, 50 * 1000 * 1000};

		nanosleep(&pause, NULL);
	}
	atomic_store(&stop, true);
	for (i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	elapsed = now_seconds() - started_at;
	if (monitor_on)
		pthread_join(monitor, NULL);

	for (i = 0; i < clients; i++)
	{
		submitted += cs[i].submitted;
		finished += cs[i].finished;
		errors += cs[i].errors;
		nstarted += cs[i].nstarted;
	}
	all = malloc(sizeof(long long) * (nstarted + 1));
	for (k = 0, i = 0; i < clients; i++)
	{
		memcpy(all + k, cs[i].started, sizeof(long long) * cs[i].nstarted);
		k += cs[i].nstarted;
	}
	qsort(all, nstarted, sizeof(long long), compare_ids);
	for (k = 1; k < nstarted; k++)
		if (all[k] == all[k - 1])
			duplicates++;

	printf("# %s: %d clients, %.1f s: %ld submitted, %ld started, %ld finished, %.0f jobs/s\n",
		   plain ? "plain SQL, no limit check" : "tenant_scaling", clients, elapsed, submitted, nstarted,
		   finished, finished / elapsed);
	if (!monitor_on)
		return errors == 0 ? 0 : 1;

	check(errors == 0, "no call failed");
	check(atomic_load(&samples) > 10, "the monitor sampled the running jobs throughout");
	check(atomic_load(&violations) == 0, "no tenant ever ran more jobs than its max_concurrent_jobs");
	check(duplicates == 0, "no job was started twice");
	check(finished > 0, "jobs went through submit, start and finish");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe0000-%'") == submitted,
		  "the rows account for every submitted job");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe0000-%' AND started_at IS NOT NULL") == nstarted,
		  "every started job is running or finished, and no other");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.training_jobs"
					   " WHERE tenant_id::text LIKE 'cafe0000-%' AND status = 'succeeded'") == finished,
		  "every finished job succeeded, once");
	check(single_value(conn, "SELECT count(*) FROM tenant_scaling.tenant_job_counts c"
					   " FULL JOIN (SELECT tenant_id, count(*) FILTER (WHERE status = 'queued') AS q,"
					   "                   count(*) FILTER (WHERE status = 'running') AS r"
					   "              FROM tenant_scaling.training_jobs GROUP BY tenant_id) a USING (tenant_id)"
					   " WHERE coalesce(c.queued_jobs, 0) <> coalesce(a.q, 0)"
					   "    OR coalesce(c.running_jobs, 0) <> coalesce(a.r, 0)") == 0,
		  "tenant_job_counts equals the jobs, tenant by tenant");
	exec_or_die(conn, "DROP TABLE IF EXISTS public.job_load_plain");
	PQfinish(conn);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
