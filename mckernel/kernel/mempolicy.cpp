// SPDX-License-Identifier: GPL-2.0
// NUMA memory policy calls. Offloaded, they would act on mcexec's mappings, not
// on the program's memory, so they are answered here: the arguments are checked
// as Linux checks them and the policy is accepted; LWK memory comes from the NUMA
// node of the CPU that maps it (docs/syscalls.md).
#include <kernel/errno.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

namespace mck {
namespace {

constexpr uint64_t MPOL_PREFERRED_MANY = 5; // the highest mode (Linux 6.1)
constexpr uint64_t MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14,
                   MPOL_F_NUMA_BALANCING = 1 << 13;
constexpr uint64_t MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;

bool mode_ok(uint64_t mode)
{
    uint64_t flags = mode & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING);
    return (mode & ~flags) <= MPOL_PREFERRED_MANY &&
           (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES);
}

} // namespace

int64_t sys_mbind(SyscallArgs& a)
{
    if (!mode_ok(a.arg[2]) || (a.arg[5] & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)))
        return -EINVAL;
    int64_t r = vm_check_mapped(current()->proc, a.arg[0], a.arg[1]);
    return r == -ENOMEM ? -EFAULT : r; // an unmapped hole: EFAULT, as Linux's mbind says
}

int64_t sys_set_mempolicy(SyscallArgs& a) { return mode_ok(a.arg[0]) ? 0 : -EINVAL; }

// Always the default policy; no nodes in the mask.
int64_t sys_get_mempolicy(SyscallArgs& a)
{
    constexpr uint64_t MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
    if (a.arg[4] & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
        return -EINVAL;
    if (a.arg[0] && !put_user(a.ptr<int32_t>(0), int32_t(0)))
        return -EFAULT;
    if (a.arg[1] && a.arg[2]) {
        uint64_t bytes = ((a.arg[2] + 63) / 64) * 8;
        if (bytes > 4096)
            return -EINVAL;
        const uint64_t zero[8] = {};
        for (uint64_t off = 0; off < bytes; off += sizeof(zero))
            if (!copy_to_user(a.ptr<uint8_t>(1).at(off), zero, bytes - off < sizeof(zero) ? bytes - off : sizeof(zero)))
                return -EFAULT;
    }
    return 0;
}

} // namespace mck
