/*
 * job_counts.h: tenant_job_counts, the training jobs queued and running per
 * tenant, and the queue-length limit (issue 16, finding 10).
 */
#ifndef TS_JOB_COUNTS_H
#define TS_JOB_COUNTS_H

#include "postgres.h"

typedef enum JobRowsChange
{
	JOB_ROWS_INSERTED,			/* new_rows */
	JOB_ROWS_UPDATED,			/* old_rows and new_rows */
	JOB_ROWS_DELETED,			/* old_rows */
	JOB_ROWS_CHANGES
} JobRowsChange;

/*
 * From a training_jobs statement's transition tables (registered with SPI,
 * which must be connected): add each tenant's change to its counts; an error
 * (SQLSTATE TS001) when inserted jobs grow a tenant's queue past its limit.
 */
extern void ts_maintain_job_counts(JobRowsChange change);

#endif
