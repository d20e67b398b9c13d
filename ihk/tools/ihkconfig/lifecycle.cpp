// SPDX-License-Identifier: GPL-2.0
// ihkconfig start | teardown: an instance's whole life in one call each.
//
// mcreboot.sh and mcstop+release.sh used to run ihkconfig and ihkosctl once per
// step (eight and 2n+3 programs). Starting a program costs 0.1-0.2 s under
// emulation and on a loaded node, more than booting the LWK, so the scripts now
// make one call each; the steps and their undo live here, in one place.
#include "commands.h"
#include "output.h"

#include <ihk/device.h>
#include <ihk/parse.h>

#include <cerrno>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ihk::tools::ihkconfig {
namespace {

// Steps done so far; unless released, they are undone in reverse order when
// the scope ends (a later step threw a Failure).
class UndoStack {
public:
    UndoStack() = default;
    UndoStack(const UndoStack&) = delete;
    UndoStack& operator=(const UndoStack&) = delete;
    ~UndoStack()
    {
        for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it)
            report(it->second(), "undo " + it->first);
    }
    void push(std::string what, std::function<Result<void>()> undo) { m_steps.emplace_back(std::move(what), std::move(undo)); }
    void release() { m_steps.clear(); }

    // Print a failed step and go on; false if it failed.
    static bool report(const Result<void>& r, const std::string& context)
    {
        if (r)
            return true;
        std::cerr << "ihkconfig: " << context << ": " << r.error().message << '\n';
        return false;
    }

private:
    std::vector<std::pair<std::string, std::function<Result<void>()>>> m_steps;
};

struct StartArgs {
    std::string cpus, mem, ikc_map, image, kargs;
    uint32_t timeout_s = 0;
    bool dry_run = false; // check the arguments and the image only (mcreboot.sh, before loading modules)
};

// Reserve, create, assign, configure and boot; all or nothing. Returns the index.
int start(Device& dev, const StartArgs& a)
{
    UndoStack undo;
    // Memory first: Linux zeroes it on all of the node's online CPUs, and
    // reserving the CPUs takes some of them offline.
    std::string ctx = "reserve mem " + a.mem;
    auto mem = must(parse_mem_spec(a.mem), ctx);
    must(dev.reserve_mem(mem), ctx);
    undo.push("release mem " + a.mem, [&dev, mem] { return dev.release_mem(mem); });

    ctx = "reserve cpu " + a.cpus;
    auto cpus = must(parse_cpu_list(a.cpus), ctx);
    must(dev.reserve_cpus(cpus), ctx);
    undo.push("release cpu " + a.cpus, [&dev, cpus] { return dev.release_cpus(cpus); });

    int index = must(dev.create_os(), "create");
    std::string name = std::to_string(index);
    undo.push("destroy " + name, [&dev, index] { return dev.destroy_os(index); });

    Os os = must(Os::open(index), "open /dev/mcos" + name);
    must(os.assign_cpus(cpus), "assign cpu " + a.cpus);
    must(os.assign_mem(mem), "assign mem " + a.mem);
    if (!a.ikc_map.empty()) {
        ctx = "set ikc_map " + a.ikc_map;
        must(os.set_ikc_map(must(parse_ikc_map(a.ikc_map), ctx)), ctx);
    }
    must(os.load(a.image), "load " + a.image);
    must(os.set_kargs(a.kargs), "kargs");
    // A failed boot needs no shutdown: destroying the instance stops its CPUs.
    must(os.boot(a.timeout_s * 1000), "boot");
    undo.release();
    return index;
}

// Bytes per NUMA node of the pool that no instance has.
std::map<int, uint64_t> unassigned(Device& dev)
{
    std::map<int, uint64_t> bytes;
    if (auto extents = dev.query_mem())
        for (const MemExtent& e : *extents)
            if (e.os_index < 0)
                bytes[e.numa_node] += e.size;
    return bytes;
}

