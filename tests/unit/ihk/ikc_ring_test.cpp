// SPDX-License-Identifier: GPL-2.0
// The IKC ring (ihk/ikc.h): order, full and empty, index wrap-around, one
// producer and one consumer on different threads, and asking for room.
#include <ihk/ikc.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

TEST(IkcRing, FullRingAsksForRoomOnce)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    ihk_ikc_msg out{};
    for (uint64_t i = 0; i < IHK_IKC_SLOTS; i++) {
        auto m = msg(i);
        ASSERT_TRUE(ihk_ikc_push_or_ask(r.get(), &m));
    }
    EXPECT_EQ(r->wants_room, 0u) << "a ring with room asks for nothing";
    auto extra = msg(999);
    EXPECT_FALSE(ihk_ikc_push_or_ask(r.get(), &extra));
    EXPECT_EQ(r->wants_room, 1u);
    while (ihk_ikc_pop(r.get(), &out)) {
    }
    EXPECT_TRUE(ihk_ikc_room_wanted(r.get())) << "the consumer must ring back";
    EXPECT_FALSE(ihk_ikc_room_wanted(r.get())) << "and only once";
    EXPECT_TRUE(ihk_ikc_push_or_ask(r.get(), &extra));
}

// Both sides only run when rung, as the LWK and Linux do: the producer rings
// after each push; the consumer, having emptied the ring, rings back if asked.
// A producer that was refused and never rung back waits for good: the test
// fails after 10 s instead.
TEST(IkcRing, RefusedProducerIsAlwaysRungBack)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    constexpr uint64_t N = 300000;
    std::atomic<uint64_t> to_consumer{0}, to_producer{0};
    std::atomic<bool> stuck{false}, done{false};
    auto wait_for = [&](std::atomic<uint64_t>& bell, uint64_t seen) {
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (bell.load() == seen && !done.load())
            if (std::chrono::steady_clock::now() > end) {
                stuck = true;
                return false;
            }
        return true;
    };
    uint64_t refusals = 0;
    std::thread producer([&] {
        for (uint64_t i = 0; i < N && !stuck;) {
            auto m = msg(i);
            uint64_t seen = to_producer.load();
            if (ihk_ikc_push_or_ask(r.get(), &m)) {
                i++;
                to_consumer++;
            } else {
                refusals++;
                if (!wait_for(to_producer, seen))
                    return;
            }
        }
    });
    uint64_t expected = 0;
    ihk_ikc_msg out{};
    while (expected < N && !stuck) {
        uint64_t seen = to_consumer.load();
        while (ihk_ikc_pop(r.get(), &out)) {
            ASSERT_EQ(out.seq, expected);
            expected++;
        }
        if (ihk_ikc_room_wanted(r.get()))
            to_producer++;
        if (expected < N && !wait_for(to_consumer, seen))
            break;
    }
    done = true;
    producer.join();
    EXPECT_FALSE(stuck) << "a side waited 10 s for a doorbell that never came, at message " << expected;
    EXPECT_EQ(expected, N);
    EXPECT_GT(refusals, 0u) << "the ring never filled: the test did not test the ask";
}
