#include "operator/runtime/workqueue/rate_limiting_queue.h"

namespace ferry::workqueue {

RateLimitingQueue::RateLimitingQueue(Clock& clock, std::string name,
                                     std::unique_ptr<RateLimiter> limiter,
                                     metrics::QueueMetricsProvider* metrics)
    : DelayingQueue(clock, name, metrics),
      limiter_(limiter ? std::move(limiter) : DefaultControllerRateLimiter(clock)) {
  if (metrics != nullptr) retries_ = metrics->ForQueue(name);
}

void RateLimitingQueue::AddRateLimited(const std::string& key) {
  if (retries_) retries_->IncRetries();
  AddAfter(key, limiter_->When(key));
}

}  // namespace ferry::workqueue
