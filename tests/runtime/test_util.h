// Bounded polling for tests: waits in real time for a condition another thread makes true.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace ferry::testing {

inline bool Eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return cond();
}

}  // namespace ferry::testing
