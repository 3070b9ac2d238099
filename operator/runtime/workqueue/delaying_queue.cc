#include "operator/runtime/workqueue/delaying_queue.h"

namespace ferry::workqueue {

DelayingQueue::DelayingQueue(Clock& clock, std::string name,
                             metrics::QueueMetricsProvider* metrics)
    : Queue(clock, std::move(name), metrics), thread_([this] { Loop(); }) {}

DelayingQueue::~DelayingQueue() {
  ShutDown();
  if (thread_.joinable()) thread_.join();
}

void DelayingQueue::AddAfter(const std::string& key, Clock::Duration delay) {
  if (ShuttingDown()) return;
  if (delay <= Clock::Duration::zero()) {
    Add(key);
    return;
  }
  std::lock_guard g(mu_);
  auto ready = clock_.Now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end() && it->second <= ready) return;  // already due earlier
  // A stale heap entry for the later time stays behind; PopReady skips it.
  waiting_[key] = ready;
  heap_.push(Entry{ready, seq_++, key});
  changed_ = true;
  cv_.notify_all();
}

size_t DelayingQueue::Waiting() const {
  std::lock_guard g(mu_);
  return waiting_.size();
}

void DelayingQueue::ShutDown() {
  Queue::ShutDown();
  std::lock_guard g(mu_);
  stop_ = true;
  cv_.notify_all();
}

Clock::TimePoint DelayingQueue::PopReady(std::vector<std::string>& due) {
  auto now = clock_.Now();
  while (!heap_.empty() && heap_.top().ready <= now) {
    Entry e = heap_.top();
    heap_.pop();
    auto it = waiting_.find(e.key);
    if (it == waiting_.end() || it->second != e.ready) continue;  // superseded entry
    waiting_.erase(it);
    due.push_back(std::move(e.key));
  }
  auto next = now + kUnfinishedWorkUpdatePeriod;
  if (!heap_.empty()) next = std::min(next, heap_.top().ready);
  return next;
}

void DelayingQueue::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    std::vector<std::string> due;
    auto next = PopReady(due);
    if (!due.empty()) {
      lock.unlock();
      for (const auto& key : due) Add(key);
      lock.lock();
      continue;
    }
    changed_ = false;
    clock_.WaitUntil(cv_, lock, next, [&] { return stop_ || changed_; });
    if (clock_.Now() >= next) {
      lock.unlock();
      UpdateUnfinishedWork();
      lock.lock();
    }
  }
}

}  // namespace ferry::workqueue
