// SPDX-License-Identifier: GPL-2.0
// Interruptible offloaded calls (interruptible_call.h).
#include "interruptible_call.h"

#include <mcexec/abi.h>

#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

// int64_t mcexec_syscall_stub(uint64_t nr, const uint64_t args[6], volatile int* interrupted)
// RCX is cleared first: after a restart Linux leaves the SYSCALL instruction's
// return address in it, so the handler can tell "not entered" from "restarted".
asm(R"(
    .text
    .globl mcexec_syscall_stub
    .type mcexec_syscall_stub, @function
mcexec_syscall_stub:
    movq %rdi, %rax
    movq %rdx, %r11
    movq 16(%rsi), %rdx
    movq 24(%rsi), %r10
    movq 32(%rsi), %r8
    movq 40(%rsi), %r9
    movq 0(%rsi), %rdi
    movq 8(%rsi), %rsi
    xorl %ecx, %ecx
    .globl mcexec_stub_check
mcexec_stub_check:
    cmpl $0, (%r11)
    jne mcexec_stub_cancelled
    .globl mcexec_stub_syscall
mcexec_stub_syscall:
    syscall
    .globl mcexec_stub_done
mcexec_stub_done:
    ret
    .globl mcexec_stub_cancelled
mcexec_stub_cancelled:
    movq $-513, %rax
    ret
    .size mcexec_syscall_stub, . - mcexec_syscall_stub
)");

static_assert(MCK_ERESTARTNOINTR == 513, "the stub's cancelled answer");

extern "C" {
int64_t mcexec_syscall_stub(uint64_t nr, const uint64_t* args, volatile int* interrupted);
extern const char mcexec_stub_check[], mcexec_stub_syscall[], mcexec_stub_done[], mcexec_stub_cancelled[];
}

namespace mcexec {
namespace {

thread_local volatile int t_interrupted = 0;
void (*g_foreign)(int, const siginfo_t&); // where a signal of this number from anyone else goes

// mcctrl's interruption comes from the kernel (SI_KERNEL; SI_USER with no
// sender when Linux had no room to queue its details), or from mcexec itself
// (the unit tests). Anyone else's signal of this number (a kill, which names
// its sender) is the program's.
bool ours(const siginfo_t& info)
{
    return info.si_code == SI_KERNEL || (info.si_code == SI_USER && info.si_pid == 0) || info.si_pid == getpid();
}

void on_interrupt(int sig, siginfo_t* info, void* ctx)
{
    if (!ours(*info)) {
        if (g_foreign)
            g_foreign(sig, *info);
        return;
    }
    t_interrupted = 1;
    greg_t* r = static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs;
    auto at = [](const char* label) { return greg_t(reinterpret_cast<uintptr_t>(label)); };
    const int SYSCALL_LEN = 2;
    if (r[REG_RIP] >= at(mcexec_stub_check) && r[REG_RIP] < at(mcexec_stub_syscall)) {
        r[REG_RIP] = at(mcexec_stub_cancelled); // the flag was not seen yet
    } else if (r[REG_RIP] == at(mcexec_stub_syscall)) {
        if (r[REG_RCX] == at(mcexec_stub_syscall) + SYSCALL_LEN) {
            r[REG_RAX] = -MCK_ERESTARTSYS; // Linux would restart it: the LWK decides
            r[REG_RIP] = at(mcexec_stub_done);
        } else {
            r[REG_RIP] = at(mcexec_stub_cancelled); // not entered
        }
    }
}

} // namespace

void interruptible_init(void (*foreign)(int sig, const siginfo_t& info))
{
    g_foreign = foreign;
    if (MCEXEC_INTERRUPT_SIGNAL < SIGRTMIN || MCEXEC_INTERRUPT_SIGNAL > SIGRTMAX) {
        fprintf(stderr, "mcexec: signal %d is not free for mcexec's use with this C library\n",
                MCEXEC_INTERRUPT_SIGNAL);
        exit(125);
    }
    struct sigaction sa {};
    sa.sa_sigaction = on_interrupt;
    sa.sa_flags = SA_SIGINFO | SA_RESTART; // mcexec's own calls go on; the stub decides for the program's
    sigemptyset(&sa.sa_mask);
    sigaction(MCEXEC_INTERRUPT_SIGNAL, &sa, nullptr);
}

void interruptible_reset() { t_interrupted = 0; }

bool interruptible_pending() { return t_interrupted != 0; }

int64_t interruptible_syscall(uint64_t nr, const uint64_t args[6])
{
    return mcexec_syscall_stub(nr, args, &t_interrupted);
}

} // namespace mcexec
