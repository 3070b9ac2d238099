#include "operator/runtime/workqueue/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace ferry::workqueue {

Clock::Duration ExponentialDelay(int failures, Clock::Duration base, Clock::Duration max) {
  if (failures < 0) failures = 0;
  // Compute in floating point so large exponents saturate instead of overflowing.
  double delay = static_cast<double>(base.count()) * std::pow(2.0, failures);
  if (delay >= static_cast<double>(max.count())) return max;
  return Clock::Duration(static_cast<Clock::Duration::rep>(delay));
}

ItemExponentialFailureRateLimiter::ItemExponentialFailureRateLimiter(Clock::Duration base,
                                                                     Clock::Duration max)
    : base_(base), max_(max) {}

Clock::Duration ItemExponentialFailureRateLimiter::When(const std::string& key) {
  std::lock_guard g(mu_);
  int& failures = failures_[key];
  auto delay = ExponentialDelay(failures, base_, max_);
  ++failures;
  return delay;
}

void ItemExponentialFailureRateLimiter::Forget(const std::string& key) {
  std::lock_guard g(mu_);
  failures_.erase(key);
}

int ItemExponentialFailureRateLimiter::NumRequeues(const std::string& key) {
  std::lock_guard g(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(burst), tokens_(burst), last_(clock.Now()) {}

Clock::Duration BucketRateLimiter::When(const std::string&) {
  std::lock_guard g(mu_);
  auto now = clock_.Now();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Clock::Duration::zero();
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Clock::Duration MaxOfRateLimiter::When(const std::string& key) {
  Clock::Duration longest = Clock::Duration::zero();
  for (auto& l : limiters_) longest = std::max(longest, l->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& l : limiters_) l->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialFailureRateLimiter>());
  limiters.push_back(std::make_unique<BucketRateLimiter>(clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace ferry::workqueue
