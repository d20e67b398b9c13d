// SPDX-License-Identifier: GPL-2.0
// The per-job report (job_report.h).
#include "job_report.h"

#include "node.h"
#include "report_group.h"
#include "report_merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mckslurm {
namespace {

constexpr size_t MAX_REPORTS = 65536;

ihk::Error err(int code, const std::string& msg) { return ihk::make_error(code, msg); }

std::vector<std::string> entries(const std::string& dir, const char* prefix, const char* suffix)
{
    std::vector<std::string> out;
    DIR* d = opendir(dir.c_str());
    if (!d)
        return out;
    size_t np = strlen(prefix), ns = strlen(suffix);
    while (dirent* e = readdir(d)) {
        size_t n = strlen(e->d_name);
        if (n > np + ns && strncmp(e->d_name, prefix, np) == 0 && strcmp(e->d_name + n - ns, suffix) == 0)
            out.emplace_back(e->d_name);
    }
    closedir(d);
    return out;
}

// In the child, as the user: 0 written, 1 nothing to write, else a failure code.
int merge_as_user(const std::string& dir, const std::string& path)
{
    std::vector<std::string> texts;
    for (const auto& step : entries(dir, "step-", "")) {
        for (auto& t : mcexec::read_group_reports(dir + "/" + step))
            texts.push_back(std::move(t));
        if (texts.size() > MAX_REPORTS)
            break;
    }
    if (texts.empty())
        return 1;
    mcexec::MergedReports m = mcexec::merge_reports(texts);
    m.report["format"] = "mckernel-job-report";
    m.report["summary"] = mcexec::summary_line(m.report);
    if (!m.errors.empty())
        m.report["unreadable"] = m.errors;
    // A task's report that was not UTF-8 is quoted in the merge's errors:
    // those bytes become U+FFFD, where dump() would throw.
    std::string text = m.report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == ELOOP ? 4 : 5;
    bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
    return close(fd) == 0 && ok ? 0 : 6;
}

int remove_entry(const char* path, const struct stat*, int type, struct FTW* f)
{
    if (f->level == 0)
        return 0; // the top: its owner cannot remove it from root's parent
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path); // a symbolic link goes, never what it names
    return 0;
}

} // namespace

ihk::Result<void> make_report_gather_dir(const std::string& dir, uid_t uid, gid_t gid)
{
    std::string parent = dir.substr(0, dir.rfind('/'));
    if (mkdir(parent.c_str(), 0711) != 0 && errno != EEXIST)
        return err(errno, parent + ": " + strerror(errno));
    struct stat st;
    // Root's own directory, whatever was there before.
    if (lstat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || chmod(parent.c_str(), 0711) != 0)
        return err(EPERM, parent + " is not a directory of root's");
    remove_report_gather_dir(dir); // a stale one of an earlier run with this job id
    if (mkdir(dir.c_str(), 0700) != 0 || chown(dir.c_str(), uid, gid) != 0)
        return err(errno, dir + ": " + strerror(errno));
    return {};
}

ihk::Result<void> save_job_report(const std::string& dir, const std::string& path, uid_t uid, gid_t gid)
{
    int code = run_as_user(uid, gid, [&] { return merge_as_user(dir, path); });
    if (code == 0 || code == 1)
        return {};
    return err(EIO, "cannot write the job's report to " + path + " as uid " + std::to_string(uid) +
                        (code == 4 ? " (it is a symbolic link)" : code == 5 ? " (cannot create it)" : ""));
}

void remove_report_gather_dir(const std::string& dir)
{
    struct stat st;
    if (lstat(dir.c_str(), &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(dir.c_str());
        return;
    }
    run_as_user(st.st_uid, st.st_gid, [&] {
        // Depth first, links not followed, not across mounts; the top stays.
        return nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : 1;
    });
    rmdir(dir.c_str());
}

void remove_report_gather_dirs(const std::string& parent)
{
    for (const auto& job : entries(parent, "job-", ""))
        remove_report_gather_dir(parent + "/" + job);
}

} // namespace mckslurm
