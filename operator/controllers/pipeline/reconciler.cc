#include "operator/controllers/pipeline/reconciler.h"

#include <chrono>

#include "operator/api/meta.h"
#include "operator/controllers/pipeline/runs.h"

namespace ferry::pipeline {

const kube::ResourceRef kPipelines{api::kGroup, api::kVersion, "pipelines", api::kPipelineKind,
                                   true};
const kube::ResourceRef kReleases{api::kGroup, api::kVersion, "releases", api::kReleaseKind, true};

namespace {

const nlohmann::json* ControllerOf(const nlohmann::json& obj) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->contains("ownerReferences")) return nullptr;
  for (const auto& ref : (*md)["ownerReferences"]) {
    if (ref.value("controller", false)) return &ref;
  }
  return nullptr;
}

std::string Meta(const nlohmann::json& obj, const char* key) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return "";
  auto it = md->find(key);
  return it != md->end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::vector<std::string> PipelineIndexFunc(const nlohmann::json& obj) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->contains("labels")) return {};
  const auto& labels = (*md)["labels"];
  auto it = labels.find(kLabelPipeline);
  if (it == labels.end() || !it->is_string()) return {};
  return {md->value("namespace", "") + "/" + it->get<std::string>()};
}

Reconciler::Reconciler(ReconcilerDeps deps) : d_(std::move(deps)) {}

controller::ReconcileOutcome Reconciler::Reconcile(const controller::Request& request) {
  cache::ObjectPtr obj = d_.pipelines.indexer().Get(request.Key());
  if (!obj) {
    if (d_.metrics) d_.metrics->Forget(request.namespace_, request.name);
    return controller::ReconcileResult{};
  }
  auto decoded = api::DecodePipeline(*obj);
  if (!decoded.ok()) {
    std::string msg = api::JoinErrors(decoded.error());
    d_.events.Event(*obj, events::kEventTypeWarning, kReasonInvalidSpec, msg);
    return controller::TerminalError("cannot decode Pipeline " + request.Key() + ": " + msg);
  }
  const api::Pipeline& p = decoded.value();
  if (p.metadata.deletionTimestamp) return controller::ReconcileResult{};

  PassInput in;
  in.pipeline = &p;
  in.jobs = ObserveJobs(p);
  in.now = d_.clock.WallNow();
  in.git_image = d_.git_image;
  in.handoff = [this, &p](const api::Handoff& h, const api::PipelineRun& run) {
    return ApplyHandoff(p, h, run);
  };
  auto out = RunPass(in);
  if (!out.ok()) return controller::ReconcileError{out.error().message};

  auto conflict = WriteStatus(p, *obj, out.value().status);
  if (!conflict.ok()) return controller::ReconcileError{conflict.error().message};
  if (conflict.value()) {
    log_.Debug("stale Pipeline in the cache, requeued", {{"pipeline", request.Key()}});
    return controller::ReconcileResult{true};
  }
  Record(p, *obj, out.value());
  Status created = CreateJobs(p, *obj, out.value().create);
  Status deleted =
      DeleteJobs(p, JobsToDelete(p.metadata.name, out.value().status, in.jobs));
  if (!created.ok()) return controller::ReconcileError{created.error().message};
  if (!deleted.ok()) return controller::ReconcileError{deleted.error().message};
  controller::ReconcileResult result;
  if (out.value().requeueAfter) result.requeue_after = *out.value().requeueAfter + kTimeoutSlack;
  return result;
}

std::map<std::string, ObservedJob> Reconciler::ObserveJobs(const api::Pipeline& p) const {
  const std::string key = p.metadata.namespace_ + "/" + LabelValue(p.metadata.name);
  std::map<std::string, ObservedJob> jobs;
  if (auto listed = d_.jobs.indexer().ByIndex(kPipelineIndex, key); listed.ok()) {
    for (const auto& job : listed.value()) {
      const nlohmann::json* owner = ControllerOf(*job);
      if (owner == nullptr || owner->value("uid", "") != p.metadata.uid) continue;
      jobs[Meta(*job, "name")].job = *job;
    }
  }
  if (auto pods = d_.pods.indexer().ByIndex(kPipelineIndex, key); pods.ok()) {
    for (const auto& pod : pods.value()) {
      const nlohmann::json* owner = ControllerOf(*pod);
      if (owner == nullptr || owner->value("kind", "") != "Job") continue;
      auto it = jobs.find(owner->value("name", ""));
      if (it != jobs.end()) it->second.pods.push_back(*pod);
    }
  }
  return jobs;
}

