/* lint_select.c - lint only what a pull request adds (--changed-since REF) or what
 * up would run (--pending), with every earlier migration as context */
#include "cmd/lint_select.h"
#include "run/session.h"
#include "base/proc.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void add_changed(struct lint_select *sel, const char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		return; /* deleted or renamed away: nothing to lint */
	sel->changed = xrealloc(sel->changed, (sel->nchanged + 1) * sizeof(*sel->changed));
	sel->changed[sel->nchanged++] = real;
}

/* Run git; its NUL-separated paths (relative to here) are added. */
static int git_paths(struct lint_select *sel, const char *const *argv)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct proc p = { argv, NULL, -1, NULL, NULL };
	int rc = proc_run(&p, &out, &err);
	size_t i;

	if (rc != 0) {
		char *nl;

		if (rc < 0)
			log_error("could not run git: it is needed by --changed-since");
		else {
			if ((nl = strchr(err.buf, '\n')))
				*nl = '\0';
			log_error("git %s failed: %s", argv[1], err.buf);
			log_hint("--changed-since wants a commit, branch or tag of this repository, "
				 "e.g. origin/main");
		}
		strbuf_release(&out);
		strbuf_release(&err);
		return EXIT_USAGE;
	}
	for (i = 0; i < out.len; i += strlen(out.buf + i) + 1)
		if (out.buf[i])
			add_changed(sel, out.buf + i);
	strbuf_release(&out);
	strbuf_release(&err);
	return EXIT_OK;
}

int lint_select_changed(struct lint_select *sel, const char *ref, const char *dir)
{
	const char *diff[] = { "git", "diff", "--name-only", "-z", "--relative", "--no-renames",
			       "--diff-filter=AM", ref, "--", dir, NULL };
	const char *untracked[] = { "git", "ls-files", "-z", "--others", "--exclude-standard",
				    "--", dir, NULL };
	int rc;

	sel->mode = 1;
	if (ref[0] == '-') {
		log_error("--changed-since wants a git revision, not \"%s\"", ref);
		return EXIT_USAGE;
	}
	rc = git_paths(sel, diff);
	return rc == EXIT_OK ? git_paths(sel, untracked) : rc;
}

static int cmp_version(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int lint_select_pending(struct lint_select *sel, struct app *app)
{
	struct session s;
	size_t i;
	int rc = session_open(&s, app, SESSION_HISTORY);

	sel->mode = 2;
	if (rc == EXIT_OK) {
		sel->applied = xmalloc((s.h.n + 1) * sizeof(*sel->applied));
		for (i = 0; i < s.h.n; i++)
			sel->applied[i] = s.h.rows[i].version;
		sel->napplied = s.h.n;
		qsort(sel->applied, sel->napplied, sizeof(*sel->applied), cmp_version);
	}
	session_close(&s);
	return rc;
}

int lint_select_wants(const struct lint_select *sel, const struct migration *m,
		      const struct section *sec)
{
	size_t i;
	char *real;
	int found = 0;

	if (!sec->path)
		return 0;
	if (sel->mode == 2)
		return !bsearch(&m->version, sel->applied, sel->napplied, sizeof(*sel->applied),
				cmp_version);
	if (sel->mode != 1)
		return 1;
	if (!(real = realpath(sec->path, NULL)))
		return 0;
	for (i = 0; i < sel->nchanged && !found; i++)
		found = !strcmp(real, sel->changed[i]);
	free(real);
	return found;
}

void lint_select_release(struct lint_select *sel)
{
	size_t i;

	for (i = 0; i < sel->nchanged; i++)
		free(sel->changed[i]);
	free(sel->changed);
	free(sel->applied);
	memset(sel, 0, sizeof(*sel));
}
