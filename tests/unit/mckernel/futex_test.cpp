#include <gtest/gtest.h>
TEST(Futex, Placeholder) {}
