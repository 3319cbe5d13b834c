/*
 * job_counts.h: tenant_job_counts, the training jobs queued and running per
 * tenant, and the queue-length limit (issue 16, finding 10).
 */
#ifndef TS_JOB_COUNTS_H
#define TS_JOB_COUNTS_H

#include "postgres.h"

#include "executor/spi.h"

/*
 * Add each row of deltas (tenant_id uuid, queued int4, running int4), in
 * tenant order, to the tenant's counts; an error (SQLSTATE TS001) when a
 * tenant's queue grows past its limit. SPI must be connected.
 */
extern void ts_add_job_deltas(SPITupleTable *deltas, uint64 count);

#endif
