// Client-side flow control and request observation.
//
// TokenBucket: client-go's flowcontrol.NewTokenBucketRateLimiter. The bucket holds up to
// `burst` tokens and refills at `qps` per second; each request takes one, waiting for it on the
// injected Clock. Waiters are served in order of arrival.
//
// RequestHook: called once per HTTP request the client sends (each retry and each watch counts),
// after the answer's status line or a transport failure; the metrics layer turns it into
// rest_client_requests_total / rest_client_request_duration_seconds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "operator/base/clock.h"

namespace ferry::kube {

class TokenBucket {
 public:
  // qps <= 0 disables limiting (Acquire never waits). burst < 1 is treated as 1.
  TokenBucket(double qps, int burst, Clock& clock);

  // Takes one token, waiting as long as needed. Returns false (without a token) if `cancelled`
  // became true while waiting; Cancel-ers must call Wake() after setting it.
  bool Acquire(const std::function<bool()>& cancelled = {});
  // Takes a token only if one is available now.
  bool TryAcquire();
  // Wakes waiters so they re-check their cancellation predicate.
  void Wake();

  // Pure refill arithmetic, exposed for table tests: tokens after `elapsed` starting from
  // `tokens`, capped at `burst`.
  static double Refill(double tokens, double qps, int burst, std::chrono::nanoseconds elapsed);
  // How long until one token is available, from `tokens` (< 1) at `qps`.
  static std::chrono::nanoseconds TimeToToken(double tokens, double qps);

 private:
  void RefillLocked();

  const double qps_;
  const int burst_;
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  double tokens_;
  Clock::TimePoint last_;
};

// What one request did.
struct RequestInfo {
  std::string verb;      // Kubernetes verb: get, list, watch, create, update, patch, delete
  std::string method;    // HTTP method
  std::string resource;  // "deployments.apps", "pods"; subresource appended as "pods/status"
  std::string host;      // the server's host:port
  int status_code = 0;   // HTTP status, 0 when no answer arrived (network error, cancelled)
  std::chrono::nanoseconds latency{0};  // time to the status line (watch) or full body
};

using RequestHook = std::function<void(const RequestInfo&)>;

}  // namespace ferry::kube
