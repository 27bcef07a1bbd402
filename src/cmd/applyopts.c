/* applyopts.c - --lock-timeout, --statement-timeout, --retries, --wait, --blockers,
 * --wait-quiet, --events, --batch-delay, --batch-rate */
#include "cmd/applyopts.h"
#include "run/events.h"
#include "base/util.h"

static int duration(const char *name, const char *arg, long *out)
{
	long v = parse_duration_ms(arg);

	if (v < 0) {
		log_error("invalid %s \"%s\"", name, arg);
		log_hint("write a duration like 500ms, 2s or 1min");
		return -1;
	}
	*out = v;
	return 1;
}

int apply_option(struct apply_overrides *ov, int id, const char *arg)
{
	int64_t v;

	switch (id) {
	case AO_LOCK_TIMEOUT:
		if (parse_lock_timeout_ms(arg) == 0) { /* PostgreSQL reads 0 as "wait forever" */
			log_error("invalid --lock-timeout \"%s\": at least 1ms", arg);
			log_hint("0 would wait for locks without a limit, what migrate exists to prevent");
			return -1;
		}
		return duration("--lock-timeout", arg, &ov->lock_timeout_ms);
	case AO_STATEMENT_TIMEOUT:
		return duration("--statement-timeout", arg, &ov->statement_timeout_ms);
	case AO_WAIT:
		return duration("--wait", arg, &ov->wait_ms);
	case AO_WAIT_QUIET:
		return duration("--wait-quiet", arg, &ov->wait_quiet_ms);
	case AO_EVENTS:
		ov->events = arg;
		return 1;
	case AO_BATCH_DELAY:
		return duration("--batch-delay", arg, &ov->batch_delay_ms);
	case AO_BATCH_RATE:
		v = parse_int64(arg);
		if (v < 0 || v > 1000000000) {
			log_error("invalid --batch-rate \"%s\": rows per second, 0 for no limit", arg);
			return -1;
		}
		ov->batch_rate = (long)v;
		return 1;
	case AO_BLOCKERS:
		if ((ov->blockers = config_blockers(arg)) < 0) {
			log_error("invalid --blockers \"%s\": wait, cancel-idle or cancel-idle-any", arg);
			return -1;
		}
		return 1;
	case AO_RETRIES:
		v = parse_int64(arg);
		if (v < 0 || v > 1000) {
			log_error("invalid --retries \"%s\" (0 to 1000)", arg);
			return -1;
		}
		ov->retries = (int)v;
		return 1;
	case AO_NO_BACKUP:
		ov->no_backup = 1;
		return 1;
	case AO_ON_FAILURE:
		if ((ov->on_failure = config_on_failure(arg)) < 0) {
			log_error("invalid --on-failure \"%s\": stop or rollback", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

int apply_config(struct app *app, const struct apply_overrides *ov)
{
	if (app_config(app) < 0)
		return -1;
	if (ov->lock_timeout_ms >= 0)
		app->cfg.lock_timeout_ms = ov->lock_timeout_ms;
	if (ov->statement_timeout_ms >= 0)
		app->cfg.statement_timeout_ms = ov->statement_timeout_ms;
	if (ov->wait_ms >= 0)
		app->cfg.wait_ms = ov->wait_ms;
	if (ov->retries >= 0)
		app->cfg.retries = ov->retries;
	if (ov->on_failure >= 0)
		app->cfg.on_failure = ov->on_failure;
	if (ov->blockers >= 0)
		app->cfg.blockers = ov->blockers;
	if (ov->wait_quiet_ms >= 0)
		app->cfg.wait_quiet_ms = ov->wait_quiet_ms;
	if (ov->batch_delay_ms >= 0)
		app->cfg.batch_delay_ms = ov->batch_delay_ms;
	if (ov->batch_rate >= 0)
		app->cfg.batch_rate = (int)ov->batch_rate;
	if (ov->events && events_open(ov->events) < 0)
		return -1;
	if (ov->no_backup) {
		app->cfg.backup_enabled = 0;
		app->cfg.backup_skipped_by = "--no-backup";
	}
	return 0;
}

int64_t parse_version_arg(const char *opt, const char *arg)
{
	int64_t v = parse_int64(arg);

	if (v < 0)
		log_error("invalid %s \"%s\": a version is a number such as 20261121143000", opt, arg);
	return v;
}

int parse_steps_arg(const char *arg)
{
	int64_t v = parse_int64(arg);

	if (v < 1 || v > 1000000) {
		log_error("invalid --steps \"%s\": a positive number", arg);
		return -1;
	}
	return (int)v;
}

int apply_options_done(struct cli *c, int opt, int max_positional, struct app *app,
		       const struct apply_overrides *ov)
{
	int rc = cli_done(c, opt, max_positional);

	cli_release(c);
	if (rc >= 0)
		return rc;
	return apply_config(app, ov) < 0 ? EXIT_USAGE : -1;
}
