#include "operator/controllers/release/reconciler.h"

#include "operator/api/meta.h"
#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/decide.h"
#include "operator/controllers/release/executor.h"
#include "operator/controllers/release/routing/services.h"
#include "operator/controllers/release/snapshot.h"

namespace ferry::release {

const kube::ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};

namespace {

using controller::ReconcileError;
using controller::ReconcileOutcome;
using controller::ReconcileResult;

constexpr char kReasonInvalidRoute[] = "InvalidRoute";

ReconcileResult After(std::chrono::milliseconds after) {
  ReconcileResult r;
  if (after <= std::chrono::milliseconds(0)) r.requeue = true;
  else r.requeue_after = after;
  return r;
}

bool Routed(const api::Release& r) {
  return r.spec.strategy.canary && r.spec.strategy.canary->trafficRouting.has_value();
}

// Blue-green mid-rollout: what its Services select now (Snapshot::activeSelection).
kube::Status ObserveSelections(kube::Client& client, const api::Release& r, Snapshot& s) {
  const auto& bg = r.spec.strategy.blueGreen;
  if (!bg || !r.status.blueGreen) return {};
  const std::pair<const std::string*, std::optional<PodSelection>*> services[] = {
      {&bg->activeService, &s.activeSelection}, {&bg->previewService, &s.previewSelection}};
  for (const auto& [name, out] : services) {
    if (name->empty()) continue;
    auto selection = routing::ReadSelection(client, r.metadata.namespace_, *name);
    if (!selection.ok()) return selection.error();
    *out = *selection;
  }
  return {};
}

}  // namespace

struct Reconciler::Pass {
  cache::ObjectPtr obj;
  api::Release release;
  api::Time now;
  log::Logger log;
};

Reconciler::Reconciler(ReconcilerOptions options)
    : o_(std::move(options)), release_writes_(o_.clock), deployment_writes_(o_.clock) {}

ReconcileOutcome Reconciler::Reconcile(const controller::Request& request) {
  const std::string key = request.Key();
  const std::string& ns = request.namespace_;
  auto obj = release_writes_.Fresher(key, o_.releases.Get(key));
  if (!obj) {  // deleted: the garbage collector removes the canary (ownerReference)
    if (o_.metrics != nullptr) o_.metrics->Forget(ns, request.name);
    return ReconcileResult{};
  }
  auto decoded = api::DecodeRelease(*obj);
  if (!decoded) return Undecodable(obj, api::JoinErrors(decoded.error()));
  Pass p{obj, std::move(*decoded), o_.clock.WallNow(), log_.WithObject(ns, request.name)};
  if (p.release.metadata.deletionTimestamp) return ReconcileResult{};

  const std::string target_key = ns + "/" + p.release.spec.targetRef.name;
  const std::string canary_key = ns + "/" + CanaryName(p.release.metadata.name);
  auto target = deployment_writes_.Fresher(target_key, o_.deployments.Get(target_key));
  auto canary = deployment_writes_.Fresher(canary_key, o_.deployments.Get(canary_key));
  auto pods = o_.pods.ByIndex(kCanaryPodIndex, key);
  if (!pods) return ReconcileError{"pods cache: " + pods.error().message};

  std::unique_ptr<routing::TrafficRouter> router;
  std::optional<int32_t> weight;
  if (Routed(p.release) && o_.routers) router = o_.routers(o_.client, p.release);
  if (router) {
    auto w = router->CurrentWeight();
    if (!w && routing::IsInvalidRoute(w.error())) return InvalidRoute(p, w.error().message);
    if (!w) return ReconcileError{router->Name() + " route: " + w.error().ToString()};
    weight = *w;
  }

  Snapshot snap =
      MakeSnapshot(p.release, target, canary, *pods, weight, o_.analysis != nullptr, p.now);
  if (auto st = ObserveSelections(o_.client, p.release, snap); !st.ok()) {
    return ReconcileError{"reading Services: " + st.error().ToString()};
  }
  Decision d = Decide(snap);
  ExecutionContext x{o_.client, deployment_writes_, o_.analysis, router.get(),
                     p.release, p.now,           p.log};
  auto fx = ExecuteActions(x, d.actions, d.status);
  if (!fx && fx.error().invalid_route) return InvalidRoute(p, fx.error().message);
  if (!fx) return ReconcileError{fx.error().message};

  auto committed = CommitStatus(p, d.status);
  if (!committed) return ReconcileError{"writing status: " + committed.error().ToString()};
  if (!*committed) return ReconcileResult{.requeue = true};  // stale read: decide again
  Announce(p, d, fx->events);
  if (auto deleted = ExecuteDeletes(x, fx->deletes); !deleted) {
    return ReconcileError{deleted.error().message};
  }
  // What only a user can fix is not retried: the next change of the Release reconciles it.
  const auto* stalled = api::FindCondition(d.status.conditions, api::kConditionStalled);
  if (stalled != nullptr && stalled->status == api::kConditionTrue &&
      stalled->reason == kReasonInvalidSpec) {
    return controller::TerminalError("invalid Release " + key + ": " + stalled->message);
  }
  return fx->requeue ? After(*fx->requeue) : ReconcileResult{};
}

