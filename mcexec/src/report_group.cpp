// SPDX-License-Identifier: GPL-2.0
// The group's reports (report_group.h).
#include "report_group.h"

#include "report_merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace mcexec {
namespace {

constexpr size_t MAX_REPORT_BYTES = 1 << 20; // a process report is a few KiB

bool is_task_report(const char* name)
{
    size_t n = strlen(name);
    return strncmp(name, "task-", 5) == 0 && n > 10 && strcmp(name + n - 5, ".json") == 0;
}

std::vector<std::string> task_report_names(const std::string& dir)
{
    std::vector<std::string> names;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (is_task_report(e->d_name))
                names.emplace_back(e->d_name);
        closedir(d);
    }
    return names;
}

// The file's text, or empty if it is not a regular file we can read.
std::string read_report(const std::string& path)
{
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return {};
    std::string text;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        char buf[16384];
        ssize_t n;
        while (text.size() < MAX_REPORT_BYTES && (n = read(fd, buf, sizeof(buf))) > 0)
            text.append(buf, size_t(n));
    }
    close(fd);
    return text;
}

} // namespace

bool write_task_report(const std::string& path, const std::string& text)
{
    std::string part = path + ".part"; // not a task report's name (is_task_report)
    int fd = open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += size_t(n);
    }
    int err = done == text.size() ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(part.c_str(), path.c_str()) != 0)
        err = errno;
    if (err) {
        unlink(part.c_str());
        errno = err;
        return false;
    }
    return true;
}

bool prepare_report_group(const ReportGroup& group)
{
    return mkdir(group.dir.c_str(), 0700) == 0 || errno == EEXIST;
}

void finish_report_group(const ReportGroup& group)
{
    std::vector<std::string> names = task_report_names(group.dir);
    if (names.size() < group.size)
        return; // others are still running
    int marker = open((group.dir + "/summary").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (marker < 0)
        return; // another one sums up (or the group ran before with the same DIR)
    MergedReports m = merge_reports(read_group_reports(group.dir));
    std::string line = summary_line(m.report) + "\n";
    fputs(line.c_str(), stderr);
    if (write(marker, line.data(), line.size()) != ssize_t(line.size()))
        fprintf(stderr, "mcexec: --report-group: %s/summary: %s\n", group.dir.c_str(), strerror(errno));
    close(marker);
}

std::vector<std::string> read_group_reports(const std::string& dir)
{
    std::vector<std::string> texts;
    for (const auto& n : task_report_names(dir))
        texts.push_back(read_report(dir + "/" + n));
    return texts;
}

} // namespace mcexec
