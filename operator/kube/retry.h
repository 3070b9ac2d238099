// Retry policy for transient API answers, as client-go's rest.Request does for 429/5xx with
// Retry-After, extended with exponential backoff when the server gives no hint.
//
// Only requests that are safe to repeat are retried: GET (get, list), PUT (its resourceVersion
// makes a repeat either the same write or a 409), DELETE with preconditions or a repeat of
// which is harmless (a second DELETE answers 404, which the client reports as-is), PATCH with
// application/apply-patch+yaml (server-side apply is idempotent by design). POST (create) and
// other PATCHes are retried only on 429, which the server sends before doing anything.
// Network failures are retried like 503 on the same verbs: a request that never reached the
// server is indistinguishable from one that did, so POST is not repeated.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "operator/kube/errors.h"

namespace ferry::kube {

inline constexpr int kDefaultMaxAttempts = 5;  // first try + 4 retries
inline constexpr std::chrono::milliseconds kDefaultRetryBaseDelay{200};
inline constexpr std::chrono::milliseconds kDefaultRetryMaxDelay{10'000};
// A server's Retry-After is honoured up to this bound, so one answer cannot stall a worker.
inline constexpr std::chrono::seconds kMaxRetryAfter{60};

struct RetryPolicy {
  int max_attempts = kDefaultMaxAttempts;  // 1 = never retry
  std::chrono::milliseconds base_delay = kDefaultRetryBaseDelay;
  std::chrono::milliseconds max_delay = kDefaultRetryMaxDelay;
};

// Whether an attempt that failed with `error` may be repeated for this request.
// `method` is the HTTP method; `apply_patch` marks a server-side apply PATCH.
bool IsRetriable(const Error& error, std::string_view method, bool apply_patch);

// Delay before attempt number `attempt` + 1 (attempt counts from 1): the server's Retry-After
// if given (capped at kMaxRetryAfter), else base * 2^(attempt-1) capped at max_delay.
// nullopt when attempts are exhausted.
std::optional<std::chrono::milliseconds> RetryDelay(const RetryPolicy& policy, int attempt,
                                                    const Error& error);

}  // namespace ferry::kube
