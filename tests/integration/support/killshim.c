/* An LD_PRELOAD shim for the crash test: counts the calls that make a crash matter
 * (rename, fsync, unlink, spawning a handler) in the vmcatcher process only, and kills
 * the process with SIGKILL right before or right after the Nth one.
 *
 *   VMCATCHER_KILL_AT=K   kill point K: before call K/2 when K is even, after it when odd
 *   VMCATCHER_KILL_LOG=F  append one line per call ("<n> <name>") to F
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int active = 0;
static long kill_at = -1;
static int log_fd = -1;
static long counter = 0;

__attribute__((constructor)) static void init(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    if (strcmp(base, "vmcatcher") != 0) return;
    active = 1;
    const char *k = getenv("VMCATCHER_KILL_AT");
    if (k && *k) kill_at = strtol(k, NULL, 10);
    const char *l = getenv("VMCATCHER_KILL_LOG");
    if (l && *l) log_fd = open(l, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static long before(const char *name) {
    if (!active) return -1;
    long n = __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    if (log_fd >= 0) {
        char line[128];
        int len = snprintf(line, sizeof line, "%ld %s\n", n, name);
        if (len > 0) (void)!write(log_fd, line, (size_t)len);
    }
    if (kill_at == 2 * n) kill(getpid(), SIGKILL);
    return n;
}

static void after(long n) {
    if (n >= 0 && kill_at == 2 * n + 1) kill(getpid(), SIGKILL);
}

typedef int (*path2_fn)(const char *, const char *);
typedef int (*at2_fn)(int, const char *, int, const char *);
typedef int (*fd_fn)(int);
typedef int (*path_fn)(const char *);
typedef int (*atflag_fn)(int, const char *, int);
typedef pid_t (*fork_fn)(void);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

/* The real function, looked up once. */
#define REAL(name, type) static type real_##name; \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

int rename(const char *a, const char *b) {
    REAL(rename, path2_fn);
    long n = before("rename");
    int r = real_rename(a, b);
    after(n);
    return r;
}

int renameat(int da, const char *a, int db, const char *b) {
    REAL(renameat, at2_fn);
    long n = before("renameat");
    int r = real_renameat(da, a, db, b);
    after(n);
    return r;
}

int fsync(int fd) {
    REAL(fsync, fd_fn);
    long n = before("fsync");
    int r = real_fsync(fd);
    after(n);
    return r;
}

int fdatasync(int fd) {
    REAL(fdatasync, fd_fn);
    long n = before("fdatasync");
    int r = real_fdatasync(fd);
    after(n);
    return r;
}

int unlink(const char *p) {
    REAL(unlink, path_fn);
    long n = before("unlink");
    int r = real_unlink(p);
    after(n);
    return r;
}

int unlinkat(int d, const char *p, int f) {
    REAL(unlinkat, atflag_fn);
    long n = before("unlinkat");
    int r = real_unlinkat(d, p, f);
    after(n);
    return r;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *at, char *const argv[], char *const envp[]) {
    REAL(posix_spawn, spawn_fn);
    long n = before("spawn");
    int r = real_posix_spawn(pid, path, fa, at, argv, envp);
    after(n);
    return r;
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *at, char *const argv[], char *const envp[]) {
    REAL(posix_spawnp, spawn_fn);
    long n = before("spawn");
    int r = real_posix_spawnp(pid, file, fa, at, argv, envp);
    after(n);
    return r;
}

pid_t fork(void) {
    REAL(fork, fork_fn);
    long n = before("fork");
    pid_t r = real_fork();
    if (r != 0) after(n);
    return r;
}
