// Backoff for the Reflector's list/watch retries (client-go's exponential backoff manager as the
// Reflector configures it): 800 ms doubling to a 30 s cap, each delay plus up to 100% random
// jitter, starting over at 800 ms once 2 minutes have passed without a backoff (the connection
// was healthy). Also the random watch timeout, spread over [5, 10) minutes so that many
// informers do not all re-watch at the same instant.
#pragma once

#include <functional>

#include "operator/base/clock.h"

namespace ferry::cache {

inline constexpr Clock::Duration kBackoffInitial = std::chrono::milliseconds(800);
inline constexpr Clock::Duration kBackoffMax = std::chrono::seconds(30);
inline constexpr Clock::Duration kBackoffResetAfter = std::chrono::minutes(2);
inline constexpr double kBackoffFactor = 2.0;
inline constexpr double kBackoffJitter = 1.0;
inline constexpr Clock::Duration kMinWatchTimeout = std::chrono::minutes(5);

struct BackoffOptions {
  Clock::Duration initial = kBackoffInitial;
  Clock::Duration max = kBackoffMax;
  Clock::Duration reset_after = kBackoffResetAfter;
  double factor = kBackoffFactor;
  double jitter = kBackoffJitter;
};

// The delay of the `step`-th consecutive backoff (0-based) before jitter: initial * factor^step,
// capped at max. Pure: 0 -> 800ms, 1 -> 1.6s, 2 -> 3.2s, 3 -> 6.4s, 4 -> 12.8s, 5 -> 25.6s, 6 -> 30s.
Clock::Duration BackoffBase(int step, const BackoffOptions& o);
// base + r * jitter * base, with r in [0, 1).
Clock::Duration WithJitter(Clock::Duration base, double jitter, double r);
// The timeoutSeconds of one watch: kMinWatchTimeout * (1 + r), r in [0, 1): 300..599 s.
int64_t WatchTimeoutSeconds(double r);

// Uniform random numbers in [0, 1); tests inject a fixed sequence.
using RandomSource = std::function<double()>;
RandomSource DefaultRandomSource();

class Backoff {
 public:
  Backoff(Clock& clock, BackoffOptions options = {}, RandomSource random = DefaultRandomSource());
  // The next delay: resets to `initial` when more than `reset_after` passed since the last call.
  Clock::Duration Next();

 private:
  Clock& clock_;
  const BackoffOptions options_;
  RandomSource random_;
  int step_ = 0;
  bool started_ = false;
  Clock::TimePoint last_;
};

}  // namespace ferry::cache