// Shut down and destroy instance @index and give its CPUs and memory back to
// Linux. Goes on past failures (a crashed LWK must still be cleared); false if
// any step failed. The memory released is what the destroy put back into the
// pool, which is less than the instance had when Linux still held some of its
// pages (those go to Linux directly; docs/memory.md).
bool teardown(Device& dev, int index)
{
    std::string name = std::to_string(index);
    auto os = Os::open(index);
    if (!UndoStack::report(os ? Result<void>() : os.error(), "open /dev/mcos" + name))
        return false;
    auto cpus = os->query_cpus();
    auto before = unassigned(dev);
    (void)os->shutdown(); // refused only when it was never booted or is down already
    bool ok = UndoStack::report(dev.destroy_os(index), "destroy " + name);
    if (ok && cpus && !cpus->empty())
        ok &= UndoStack::report(dev.release_cpus(cpu_numbers(*cpus)), "release the CPUs of " + name);
    std::vector<MemChunk> back;
    for (auto [node, bytes] : unassigned(dev))
        if (bytes > before[node])
            back.push_back({bytes - before[node], node});
    if (ok && !back.empty())
        ok &= UndoStack::report(dev.release_mem(back), "release the memory of " + name);
    return ok;
}

// Every instance, then whatever the pool still holds.
bool teardown_all(Device& dev)
{
    auto list = dev.os_instances();
    bool ok = UndoStack::report(list ? Result<void>() : list.error(), "get os_instances");
    if (list)
        for (int index : *list)
            ok &= teardown(dev, index);
    auto pool = dev.query_cpus();
    ok &= UndoStack::report(pool ? Result<void>() : pool.error(), "query cpu");
    if (pool && !pool->empty())
        ok &= UndoStack::report(dev.release_cpus(cpu_numbers(*pool)), "release cpu all");
    ok &= UndoStack::report(dev.release_mem(must(parse_mem_spec("all"), "all")), "release mem all");
    return ok;
}

} // namespace

void set_lifecycle_commands(CLI::App& app, const Options& opts)
{
    auto a = std::make_shared<StartArgs>();
    auto* start_cmd = app.add_subcommand(
        "start", "Reserve CPUs and memory, create an instance with them, load an image and boot it, "
                 "in one step; what was done is undone if a step fails. Prints the OS index");
    start_cmd->add_option("--cpus", a->cpus, "CPUs, e.g. 2-3")->required()->check(cpu_list_validator(false));
    start_cmd->add_option("--mem", a->mem, "Memory, SIZE@NUMA list, e.g. 512M@0")->required()->check(mem_spec_validator());
    start_cmd->add_option("--image", a->image, "LWK image, e.g. mckernel.img")
        ->required()
        ->check(lwk_image_validator());
    start_cmd->add_option("--kargs", a->kargs, "LWK kernel arguments")->check(kargs_validator());
    start_cmd->add_option("--ikc-map", a->ikc_map, "Which Linux CPU serves which LWK CPUs, e.g. 2-3:0")
        ->check(ikc_map_validator());
    start_cmd->add_option("--timeout", a->timeout_s, "Seconds to wait for RUNNING (default: ihk.ko's boot_timeout_ms)")
        ->check(CLI::Range(1, 3600));
    start_cmd->add_flag("--dry-run", a->dry_run,
                        "Check the arguments and the image, and change nothing (no device is opened)");
    start_cmd->callback([&opts, a] {
        if (a->dry_run)
            return;
        Device dev = must(Device::open(opts.index), "start");
        int os = start(dev, *a);
        print_value("os", os, std::to_string(os), opts.json);
    });

    auto index = std::make_shared<int>(-1);
    auto* down = app.add_subcommand(
        "teardown", "Shut down and destroy an instance and give its CPUs and memory back to Linux; "
                    "without OS, every instance and all of the pool. Goes on past failures");
    down->add_option("os", *index, "OS instance index")->check(CLI::Range(0, 63));
    down->callback([&opts, index] {
        Device dev = must(Device::open(opts.index), "teardown");
        if (!(*index < 0 ? teardown_all(dev) : teardown(dev, *index)))
            throw Failure("teardown", make_error(EIO, "the node may not be clean; see dmesg"));
    });
}

} // namespace ihk::tools::ihkconfig
