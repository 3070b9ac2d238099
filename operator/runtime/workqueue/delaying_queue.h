// DelayingQueue: a Queue with AddAfter (client-go's delaying_queue). Waiting keys sit in a
// min-heap ordered by ready time; one background thread, waiting on the injected Clock, moves each
// key into the queue when its time comes. A key already waiting keeps the earlier of its two ready
// times, so a burst of AddAfter calls for one object collapses into one reconcile.
#pragma once

#include <queue>
#include <thread>
#include <vector>

#include "operator/runtime/workqueue/queue.h"

namespace ferry::workqueue {

// How often unfinished-work metrics are refreshed (client-go: 500 ms).
inline constexpr Clock::Duration kUnfinishedWorkUpdatePeriod = std::chrono::milliseconds(500);

class DelayingQueue : public Queue {
 public:
  DelayingQueue(Clock& clock, std::string name, metrics::QueueMetricsProvider* metrics = nullptr);
  ~DelayingQueue() override;

  // Adds `key` once `delay` has passed on the clock; a delay <= 0 adds at once.
  void AddAfter(const std::string& key, Clock::Duration delay);
  // Keys waiting for their ready time.
  size_t Waiting() const;
  void ShutDown() override;

 private:
  struct Entry {
    Clock::TimePoint ready;
    uint64_t seq;  // FIFO among equal ready times
    std::string key;
    bool operator>(const Entry& o) const {
      return ready != o.ready ? ready > o.ready : seq > o.seq;
    }
  };
  void Loop();
  // Moves every due key into the queue; returns the next ready time (or now + update period).
  Clock::TimePoint PopReady(std::vector<std::string>& due);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<std::string, Clock::TimePoint> waiting_;  // key -> current ready time
  uint64_t seq_ = 0;
  bool changed_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ferry::workqueue
