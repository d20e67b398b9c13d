// SPDX-License-Identifier: GPL-2.0
// IkcOutbox (kernel/ikc_outbox.h): messages that must reach Linux wait, in
// order, while the ring is full, and nothing overtakes them.
#include <kernel/ikc_outbox.h>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace {

ihk_ikc_msg msg(uint64_t seq)
{
    ihk_ikc_msg m{};
    m.type = 100;
    m.seq = seq;
    return m;
}

std::vector<uint64_t> drain(ihk_ikc_ring* r)
{
    std::vector<uint64_t> seqs;
    ihk_ikc_msg out{};
    while (ihk_ikc_pop(r, &out))
        seqs.push_back(out.seq);
    return seqs;
}

} // namespace

TEST(IkcOutbox, KeepsWhatDoesNotFitAndSendsItInOrder)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    mck::IkcOutbox box;
    bool kept = false;
    uint64_t moved = 0;
    for (uint64_t i = 0; i < IHK_IKC_SLOTS + 10; i++) {
        moved += box.post(r.get(), msg(i), &kept);
        EXPECT_TRUE(kept);
    }
    EXPECT_EQ(moved, IHK_IKC_SLOTS);
    EXPECT_EQ(box.waiting(), 10u);
    EXPECT_EQ(r->wants_room, 1u) << "a full ring asks Linux to ring back";

    std::vector<uint64_t> got = drain(r.get());
    EXPECT_EQ(got.size(), IHK_IKC_SLOTS);
    EXPECT_TRUE(ihk_ikc_room_wanted(r.get()));
    EXPECT_EQ(box.flush(r.get()), 10u) << "Linux rang back: what waited goes";
    EXPECT_EQ(box.waiting(), 0u);
    for (uint64_t s : drain(r.get()))
        got.push_back(s);
    ASSERT_EQ(got.size(), IHK_IKC_SLOTS + 10);
    for (uint64_t i = 0; i < got.size(); i++)
        EXPECT_EQ(got[i], i);
}

TEST(IkcOutbox, NothingOvertakesWhatWaits)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    mck::IkcOutbox box;
    bool kept, sent;
    for (uint64_t i = 0; i < IHK_IKC_SLOTS + 3; i++)
        box.post(r.get(), msg(i), &kept);
    ASSERT_EQ(box.waiting(), 3u);
    // Linux takes two messages but has not rung back yet.
    ihk_ikc_msg out{};
    ASSERT_TRUE(ihk_ikc_pop(r.get(), &out));
    ASSERT_TRUE(ihk_ikc_pop(r.get(), &out));
    // A message that may be dropped goes after the kept ones: the first two
    // of those fill the room, so it is refused and nothing is lost or reordered.
    EXPECT_EQ(box.try_send(r.get(), msg(1000), &sent), 2u);
    EXPECT_FALSE(sent);
    EXPECT_EQ(box.waiting(), 1u);
    // A message that must arrive waits behind the last kept one.
    EXPECT_EQ(box.post(r.get(), msg(1001), &kept), 0u);
    EXPECT_TRUE(kept);
    EXPECT_EQ(box.waiting(), 2u);

    std::vector<uint64_t> got = drain(r.get());
    ASSERT_EQ(got.size(), IHK_IKC_SLOTS);
    EXPECT_EQ(got.front(), 2u);
    EXPECT_EQ(got.back(), IHK_IKC_SLOTS + 1);
    EXPECT_EQ(box.try_send(r.get(), msg(1002), &sent), 3u) << "the two kept, then this one";
    EXPECT_TRUE(sent);
    EXPECT_EQ(drain(r.get()), (std::vector<uint64_t>{IHK_IKC_SLOTS + 2, 1001, 1002}));
}

TEST(IkcOutbox, SendsAtOnceWhenThereIsRoom)
{
    auto r = std::make_unique<ihk_ikc_ring>();
    mck::IkcOutbox box;
    bool kept = false, sent = false;
    EXPECT_EQ(box.post(r.get(), msg(1), &kept), 1u);
    EXPECT_TRUE(kept);
    EXPECT_EQ(box.try_send(r.get(), msg(2), &sent), 1u);
    EXPECT_TRUE(sent);
    EXPECT_EQ(box.waiting(), 0u);
    EXPECT_EQ(r->wants_room, 0u);
    EXPECT_EQ(drain(r.get()), (std::vector<uint64_t>{1, 2}));
}
