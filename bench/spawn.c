/* spawn.c -- run one command and report its wall time and peak memory.
 *
 *   gcc -O2 -o spawn bench/spawn.c && ./spawn CMD [ARG ...]
 *
 * Runs CMD as a child (stdin, stdout and stderr on /dev/null), waits for it
 * and prints one line on stderr:
 *
 *   spawn wall_s=<seconds> peak_kib=<KiB> exit=<code>
 *
 * wall_s is the monotonic clock from just before the fork to just after the
 * child is reaped; peak_kib is the child's peak resident memory (ru_maxrss
 * from wait4: the child and any children it waited for). It exits with the
 * child's exit code (128 + the signal when it was killed).
 *
 * Why a C program: Linux counts a process's peak memory from before its exec,
 * so a child forked by Python starts at the interpreter's ~14 MiB and a small
 * engine's own peak would be hidden under it; a child forked from this small
 * process starts near 1 MiB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spawn CMD [ARG ...]\n");
        return 2;
    }
    double started = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("spawn: fork");
        return 2;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("spawn: wait4");
            return 2;
        }
    }
    double wall_s = now_s() - started;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(stderr, "spawn wall_s=%.6f peak_kib=%ld exit=%d\n", wall_s, usage.ru_maxrss, code);
    return code;
}
