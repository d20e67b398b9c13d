// SPDX-License-Identifier: GPL-2.0
// Messages for Linux that must not be lost while their IKC ring is full.
//
// A burst of processes ending on one CPU (150 children let go at once) fills
// a ring of 64 faster than Linux's doorbell handler empties it under load; an
// end message dropped then left the process's mcexec, and whoever waited for
// it, waiting for good. Such messages wait here, in order, and go out when
// Linux, having emptied the ring, rings our doorbell back (ihk_ikc_push_or_ask).
// Everything else sent on the ring goes after them, so Linux still sees one
// CPU's messages in the order they were made.
//
// Not locked: the caller holds its ring's producer lock (kernel/ikc.cpp).
#pragma once

#include <ihk/ikc.h>
#include <stdint.h>

namespace mck {

class IkcOutbox {
public:
    IkcOutbox() = default;
    IkcOutbox(const IkcOutbox&) = delete;
    IkcOutbox& operator=(const IkcOutbox&) = delete;

    // Move what waits into @ring, oldest first, as far as it has room; the
    // number moved (the caller rings Linux's doorbell if any).
    uint32_t flush(ihk_ikc_ring* ring);
    // @m into @ring after what waits, if it fits now; *@sent says whether.
    // Returns the number of messages moved into the ring, @m included.
    uint32_t try_send(ihk_ikc_ring* ring, const ihk_ikc_msg& m, bool* sent);
    // @m into @ring after what waits: now, or kept until Linux made room.
    // *@kept is false only if it fitted nowhere (no kernel memory to keep it).
    // Returns the number of messages moved into the ring.
    uint32_t post(ihk_ikc_ring* ring, const ihk_ikc_msg& m, bool* kept);

    // Messages waiting for room.
    uint32_t waiting() const { return m_waiting; }

private:
    struct Node {
        ihk_ikc_msg msg;
        Node* next;
    };
    Node* m_head = nullptr;
    Node* m_tail = nullptr;
    uint32_t m_waiting = 0;
};

} // namespace mck
