#include "operator/controllers/release/executor.h"

#include <algorithm>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/routing/services.h"

namespace ferry::release {
namespace {

using Outcome = ferry::Result<void, ExecutionError>;
using Millis = std::chrono::milliseconds;

ExecutionError Failed(const std::string& what, const kube::Error& e) {
  return {what + ": " + e.ToString(), routing::IsInvalidRoute(e)};
}

void EarliestRequeue(Effects& fx, Millis after) {
  after = std::max(after, Millis(0));
  if (!fx.requeue || after < *fx.requeue) fx.requeue = after;
}

Outcome ApplyDeployment(const ExecutionContext& x, const Json& body, const char* manager,
                        const std::string& what) {
  auto r = x.client.Apply(kube::kDeployments, body, {.field_manager = manager, .force = true});
  if (!r) return Failed(what, r.error());
  x.deployment_writes.Remember(*r);
  return {};
}

Outcome DeleteDeployment(const ExecutionContext& x, const DeleteCanary& d) {
  const std::string key = x.release.metadata.namespace_ + "/" + d.name;
  auto r = x.client.Delete(kube::kDeployments, x.release.metadata.namespace_, d.name,
                           {.propagation_policy = "Background", .precondition_uid = d.uid});
  if (r) {
    // Until the informer sees the delete, the cache still holds it: not deleted twice.
    x.deployment_writes.RememberDeleted(key, d.uid);
    return {};
  }
  // NotFound: gone already; Conflict: the uid precondition failed, it is another Deployment now.
  if (!kube::IsNotFound(r.error()) && !kube::IsConflict(r.error())) {
    return Failed("deleting Deployment " + d.name, r.error());
  }
  x.deployment_writes.Forget(key);
  return {};
}

Outcome Route(const ExecutionContext& x, const Action& a) {
  if (x.router == nullptr) {
    // Decide emits routing actions only with spec.strategy.canary.trafficRouting, for which
    // the reconciler made a router; without one the build lacks that router.
    return ExecutionError{ActionName(a) + ": no traffic router for this Release's trafficRouting",
                          true};
  }
  kube::Status st;
  if (const auto* w = std::get_if<SetTrafficWeight>(&a)) st = x.router->SetWeight(w->weight);
  if (const auto* h = std::get_if<SetHeaderRoute>(&a)) st = x.router->SetHeaderRoute(h->route);
  if (const auto* m = std::get_if<SetMirror>(&a)) st = x.router->SetMirror(m->percentage);
  if (!st) return Failed(DescribeAction(a) + " via " + x.router->Name(), st.error());
  return {};
}

Outcome Analyse(const ExecutionContext& x, const RunAnalysis& a, api::ReleaseStatus& status,
                Effects& fx) {
  if (x.analysis == nullptr) return {};  // Decide knew (analysisAvailable=false): nothing to do
  auto due = x.analysis->Run(a, x.release, status, x.now);
  if (!due) return ExecutionError{"analysis run " + a.name + ": " + due.error().message};
  if (*due) EarliestRequeue(fx, std::chrono::ceil<Millis>(**due - x.now));
  return {};
}

}  // namespace

ferry::Result<Effects, ExecutionError> ExecuteActions(const ExecutionContext& x,
                                                      const std::vector<Action>& actions,
                                                      api::ReleaseStatus& status) {
  Effects fx;
  const std::string& target = x.release.spec.targetRef.name;
  for (const Action& a : actions) {
    if (const auto* d = std::get_if<DeleteCanary>(&a)) {
      x.log.Debug("deferred until status is written", {{"action", DescribeAction(a)}});
      fx.deletes.push_back(*d);
      continue;
    }
    x.log.Debug("executing", {{"action", DescribeAction(a)}});
    Outcome o;
    if (const auto* e = std::get_if<EnsureCanary>(&a)) {
      o = ApplyDeployment(x, e->deployment, kCanaryFieldManager, "applying the canary");
    } else if (const auto* p = std::get_if<PromoteTarget>(&a)) {
      o = ApplyDeployment(x, p->body, kPromotionFieldManager, "promoting Deployment " + target);
    } else if (const auto* r = std::get_if<RestoreTarget>(&a)) {
      o = ApplyDeployment(x, r->body, kPromotionFieldManager, "restoring Deployment " + target);
    } else if (std::holds_alternative<SetTrafficWeight>(a) ||
               std::holds_alternative<SetHeaderRoute>(a) || std::holds_alternative<SetMirror>(a)) {
      o = Route(x, a);
    } else if (const auto* sel = std::get_if<SetServiceSelector>(&a)) {
      auto st = routing::ApplyServiceSelector(x.client, x.release, *sel);
      if (!st) o = Failed(DescribeAction(a), st.error());
    } else if (const auto* run = std::get_if<RunAnalysis>(&a)) {
      o = Analyse(x, *run, status, fx);
    } else if (const auto* ev = std::get_if<RecordEvent>(&a)) {
      fx.events.push_back(*ev);
    } else if (const auto* q = std::get_if<RequeueAfter>(&a)) {
      EarliestRequeue(fx, q->after);
    }
    if (!o) return o.error();
  }
  return fx;
}

ferry::Result<void, ExecutionError> ExecuteDeletes(const ExecutionContext& x,
                                                   const std::vector<DeleteCanary>& deletes) {
  for (const auto& d : deletes) {
    x.log.Debug("executing", {{"action", DescribeAction(d)}});
    if (auto o = DeleteDeployment(x, d); !o) return o.error();
  }
  return {};
}

}  // namespace ferry::release
