// SPDX-License-Identifier: GPL-2.0
// mck-task: what the SPANK plugin puts in place of a task's program. It runs
// the program through mcexec, with the task's share of the node's LWK:
//   mcexec -n <tasks on this node> --local-rank <local task id> <program> <args...>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    const char* program = getenv("MCK_TASK_PROGRAM");
    const char* ranks = getenv("MCK_RANKS_PER_NODE");
    const char* rank = getenv("MCK_LOCAL_RANK");
    // Only outside a job step: inside one, every argument is the task's own.
    if (!program && argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("What the McKernel SPANK plugin runs in place of each task of a --mck job step: it\n"
               "starts the task's program through mcexec on the task's share of the node's LWK,\n"
               "  mcexec -n <tasks on this node> --local-rank <local task id> -- <program> <args...>\n"
               "Not for use by hand; the plugin sets its environment.\n"
               "Usage: mck-task [args...]   (inside a --mck job step)\n"
               "   or: mck-task --help | --version\n"
               "\n"
               "Options:\n"
               "  -h,--help                   Print this help message and exit\n"
               "  --version                   Display program version information and exit\n");
        return 0;
    }
    if (!program && argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("mck-task (McKernel suite) " MCK_VERSION "\n");
        return 0;
    }
    if (!program || !ranks || !rank) {
        fprintf(stderr, "mck-task: started outside a --mck job step (MCK_TASK_PROGRAM, MCK_RANKS_PER_NODE and "
                        "MCK_LOCAL_RANK are not all set)\n");
        return 125;
    }
    const char* from_plugin = getenv("MCK_MCEXEC"); // the site's bin_dir
    std::string mcexec = from_plugin ? from_plugin : std::string(MCK_BIN_DIR) + "/mcexec";
    std::vector<std::string> args{mcexec, "-n", ranks, "--local-rank", rank};
    if (const char* group = getenv("MCK_REPORT_GROUP")) {
        args.emplace_back("--report-group");
        args.emplace_back(group);
    }
    args.insert(args.end(), {"--", program});
    for (int i = 1; i < argc; i++)
        args.emplace_back(argv[i]);
    unsetenv("MCK_TASK_PROGRAM");
    unsetenv("MCK_MCEXEC");
    unsetenv("MCK_REPORT_GROUP");
    std::vector<char*> cargs;
    for (auto& a : args)
        cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(mcexec.c_str(), cargs.data());
    fprintf(stderr, "mck-task: cannot run %s: %s\n", mcexec.c_str(), strerror(errno));
    return 125;
}
