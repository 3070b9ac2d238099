// The Pipeline Reconciler: the I/O around RunPass (pass.h). Level-based: the request carries only
// "namespace/name"; everything is read from the informer caches.
//
// One Reconcile:
//   1. the Pipeline from the cache (gone: its gauges are dropped; being deleted: nothing to do,
//      the garbage collector deletes its Jobs through their ownerReferences);
//   2. its Jobs (index kPipelineIndex, controlled by this Pipeline's uid) and their Pods (same
//      index, grouped by their controlling Job);
//   3. RunPass, with the hand-off as a server-side apply (field manager ferry-handoff, force) of
//      only spec.version, the container's image/env and the provenance annotations;
//   4. the status written as a JSON merge patch of what changed, with the Pipeline's
//      resourceVersion as precondition (a stale cache gets 409 and the key is requeued): no
//      write when nothing changed;
//   5. the Jobs of started stages created (AlreadyExists by a Job this Pipeline controls = it was
//      created before a crash: adopted), JobsToDelete deleted (propagationPolicy Background);
//   6. Events and metrics, only after the status write (a retried pass does not repeat them);
//   7. requeue at the run's timeout; Job and Pod events wake it otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/kube/client.h"
#include "operator/runtime/cache/shared_informer.h"
#include "operator/runtime/controller/reconciler.h"
#include "operator/runtime/events/event_recorder.h"
#include "operator/controllers/pipeline/metrics.h"
#include "operator/controllers/pipeline/pass.h"

namespace ferry::pipeline {

// The Pipeline CRD's resource.
extern const kube::ResourceRef kPipelines;  // ferry.dev/v1alpha1 pipelines
extern const kube::ResourceRef kReleases;   // ferry.dev/v1alpha1 releases

// Index of Jobs and Pods by their Pipeline: "<namespace>/<ferry.dev/pipeline label>".
inline constexpr char kPipelineIndex[] = "ferry.dev/pipeline";
std::vector<std::string> PipelineIndexFunc(const nlohmann::json& obj);

// Wake a run up a little after its timeout, so the deadline has certainly passed.
inline constexpr std::chrono::milliseconds kTimeoutSlack{500};

struct ReconcilerDeps {
  kube::Client& client;
  Clock& clock;
  events::EventRecorder& events;
  cache::SharedInformer& pipelines;
  cache::SharedInformer& jobs;  // indexed by kPipelineIndex
  cache::SharedInformer& pods;  // indexed by kPipelineIndex
  cache::SharedInformer& releases;
  PipelineMetrics* metrics = nullptr;  // may be null
  std::string git_image = kDefaultGitImage;
};

class Reconciler final : public controller::Reconciler {
 public:
  explicit Reconciler(ReconcilerDeps deps);
  controller::ReconcileOutcome Reconcile(const controller::Request& request) override;

 private:
  std::map<std::string, ObservedJob> ObserveJobs(const api::Pipeline& p) const;
  Result<HandoffOutcome> ApplyHandoff(const api::Pipeline& p, const api::Handoff& handoff,
                                      const api::PipelineRun& run);
  // 0: written or nothing to write; 1: conflict (requeue); error otherwise.
  Result<bool> WriteStatus(const api::Pipeline& p, const nlohmann::json& object,
                           const api::PipelineStatus& status);
  Status CreateJobs(const api::Pipeline& p, const nlohmann::json& object,
                    const std::vector<nlohmann::json>& jobs);
  Status DeleteJobs(const api::Pipeline& p, const std::vector<std::string>& names);
  void Record(const api::Pipeline& p, const nlohmann::json& object, const PassOutput& out);

  ReconcilerDeps d_;
  log::Logger log_{"pipeline"};
};

}  // namespace ferry::pipeline
