// Builders shared by the pipeline controller's unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "operator/api/meta.h"
#include "operator/api/pipeline_types.h"

namespace ferry::pipeline::testing {

// 2026-11-25T10:00:00Z plus `s` seconds.
inline api::Time T(int s) {
  return api::ParseTime("2026-11-25T10:00:00Z").value() + std::chrono::seconds(s);
}

// A busybox stage with its dependencies and retries.
inline api::Stage S(std::string name, std::vector<std::string> deps = {}, int32_t retries = 0) {
  api::Stage s;
  s.name = std::move(name);
  s.image = "busybox";
  s.dependsOn = std::move(deps);
  s.retries = retries;
  return s;
}

}  // namespace ferry::pipeline::testing
