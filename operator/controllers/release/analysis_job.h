// The `job` analysis provider: one batch/v1 Job per measurement, e.g. a model evaluation on a
// held-out set against the canary's Service. The Job's success or failure is the verdict, and
// its pod's termination message (/dev/termination-log) is recorded in the measurement.
//
// The Job (BuildAnalysisJob), from spec.analysis.metrics[].provider.job:
//   name     AnalysisJobName: "<release>-<run>-<metric>" (cut to fit 63 characters) + "-<hash>-<n>",
//            the hash over the run's name and start time and the metric, n the measurement's
//            number: deterministic, so after a crash between creating the Job and writing status
//            the next pass finds (adopts) the Job instead of starting a second one; and distinct
//            per rollout, because each rollout's run starts at another time.
//   metadata the template's labels and annotations, plus ferry.dev/release, ferry.dev/analysis-run,
//            ferry.dev/metric and app.kubernetes.io/managed-by=ferry; owned by the Release
//            (controller=true, blockOwnerDeletion=true), so deleting the Release deletes them.
//   spec     the template's JobSpec; its pod template gets the label ferry.dev/analysis-job=<name>
//            (how the provider finds the pods); placeholders ({{release}}, {{canaryVersion}},
//            {{canaryService}}, {{args.NAME}}, ...) are substituted into every container's env
//            values; ttlSecondsAfterFinished defaults to kAnalysisJobTtl.
// A Job whose name is taken by an object not owned by this Release is an Error measurement.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/analysis/query_template.h"
#include "operator/api/release_types.h"
#include "operator/base/clock.h"
#include "operator/base/result.h"
#include "operator/controllers/release/analysis_provider.h"

namespace ferry::release {

inline constexpr char kLabelAnalysisRun[] = "ferry.dev/analysis-run";
inline constexpr char kLabelAnalysisMetric[] = "ferry.dev/metric";
inline constexpr char kLabelAnalysisJob[] = "ferry.dev/analysis-job";
// Finished analysis Jobs are deleted by Kubernetes' TTL controller after this long (unless the
// template sets ttlSecondsAfterFinished), long after their result is in status.
inline constexpr int64_t kAnalysisJobTtlSeconds = 24 * 3600;
// Termination messages are cut to this many bytes in status (Kubernetes caps them at 4096).
inline constexpr std::size_t kMaxTerminationMessage = 512;
// Kubernetes object names of Jobs (label values too) are at most 63 characters.
inline constexpr std::size_t kMaxJobNameLength = 63;

std::string AnalysisJobName(const std::string& release, const std::string& run,
                            const std::optional<api::Time>& run_start, const std::string& metric,
                            int32_t index);

// The Job to create; errors (a bad placeholder in an env value, a template that is not an
// object) name the field.
Result<nlohmann::json> BuildAnalysisJob(const api::Release& release, const api::Metric& metric,
                                        const std::string& run, const std::string& name,
                                        const analysis::TemplateContext& vars);

struct JobOutcome {
  std::string phase;    // api::kAnalysisSuccessful or api::kAnalysisFailed
  std::string message;  // "job x succeeded: <termination message>" or "job x failed (...): ..."
  std::optional<api::Time> finished;
};

// nullopt while the Job runs. `pods` are the Job's pods (any order); the termination message of
// the newest terminated container is quoted.
std::optional<JobOutcome> ReadJobOutcome(const nlohmann::json& job, const nlohmann::json& pods);

// Whether `obj` has an ownerReference to the object with `uid`.
bool OwnedBy(const nlohmann::json& obj, const std::string& uid);

std::unique_ptr<MeasurementProvider> NewJobProvider(kube::Client& client, Clock& clock);

}  // namespace ferry::release
