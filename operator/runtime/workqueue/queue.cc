#include "operator/runtime/workqueue/queue.h"

namespace ferry::workqueue {
namespace {

double Seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

Queue::Queue(Clock& clock, std::string name, metrics::QueueMetricsProvider* metrics)
    : clock_(clock), name_(std::move(name)) {
  if (metrics != nullptr) metrics_ = metrics->ForQueue(name_);
}

Queue::~Queue() = default;

void Queue::Add(const std::string& key) {
  std::lock_guard g(mu_);
  if (shutting_down_ || dirty_.count(key) > 0) return;
  dirty_.insert(key);
  if (metrics_) {
    metrics_->IncAdds();
    added_at_.emplace(key, clock_.Now());
  }
  if (processing_.count(key) > 0) return;  // re-queued by Done
  queue_.push_back(key);
  if (metrics_) metrics_->SetDepth(static_cast<double>(queue_.size()));
  cond_.notify_one();
}

std::optional<std::string> Queue::Get() {
  std::unique_lock lock(mu_);
  cond_.wait(lock, [&] { return shutting_down_ || !queue_.empty(); });
  if (shutting_down_) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  if (metrics_) {
    auto now = clock_.Now();
    metrics_->SetDepth(static_cast<double>(queue_.size()));
    if (auto it = added_at_.find(key); it != added_at_.end()) {
      metrics_->ObserveQueueDuration(Seconds(now - it->second));
      added_at_.erase(it);
    }
    started_at_[key] = now;
  }
  return key;
}

void Queue::Done(const std::string& key) {
  std::lock_guard g(mu_);
  processing_.erase(key);
  if (metrics_) {
    if (auto it = started_at_.find(key); it != started_at_.end()) {
      metrics_->ObserveWorkDuration(Seconds(clock_.Now() - it->second));
      started_at_.erase(it);
    }
  }
  if (dirty_.count(key) > 0 && !shutting_down_) {
    queue_.push_back(key);
    if (metrics_) metrics_->SetDepth(static_cast<double>(queue_.size()));
    cond_.notify_one();
  }
  if (processing_.empty()) drained_.notify_all();
}

size_t Queue::Len() const {
  std::lock_guard g(mu_);
  return queue_.size();
}

size_t Queue::Processing() const {
  std::lock_guard g(mu_);
  return processing_.size();
}

void Queue::ShutDown() {
  std::lock_guard g(mu_);
  shutting_down_ = true;
  cond_.notify_all();
}

bool Queue::ShutDownWithDrain(Clock::TimePoint deadline) {
  ShutDown();
  std::unique_lock lock(mu_);
  return clock_.WaitUntil(drained_, lock, deadline, [&] { return processing_.empty(); });
}

bool Queue::ShuttingDown() const {
  std::lock_guard g(mu_);
  return shutting_down_;
}

void Queue::UpdateUnfinishedWork() {
  std::lock_guard g(mu_);
  if (!metrics_) return;
  auto now = clock_.Now();
  double total = 0;
  double oldest = 0;
  for (const auto& [key, start] : started_at_) {
    double age = Seconds(now - start);
    total += age;
    oldest = std::max(oldest, age);
  }
  metrics_->SetUnfinishedWork(total);
  metrics_->SetLongestRunningProcessor(oldest);
}

}  // namespace ferry::workqueue
