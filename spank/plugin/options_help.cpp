// SPDX-License-Identifier: GPL-2.0
// mck-spank-help: the plugin's options (spank/lib/options.h) as a --help text, from which
// the build makes mckernel_spank(8) with help2man. Built, not installed: the
// plugin has no program of its own to ask.
#include "options.h"

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("mckernel_spank (McKernel suite) " MCK_VERSION "\n");
        return 0;
    }
    printf("Slurm SPANK plugin: each node of a --mck job boots its own McKernel lightweight kernel for\n"
           "the job, every task of its job steps runs on it through mcexec, and the node goes back to\n"
           "Linux when the job ends. The options below are srun's, sbatch's and salloc's; each can also\n"
           "be set in the environment variable shown with it (the command line wins).\n"
           "Usage: srun --mck[=cpus=N|LIST:mem=SIZE] [--mck-OPTION=VALUE]... program [args...]\n"
           "   or: sbatch --mck [--mck-OPTION=VALUE]... script\n"
           "   or: SLURM_MCK=1 [SLURM_MCK_OPTION=VALUE]... srun|sbatch|salloc ...\n"
           "\n"
           "Options:\n");
    for (const auto& o : mckslurm::option_table()) {
        std::string head = std::string("--") + o.name;
        if (o.has_arg == 2)
            head += std::string("[=") + (o.arginfo[0] == '[' ? std::string(o.arginfo + 1, strlen(o.arginfo) - 2) : o.arginfo) + "]";
        else if (o.has_arg == 1)
            head += std::string("=") + o.arginfo;
        std::string usage = std::string(o.usage) + " [env: " + mckslurm::option_env_name(o) + "]";
        if (head.size() < 28)
            printf("  %-28s%s\n", head.c_str(), usage.c_str());
        else
            printf("  %s\n%30s%s\n", head.c_str(), "", usage.c_str());
    }
    return 0;
}
