// SPDX-License-Identifier: GPL-2.0
// Node operations for the root helper (node.h).
#include "node.h"

#include <ihk/device.h>
#include <ihk/parse.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace mckslurm {
namespace {

ihk::Error err(int code, const std::string& m) { return ihk::make_error(code, m); }

bool module_loaded(const std::string& name)
{
    std::ifstream f("/proc/modules");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(name + " ", 0) == 0)
            return true;
    return false;
}

// modprobe NAME: the module wherever the node's kernel keeps it (a package,
// DKMS, cmake --install followed by depmod), with what it depends on.
ihk::Result<void> modprobe(const std::string& name)
{
    const char* exe = nullptr;
    for (const char* p : {"/usr/sbin/modprobe", "/sbin/modprobe", "/usr/bin/modprobe", "/bin/modprobe"})
        if (access(p, X_OK) == 0) {
            exe = p;
            break;
        }
    if (!exe)
        return err(ENOENT, "loading " + name + ": modprobe not found (install kmod, or set module_dir)");
    pid_t pid = fork();
    if (pid < 0)
        return err(errno, "fork");
    if (pid == 0) {
        execl(exe, "modprobe", "-q", name.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err(ENOENT, "modprobe " + name + " failed (is the mckernel kmod or dkms package installed for " +
                               "this kernel? or set module_dir)");
    return {};
}

// Loads @name from @dir/@file, or with modprobe when @dir is empty (the default).
ihk::Result<void> load_module(const std::string& dir, const std::string& file, const std::string& name)
{
    if (module_loaded(name))
        return {};
    if (dir.empty())
        return modprobe(name);
    std::string path = dir + "/" + file;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err(errno, path + ": " + strerror(errno));
    long r = syscall(SYS_finit_module, fd, "", 0);
    int e = errno;
    close(fd);
    if (r != 0 && e != EEXIST)
        return err(e, "loading " + path + ": " + strerror(e));
    return {};
}

ihk::Result<void> unload_module(const std::string& name)
{
    for (int i = 0; i < 50 && module_loaded(name); i++) {
        if (syscall(SYS_delete_module, name.c_str(), O_NONBLOCK) == 0)
            return {};
        // mcctrl stays busy until the last mcexec of a stopped instance exits.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (module_loaded(name))
        return err(EBUSY, "cannot unload " + name + ": " + strerror(errno));
    return {};
}

template <typename T>
ihk::Result<void> check(const ihk::Result<T>& r, const std::string& what)
{
    if (!r)
        return err(r.error().code, what + ": " + r.error().message);
    return {};
}

} // namespace

std::string state_path(const SiteConfig& site, uint32_t job) { return site.state_dir + "/job-" + std::to_string(job) + ".json"; }

std::string report_gather_dir(const SiteConfig& site, uint32_t job)
{
    return site.state_dir + ".reports/job-" + std::to_string(job);
}

bool is_utf8(const std::string& s)
{
    try {
        (void)nlohmann::json(s).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

ihk::Result<void> write_state(const SiteConfig& site, const JobState& s)
{
    for (const std::string* path : {&s.kmsg, &s.report})
        if (!is_utf8(*path))
            return err(EINVAL, "the path '" + *path + "' is not UTF-8 text");
    mkdir(site.state_dir.c_str(), 0700);
    nlohmann::json j = {{"job", s.job}, {"uid", s.uid}, {"gid", s.gid}, {"os", s.os}, {"cpus", s.cpus},
                        {"mem", s.mem}, {"kmsg", s.kmsg}, {"report", s.report}, {"online", s.online}};
    std::string path = state_path(site, s.job), tmp = path + ".tmp";
    std::string text = j.dump(2) + "\n";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return err(errno, tmp + ": " + strerror(errno));
    bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size()) && fsync(fd) == 0;
    close(fd);
    // rename() makes the new file appear whole or not at all.
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
        unlink(tmp.c_str());
        return err(EIO, "cannot write " + path);
    }
    return {};
}

ihk::Result<JobState> read_state(const std::string& path)
{
    std::ifstream f(path);
    if (!f)
        return err(errno, path + ": " + strerror(errno));
    try {
        auto j = nlohmann::json::parse(f);
        JobState s;
        s.job = j.at("job");
        s.uid = j.at("uid");
        s.gid = j.at("gid");
        s.os = j.at("os");
        s.cpus = j.at("cpus");
        s.mem = j.at("mem");
        s.kmsg = j.at("kmsg");
        s.report = j.value("report", "");
        s.online = j.at("online");
        return s;
    } catch (const std::exception& e) {
        return err(EINVAL, path + ": not a state file (" + e.what() + ")");
    }
}

std::vector<std::string> list_states(const SiteConfig& site)
{
    std::vector<std::string> out;
    if (DIR* d = opendir(site.state_dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.rfind("job-", 0) == 0 && n.size() > 5 && n.substr(n.size() - 5) == ".json")
                out.push_back(site.state_dir + "/" + n);
        }
        closedir(d);
    }
    return out;
}

std::string online_cpus()
{
    std::ifstream f("/sys/devices/system/cpu/online");
    std::string s;
    std::getline(f, s);
    return s;
}

ihk::Result<int> boot_partition(const SiteConfig& site, const Plan& plan, const std::string& kargs, uid_t uid, gid_t gid)
{
    int os_index = -1;
    auto run = [&]() -> ihk::Result<void> {
        for (auto [file, name] : {std::pair{"ihk.ko", "ihk"}, {"ihk-smp-x86.ko", "ihk_smp_x86"}, {"mcctrl.ko", "mcctrl"}})
            if (auto r = load_module(site.module_dir, file, name); !r)
                return r;
        auto dev = ihk::Device::open(0);
        if (!dev)
            return check(dev, "/dev/mcd0");
        std::string cpus = ihk::format_cpu_list(plan.cpus);
        if (auto r = check(dev->reserve_cpus(plan.cpus), "reserve cpu " + cpus); !r)
            return r;
        if (auto r = check(dev->reserve_mem(plan.mem), "reserve mem " + ihk::format_mem_chunks(plan.mem)); !r)
            return r;
        auto idx = dev->create_os();
        if (!idx)
            return check(idx, "create");
        os_index = *idx;
        auto os = ihk::Os::open(os_index);
        if (!os)
            return check(os, "open OS " + std::to_string(os_index));
        if (auto r = check(os->assign_cpus(plan.cpus), "assign cpu " + cpus); !r)
            return r;
        if (auto r = check(os->assign_mem(plan.mem), "assign mem"); !r)
            return r;
        if (!plan.ikc_map.empty()) {
            auto map = ihk::parse_ikc_map(plan.ikc_map);
            if (!map)
                return check(map, "ikc_map");
            if (auto r = check(os->set_ikc_map(*map), "set ikc_map " + plan.ikc_map); !r)
                return r;
        }
        if (auto r = check(os->load(site.image), "load " + site.image); !r)
            return r;
        if (auto r = check(os->set_kargs("hidos" + (kargs.empty() ? "" : " " + kargs)), "kargs"); !r)
            return r;
        if (auto r = check(os->boot(site.boot_timeout_s * 1000), "boot"); !r)
            return r;
        std::string dev_path = "/dev/mcos" + std::to_string(os_index);
        if (chown(dev_path.c_str(), uid, gid) != 0 || chmod(dev_path.c_str(), 0600) != 0)
            return err(errno, "giving " + dev_path + " to uid " + std::to_string(uid) + ": " + strerror(errno));
        return {};
    };
    if (auto r = run(); !r) {
        (void)teardown_node(); // the node is the job's alone: undo everything
        return r.error();
    }
    return os_index;
}

ihk::Result<void> save_kmsg(int os_index, const std::string& path, uid_t uid, gid_t gid)
{
    auto os = ihk::Os::open(os_index);
    if (!os)
        return os.error();
    auto text = os->kmsg();
    if (!text)
        return text.error();
    int code = run_as_user(uid, gid, [&] {
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            return errno == ELOOP ? 4 : 5;
        bool ok = write(fd, text->data(), text->size()) == ssize_t(text->size());
        return close(fd) == 0 && ok ? 0 : 6;
    });
    if (code != 0)
        return err(EIO, "cannot write the LWK log to " + path + " as uid " + std::to_string(uid) +
                            (code == 4 ? " (it is a symbolic link)" : code == 5 ? " (cannot create it)" : ""));
    return {};
}

int run_as_user(uid_t uid, gid_t gid, const std::function<int()>& fn)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (setgroups(0, nullptr) || setgid(gid) || setuid(uid))
            _exit(RUN_AS_NO_IDENTITY);
        _exit(fn());
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ihk::Result<void> teardown_node()
{
    ihk::Error first;
    auto note = [&](const ihk::Error& e) {
        if (first.message.empty())
            first = e;
    };
    if (module_loaded("ihk")) {
        if (auto dev = ihk::Device::open(0)) {
            if (auto list = dev->os_instances()) {
                for (int idx : *list) {
                    if (auto os = ihk::Os::open(idx)) {
                        auto st = os->status();
                        if (st && (*st == ihk::OsStatus::Running || *st == ihk::OsStatus::Booting ||
                                   *st == ihk::OsStatus::Panic || *st == ihk::OsStatus::Hungup))
                            (void)os->shutdown(); // destroy stops it anyway
                    }
                    if (auto r = dev->destroy_os(idx); !r)
                        note(r.error());
                }
            }
            if (auto cpus = dev->query_cpus(); cpus && !cpus->empty())
                if (auto r = dev->release_cpus(ihk::cpu_numbers(*cpus)); !r)
                    note(r.error());
            if (auto mem = dev->query_mem(); mem && !mem->empty())
                if (auto r = dev->release_mem({ihk::MemChunk{ihk::MEM_ALL, ihk::NUMA_ALL}}); !r)
                    note(r.error());
        } else {
            note(dev.error());
        }
    }
    for (const char* m : {"mcctrl", "ihk_smp_x86", "ihk"})
        if (auto r = unload_module(m); !r)
            note(r.error());
    if (!first.message.empty())
        return first;
    return {};
}

ihk::Result<void> verify_clean(const std::string& online)
{
    std::string now = online_cpus();
    if (!online.empty() && now != online)
        return err(EBUSY, "CPUs online are " + now + ", were " + online);
    for (const char* m : {"mcctrl", "ihk_smp_x86", "ihk"})
        if (module_loaded(m))
            return err(EBUSY, std::string("module ") + m + " is still loaded");
    return {};
}

} // namespace mckslurm
