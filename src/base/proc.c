/* proc.c - fork, execvp with an argument vector, wait; output read through pipes */
#include "base/proc.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

volatile pid_t proc_running;

/* In the child: set up its descriptors and environment, then exec. Never returns. */
static void child(const struct proc *p, int out_w, int err_w, int status_w, pid_t parent)
{
	int null = open("/dev/null", O_RDONLY);
	int e;

#ifdef __linux__
	/* a migrate killed with -9 must not leave pg_dump running */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(p->stdout_fd >= 0 ? p->stdout_fd : out_w, 1);
	dup2(err_w, 2);
	if (p->password && *p->password)
		setenv("PGPASSWORD", p->password, 1);
	execvp(p->argv[0], (char *const *)p->argv);
	e = errno;
	if (write(status_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int make_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is ready on fd into sb (NULL: discard); closes fd at end of file. */
static void drain(int *fd, struct strbuf *sb)
{
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb)
			strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || errno != EINTR) {
		close_fd(fd);
	}
}

int proc_run(const struct proc *p, struct strbuf *out, struct strbuf *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, statp[2] = { -1, -1 };
	int status, exec_errno = 0, saved;
	int64_t last_tick = now_ms();
	pid_t pid, parent = getpid();
	ssize_t n;

	if ((p->stdout_fd < 0 && make_pipe(outp) < 0) || make_pipe(errp) < 0 ||
	    make_pipe(statp) < 0)
		goto fail;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(p, outp[1], errp[1], statp[1], parent);
	proc_running = pid;
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&statp[1]);
	/* the status pipe closes on a successful exec, or carries exec's errno */
	while ((n = read(statp[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
		;
	close_fd(&statp[0]);
	while (outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd fds[2];
		int nfds = 0, r;

		if (outp[0] >= 0)
			fds[nfds++] = (struct pollfd){ outp[0], POLLIN, 0 };
		if (errp[0] >= 0)
			fds[nfds++] = (struct pollfd){ errp[0], POLLIN, 0 };
		r = poll(fds, (nfds_t)nfds, 200);
		if (p->tick && now_ms() - last_tick >= 200) {
			p->tick(p->ud);
			last_tick = now_ms();
		}
		if (r <= 0)
			continue;
		if (outp[0] >= 0 && fds[0].revents)
			drain(&outp[0], out);
		if (errp[0] >= 0 && fds[nfds - 1].revents)
			drain(&errp[0], err);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0x7f00; /* treat as exit 127 */
			break;
		}
	proc_running = 0;
	if (n == (ssize_t)sizeof(exec_errno) && exec_errno) {
		errno = exec_errno;
		return -1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
fail:
	saved = errno;
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&statp[0]);
	close_fd(&statp[1]);
	errno = saved;
	return -1;
}