Result<bool> Reconciler::WriteStatus(const api::Pipeline& p, const nlohmann::json& object,
                                     const api::PipelineStatus& status) {
  nlohmann::json before = api::EncodePipelineStatus(p.status)["status"];
  nlohmann::json after = api::EncodePipelineStatus(status)["status"];
  nlohmann::json diff = api::MergePatch(before, after);
  if (diff.empty()) return false;
  nlohmann::json patch{{"metadata", {{"resourceVersion", Meta(object, "resourceVersion")}}},
                       {"status", std::move(diff)}};
  kube::PatchOptions opts;
  opts.subresource = "status";
  auto res = d_.client.Patch(kPipelines, p.metadata.namespace_, p.metadata.name,
                             kube::PatchType::kMerge, patch, opts);
  if (res.ok()) return false;
  if (kube::IsConflict(res.error())) return true;
  if (kube::IsNotFound(res.error())) return true;  // deleted meanwhile: the next pass sees it
  return Error{"cannot write the status of Pipeline " + p.metadata.namespace_ + "/" +
               p.metadata.name + ": " + res.error().ToString()};
}

Status Reconciler::CreateJobs(const api::Pipeline& p, const nlohmann::json& object,
                              const std::vector<nlohmann::json>& jobs) {
  std::string failures;
  for (const auto& job : jobs) {
    const std::string name = Meta(job, "name");
    auto res = d_.client.Create(kube::kJobs, job);
    if (res.ok()) continue;
    if (kube::IsAlreadyExists(res.error())) {
      // Created by an earlier pass (or before a crash): adopt it if this Pipeline controls it.
      auto existing = d_.client.Get(kube::kJobs, p.metadata.namespace_, name);
      if (!existing.ok()) continue;  // gone again: the next pass recreates it
      const nlohmann::json* owner = ControllerOf(existing.value());
      if (owner != nullptr && owner->value("uid", "") == p.metadata.uid) continue;
      std::string msg = "Job " + name + " exists but is not controlled by this Pipeline; " +
                        "delete it (kubectl delete job " + name + ") so the stage can run";
      d_.events.Event(object, events::kEventTypeWarning, "JobNameTaken", msg);
      failures += (failures.empty() ? "" : "; ") + msg;
      continue;
    }
    std::string msg = "cannot create Job " + name + ": " + res.error().ToString();
    d_.events.Event(object, events::kEventTypeWarning, "JobCreateFailed", msg);
    failures += (failures.empty() ? "" : "; ") + msg;
  }
  if (!failures.empty()) return Error{failures};
  return {};
}

Status Reconciler::DeleteJobs(const api::Pipeline& p, const std::vector<std::string>& names) {
  kube::DeleteOptions opts;
  opts.propagation_policy = "Background";
  for (const auto& name : names) {
    auto res = d_.client.Delete(kube::kJobs, p.metadata.namespace_, name, opts);
    if (!res.ok() && !kube::IsNotFound(res.error())) {
      return Error{"cannot delete Job " + name + ": " + res.error().ToString()};
    }
    log_.Info("deleted Job", {{"pipeline", p.metadata.namespace_ + "/" + p.metadata.name},
                              {"job", name}});
  }
  return {};
}

void Reconciler::Record(const api::Pipeline& p, const nlohmann::json& object,
                        const PassOutput& out) {
  for (const auto& e : out.events) d_.events.Event(object, e.type, e.reason, e.message);
  if (d_.metrics == nullptr) return;
  const std::string& ns = p.metadata.namespace_;
  const std::string& name = p.metadata.name;
  auto secs = [](std::optional<Millis> m) -> std::optional<double> {
    if (!m) return std::nullopt;
    return std::chrono::duration<double>(*m).count();
  };
  for (const auto& s : out.stagesEnded) {
    d_.metrics->StageEnded(ns, name, s.stage, s.phase, s.seconds, secs(s.estimate));
  }
  for (const auto& r : out.runsEnded) {
    d_.metrics->RunEnded(ns, name, r.phase, r.trigger, r.seconds, secs(r.estimate));
  }
  for (const auto& [stage, est] : out.estimates) {
    d_.metrics->SetStageEstimate(ns, name, stage, *secs(est.median));
  }
  const auto& run = out.status.currentRun;
  std::optional<double> completion;
  if (run && IsRunActive(*run) && run->estimatedCompletionTime) {
    completion = std::chrono::duration<double>(run->estimatedCompletionTime->time_since_epoch())
                     .count();
  }
  d_.metrics->SetRunEstimatedCompletion(ns, name, completion);
}

}  // namespace ferry::pipeline
