// SPDX-License-Identifier: GPL-2.0
// Site configuration (site_config.h).
#include "site_config.h"

#include <ihk/parse.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#if !defined(MCK_BIN_DIR) || !defined(MCK_SITE_CONFIG)
#error "the build defines MCK_SITE_CONFIG, MCK_BIN_DIR, MCK_MODULE_DIR and MCK_IMAGE"
#endif

namespace mckslurm {
namespace {

std::string trim(const std::string& s)
{
    size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

ihk::Result<uint32_t> number(const std::string& v, uint32_t lo, uint32_t hi)
{
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) < lo ||
        std::stoul(v) > hi)
        return ihk::make_error(EINVAL, "'" + v + "' is not a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return uint32_t(std::stoul(v));
}

ihk::Result<uint32_t> percent(const std::string& v)
{
    if (v.size() < 2 || v.back() != '%')
        return ihk::make_error(EINVAL, "'" + v + "' is not a percentage such as 50%");
    return number(v.substr(0, v.size() - 1), 1, 100);
}

} // namespace

SiteConfig default_site_config()
{
    SiteConfig c;
    c.bin_dir = MCK_BIN_DIR;
    c.module_dir = MCK_MODULE_DIR;
    c.image = MCK_IMAGE;
    return c;
}

ihk::Result<SiteConfig> parse_site_config(const std::string& text, const std::string& origin)
{
    SiteConfig c = default_site_config();
    std::istringstream in(text);
    std::string line;
    std::map<std::string, int> seen; // key -> its line: a key twice is a mistake, not an override
    for (int n = 1; std::getline(in, line); n++) {
        line = trim(line.substr(0, line.find('#')));
        if (line.empty())
            continue;
        auto where = origin + ":" + std::to_string(n) + ": ";
        auto eq = line.find('=');
        if (eq == std::string::npos)
            return ihk::make_error(EINVAL, where + "'" + line + "' is not 'key = value'");
        std::string key = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
        if (auto [it, first] = seen.emplace(key, n); !first)
            return ihk::make_error(EINVAL, where + "'" + key + "' is set already on line " + std::to_string(it->second));
        ihk::Error err;
        auto take = [&](auto r, auto& field) {
            if (!r)
                err = r.error();
            else
                field = *r;
        };
        if (key == "linux_cores_per_numa") {
            take(number(v, 0, 1024), c.linux_cores_per_numa);
        } else if (key == "default_cores") {
            take(number(v, 0, 8192), c.default_cores);
        } else if (key == "default_mem") {
            if (!v.empty() && v.back() == '%') {
                take(percent(v), c.default_mem_percent);
                c.default_mem_bytes = 0;
            } else {
                take(ihk::parse_size(v), c.default_mem_bytes);
                if (err.message.empty() && c.default_mem_bytes == 0) // 0 would mean the percentage
                    err = ihk::make_error(EINVAL, "'" + v + "' is no memory; give a size such as 4G or a percentage");
            }
        } else if (key == "mem_cap") {
            take(percent(v), c.mem_cap_percent);
        } else if (key == "allow_test_kargs") {
            if (v == "yes" || v == "no")
                c.allow_test_kargs = v == "yes";
            else
                err = ihk::make_error(EINVAL, "'" + v + "' is not yes or no");
        } else if (key == "kmsg") {
            if (v.empty() || v.back() == '/')
                err = ihk::make_error(EINVAL, "'" + v + "' is not a file name");
            else
                c.kmsg = v;
        } else if (key == "report") {
            if (v.empty() || v.back() == '/')
                err = ihk::make_error(EINVAL, "'" + v + "' is not a file name or none");
            else
                c.report = v == "none" ? "" : v;
        } else if (key == "state_dir" || key == "bin_dir" || key == "module_dir" || key == "image") {
            if (v.empty() || v[0] != '/')
                err = ihk::make_error(EINVAL, "'" + v + "' is not an absolute path");
            else
                (key == "state_dir" ? c.state_dir : key == "bin_dir" ? c.bin_dir : key == "module_dir" ? c.module_dir : c.image) = v;
        } else if (key == "boot_timeout") {
            take(number(v, 5, 3600), c.boot_timeout_s);
        } else if (key == "scontrol") {
            if (v != "none" && (v.empty() || v[0] != '/'))
                err = ihk::make_error(EINVAL, "'" + v + "' is not an absolute path or none");
            else
                c.scontrol = v == "none" ? "" : v;
        } else if (key == "memlock") {
            if (v == "unlimited" || v == "keep")
                c.memlock_unlimited = v == "unlimited";
            else
                err = ihk::make_error(EINVAL, "'" + v + "' is not unlimited or keep");
        } else {
            return ihk::make_error(EINVAL, where + "unknown key '" + key + "'");
        }
        if (!err.message.empty())
            return ihk::make_error(EINVAL, where + key + ": " + err.message);
    }
    if (c.default_mem_bytes == 0 && c.default_mem_percent > c.mem_cap_percent)
        return ihk::make_error(EINVAL, origin + ": default_mem " + std::to_string(c.default_mem_percent) +
                                           "% is above mem_cap " + std::to_string(c.mem_cap_percent) + "%");
    return c;
}

ihk::Result<SiteConfig> load_site_config(const std::string& path)
{
    // Only the installed default may be missing: a file named on purpose
    // (--config, plugstack's config=) that is not there is a typo, which
    // would silently give every job the defaults.
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT && path == MCK_SITE_CONFIG)
            return default_site_config();
        return ihk::make_error(errno, path + ": " + strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return ihk::make_error(EINVAL, path + ": not a file");
    std::ifstream f(path);
    if (!f)
        return ihk::make_error(errno ? errno : EIO, path + ": cannot read it");
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_site_config(ss.str(), path);
}

} // namespace mckslurm
