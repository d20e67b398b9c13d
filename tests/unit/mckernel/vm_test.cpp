#include <gtest/gtest.h>
TEST(Vm, Placeholder) {}
