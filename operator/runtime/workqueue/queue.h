// Queue: client-go's workqueue.Type for string keys ("namespace/name").
//
// Guarantees (the reason a controller uses it rather than a plain FIFO):
//  * Fair FIFO order of distinct keys; adding a key that is already waiting is a no-op (dirty set).
//  * A key is never handed to two workers at once: while a key is being processed (between Get
//    and Done) a new Add only marks it dirty, and Done puts it back in the queue.
//  * After ShutDown, Get returns nullopt at once: no new work starts (in-flight work may finish;
//    the controllers are level-based, so whatever was still queued is picked up by the next
//    leader or the next start). ShutDownWithDrain additionally waits for in-flight items.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "operator/base/clock.h"
#include "operator/metrics/hooks.h"

namespace ferry::workqueue {

class Queue {
 public:
  // `name` labels the queue's metrics; `metrics` may be null (no metrics).
  Queue(Clock& clock, std::string name, metrics::QueueMetricsProvider* metrics = nullptr);
  virtual ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void Add(const std::string& key);
  // Blocks until a key is available (nullopt once shut down). The caller must call Done(key).
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // Number of keys waiting (not counting keys being processed).
  size_t Len() const;
  size_t Processing() const;
  virtual void ShutDown();
  // Shuts down and waits until every key handed out by Get is Done, or `deadline` passes.
  // Returns true when drained.
  bool ShutDownWithDrain(Clock::TimePoint deadline);
  bool ShuttingDown() const;

  // Reports unfinished work and the longest running processor; the delaying queue calls it
  // periodically (client-go does so every 500 ms).
  void UpdateUnfinishedWork();

  const std::string& name() const { return name_; }

 protected:
  Clock& clock_;

 private:
  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cond_;
  std::condition_variable drained_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  bool shutting_down_ = false;

  // Metric bookkeeping (only when metrics are on).
  std::unique_ptr<metrics::QueueMetrics> metrics_;
  std::unordered_map<std::string, Clock::TimePoint> added_at_;
  std::unordered_map<std::string, Clock::TimePoint> started_at_;
};

}  // namespace ferry::workqueue
