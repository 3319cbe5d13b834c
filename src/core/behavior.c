/*
 * behavior.c: the stabilization windows and rate limits of behavior.h.
 */
#include "behavior.h"

#include <string.h>

#define US_PER_SECOND INT64_C(1000000)
#define WINDOW_RENEW_FRACTION 5

static int32_t
clamp64(int64_t v)
{
	return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

void
window_reset(RecommendationWindow *window)
{
	memset(window, 0, sizeof(*window));
}

static void
window_drop_head(RecommendationWindow *window)
{
	memmove(window->at_us, window->at_us + 1, (window->n - 1) * sizeof(int64_t));
	memmove(window->replicas, window->replicas + 1, (window->n - 1) * sizeof(int32_t));
	window->n--;
}

/*
 * The count the windows allow towards recommendation: below the desired
 * count, the highest recommendation of the last down_window_s seconds, and
 * nothing while they have not all been below it for that long; above, the
 * lowest of the last up_window_s seconds. A recommendation equal to the
 * desired count ends the window. (With 32 recommendations all different and
 * all within the window, the oldest is forgotten.)
 */
int32_t
window_stabilize(RecommendationWindow *window, int32_t recommendation, int32_t desired,
				 int64_t now_us, int32_t up_window_s, int32_t down_window_s)
{
	int32_t		direction = recommendation < desired ? -1 : 1;
	int64_t		oldest;
	int64_t		renew_us;

	/* equal, or a direction without a window: nothing to hold, nothing to keep (no state to write) */
	if (recommendation == desired || (direction < 0 ? down_window_s : up_window_s) == 0)
	{
		window_reset(window);
		return recommendation;
	}
	oldest = now_us - (int64_t) (direction < 0 ? down_window_s : up_window_s) * US_PER_SECOND;
	if (window->direction != direction)
	{
		window_reset(window);
		window->direction = direction;
		window->since_us = now_us;
	}
	/*
	 * Every entry older than the window, the newest too (no decision since,
	 * or a state that outlived its resource): none counts any more, as the
	 * HPA forgets them, and the recommendation now is the only one.
	 */
	else if (window->n > 0 && window->at_us[window->n - 1] < oldest)
		window->n = 0;
	/*
	 * The same recommendation as the newest entry, seen again within a fifth
	 * of the window: the entry is kept as it is rather than renewed, so a
	 * steady wait writes its state once per fifth of the window, not every
	 * cycle. When another recommendation follows it, it may have been made
	 * until just before now, but never a fifth of the window after it was
	 * kept (it would have been renewed): it is moved to the earlier of the
	 * two, so it never leaves the window sooner than the HPA's would, and at
	 * most a fifth of the window later.
	 */
	renew_us = (now_us - oldest) / WINDOW_RENEW_FRACTION;
	if (!(window->n > 0 && window->replicas[window->n - 1] == recommendation &&
		  now_us - window->at_us[window->n - 1] < renew_us))
	{
		if (window->n > 0 && window->replicas[window->n - 1] != recommendation)
		{
			int64_t		last_seen = window->at_us[window->n - 1] + renew_us;

			window->at_us[window->n - 1] = last_seen < now_us ? last_seen : now_us - 1;
		}
		/* an older entry that the new one outlives and outranks can never decide again */
		while (window->n > 0 &&
			   (direction < 0 ? window->replicas[window->n - 1] <= recommendation
				: window->replicas[window->n - 1] >= recommendation))
			window->n--;
		if (window->n == WINDOW_MAX_ENTRIES)
			window_drop_head(window);
		window->at_us[window->n] = now_us;
		window->replicas[window->n] = recommendation;
		window->n++;
	}
	while (window->n > 1 && window->at_us[0] < oldest)
		window_drop_head(window);
	if (window->since_us > oldest)
		return desired;
	/*
	 * Never past the desired count the other way: entries recorded before an
	 * override moved it are still below (above) what they were, not a reason
	 * to scale up (down).
	 */
	if (direction < 0)
		return window->replicas[0] < desired ? window->replicas[0] : desired;
	return window->replicas[0] > desired ? window->replicas[0] : desired;
}

bool
window_equal(const RecommendationWindow *a, const RecommendationWindow *b)
{
	return a->direction == b->direction && a->since_us == b->since_us && a->n == b->n &&
		memcmp(a->at_us, b->at_us, a->n * sizeof(int64_t)) == 0 &&
		memcmp(a->replicas, b->replicas, a->n * sizeof(int32_t)) == 0;
}


void
behavior_remember_change(ReplicaChange *changes, int *n_changes, int max, ScalingHistory *history,
						 int64_t now_us, int32_t from, int32_t to)
{
	if (*n_changes == max)
	{
		memmove(changes, changes + 1, (max - 1) * sizeof(ReplicaChange));
		(*n_changes)--;
	}
	changes[(*n_changes)++] = (ReplicaChange) {now_us, from, to};
	history->has_last_scaled = true;
	history->last_scaled_us = now_us;
	if (to > from)
	{
		history->has_last_scale_out = true;
		history->last_scale_out_us = now_us;
	}
}

int32_t
behavior_longest_period(const ScalingBehavior *up, const ScalingBehavior *down)
{
	int32_t		longest = 0;
	int			i;

	for (i = 0; i < up->n_policies; i++)
		if (up->policies[i].period_seconds > longest)
			longest = up->policies[i].period_seconds;
	for (i = 0; i < down->n_policies; i++)
		if (down->policies[i].period_seconds > longest)
			longest = down->policies[i].period_seconds;
	return longest;
}

/* Replicas added (up) or removed (!up) by the changes of the last period_s seconds. */
static int64_t
changed_within(const ReplicaChange *changes, int n_changes, int64_t now_us, int32_t period_s, bool up)
{
	int64_t		since = now_us - (int64_t) period_s * US_PER_SECOND;
	int64_t		sum = 0;
	int			i;

	for (i = 0; i < n_changes; i++)
	{
		const ReplicaChange *c = &changes[i];

		if (c->at_us <= since)
			continue;
		if (up && c->to > c->from)
			sum += c->to - c->from;
		else if (!up && c->from > c->to)
			sum += c->from - c->to;
	}
	return sum;
}

/*
 * As the HPA (calculateScaleUpLimitWithScalingRules and its scale-down
 * twin): each policy allows a change relative to the count at the start of
 * its period, the desired count less what was added and plus what was
 * removed within it; up by pods or ceil(start x (1 + percent)), down by pods
 * or floor(start x (1 - percent)); select_policy takes the most or the least
 * permissive.
 */
int32_t
behavior_rate_limited(const ScalingBehavior *up_behavior, const ScalingBehavior *down_behavior, int32_t desired_now,
					  int64_t now_us, const ReplicaChange *changes, int n_changes, int32_t target)
{
	bool		up = target > desired_now;
	const ScalingBehavior *b = up ? up_behavior : down_behavior;
	int64_t		desired = desired_now;
	int64_t		limit = 0;
	int			i;

	if (target == desired_now || b->select_policy == SELECT_POLICY_DISABLED)
		return desired_now;
	for (i = 0; i < b->n_policies; i++)
	{
		const RateLimit *p = &b->policies[i];
		int64_t		start = desired - changed_within(changes, n_changes, now_us, p->period_seconds, true)
			+ changed_within(changes, n_changes, now_us, p->period_seconds, false);
		int64_t		l;
		bool		more_permissive;

		if (start < 0)
			start = 0;
		if (up)
		{
			l = p->kind == RATE_LIMIT_PODS ? start + p->value : (start * (100 + p->value) + 99) / 100;
			more_permissive = l > limit;
		}
		else
		{
			l = p->kind == RATE_LIMIT_PODS ? start - p->value
				: p->value >= 100 ? 0 : start * (100 - p->value) / 100;
			if (l < 0)
				l = 0;
			more_permissive = l < limit;
		}
		if (i == 0 || more_permissive == (b->select_policy == SELECT_POLICY_MAX))
			limit = l;
	}
	if (up)
		return clamp64(limit < desired ? desired : limit < target ? limit : target);
	return clamp64(limit > desired ? desired : limit > target ? limit : target);
}

