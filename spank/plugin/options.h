// SPDX-License-Identifier: GPL-2.0
// The plugin's user options, once: the plugin registers them with Slurm (srun
// --help lists them from here) and mck-spank-help prints them for the manual
// page mckernel_spank(8), so the page and srun --help cannot disagree.
//   X(value, name, arginfo, has_arg (0 none, 1 required, 2 optional), usage)
#pragma once

#define MCK_SPANK_OPTIONS(X)                                                                                        \
    X(MCK, "mck", "[cpus=N|LIST:mem=SIZE]", 2,                                                                    \
      "Run every task on a McKernel lightweight kernel booted for this job on each node "                          \
      "(needs an exclusive allocation)")                                                                           \
    X(CPUS, "mck-cpus", "N|LIST", 1, "McKernel: N cores per node, or these CPUs (a list such as 4-7,12)")          \
    X(MEM, "mck-mem", "SIZE|SIZE@NUMA,...", 1, "McKernel: memory per node, or per NUMA node")                      \
    X(IKC, "mck-ikc-map", "MAP", 1, "McKernel: which Linux CPU serves which LWK CPUs (2-3:0+4-5:1)")              \
    X(KARGS, "mck-kargs", "ARGS", 1, "McKernel: kernel arguments")                                                 \
    X(KMSG, "mck-kmsg", "PATH", 1,                                                                                 \
      "McKernel: where its log goes (%j job id, %N node; default mck-kmsg-%j-%N.log in the working directory)")
