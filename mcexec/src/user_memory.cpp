// SPDX-License-Identifier: GPL-2.0
// Fault-tolerant copies to and from the program's memory (user_memory.h). A
// copy runs with a per-thread jump buffer armed; SIGBUS or SIGSEGV while it
// is armed jumps back and the copy fails. The same signals sent by another
// process (kill, sigqueue) are the program's and go to it; any other fault
// is mcexec's own bug and ends it as it would without the handler.
#include "user_memory.h"

#include "policy.h"

#include <setjmp.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

namespace mcexec {
namespace {

// volatile: the compiler must not drop the stores around memcpy, which it
// assumes cannot read this (only the signal handler does).
thread_local sigjmp_buf* volatile t_armed;
void (*g_pass_on)(int sig, const siginfo_t& info);

void on_fault(int sig, siginfo_t* info, void*)
{
    if (info && info->si_code <= 0 && g_pass_on) { // SI_USER, SI_QUEUE, SI_TKILL: sent, not a fault
        g_pass_on(sig, *info);
        return;
    }
    if (sigjmp_buf* jb = t_armed) {
        t_armed = nullptr;
        siglongjmp(*jb, 1);
    }
    signal(sig, SIG_DFL); // returning re-runs the access, which now kills us
}

// memcpy that reports a fault instead of dying of it.
bool guarded_copy(void* dst, const void* src, size_t n)
{
    sigjmp_buf jb;
    // SA_NODEFER below: the signal mask need not be restored on the way out.
    if (sigsetjmp(jb, 0))
        return false;
    t_armed = &jb;
    std::memcpy(dst, src, n);
    t_armed = nullptr;
    return true;
}

} // namespace

void user_memory_init(void (*pass_on)(int sig, const siginfo_t& info))
{
    g_pass_on = pass_on;
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
    sigaction(SIGSEGV, &sa, nullptr);
}

bool copy_from_program(void* dst, uint64_t src, size_t n)
{
    return n == 0 || (in_program(src, n) && guarded_copy(dst, reinterpret_cast<const void*>(src), n));
}

bool copy_to_program(uint64_t dst, const void* src, size_t n)
{
    return n == 0 || (in_program(dst, n) && guarded_copy(reinterpret_cast<void*>(dst), src, n));
}

int copy_string_from_program(std::string* out, uint64_t src, size_t max)
{
    out->clear();
    while (out->size() < max) {
        // Up to the end of the page: the next one may be unmapped.
        size_t chunk = 4096 - (src & 4095);
        if (chunk > max - out->size())
            chunk = max - out->size();
        char buf[4096];
        if (!copy_from_program(buf, src, chunk))
            return -EFAULT;
        const void* nul = std::memchr(buf, 0, chunk);
        if (nul) {
            out->append(buf, static_cast<const char*>(nul) - buf);
            return 0;
        }
        out->append(buf, chunk);
        src += chunk;
    }
    return -ENAMETOOLONG;
}

} // namespace mcexec
