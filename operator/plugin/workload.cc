#include "operator/plugin/workload.h"

namespace ferry::plugin {
namespace {

using nlohmann::json;

int64_t IntAt(const json& j, const json::json_pointer& p, int64_t fallback) {
  if (!j.contains(p)) return fallback;
  const json& v = j.at(p);
  return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

bool ConditionTrue(const json& obj, std::string_view type) {
  auto conditions = obj.value(json::json_pointer("/status/conditions"), json::array());
  for (const auto& c : conditions) {
    if (c.is_object() && c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

std::optional<api::Time> Created(const json& obj) {
  auto p = json::json_pointer("/metadata/creationTimestamp");
  if (!obj.contains(p) || !obj.at(p).is_string()) return std::nullopt;
  auto t = api::ParseTime(obj.at(p).get<std::string>());
  return t.ok() ? std::optional(t.value()) : std::nullopt;
}

}  // namespace

DeploymentSummary SummarizeDeployment(const json& d) {
  DeploymentSummary s;
  s.desired = IntAt(d, json::json_pointer("/spec/replicas"), 1);
  s.ready = IntAt(d, json::json_pointer("/status/readyReplicas"), 0);
  int64_t updated = IntAt(d, json::json_pointer("/status/updatedReplicas"), 0);
  if (s.ready >= s.desired && updated >= s.desired) {
    s.status = "Available";
  } else if (ConditionTrue(d, "Progressing")) {
    s.status = "Progressing";
  } else {
    s.status = "Unavailable";
  }
  auto containers = d.value(json::json_pointer("/spec/template/spec/containers"), json::array());
  for (const auto& c : containers) {
    if (!c.is_object()) continue;
    s.images += (s.images.empty() ? "" : ",") + c.value("image", "");
  }
  s.created = Created(d);
  return s;
}

JobSummary SummarizeJob(const json& j) {
  JobSummary s;
  int64_t succeeded = IntAt(j, json::json_pointer("/status/succeeded"), 0);
  int64_t active = IntAt(j, json::json_pointer("/status/active"), 0);
  int64_t completions = IntAt(j, json::json_pointer("/spec/completions"), 1);
  if (ConditionTrue(j, "Complete")) {
    s.status = "Complete";
  } else if (ConditionTrue(j, "Failed")) {
    s.status = "Failed";
  } else {
    s.status = active > 0 ? "Running" : "Pending";
  }
  s.completions = std::to_string(succeeded) + "/" + std::to_string(completions);
  s.created = Created(j);
  return s;
}

}  // namespace ferry::plugin
