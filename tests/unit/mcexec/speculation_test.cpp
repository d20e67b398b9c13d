// SPDX-License-Identifier: GPL-2.0
// prctl's speculation controls on the LWK (mcexec/src/speculation.h): never a
// mitigation or a control the program's LWK CPU does not have.
#include "speculation.h"

#include <gtest/gtest.h>

using namespace mcexec;

TEST(Speculation, ACpuLinuxSaysIsNotAffectedStaysNotAffected)
{
    EXPECT_EQ(speculation_get(PR_SPEC_NOT_AFFECTED), PR_SPEC_NOT_AFFECTED);
}

TEST(Speculation, AnAffectedCpuHasSpeculationOnAndNoControl)
{
    // Whatever Linux does for the worker: per-task control, disabled on
    // request, forced off everywhere.
    for (int64_t linux_says : {int64_t(PR_SPEC_PRCTL | PR_SPEC_ENABLE), int64_t(PR_SPEC_PRCTL | PR_SPEC_DISABLE),
                               int64_t(PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE), int64_t(PR_SPEC_DISABLE),
                               int64_t(PR_SPEC_ENABLE)}) {
        EXPECT_EQ(speculation_get(linux_says), PR_SPEC_ENABLE) << linux_says;
        EXPECT_EQ(speculation_set(linux_says), -ENXIO) << linux_says;
    }
}

TEST(Speculation, LinuxsErrorsStay)
{
    EXPECT_EQ(speculation_get(-ENODEV), -ENODEV);
    EXPECT_EQ(speculation_set(-ENODEV), -ENODEV);
    EXPECT_EQ(speculation_set(PR_SPEC_NOT_AFFECTED), -ENXIO);
}
