// SPDX-License-Identifier: GPL-2.0
// IkcOutbox (kernel/ikc_outbox.h): a FIFO of kept messages in front of a ring.
#include <kernel/ikc_outbox.h>

namespace mck {

uint32_t IkcOutbox::flush(ihk_ikc_ring* ring)
{
    uint32_t moved = 0;
    while (m_head && ihk_ikc_push_or_ask(ring, &m_head->msg)) {
        Node* sent = m_head;
        m_head = sent->next;
        if (!m_head)
            m_tail = nullptr;
        delete sent;
        m_waiting--;
        moved++;
    }
    return moved;
}

uint32_t IkcOutbox::try_send(ihk_ikc_ring* ring, const ihk_ikc_msg& m, bool* sent)
{
    uint32_t moved = flush(ring);
    *sent = !m_head && ihk_ikc_push_or_ask(ring, &m);
    return moved + (*sent ? 1 : 0);
}

uint32_t IkcOutbox::post(ihk_ikc_ring* ring, const ihk_ikc_msg& m, bool* kept)
{
    bool sent;
    uint32_t moved = try_send(ring, m, &sent);
    *kept = true;
    if (sent)
        return moved;
    Node* n = new Node{m, nullptr};
    if (!n) {
        *kept = false;
        return moved;
    }
    if (m_tail)
        m_tail->next = n;
    else
        m_head = n;
    m_tail = n;
    m_waiting++;
    return moved;
}

} // namespace mck
