// Pure rendering of `kubectl-ferry` output over decoded objects: tables, the get tree, the status
// views and histories. No I/O and no clock: `now` is a parameter, so every output is a golden
// string in tests (tests/plugin/render_test.cc).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"

namespace ferry::plugin {

// Width of the weight bar in `status`.
inline constexpr int kWeightBarWidth = 20;
// kubectl's column gap (tabwriter padding).
inline constexpr int kColumnGap = 3;

// Rows of cells as kubectl prints them: each column padded to its widest cell (display width:
// UTF-8 code points) plus kColumnGap, trailing spaces trimmed, one '\n' per row.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// kubectl's HumanDuration: "45s", "119s", "5m30s", "45m", "3h20m", "30h", "3d4h", "30d", "2y10d".
std::string HumanDuration(std::chrono::seconds d);
// Age of `since` at `now`; "<unknown>" when absent.
std::string Age(const std::optional<api::Time>& since, api::Time now);

// One char per step: '=' done, '>' current, '.' to do; then " done/total".
// ProgressBar(3, 9) == "[===>.....] 3/9"; index == total (all done) == "[=========] 9/9".
std::string ProgressBar(int current_index, int total);
// "[######--------------] 30%" for a width of 20; clamped to 0..100.
std::string WeightBar(int weight, int width = kWeightBarWidth);
// "setWeight 30", "pause 5m", "pause (until promoted)", "analysis error-rate, p99-latency",
// "setHeaderRoute team-a", "setMirror 10%", "setCanaryScale replicas 2".
std::string DescribeStep(const api::CanaryStep& step);
// Last measured value of a metric ("0.0023"), or its phase when it has none.
std::string LastValue(const api::MetricResult& m);

// Built-in objects the tree shows under the Ferry objects, keyed "namespace/name".
struct Workloads {
  std::map<std::string, nlohmann::json> deployments;
  std::map<std::string, nlohmann::json> jobs;
};

struct TreeOptions {
  api::Time now;
  bool wide = false;            // template hashes, images, revisions
  bool show_namespace = false;  // -A: a NAMESPACE column
};

// The `get` tree: each Release with its stable and canary Deployments and analysis runs, then
// each Pipeline with the Jobs of its current run (or of its last run's stages).
std::string RenderTree(const std::vector<api::Release>& releases,
                       const std::vector<api::Pipeline>& pipelines, const Workloads& workloads,
                       const TreeOptions& options);

// `status` of a Release: phase, version, step bar and list, weight bar, replicas, analysis
// values, conditions' message, and what it is waiting for.
std::string RenderReleaseStatus(const api::Release& r, api::Time now);
// `status` of a Pipeline: its current (else last) run with a stage progress bar and stages.
std::string RenderPipelineStatus(const api::Pipeline& p, api::Time now);
// `history` tables.
std::string RenderReleaseHistory(const api::Release& r, api::Time now);
std::string RenderPipelineHistory(const api::Pipeline& p, api::Time now);

}  // namespace ferry::plugin
