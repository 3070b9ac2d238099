// RateLimitingQueue: a DelayingQueue whose re-adds go through a RateLimiter (client-go's
// rate_limiting_queue). The controller's worker calls AddRateLimited after an error,
// Forget after success, and AddAfter for an explicit RequeueAfter.
#pragma once

#include "operator/runtime/workqueue/delaying_queue.h"
#include "operator/runtime/workqueue/rate_limiter.h"

namespace ferry::workqueue {

class RateLimitingQueue final : public DelayingQueue {
 public:
  // A null `limiter` selects DefaultControllerRateLimiter.
  RateLimitingQueue(Clock& clock, std::string name, std::unique_ptr<RateLimiter> limiter = nullptr,
                    metrics::QueueMetricsProvider* metrics = nullptr);

  // Adds `key` after the limiter's delay for it (counts a retry).
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key) { limiter_->Forget(key); }
  int NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

 private:
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<metrics::QueueMetrics> retries_;
};

}  // namespace ferry::workqueue
