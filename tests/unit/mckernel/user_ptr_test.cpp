// SPDX-License-Identifier: GPL-2.0
// UserPtr<T> (kernel/uaccess.h) keeps user addresses from being used as kernel
// pointers or as addresses of another type: these are compile-time properties,
// checked here so that loosening the type fails a test.
#include <kernel/uaccess.h>

#include <gtest/gtest.h>

#include <type_traits>

namespace {

using mck::UserPtr;

template <typename P>
concept Dereferenceable = requires(P p) { *p; };
template <typename P>
concept Indexable = requires(P p) { p[0]; };
template <typename P>
concept PointerArithmetic = requires(P p) { p + 1; };
template <typename T, typename P>
concept GetUserAccepts = requires(T& v, P p) { mck::get_user(v, p); };
template <typename P, typename T>
concept PutUserAccepts = requires(P p, const T& v) { mck::put_user(p, v); };

struct Timespec {
    int64_t sec, nsec;
};

TEST(UserPtr, IsNotAKernelPointer)
{
    static_assert(!Dereferenceable<UserPtr<int>>);
    static_assert(!Indexable<UserPtr<int>>);
    static_assert(!PointerArithmetic<UserPtr<int>>, "offsets go through at(), in elements");
    static_assert(!std::is_convertible_v<UserPtr<int>, int*>);
    static_assert(!std::is_convertible_v<UserPtr<int>, void*>);
    static_assert(!std::is_convertible_v<UserPtr<int>, uint64_t>);
    static_assert(!std::is_convertible_v<uint64_t, UserPtr<int>>, "a number becomes one only explicitly");
    static_assert(!std::is_convertible_v<int*, UserPtr<int>>);
    SUCCEED();
}

TEST(UserPtr, TypesMustMatch)
{
    static_assert(GetUserAccepts<Timespec, UserPtr<Timespec>>);
    static_assert(!GetUserAccepts<Timespec, UserPtr<uint64_t>>);
    static_assert(!GetUserAccepts<uint64_t, UserPtr<uint32_t>>, "no silent narrowing of a copy");
    static_assert(PutUserAccepts<UserPtr<uint32_t>, uint32_t>);
    static_assert(!PutUserAccepts<UserPtr<uint32_t>, uint64_t>);
    static_assert(!PutUserAccepts<uint64_t, uint64_t>, "a raw number is no user address");
    static_assert(!std::is_convertible_v<UserPtr<uint32_t>, UserPtr<uint64_t>>);
    SUCCEED();
}

TEST(UserPtr, ElementOffsetsAndViews)
{
    UserPtr<Timespec> p(0x1000);
    EXPECT_EQ(p.at(3).addr(), 0x1000u + 3 * sizeof(Timespec));
    EXPECT_EQ(p.bytes().at(5).addr(), 0x1005u);
    EXPECT_EQ(p.as<uint32_t>().at(1).addr(), 0x1004u);
    EXPECT_FALSE(UserPtr<int>());
    EXPECT_TRUE(p);
}

} // namespace
