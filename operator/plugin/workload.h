// Summaries of the built-in objects the `get` tree shows (apps/v1 Deployment, batch/v1 Job),
// read from their raw JSON the way `kubectl get` reads them. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/api/meta.h"

namespace ferry::plugin {

struct DeploymentSummary {
  std::string status;  // "Available", "Progressing", "Unavailable" (from conditions and counts)
  int64_t ready = 0;   // status.readyReplicas
  int64_t desired = 0; // spec.replicas (default 1)
  std::string images;  // container images, comma-separated
  std::optional<api::Time> created;
};
DeploymentSummary SummarizeDeployment(const nlohmann::json& d);

struct JobSummary {
  std::string status;       // "Complete", "Failed", "Running", "Pending"
  std::string completions;  // "1/1" as kubectl's COMPLETIONS column
  std::optional<api::Time> created;
};
JobSummary SummarizeJob(const nlohmann::json& j);

}  // namespace ferry::plugin
