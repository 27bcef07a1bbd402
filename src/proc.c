/* proc.c - fork and exec with an argument vector, never through a shell */
#include "proc.h"
#include "strbuf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile pid_t proc_running;

static void child(char *const argv[], char *const env[], const char *stdout_path, int errfd)
{
	int in = open("/dev/null", O_RDONLY);
	int out = stdout_path ? open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)
			      : open("/dev/null", O_WRONLY);
	size_t i;

	if (in < 0 || out < 0) {
		dprintf(errfd, "could not open \"%s\": %s\n", stdout_path ? stdout_path : "/dev/null",
			strerror(errno));
		_exit(127);
	}
	dup2(in, 0);
	dup2(out, 1);
	dup2(errfd, 2);
	for (i = 0; env && env[i]; i++)
		putenv(env[i]);
	execvp(argv[0], argv);
	dprintf(2, "could not run \"%s\": %s\n", argv[0], strerror(errno));
	_exit(127);
}

int proc_run(char *const argv[], char *const env[], const char *stdout_path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	int fds[2], status = 0;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	*err = NULL;
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) < 0) {
		*err = xasprintf("could not create a pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*err = xasprintf("could not start \"%s\": %s", argv[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child(argv, env, stdout_path, fds[1]);
	}
	proc_running = pid;
	close(fds[1]);
	while ((got = read(fds[0], buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(&sb, buf, (size_t)got);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	proc_running = 0;
	strbuf_rtrim(&sb);
	*err = strbuf_detach(&sb, NULL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
