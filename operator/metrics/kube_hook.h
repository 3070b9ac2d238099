// Binds the Kubernetes client's RequestHook (kube/rate_limiter.h) to RequestMetrics, so every
// request the client sends is counted in ferry_rest_client_requests_total and timed in
// ferry_rest_client_request_duration_seconds.
#pragma once

#include <chrono>
#include <string>

#include "operator/kube/rate_limiter.h"
#include "operator/metrics/hooks.h"

namespace ferry::metrics {

inline kube::RequestHook KubeRequestHook(RequestMetrics& metrics) {
  return [&metrics](const kube::RequestInfo& info) {
    std::string code = info.status_code == 0 ? "<error>" : std::to_string(info.status_code);
    metrics.ObserveRequest(info.verb, info.resource, code,
                           std::chrono::duration<double>(info.latency).count());
  };
}

}  // namespace ferry::metrics
