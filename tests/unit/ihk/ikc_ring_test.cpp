// SPDX-License-Identifier: GPL-2.0
// The IKC ring (ihk/ikc.h): order, full and empty, index wrap-around, and one
// producer and one consumer on different threads.
#include <ihk/ikc.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace {

ihk_ikc_msg msg(uint64_t seq)
{
    ihk_ikc_msg m{};
    m.type = IHK_IKC_PING;
    m.seq = seq;
    m.arg[5] = ~seq;
    return m;
}

} // namespace

static_assert(sizeof(ihk_ikc_msg) == 64);
static_assert(sizeof(ihk_ikc_ring) == 128 + 64 * IHK_IKC_SLOTS);
static_assert((IHK_IKC_SLOTS & (IHK_IKC_SLOTS - 1)) == 0);

TEST(IkcRing, FifoFullAndEmpty)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    ihk_ikc_msg out{};
    EXPECT_TRUE(ihk_ikc_empty(r.get()));
    EXPECT_FALSE(ihk_ikc_pop(r.get(), &out));
    for (uint64_t i = 0; i < IHK_IKC_SLOTS; i++) {
        auto m = msg(i);
        ASSERT_TRUE(ihk_ikc_push(r.get(), &m)) << i;
    }
    auto extra = msg(999);
    EXPECT_FALSE(ihk_ikc_push(r.get(), &extra)) << "a full ring must refuse";
    for (uint64_t i = 0; i < IHK_IKC_SLOTS; i++) {
        ASSERT_TRUE(ihk_ikc_pop(r.get(), &out));
        EXPECT_EQ(out.seq, i);
        EXPECT_EQ(out.arg[5], ~i);
    }
    EXPECT_TRUE(ihk_ikc_empty(r.get()));
}

TEST(IkcRing, IndicesWrapAround)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    // Counters near 2^64 keep working: only differences matter.
    r->head = r->tail = ~uint64_t{0} - 3;
    ihk_ikc_msg out{};
    for (uint64_t i = 0; i < 10; i++) {
        auto m = msg(i);
        ASSERT_TRUE(ihk_ikc_push(r.get(), &m));
        ASSERT_TRUE(ihk_ikc_pop(r.get(), &out));
        EXPECT_EQ(out.seq, i);
    }
    EXPECT_TRUE(ihk_ikc_empty(r.get()));
}

TEST(IkcRing, OneProducerOneConsumer)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    constexpr uint64_t N = 200000;
    std::thread producer([&] {
        for (uint64_t i = 0; i < N;) {
            auto m = msg(i);
            if (ihk_ikc_push(r.get(), &m))
                i++;
        }
    });
    uint64_t expected = 0;
    ihk_ikc_msg out{};
    while (expected < N) {
        if (!ihk_ikc_pop(r.get(), &out))
            continue;
        ASSERT_EQ(out.seq, expected);
        ASSERT_EQ(out.arg[5], ~expected);
        expected++;
    }
    producer.join();
    EXPECT_TRUE(ihk_ikc_empty(r.get()));
}
