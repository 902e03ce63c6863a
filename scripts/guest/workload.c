// SPDX-License-Identifier: Apache-2.0
/*
 * Harrier VM-test workload (runs inside the QEMU guest, built static by scripts/vm-test.sh).
 * Each mode does something whose events the host-side checks look for by exact value:
 *
 *   workload files DIR   open/write/read/close DIR/harrier-file.txt ("harrier-data-42")
 *   workload tcp PORT    TCP server + client on 127.0.0.1:PORT, "ping-harrier" each way
 *   workload fail        open("/harrier/does-not-exist") -> ENOENT, kill(999999, 0) -> ESRCH,
 *                      execve("/harrier/no-such-binary") -> ENOENT
 *   workload exec        execve("/bin/echo", {"echo", "harrier-arg-1", "--harrier-flag=2"})
 *   workload procs N     N short processes: fork + exec /bin/true, waited for
 *   workload getppid N   N getppid() syscalls; prints "getppid ns_per_call=X"
 *   workload all DIR PORT files, tcp, fail, procs 50, then exec (replaces the process)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void files(const char *dir)
{
	char path[512], buf[64];
	const char msg[] = "harrier-data-42";
	int fd;

	snprintf(path, sizeof(path), "%s/harrier-file.txt", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		die("open for write");
	if (write(fd, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		die("write");
	close(fd);
	fd = openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0)
		die("openat for read");
	if (read(fd, buf, sizeof(buf)) != sizeof(msg) - 1)
		die("read");
	close(fd);
}

static void tcp(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, srv, cli, conn;
	char buf[32];
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_STREAM, 0);
	if (srv < 0)
		die("socket");
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(srv, 4) < 0)
		die("listen");
	pid = fork();
	if (pid == 0) {
		cli = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(cli, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		if (write(cli, "ping-harrier", 12) != 12)
			die("client write");
		if (read(cli, buf, sizeof(buf)) <= 0)
			die("client read");
		close(cli);
		_exit(0);
	}
	conn = accept(srv, NULL, NULL);
	if (conn < 0)
		die("accept");
	if (read(conn, buf, sizeof(buf)) <= 0)
		die("server read");
	if (write(conn, "pong-harrier", 12) != 12)
		die("server write");
	close(conn);
	close(srv);
	waitpid(pid, NULL, 0);
}

static void fail(void)
{
	if (open("/harrier/does-not-exist", O_RDONLY) >= 0 || errno != ENOENT)
		die("expected ENOENT");
	if (kill(999999, 0) == 0 || errno != ESRCH)
		die("expected ESRCH");
	char *argv[] = { "no-such-binary", NULL };
	if (execve("/harrier/no-such-binary", argv, argv + 1) == 0 || errno != ENOENT)
		die("expected ENOENT from execve");
}

static void procs(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl("/bin/true", "true", NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
}

static void do_exec(void)
{
	char *argv[] = { "echo", "harrier-arg-1", "--harrier-flag=2", NULL };
	char *envp[] = { "HARRIER_ENV=on", "PATH=/bin", NULL };

	execve("/bin/echo", argv, envp);
	die("execve");
}

static void getppid_loop(long n)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("getppid n=%ld ns_per_call=%.1f\n", n,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "files") && argc > 2)
		files(argv[2]);
	else if (!strcmp(mode, "tcp") && argc > 2)
		tcp(atoi(argv[2]));
	else if (!strcmp(mode, "fail"))
		fail();
	else if (!strcmp(mode, "exec"))
		do_exec();
	else if (!strcmp(mode, "procs") && argc > 2)
		procs(atoi(argv[2]));
	else if (!strcmp(mode, "getppid") && argc > 2)
		getppid_loop(atol(argv[2]));
	else if (!strcmp(mode, "all") && argc > 3) {
		files(argv[2]);
		tcp(atoi(argv[3]));
		fail();
		procs(50);
		do_exec();
	} else {
		fprintf(stderr, "usage: workload files DIR | tcp PORT | fail | exec | procs N | "
				"getppid N | all DIR PORT\n");
		return 2;
	}
	return 0;
}
