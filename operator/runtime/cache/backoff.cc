#include "operator/runtime/cache/backoff.h"

#include <cmath>
#include <mutex>
#include <random>

namespace ferry::cache {

Clock::Duration BackoffBase(int step, const BackoffOptions& o) {
  double d = static_cast<double>(o.initial.count()) * std::pow(o.factor, std::max(step, 0));
  if (d >= static_cast<double>(o.max.count())) return o.max;
  return Clock::Duration(static_cast<Clock::Duration::rep>(d));
}

Clock::Duration WithJitter(Clock::Duration base, double jitter, double r) {
  return base + Clock::Duration(static_cast<Clock::Duration::rep>(
                    static_cast<double>(base.count()) * jitter * r));
}

int64_t WatchTimeoutSeconds(double r) {
  auto min = std::chrono::duration_cast<std::chrono::seconds>(kMinWatchTimeout).count();
  return static_cast<int64_t>(static_cast<double>(min) * (1.0 + r));
}

RandomSource DefaultRandomSource() {
  auto state = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
  state->second.seed(std::random_device{}());
  return [state] {
    std::lock_guard g(state->first);
    return std::uniform_real_distribution<double>(0.0, 1.0)(state->second);
  };
}

Backoff::Backoff(Clock& clock, BackoffOptions options, RandomSource random)
    : clock_(clock), options_(options), random_(std::move(random)) {}

Clock::Duration Backoff::Next() {
  auto now = clock_.Now();
  if (!started_ || now - last_ > options_.reset_after) step_ = 0;
  started_ = true;
  last_ = now;
  auto base = BackoffBase(step_, options_);
  if (base < options_.max) ++step_;
  return WithJitter(base, options_.jitter, random_());
}

}  // namespace ferry::cache
