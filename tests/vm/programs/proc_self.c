// SPDX-License-Identifier: GPL-2.0
// Under mcexec, the program's /proc/self/{maps,stat,statm,status} (and
// /proc/<pid>/, /proc/thread-self/, task/<tid>/) describe the LWK process:
// its own mappings at the addresses mmap returned, its threads and their
// states, its memory; glibc's pthread_getattr_np finds the main thread's
// stack in maps; cmdline and environ hold its own arguments and environment.
// Prints "ok: ..." per check, "FAIL: ..." and exits 1 on any
// failure (vm.lwk_view).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                                             \
    do {                                                                                                             \
        if (cond) {                                                                                                  \
            printf("ok: " __VA_ARGS__);                                                                              \
        } else {                                                                                                     \
            printf("FAIL: " __VA_ARGS__);                                                                            \
            failures++;                                                                                              \
        }                                                                                                            \
        printf("\n");                                                                                                \
    } while (0)

static char* slurp(const char* path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char* buf = malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    return buf;
}

struct MapLine {
    unsigned long start, end, offset, inode;
    char perms[5];
    char name[512];
};

// The line of @maps whose range holds @addr.
static int find_map(const char* maps, unsigned long addr, struct MapLine* out)
{
    for (const char* l = maps; l && *l;) {
        const char* nl = strchr(l, '\n');
        struct MapLine m = {0};
        unsigned maj, min;
        int used = 0;
        if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %n", &m.start, &m.end, m.perms, &m.offset, &maj, &min, &m.inode,
                   &used) >= 7 &&
            addr >= m.start && addr < m.end) {
            size_t n = (nl ? (size_t)(nl - l) : strlen(l)) - (size_t)used;
            if (n >= sizeof(m.name))
                n = sizeof(m.name) - 1;
            memcpy(m.name, l + used, n);
            *out = m;
            return 1;
        }
        l = nl ? nl + 1 : NULL;
    }
    return 0;
}

