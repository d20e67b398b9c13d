// SPDX-License-Identifier: GPL-2.0
// System V shared memory attach and detach. The segments are Linux's
// (shmget and shmctl are offloaded): mcexec attaches a segment in its own
// address space, so Linux checks the program's permissions and counts the
// attach, and we map the very pages (vm_shm_attach), so LWK processes, their
// fork children and Linux processes share the bytes.
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/vm.h>

#include <arch/mmu.h>
#include <arch/paging.h>

namespace mck {
namespace {

constexpr uint64_t SHM_RDONLY = 010000, SHM_RND = 020000, SHM_REMAP = 040000, SHM_EXEC = 0100000;
constexpr uint64_t SHMLBA = arch::PAGE_4K;

} // namespace

// Linux's checks in Linux's order (ipc/shm.c, do_shmat): the address and
// flags first, then the segment (EINVAL, EIDRM, EACCES from Linux), then
// whether it fits where it was asked to go.
int64_t sys_shmat(SyscallArgs& a)
{
    int shmid = int(a.arg[0]);
    uint64_t addr = a.arg[1], shmflg = uint64_t(int(a.arg[2]));
    if (shmid < 0)
        return -EINVAL;
    if (addr & (SHMLBA - 1)) {
        if (!(shmflg & SHM_RND))
            return -EINVAL;
        addr &= ~(SHMLBA - 1);
    }
    if (!addr && (shmflg & SHM_REMAP))
        return -EINVAL;
    uint64_t prot = (shmflg & SHM_RDONLY) ? arch::PROT_R : arch::PROT_R | arch::PROT_W;
    if (shmflg & SHM_EXEC)
        prot |= arch::PROT_X;
    uint64_t query[6] = {uint64_t(shmid), 0, 0, 0, 0, 0};
    int64_t len = offload(MCK_SYS_SHM_SIZE, query);
    if (len < 0)
        return len;
    if (!len || (len & (SHMLBA - 1)) || addr + uint64_t(len) < addr)
        return -EINVAL;
    return vm_shm_attach(current()->proc, addr, uint64_t(len), prot, shmflg & SHM_REMAP, uint64_t(shmid),
                         shmflg & (SHM_RDONLY | SHM_EXEC));
}

int64_t sys_shmdt(SyscallArgs& a)
{
    if (a.arg[0] & (SHMLBA - 1))
        return -EINVAL;
    return vm_shm_detach(current()->proc, a.arg[0]);
}

} // namespace mck
