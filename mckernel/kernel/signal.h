// SPDX-License-Identifier: GPL-2.0
// POSIX signals on the LWK: actions, masks, pending sets, the x86-64 signal
// frame (the same layout Linux builds, so glibc's restorer and handlers that
// read ucontext_t work), and default actions. A process that dies of a signal
// reports it in its wait status; mcexec then dies of the same signal.
#pragma once

#include <kernel/process.h>

#include <arch/trap.h>
#include <stdint.h>

namespace mck {

constexpr int SIGKILL = 9, SIGSEGV = 11, SIGCHLD = 17, SIGSTOP = 19;

// Send @sig to the process (any thread that takes it) or to one thread.
// Standard signals coalesce; real-time ones queue, each with its siginfo.
// @limit: how many queued real-time signals the process may hold for this
// sender (RLIMIT_SIGPENDING, which Linux checks unless the sender is kill(2)
// or the kernel); 0, or -EAGAIN when the queue is full.
constexpr uint64_t SIG_NO_LIMIT = ~0ull;
int64_t signal_send_process(Process* p, int sig, const SigInfo& info, uint64_t limit = SIG_NO_LIMIT);
int64_t signal_send_thread(Thread* t, int sig, const SigInfo& info, uint64_t limit = SIG_NO_LIMIT);
// Free a thread's or process's queued signals when it ends.
void signal_free_queue(Process* p, SigList& q);
// The program changed its RLIMIT_SIGPENDING (on Linux): ask again when needed.
void signal_limit_changed(Process* p);
// The signals @p ignores (SIG_IGN; bit sig - 1), which stay ignored through
// execve; and, for a new image, what it keeps from the one before (or from its
// launcher): @ignored stay ignored, @blocked stay blocked in its main thread,
// @pending are pending for it (bit sig - 1; SIGKILL and SIGSTOP are none).
uint64_t signal_ignored_set(Process* p);
void signal_exec_inherit(Process* p, uint64_t ignored, uint64_t blocked, uint64_t pending);
// The signals pending for @t or its process that @t blocks: what its execve
// keeps pending (a real-time signal once, without its value).
uint64_t signal_exec_pending(Thread* t);
// A fault the thread caused: delivered even if blocked or ignored (then fatal).
void signal_force(Thread* t, int sig, const SigInfo& info);
// Is a signal pending that the thread does not block?
bool signal_pending(Thread* t);
// Is one pending that would interrupt its call waiting on Linux (a handler
// runs, or the process stops or dumps core)? The thread asks itself once its
// call is sent, for a signal that came after it entered the kernel and before
// notify() could see the call (kernel/offload.cpp).
bool signal_interrupts_offload(Thread* t);
// Deliver one pending signal on the way to user mode (@f is the user frame).
// A system call it interrupted (-ERESTART*) is restarted or fails with EINTR
// as Linux decides for the handler that runs. Returns whether a handler's
// frame was set up; if not (ignored, stopped, no room), look again.
bool signal_deliver(Thread* t, arch::TrapFrame* f);
// Job control: while a stop signal keeps the process stopped, a thread on
// its way to user mode sleeps here until SIGCONT (or the process ends).
void signal_park(Thread* t);
// Linux stopped the program's mcexec with SIGSTOP (kill -STOP of the
// program's pid, Slurm's suspend), which mcexec can neither catch nor pass on;
// mcctrl saw it (MCK_IKC_STOPPED). The program stops as SIGSTOP's default
// action stops it, without asking mcexec to stop (it is); the SIGCONT that
// continues mcexec, which it forwards, continues the program.
void signal_stopped_by_linux(Process* p);
// On the way to user mode once no handler is left to set up: restart a call
// a signal interrupted, give back the mask rt_sigsuspend replaced.
void signal_leave_syscall(Thread* t, arch::TrapFrame* f);
// rt_sigsuspend, ppoll, pselect6, epoll_pwait(2): the thread waits with the
// mask at user address @set (@size must be 8: EINVAL; EFAULT) in place of its
// own. The old one comes back in the frame of the handler that runs, else on
// the way out (signal_leave_syscall).
int64_t signal_swap_mask(uint64_t set, uint64_t size);
// The call that swapped the mask ended with @ret: unless a signal interrupted
// it, the thread's own mask is back at once, so a signal only the call's mask
// let through stays pending (Linux's restore_saved_sigmask_unless).
void signal_swap_mask_end(int64_t ret);
// A fault in user mode (vector < 32): fix it (demand paging) or signal.
void user_exception(arch::TrapFrame* f);

// A signal set the program passes at @ptr with @size (Linux's sigsetsize):
// EINVAL unless 8, EFAULT unreadable; SIGKILL and SIGSTOP left out.
int64_t signal_read_set(uint64_t ptr, uint64_t size, uint64_t& set);
// Take the lowest pending signal of @set for the calling thread (its own
// before the process's), as rt_sigtimedwait and a signalfd's read do; with
// @wait, sleep until one comes, or until @deadline (TSC, 0: none), a signal
// the thread takes or its end. Returns the signal, 0 if none.
int signal_take(uint64_t set, bool wait, uint64_t deadline, SigInfo& info);

int64_t sys_rt_sigaction(int64_t sig, uint64_t act, uint64_t oact, uint64_t size);
int64_t sys_rt_sigprocmask(int64_t how, uint64_t set, uint64_t oset, uint64_t size);
int64_t sys_rt_sigreturn(arch::TrapFrame* f);
int64_t sys_sigaltstack(uint64_t ss, uint64_t old, uint64_t user_sp);
int64_t sys_rt_sigpending(uint64_t set, uint64_t size);
int64_t sys_pause();
int64_t sys_rt_sigsuspend(uint64_t set, uint64_t size);
int64_t sys_rt_sigtimedwait(uint64_t set, uint64_t info, uint64_t timeout, uint64_t size);
int64_t sys_kill(int64_t pid, int64_t sig);
int64_t sys_tgkill(int64_t tgid, int64_t tid, int64_t sig);
int64_t sys_rt_sigqueueinfo(int64_t tgid, int64_t tid, int64_t sig, uint64_t uinfo, bool to_thread);

} // namespace mck