void Reconciler::Announce(const Pass& p, const Decision& d,
                          const std::vector<RecordEvent>& events) {
  for (const auto& ev : events) {
    p.log.Info("event", {{"type", ev.type}, {"reason", ev.reason}, {"message", ev.message}});
    o_.events.Event(*p.obj, ev.type, ev.reason, ev.message);
  }
  if (o_.metrics == nullptr) return;
  const auto& meta = p.release.metadata;
  o_.metrics->Observe(meta.namespace_, meta.name, d.status);
  for (const auto& c : d.completions) o_.metrics->Complete(meta.namespace_, meta.name, c);
}

kube::Result<bool> Reconciler::CommitStatus(const Pass& p, const api::ReleaseStatus& status) {
  if (status == p.release.status) return true;
  auto written = WriteStatus(*p.obj, status);
  if (written && *written) {
    p.log.Info("status", {{"phase", status.phase},
                          {"step", status.currentStepIndex.value_or(0)},
                          {"weight", status.canaryWeight},
                          {"message", status.message}});
  }
  return written;
}

kube::Result<bool> Reconciler::WriteStatus(const cache::Object& obj,
                                           const api::ReleaseStatus& status) {
  cache::Object body = obj;
  body["status"] = api::EncodeReleaseStatus(status)["status"];
  // Absent managedFields leave the server's as they are; a copy could only be stale.
  if (body.contains("metadata")) body["metadata"].erase("managedFields");
  auto r = o_.client.UpdateStatus(kReleases, body, {.field_manager = kCanaryFieldManager});
  if (!r && (kube::IsConflict(r.error()) || kube::IsNotFound(r.error()))) return false;
  if (!r) return r.error();
  release_writes_.Remember(*r);
  return true;
}

ReconcileOutcome Reconciler::InvalidRoute(Pass& p, const std::string& message) {
  api::ReleaseStatus status = p.release.status;
  const int64_t generation = p.release.metadata.generation;
  // observedGeneration too: GitOps health checks and `status --wait` read Stalled only for the
  // generation it names.
  const bool observed = status.observedGeneration == generation;
  status.observedGeneration = generation;
  if (api::MarkStalled(status.conditions, generation, kReasonInvalidRoute, message, p.now) ||
      !observed) {
    status.message = message;
    auto written = WriteStatus(*p.obj, status);
    if (!written) return ReconcileError{"writing status: " + written.error().ToString()};
    p.log.Warn("route needs a fix", {{"error", message}});
    o_.events.Event(*p.obj, kEventWarning, kReasonInvalidRoute, message);
  }
  return ReconcileResult{.requeue_after = kInvalidRouteRecheck};
}

ReconcileOutcome Reconciler::Undecodable(const cache::ObjectPtr& obj, const std::string& errors) {
  const std::string key = cache::MetaNamespaceKey(*obj);
  const auto& old = obj->value("status", cache::Object::object());
  if (old.value("phase", "") == api::kReleaseFailed && old.value("message", "") == errors) {
    return controller::TerminalError("invalid Release " + key + ": " + errors);
  }
  api::ReleaseStatus status;
  status.phase = api::kReleaseFailed;
  status.message = errors;
  const int64_t generation = obj->value("/metadata/generation"_json_pointer, int64_t{0});
  api::MarkStalled(status.conditions, generation, kReasonInvalidSpec, errors, o_.clock.WallNow());
  const auto encoded = api::EncodeReleaseStatus(status)["status"];
  cache::Object patch = {{"status",
                          {{"phase", encoded["phase"]},
                           {"observedGeneration", generation},
                           {"message", encoded["message"]},
                           {"conditions", encoded["conditions"]}}}};
  auto [ns, name] = cache::SplitMetaNamespaceKey(key);
  auto r = o_.client.Patch(kReleases, ns, name, kube::PatchType::kMerge, patch,
                           {.field_manager = kCanaryFieldManager, .subresource = "status"});
  if (!r) return ReconcileError{"writing status: " + r.error().ToString()};
  release_writes_.Remember(*r);
  log_.WithObject(ns, name).Error("cannot decode the Release", {{"error", errors}});
  o_.events.Event(*obj, kEventWarning, kReasonInvalidSpec, errors);
  return controller::TerminalError("invalid Release " + key + ": " + errors);
}

}  // namespace ferry::release
