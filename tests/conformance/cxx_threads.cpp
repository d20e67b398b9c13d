// SPDX-License-Identifier: GPL-2.0
// C++ threads: std::thread, mutex, atomic, condition_variable, thread_local, std::async.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#define CHECK(c, what)                                                  \
	do {                                                            \
		if (!(c)) {                                             \
			std::printf("FAIL %s: %s\n", what, #c);         \
			std::exit(1);                                   \
		}                                                       \
	} while (0)

namespace {
constexpr int kThreads = 4, kIters = 100000, kRounds = 1000;
thread_local long tls_value = 5;
}

int main()
{
	std::mutex m;
	long locked = 0;
	std::atomic<long> atomic_total{0};
	std::atomic<int> tls_bad{0};
	std::vector<std::thread> threads;

	for (int id = 0; id < kThreads; id++)
		threads.emplace_back([&, id] {
			if (tls_value != 5)
				tls_bad++;
			tls_value = id;
			for (int i = 0; i < kIters; i++) {
				atomic_total.fetch_add(1, std::memory_order_relaxed);
				std::lock_guard<std::mutex> g(m);
				locked += 2;
			}
			if (tls_value != id)
				tls_bad++;
		});
	for (auto &t : threads)
		t.join();
	CHECK(locked == 2L * kThreads * kIters, "std::mutex total");
	CHECK(atomic_total.load() == long{kThreads} * kIters, "std::atomic total");
	CHECK(tls_bad.load() == 0 && tls_value == 5, "thread_local per thread");
	std::printf("ok std::thread x%d mutex total %ld atomic total %ld\n", kThreads, locked, atomic_total.load());
	std::printf("ok thread_local\n");

	// ping-pong: each side waits for the other's turn
	std::condition_variable cv;
	int turn = 0, pongs = 0;
	std::thread ponger([&] {
		for (int r = 0; r < kRounds; r++) {
			std::unique_lock<std::mutex> lk(m);
			cv.wait(lk, [&] { return turn == 1; });
			pongs++;
			turn = 0;
			cv.notify_all();
		}
	});
	for (int r = 0; r < kRounds; r++) {
		std::unique_lock<std::mutex> lk(m);
		cv.wait(lk, [&] { return turn == 0; });
		CHECK(pongs == r, "strict alternation");
		turn = 1;
		cv.notify_all();
	}
	ponger.join();
	CHECK(pongs == kRounds && turn == 0, "all pongs");
	std::printf("ok condition_variable ping-pong %d rounds\n", pongs);

	std::vector<long> v(1000000);
	std::iota(v.begin(), v.end(), 1L);
	auto half = [&](size_t b, size_t e) { return std::accumulate(v.begin() + b, v.begin() + e, 0L); };
	auto first = std::async(std::launch::async, half, 0, v.size() / 2);
	auto second = std::async(std::launch::async, half, v.size() / 2, v.size());
	long total = first.get() + second.get();
	CHECK(total == 1000000L * 1000001L / 2, "std::async sum");
	auto thrown = std::async(std::launch::async, [] { throw std::runtime_error("boom"); return 0; });
	bool caught = false;
	try {
		thrown.get();
	} catch (const std::runtime_error &) {
		caught = true;
	}
	CHECK(caught, "exception through std::future");
	std::printf("ok std::async sum %ld, exception propagated\n", total);
	return 0;
}
