// Rate limiters for re-queued keys (client-go's workqueue/default_rate_limiters.go).
//
// The controller default is MaxOf(per-key exponential backoff 5 ms .. 1000 s, overall token
// bucket 10 qps / burst 100): one failing key backs off exponentially on its own, and a storm of
// failures across many keys cannot push more than ~10 retries per second at the API server.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "operator/base/clock.h"

namespace ferry::workqueue {

inline constexpr Clock::Duration kDefaultItemBaseDelay = std::chrono::milliseconds(5);
inline constexpr Clock::Duration kDefaultItemMaxDelay = std::chrono::seconds(1000);
inline constexpr double kDefaultBucketQps = 10.0;
inline constexpr int kDefaultBucketBurst = 100;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `key` should wait before its next attempt; counts one more failure.
  virtual Clock::Duration When(const std::string& key) = 0;
  // Stops tracking `key` (it succeeded, or the caller gave up on it).
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at `max` (no overflow for any failure count). Pure.
//   failures: 0 -> 5ms, 1 -> 10ms, 2 -> 20ms, ..., 17 -> 655.36s, 18 -> 1000s (cap)
Clock::Duration ExponentialDelay(int failures, Clock::Duration base, Clock::Duration max);

class ItemExponentialFailureRateLimiter final : public RateLimiter {
 public:
  ItemExponentialFailureRateLimiter(Clock::Duration base = kDefaultItemBaseDelay,
                                    Clock::Duration max = kDefaultItemMaxDelay);
  Clock::Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::mutex mu_;
  const Clock::Duration base_;
  const Clock::Duration max_;
  std::unordered_map<std::string, int> failures_;
};

// Token bucket (golang.org/x/time/rate semantics): each When reserves one token and returns how
// long until that token exists. Keys are not tracked: Forget is a no-op, NumRequeues is 0.
class BucketRateLimiter final : public RateLimiter {
 public:
  BucketRateLimiter(Clock& clock, double qps = kDefaultBucketQps, int burst = kDefaultBucketBurst);
  Clock::Duration When(const std::string& key) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  std::mutex mu_;
  Clock& clock_;
  const double qps_;
  const double burst_;
  double tokens_;
  Clock::TimePoint last_;
};

// The longest delay of all its limiters; Forget forgets in all.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// MaxOf(ItemExponentialFailure(5ms, 1000s), Bucket(10 qps, 100 burst)): controller-runtime's
// default.
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock);

}  // namespace ferry::workqueue
