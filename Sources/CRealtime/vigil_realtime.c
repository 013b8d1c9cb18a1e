#define _GNU_SOURCE
#include "vigil_realtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

int vigil_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : errno;
}

int vigil_lock_memory(int include_future) {
    return mlockall(MCL_CURRENT | (include_future ? MCL_FUTURE : 0)) == 0 ? 0 : errno;
}

long long vigil_memlock_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return 0;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : (long long)limit.rlim_cur;
}

int vigil_has_ipc_lock(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return 0;
    char line[256];
    unsigned long long effective = 0;
    while (fgets(line, sizeof line, status)) {
        if (sscanf(line, "CapEff: %llx", &effective) == 1) break;
    }
    fclose(status);
    return (effective >> 14) & 1; /* CAP_IPC_LOCK */
}

void vigil_leave_realtime(int avoid_cpu) {
    struct sched_param param;
    memset(&param, 0, sizeof param);
    pthread_setschedparam(pthread_self(), SCHED_OTHER, &param);
    cpu_set_t set;
    CPU_ZERO(&set);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < cpus && i < CPU_SETSIZE; i++) CPU_SET((int)i, &set);
    if (avoid_cpu >= 0 && avoid_cpu < CPU_SETSIZE && CPU_ISSET(avoid_cpu, &set) && CPU_COUNT(&set) > 1) CPU_CLR(avoid_cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int vigil_set_fifo(int priority) {
    struct sched_param param;
    memset(&param, 0, sizeof param);
    param.sched_priority = priority;
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
}

int vigil_pin_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// The request lasts while the file stays open, so it is opened once and never closed: the kernel
// drops it when the process exits, however it exits. The lock keeps two threads entering real
// time at once from opening it twice.
static int cpu_latency_fd = -1;
static pthread_mutex_t cpu_latency_lock = PTHREAD_MUTEX_INITIALIZER;

int vigil_request_cpu_latency(int32_t microseconds) {
    pthread_mutex_lock(&cpu_latency_lock);
    int rc = 0;
    if (cpu_latency_fd < 0) {
        int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
        if (fd < 0) rc = errno;
        else cpu_latency_fd = fd;
    }
    if (rc == 0) {
        ssize_t written = write(cpu_latency_fd, &microseconds, sizeof microseconds);
        if (written != (ssize_t)sizeof microseconds) rc = written < 0 ? errno : EIO;
    }
    pthread_mutex_unlock(&cpu_latency_lock);
    return rc;
}

void vigil_prefault_stack(size_t bytes) {
    volatile unsigned char buffer[256 * 1024];
    size_t n = bytes < sizeof buffer ? bytes : sizeof buffer;
    for (size_t i = 0; i < n; i += 4096) buffer[i] = 0;
}

int64_t vigil_monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void vigil_sleep_until(int64_t deadline_ns) {
    struct timespec t = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {}
}

int64_t vigil_c_periodic_loop(int64_t period_ns, int64_t count, int64_t *latencies_ns) {
    int64_t missed = 0;
    int64_t deadline = vigil_monotonic_ns() + period_ns;
    for (int64_t i = 0; i < count; i++) {
        int64_t now = vigil_monotonic_ns();
        if (now >= deadline + period_ns) {
            int64_t skip = (now - deadline) / period_ns;
            missed += skip;
            deadline += skip * period_ns;
        }
        vigil_sleep_until(deadline);
        int64_t woke = vigil_monotonic_ns();
        latencies_ns[i] = woke - deadline;
        /* Woken a period late or more: the deadlines passed meanwhile are missed too, as in
           Vigil's PeriodicTimer, so the two loops count alike. */
        if (woke >= deadline + period_ns) {
            int64_t skip = (woke - deadline) / period_ns;
            missed += skip;
            deadline += skip * period_ns;
        }
        deadline += period_ns;
    }
    return missed;
}

int vigil_open_folder(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int vigil_syncfs(int fd) {
    return syncfs(fd) == 0 ? 0 : errno;
}

void vigil_close(int fd) {
    close(fd);
}
