#include "operator/kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace ferry::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(std::max(burst, 1)), clock_(clock), tokens_(std::max(burst, 1)),
      last_(clock.Now()) {}

double TokenBucket::Refill(double tokens, double qps, int burst, std::chrono::nanoseconds elapsed) {
  if (elapsed.count() <= 0) return tokens;
  double added = qps * std::chrono::duration<double>(elapsed).count();
  return std::min(static_cast<double>(burst), tokens + added);
}

std::chrono::nanoseconds TokenBucket::TimeToToken(double tokens, double qps) {
  if (tokens >= 1.0) return std::chrono::nanoseconds(0);
  double secs = (1.0 - tokens) / qps;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::ceil(secs * 1e9)));
}

void TokenBucket::RefillLocked() {
  auto now = clock_.Now();
  tokens_ = Refill(tokens_, qps_, burst_, now - last_);
  last_ = now;
}

bool TokenBucket::TryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  RefillLocked();
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool TokenBucket::Acquire(const std::function<bool()>& cancelled) {
  if (qps_ <= 0) return true;
  std::unique_lock<std::mutex> lock(mu_);
  // Reserve a token now (tokens may go negative), then wait until the reservation is due:
  // waiters are served in arrival order, as client-go's limiter does.
  RefillLocked();
  tokens_ -= 1.0;
  if (tokens_ >= 0.0) return true;
  auto deadline = clock_.Now() + TimeToToken(tokens_ + 1.0, qps_);
  bool was_cancelled = false;
  clock_.WaitUntil(cv_, lock, deadline, [&] {
    was_cancelled = cancelled && cancelled();
    return was_cancelled;
  });
  if (was_cancelled) {
    RefillLocked();
    tokens_ += 1.0;  // give the reservation back
    return false;
  }
  return true;
}

void TokenBucket::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

}  // namespace ferry::kube
