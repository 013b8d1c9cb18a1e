// Linux real-time calls Swift cannot make directly (variadic prctl, the CPU_SET macros), and a
// plain C periodic loop: the reference the Swift loop's wake latency is compared with.
#ifndef VIGIL_REALTIME_H
#define VIGIL_REALTIME_H

#include <stddef.h>
#include <stdint.h>

/// prctl(PR_SET_TIMERSLACK): 0 or errno.
int vigil_set_timer_slack(unsigned long nanoseconds);
/// mlockall(MCL_CURRENT, and MCL_FUTURE when `include_future`): 0 or errno.
int vigil_lock_memory(int include_future);
/// RLIMIT_MEMLOCK's soft limit in bytes, or -1 when unlimited.
long long vigil_memlock_limit(void);
/// The process has CAP_IPC_LOCK in its effective set (locked memory is then not limited).
int vigil_has_ipc_lock(void);
/// Back to SCHED_OTHER and every online CPU but `avoid_cpu` (-1: none; ignored when it is the
/// only CPU), for the calling thread: what a helper thread of a real-time loop (the log writer)
/// must run with, so that it never competes with the loop.
void vigil_leave_realtime(int avoid_cpu);
/// SCHED_FIFO at `priority` for the calling thread: 0 or errno.
int vigil_set_fifo(int priority);
/// Pins the calling thread to `cpu`: 0 or errno.
int vigil_pin_cpu(int cpu);
/// Asks the kernel (PM QoS, /dev/cpu_dma_latency) to keep every CPU out of idle states that take
/// longer than `microseconds` to leave, for as long as the process lives: 0, or the errno of what
/// failed. A second call changes the value of the request already held.
int vigil_request_cpu_latency(int32_t microseconds);
/// Writes to `bytes` of stack so that its pages are resident before the loop starts.
void vigil_prefault_stack(size_t bytes);
/// Opens the folder `path` for syncfs(2): a descriptor, or -errno.
int vigil_open_folder(const char *path);
/// syncfs(2) on the file system holding the open folder `fd`: 0, or the errno of what failed
/// (write-back errors included, since `fd` was opened).
int vigil_syncfs(int fd);
/// close(2).
void vigil_close(int fd);
/// CLOCK_MONOTONIC in nanoseconds.
int64_t vigil_monotonic_ns(void);
/// Sleeps until the absolute CLOCK_MONOTONIC time `deadline_ns` (TIMER_ABSTIME), retrying on EINTR.
void vigil_sleep_until(int64_t deadline_ns);
/// A plain C loop: `count` periods of `period_ns` with clock_nanosleep(TIMER_ABSTIME), writing
/// each wake-up's lateness (ns) to `latencies_ns`. A wake-up more than a period late skips ahead
/// to the next deadline, as the Swift loop does. Returns the missed periods.
int64_t vigil_c_periodic_loop(int64_t period_ns, int64_t count, int64_t *latencies_ns);

#endif
