// The time model of pipeline runs: per stage, a duration estimate from recent successful runs
// that outliers do not move (median, with the P20..P80 band and the median absolute deviation as
// spread); the estimated completion of each stage and of the run over the DAG (its critical
// path); and the error of an estimate against the outcome, for the metric that keeps the model
// honest. Pure: the caller passes `now` and the history from status.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/pipeline_types.h"
#include "operator/controllers/pipeline/dag.h"

namespace ferry::pipeline {

using Millis = std::chrono::milliseconds;

// Only the most recent successful durations count: builds get faster or slower over time.
inline constexpr size_t kMaxEstimateSamples = 20;
inline constexpr double kEstimateLowQuantile = 0.2;
inline constexpr double kEstimateHighQuantile = 0.8;

struct DurationEstimate {
  Millis median{0};
  Millis low{0};   // P20: 1 in 5 recent runs was faster
  Millis high{0};  // P80: 1 in 5 recent runs was slower
  Millis mad{0};   // median absolute deviation from the median
  size_t samples = 0;
  bool operator==(const DurationEstimate&) const = default;
};

// The q-quantile (0..1) of `sorted` (ascending, non-empty) by linear interpolation between
// closest ranks (Hyndman-Fan type 7, the default of R and NumPy).
Millis Quantile(const std::vector<Millis>& sorted, double q);

// nullopt without samples; else median, P20, P80 and MAD of `samples` (any order).
std::optional<DurationEstimate> EstimateDuration(std::vector<Millis> samples);

// Durations of `stage` in the runs of `history` (newest first, as status.history is) where the
// stage Succeeded, newest first, at most `max_samples`.
std::vector<Millis> SuccessfulStageDurations(const std::vector<api::RunSummary>& history,
                                             std::string_view stage,
                                             size_t max_samples = kMaxEstimateSamples);

// An estimate per stage that has succeeded before; stages without history are absent.
std::map<std::string, DurationEstimate> EstimateStages(const std::vector<api::Stage>& stages,
                                                       const std::vector<api::RunSummary>& history);

struct StageProgress {
  StagePhase phase = StagePhase::kPending;
  std::optional<api::Time> startTime;
  std::optional<api::Time> completionTime;
};

struct RunEstimate {
  // Estimated (or actual, when done) completion per stage; a stage is absent when it or a stage
  // it waits for has no estimate.
  std::map<std::string, api::Time> stageCompletion;
  // When every stage is estimated: the run's completion, the latest stage completion.
  std::optional<api::Time> completion;
  // The stages of the longest chain of dependencies ending at that completion, first to last.
  std::vector<std::string> criticalPath;
};

// Completion estimates for a run now. Finished stages end at their completionTime; a running
// stage at max(start + median, now); a pending stage starts when the last stage it depends on
// ends (or now) and takes its median; a skipped stage takes no time. `stages` must form a DAG.
RunEstimate EstimateRun(const std::vector<api::Stage>& stages,
                        const std::map<std::string, StageProgress>& progress,
                        const std::map<std::string, DurationEstimate>& estimates, api::Time now);

struct EstimateError {
  double seconds = 0;   // actual - estimated: positive when it took longer than estimated
  double relative = 0;  // seconds / estimated duration (0 when the estimate was 0)
  bool operator==(const EstimateError&) const = default;
};

// The error of an estimated duration against the actual one.
EstimateError CompareEstimate(Millis estimated, Millis actual);

}  // namespace ferry::pipeline
