#include "operator/kube/retry.h"

#include <algorithm>

namespace ferry::kube {

bool IsRetriable(const Error& error, std::string_view method, bool apply_patch) {
  const bool idempotent = method == "GET" || method == "HEAD" || method == "PUT" ||
                          method == "DELETE" || (method == "PATCH" && apply_patch);
  if (error.kind == Error::Kind::kApi) {
    // 429 means the server did nothing (priority and fairness / max-in-flight): always safe.
    if (error.code == 429) return true;
    if (error.code >= 500 && error.code <= 599) {
      // 501 Not Implemented will not change on a retry.
      return idempotent && error.code != 501;
    }
    return false;
  }
  if (error.kind == Error::Kind::kNetwork && error.reason == kReasonCertificateInvalid) return false;
  return (error.kind == Error::Kind::kNetwork || error.kind == Error::Kind::kTimeout) && idempotent;
}

std::optional<std::chrono::milliseconds> RetryDelay(const RetryPolicy& policy, int attempt,
                                                    const Error& error) {
  if (attempt >= policy.max_attempts) return std::nullopt;
  if (error.retry_after) {
    auto ra = std::min<std::chrono::seconds>(*error.retry_after, kMaxRetryAfter);
    return std::chrono::duration_cast<std::chrono::milliseconds>(ra);
  }
  std::chrono::milliseconds delay = policy.base_delay;
  for (int i = 1; i < attempt && delay < policy.max_delay; ++i) delay *= 2;
  return std::min(delay, policy.max_delay);
}

}  // namespace ferry::kube
