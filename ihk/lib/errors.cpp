// SPDX-License-Identifier: LGPL-2.1-or-later
// Wording of refusals: one line naming the refused value and what was expected.
#include <ihk/errors.h>

#include <uapi/ihk/ihk.h>

#include <cerrno>
#include <cstring>

namespace ihk {

std::string refusal_message(Subject subject, uint32_t reason, int err, std::string_view item)
{
    const std::string i(item);
    const std::string cpu = "CPU " + i;
    const bool os = subject == Subject::OsCpu || subject == Subject::OsMem;
    switch (reason) {
    case IHK_ERR_FLAGS:
        return "malformed request: a reserved field is not zero";
    case IHK_ERR_TOO_MANY:
        return "the list is too long (at most " + std::to_string(IHK_MAX_LIST) + " CPUs or " +
               std::to_string(IHK_MAX_MEM_CHUNKS) + " memory chunks)";
    case IHK_ERR_EMPTY:
        return "the list is empty";
    case IHK_ERR_CPU_NOT_PRESENT:
        return cpu + " does not exist on this node";
    case IHK_ERR_CPU_BOOT:
        return cpu + " cannot be reserved: Linux keeps its boot CPU (CPU 0) and CPUs it cannot hot-unplug";
    case IHK_ERR_CPU_LAST_ONLINE:
        return "reserving " + cpu + " would leave Linux without an online CPU";
    case IHK_ERR_CPU_OFFLINE:
        return cpu + " is offline but not reserved by IHK; bring it online first";
    case IHK_ERR_CPU_RESERVED:
        return cpu + " is already reserved";
    case IHK_ERR_CPU_DUPLICATE:
        return cpu + " is listed twice";
    case IHK_ERR_CPU_NOT_RESERVED:
        return cpu + " is not reserved (reserve it with ihkconfig first)";
    case IHK_ERR_CPU_ASSIGNED:
        return os ? cpu + " is already assigned to an OS instance"
                  : cpu + " is assigned to an OS instance; release it from the OS (ihkosctl) first";
    case IHK_ERR_CPU_NOT_ASSIGNED:
        return cpu + " is not assigned to this OS instance";
    case IHK_ERR_CPU_HOTPLUG:
        return "Linux failed to change the state of " + cpu + " (see dmesg)";
    case IHK_ERR_NUMA_NODE:
        return "memory " + i + ": the NUMA node does not exist or has no memory";
    case IHK_ERR_MEM_GRANULE:
        return "memory " + i + ": the size is not a multiple of 2M (2097152 bytes)";
    case IHK_ERR_MEM_OVERFLOW:
        return "memory " + i + ": the sizes on this node add up to more than 64 bits";
    case IHK_ERR_MEM_FREE:
        return "memory " + i +
               ": the NUMA node has too little free memory (Linux keeps a safety margin, see "
               "the keep_linux_mb and keep_linux_percent parameters of ihk.ko)";
    case IHK_ERR_MEM_NOT_RESERVED:
        return "memory " + i + ": more than the unassigned reserved memory on that NUMA node";
    case IHK_ERR_MEM_ASSIGNED:
        return "memory " + i +
               ": that memory is assigned to an OS instance; release it from the OS (ihkosctl) first";
    case IHK_ERR_MEM_NOT_ASSIGNED:
        return "memory " + i + ": more than this OS instance holds on that NUMA node";
    case IHK_ERR_IKC_LWK_CPU:
        return "IKC map " + i + ": the LWK CPU is not assigned to this OS instance";
    case IHK_ERR_IKC_LINUX_CPU:
        return "IKC map " + i + ": the Linux CPU is offline or reserved";
    case IHK_ERR_IKC_DUPLICATE:
        return "IKC map " + i + ": the LWK CPU is mapped twice";
    case IHK_ERR_OS_BUSY:
        return "the OS instance is booting or running (shut it down first)";
    case IHK_ERR_CPU_IKC_TARGET:
        return cpu + " serves an OS instance's IKC map; change the map (ihkosctl set ikc_map) first";
    case IHK_ERR_IMAGE_FORMAT:
        return "not an LWK image: expected a 64-bit little-endian ELF executable";
    case IHK_ERR_IMAGE_ARCH:
        return "the image is for another architecture";
    case IHK_ERR_IMAGE_LAYOUT:
        return "the image's segments or entry point lie outside the IHK boot layout";
    case IHK_ERR_IMAGE_SIZE:
        return "the image is larger than " + std::to_string(IHK_IMAGE_MAX >> 20) + " MiB";
    case IHK_ERR_BOOT_NO_IMAGE:
        return "no image loaded (ihkosctl N load mckernel.img)";
    case IHK_ERR_BOOT_NO_CPU:
        return "the OS instance has no CPUs (ihkosctl N assign cpu ...)";
    case IHK_ERR_BOOT_NO_MEM:
        return "the OS instance has no memory, or its largest chunk is too small for the image";
    case IHK_ERR_BOOT_TOO_MANY:
        return "too many CPUs or memory chunks for one instance";
    case IHK_ERR_BOOT_TIMEOUT:
        return "the LWK did not report RUNNING in time";
    case IHK_ERR_BOOT_PANIC:
        return "the LWK panicked while booting";
    case IHK_ERR_NOT_RUNNING:
        return "the OS instance is not running";
    case IHK_ERR_IKC_TIMEOUT:
        return "LWK CPU " + i + " did not answer within 1 s";
    case IHK_ERR_IKC_CPU:
        return "the OS instance has no LWK CPU index " + i;
    case IHK_ERR_NO_DRIVER:
        return "no architecture driver is loaded (insmod ihk-smp-x86.ko)";
    default:
        if (err == EPERM)
            return "permission denied: only root may change IHK resources";
        if (err == ENODEV)
            return "the OS instance was destroyed";
        return std::strerror(err);
    }
}

std::string open_error_message(std::string_view path, int err)
{
    std::string p(path);
    switch (err) {
    case ENOENT:
        return p + " does not exist (is ihk.ko loaded? is the OS instance created?)";
    case EACCES:
        return "permission denied for " + p + " (IHK resources are root's)";
    case EPERM:
        return p + " requires CAP_SYS_ADMIN (root)";
    default:
        return p + ": " + std::strerror(err);
    }
}

} // namespace ihk
