// Waiting on one object with a watch (status --watch/--wait, action --wait): each version the
// server sends is handed to `decide` until it returns an exit code, the object is deleted, or
// the timeout passes. Re-watches from the last resourceVersion when the server ends the stream,
// reads the object again after 410 Gone, and retries broken connections until the deadline.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/base/clock.h"
#include "operator/plugin/cluster.h"

namespace ferry::plugin {

// Server-side lifetime of one watch request before the plugin re-watches.
inline constexpr int64_t kWatchTimeoutSeconds = 300;
// Pause before retrying after a failed watch request.
inline constexpr std::chrono::seconds kWatchRetryDelay{1};

// nullopt: keep waiting; else the exit code to finish with.
using Decide = std::function<std::optional<int>(const nlohmann::json& object)>;

struct WaitResult {
  int exit_code = kExitOk;
  std::string error;  // set with kExitError / kExitTimeout
};

// `target.object` is the first version decided on. timeout 0 = no limit.
WaitResult WaitFor(Cluster& cluster, const Target& target, const Decide& decide,
                   std::chrono::seconds timeout, Clock& clock);

}  // namespace ferry::plugin