// Field @k (1-based, man 5 proc) of a stat line, as a string in @out.
static int stat_field(const char* stat, int k, char* out, size_t size)
{
    if (k == 1)
        return sscanf(stat, "%63s", out) == 1;
    const char* p = strrchr(stat, ')');
    if (!p)
        return 0;
    p += 2;
    for (int i = 3; i < k; i++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    size_t n = strcspn(p, " \n");
    if (n >= size)
        return 0;
    memcpy(out, p, n);
    out[n] = 0;
    return 1;
}

static long stat_num(const char* stat, int k)
{
    char f[64];
    return stat_field(stat, k, f, sizeof(f)) ? strtol(f, NULL, 10) : -1;
}

static long status_num(const char* status, const char* key)
{
    char want[64];
    snprintf(want, sizeof(want), "\n%s:", key);
    const char* p = strstr(status, want);
    return p ? strtol(p + strlen(want), NULL, 10) : -1;
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_go, g_ready;
static pid_t g_tids[2];

static void* sleeper(void* arg)
{
    pthread_mutex_lock(&g_lock);
    g_tids[(intptr_t)arg] = (pid_t)syscall(SYS_gettid);
    g_ready++;
    pthread_cond_broadcast(&g_cond);
    while (!g_go)
        pthread_cond_wait(&g_cond, &g_lock);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

// @path's bytes equal @list's strings, each with its NUL (cmdline, environ).
static int holds_list(const char* path, char* const* list)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    char got[1 << 16];
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof(got) && (r = read(fd, got + n, sizeof(got) - (size_t)n)) > 0)
        n += r;
    close(fd);
    ssize_t at = 0;
    for (; *list; list++) {
        size_t len = strlen(*list) + 1;
        if (at + (ssize_t)len > n || memcmp(got + at, *list, len))
            return 0;
        at += (ssize_t)len;
    }
    return at == n;
}

extern char** environ;

int main(int argc, char** argv)
{
    long page = sysconf(_SC_PAGESIZE);
    pid_t pid = getpid();
    (void)argc;

    CHECK(holds_list("/proc/self/cmdline", argv), "cmdline: the program's own arguments");
    CHECK(holds_list("/proc/self/environ", environ), "environ: the program's own environment");

    // Mappings of our own: three pages, the middle one read-only, and many small ones.
    char* three = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (three == MAP_FAILED || mprotect(three + page, page, PROT_READ) != 0) {
        printf("FAIL: mmap/mprotect: %s\n", strerror(errno));
        return 1;
    }
    enum { MANY = 2000 };
    char* many = mmap(NULL, 2 * MANY * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; many != MAP_FAILED && i < MANY; i++)
        mprotect(many + 2 * i * page, page, PROT_READ); // every other page: 2 * MANY regions
    int fd_priv = open("/proc/self/exe", O_RDONLY);
    char* priv = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd_priv, page);
    char* shared = mmap(NULL, page, PROT_READ, MAP_SHARED, fd_priv, 0);
    if (priv == MAP_FAILED)
        fd_priv = -1;
    void* heap = malloc(100);
    free(heap);

    pthread_t th[2];
    for (intptr_t i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, sleeper, (void*)i);
    pthread_mutex_lock(&g_lock);
    while (g_ready < 2)
        pthread_cond_wait(&g_cond, &g_lock);
    pthread_mutex_unlock(&g_lock);

    char* maps = slurp("/proc/self/maps");
    CHECK(maps != NULL, "open /proc/self/maps");
    if (!maps)
        return 1;
    struct MapLine m;
    CHECK(find_map(maps, (unsigned long)three, &m) && m.start == (unsigned long)three &&
              m.end == (unsigned long)three + page && !strcmp(m.perms, "rw-p") && m.offset == 0 && m.inode == 0,
          "maps: our mmap at %p, rw-p, one page (got %lx-%lx %s)", (void*)three, m.start, m.end, m.perms);
    CHECK(find_map(maps, (unsigned long)three + page, &m) && m.start == (unsigned long)three + page &&
              m.end == (unsigned long)three + 2 * page && !strcmp(m.perms, "r--p"),
          "maps: its mprotected page r--p (got %lx-%lx %s)", m.start, m.end, m.perms);
    int stack_var;
    CHECK(find_map(maps, (unsigned long)&stack_var, &m) && !strcmp(m.name, "[stack]"),
          "maps: a local variable is in [stack] (got '%s')", m.name);
    unsigned long stack_end = m.end;
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    CHECK(vdso && find_map(maps, vdso, &m) && !strcmp(m.name, "[vdso]") && m.start == vdso,
          "maps: [vdso] at AT_SYSINFO_EHDR %#lx (got '%s')", vdso, m.name);
    void* brk_now = sbrk(0);
    CHECK(find_map(maps, (unsigned long)brk_now - 1, &m) && !strcmp(m.name, "[heap]"),
          "maps: the break %p ends [heap] (got '%s')", brk_now, m.name);
    char exe[512] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = 0;
    CHECK(find_map(maps, (unsigned long)&main, &m) && !strcmp(m.name, exe) && strchr(m.perms, 'x'),
          "maps: main() is in %s, executable (got '%s' %s)", exe, m.name, m.perms);
    // Files it maps itself: a library ld.so mapped, a private and a shared mapping of our own file.
    char real[512] = "";
    if (!realpath(exe, real))
        strcpy(real, exe);
    CHECK(find_map(maps, (unsigned long)(void*)&strlen, &m) && strstr(m.name, "/libc.so"),
          "maps: strlen is in libc (got '%s')", m.name);
    CHECK(fd_priv >= 0 && find_map(maps, (unsigned long)priv, &m) && !strcmp(m.name, real) && m.offset == 4096 &&
              !strcmp(m.perms, "r--p") && m.inode > 0,
          "maps: a private mapping of our file at offset 4096 (got '%s' %lx %s)", m.name, m.offset, m.perms);
    CHECK(shared != MAP_FAILED && find_map(maps, (unsigned long)shared, &m) && !strcmp(m.name, real) &&
              m.offset == 0 && !strcmp(m.perms, "r--s"),
          "maps: a shared mapping of our file (got '%s' %lx %s)", m.name, m.offset, m.perms);
    int lines = 0;
    unsigned long vsize = 0;
    for (const char* l = maps; *l; l = strchr(l, '\n') + 1) {
        unsigned long s, e;
        if (sscanf(l, "%lx-%lx", &s, &e) == 2)
            vsize += e - s;
        lines++;
        if (!strchr(l, '\n'))
            break;
    }
    CHECK(lines >= 2 * MANY, "maps: %d lines for more than %d regions", lines, 2 * MANY);

    // glibc reads maps to find the main thread's stack.
    pthread_attr_t attr;
    void* stack_addr = NULL;
    size_t stack_size = 0;
    CHECK(pthread_getattr_np(pthread_self(), &attr) == 0 &&
              pthread_attr_getstack(&attr, &stack_addr, &stack_size) == 0 &&
              (unsigned long)stack_addr + stack_size == stack_end && (char*)&stack_var > (char*)stack_addr,
          "pthread_getattr_np: main stack %p + %#zx ends at [stack]'s end %#lx", stack_addr, stack_size, stack_end);

    char* stat = slurp("/proc/self/stat");
    CHECK(stat && stat_num(stat, 1) == pid, "stat: pid %ld", stat ? stat_num(stat, 1) : -1);
    char state[8] = "";
    if (stat)
        stat_field(stat, 3, state, sizeof(state));
    CHECK(!strcmp(state, "R"), "stat: state R while it reads (got %s)", state);
    CHECK(stat && stat_num(stat, 4) == getppid(), "stat: ppid %ld = getppid %d", stat ? stat_num(stat, 4) : -1,
          getppid());
    CHECK(stat && stat_num(stat, 5) == getpgrp(), "stat: pgrp = getpgrp");
    CHECK(stat && stat_num(stat, 20) == 3, "stat: num_threads %ld = 3", stat ? stat_num(stat, 20) : -1);
    long stat_vsize = stat ? stat_num(stat, 23) : -1, rss = stat ? stat_num(stat, 24) : -1;
    // The stat is read after maps: malloc may have grown the heap in between (slurp).
    CHECK(stat_vsize > 0 && labs(stat_vsize - (long)vsize) < (16l << 20),
          "stat: vsize %ld about the sum of maps %lu", stat_vsize, vsize);
    CHECK(rss > 0, "stat: rss %ld pages", rss);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), cpu = stat ? stat_num(stat, 39) : -1;
    CHECK(cpu >= 0 && cpu < cpus, "stat: processor %ld of %ld", cpu, cpus);

    char* statm = slurp("/proc/self/statm");
    long size = -1, resident = -1;
    CHECK(statm && sscanf(statm, "%ld %ld", &size, &resident) == 2 && size * page >= stat_vsize - (16l << 20) &&
              resident > 0,
          "statm: size %ld resident %ld pages", size, resident);

    char* status = slurp("/proc/self/status");
    CHECK(status && status_num(status, "Pid") == pid, "status: Pid");
    CHECK(status && status_num(status, "PPid") == getppid(), "status: PPid");
    CHECK(status && status_num(status, "Threads") == 3, "status: Threads 3");
    CHECK(status && status_num(status, "VmRSS") > 0, "status: VmRSS %ld kB", status ? status_num(status, "VmRSS") : -1);
    CHECK(status && strstr(status, "\nState:\tR (running)\n"), "status: State R (running)");

    // The other spellings of the same files.
    char path[128];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    char* by_pid = slurp(path);
    CHECK(by_pid && stat_num(by_pid, 20) == 3, "%s: num_threads 3", path);
    char* self_thread = slurp("/proc/thread-self/stat");
    CHECK(self_thread && stat_num(self_thread, 1) == syscall(SYS_gettid), "/proc/thread-self/stat: our tid");
    int slept = 0;
    for (int tries = 0; tries < 100 && !slept; tries++) {
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", g_tids[0]);
        char* t = slurp(path);
        if (t && stat_field(t, 3, state, sizeof(state)) && !strcmp(state, "S") && stat_num(t, 1) == g_tids[0])
            slept = 1;
        free(t);
        if (!slept)
            usleep(50000);
    }
    CHECK(slept, "/proc/self/task/%d/stat: a thread waiting on a condition variable sleeps (S; last %s)", g_tids[0],
          state);
    int dirfd = open("/proc", O_RDONLY | O_DIRECTORY);
    int fd = openat(dirfd, "self/statm", O_RDONLY);
    char buf[256] = "";
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && atol(buf) > 0, "openat(fd of /proc, self/statm)");
    close(fd);
    close(dirfd);

    // How it opens.
    fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "O_CLOEXEC is kept");
    CHECK(fd >= 0 && write(fd, "x", 1) < 0 && errno == EBADF, "the descriptor is read-only");
    close(fd);
    fd = open("/proc/self/maps", O_RDONLY);
    CHECK(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC), "no O_CLOEXEC, none set");
    close(fd);
    errno = 0;
    CHECK(open("/proc/self/stat", O_WRONLY) < 0 && errno == EACCES, "O_WRONLY: EACCES (errno %d)", errno);
    errno = 0;
    CHECK(open("/proc/self/limits", O_RDWR) < 0 && errno == EACCES, "limits, O_RDWR: EACCES (errno %d)", errno);
    fd = open("/proc/self/limits", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && !strncmp(buf, "Limit", 5) && write(fd, "x", 1) < 0 &&
              errno == EBADF,
          "limits read, not written (errno %d)", errno);
    close(fd);
    errno = 0;
    CHECK(syscall(SYS_openat, AT_FDCWD, (char*)8, O_RDONLY) < 0 && errno == EFAULT, "a bad path pointer: EFAULT");
    CHECK(open("/proc/self/task/999999/stat", O_RDONLY) < 0 && errno == ENOENT, "no such thread: ENOENT (errno %d)",
          errno);

    // The listing of /proc/self/task names the program's threads, each with its files.
    DIR* tasks = opendir("/proc/self/task");
    int listed = 0, ours = 0, with_stat = 0;
    for (struct dirent* e; tasks && (e = readdir(tasks));) {
        if (e->d_name[0] == '.')
            continue;
        long tid = atol(e->d_name);
        listed++;
        ours += tid == pid || tid == g_tids[0] || tid == g_tids[1];
        snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
        char* t = slurp(path);
        with_stat += t && stat_num(t, 1) == tid;
        free(t);
    }
    if (tasks)
        closedir(tasks);
    CHECK(listed == 3 && ours == 3 && with_stat == 3,
          "/proc/self/task lists the 3 threads (listed %d, ours %d, with their stat %d)", listed, ours, with_stat);

    pthread_mutex_lock(&g_lock);
    g_go = 1;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    long left = -1;
    for (int tries = 0; tries < 100 && left != 1; tries++) { // a joined thread may take a moment to be reaped
        char* after = slurp("/proc/self/stat");
        left = after ? stat_num(after, 20) : -1;
        free(after);
        if (left != 1)
            usleep(20000);
    }
    CHECK(left == 1, "stat: num_threads 1 after the joins (got %ld)", left);
    printf("%s\n", failures ? "proc_self: FAILED" : "proc_self: all ok");
    return failures ? 1 : 0;
}
