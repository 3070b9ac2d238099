// Health checks behind /healthz and /readyz, in the Kubernetes apiserver's format:
//   200 "ok"                                   when every check passes
//   500 "[+]ping ok\n[-]informers failed: ..." when one fails (the body lists every check)
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "operator/base/result.h"
#include "operator/metrics/http_server.h"

namespace ferry::manager {

using Check = std::function<Status()>;

class HealthChecks {
 public:
  explicit HealthChecks(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  void Add(const std::string& name, Check check);
  // Runs every check now.
  metrics::HttpResponse Evaluate() const;

 private:
  const std::string endpoint_;
  mutable std::mutex mu_;
  std::map<std::string, Check> checks_;
};

}  // namespace ferry::manager
