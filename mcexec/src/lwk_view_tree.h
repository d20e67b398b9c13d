// SPDX-License-Identifier: GPL-2.0
// The LWK's view of the machine at run time: the generated files
// (lwk_view.h) written to a private directory, and offloaded calls that name
// /proc/cpuinfo, /sys/devices/system/cpu/... (absolute, or relative to a
// directory descriptor or the working directory) sent there instead.
//
// The directory (/dev/shm/mcexec-view.<pid>.XXXXXX, else $TMPDIR or /tmp) is
// the user's, mode 0700, read-only inside. A small process started at
// creation (before mcexec has threads or the program's mapping) removes it
// when mcexec ends, however it ends; one left by a killed cleaner is removed
// by the next mcexec of the user.
#pragma once

#include "lwk_proc.h"
#include "lwk_view.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ihk {
class Os;
}

namespace mcexec {

class LwkView {
public:
    // The share [cpu_first, cpu_first + cpu_count) (count 0: all) and
    // mem_limit (0: all) of instance @os, as mcexec_create asks for it.
    // nullptr and @error when the view cannot be made.
    static std::unique_ptr<LwkView> create(ihk::Os& os, uint32_t cpu_first, uint32_t cpu_count, uint64_t mem_limit,
                                           std::string* error);

    // The program's own files of /proc/self; once, before it starts.
    bool set_program(const std::string& path, const std::vector<std::string>& args,
                     const std::vector<std::string>& env);

    // Offloaded call @nr names a redirected path: its result, run here.
    // nullopt: not the view's, forward it as usual.
    std::optional<int64_t> redirect(uint64_t nr, const uint64_t args[6]) const;

    // MCK_SYS_PROC_FILE (mcexec/abi.h) for the program's thread @tid: the
    // open it names, of /proc/self/{maps,stat,statm,status} or the directory
    // /proc/self/task, made from the LWK's snapshot. A descriptor or -errno.
    int64_t proc_file(uint32_t tid, const uint64_t args[6]) const;

    const std::string& root() const { return m_root; }
    const std::string& program() const { return m_program; } // what /proc/self/exe names
    const view::Share& share() const { return m_share; }

private:
    LwkView() = default;
    struct Resolved;
    std::optional<Resolved> resolve(uint64_t nr, const uint64_t args[6]) const;
    int64_t open_task_dir(const view::Snapshot& snap, uint64_t flags) const;
    std::string m_root;    // the private directory, no trailing slash
    view::Share m_share;
    std::string m_program; // what /proc/self/exe names
    std::string m_comm;
    std::vector<view::MappedFile> m_files; // the program and its loader, named in maps
    int m_pid = 0;         // the mcexec that made it; the cleaner waits for it
};

} // namespace mcexec
