#include "operator/controllers/release/routing/services.h"

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/routing/router.h"

namespace ferry::release::routing {

namespace {



kube::Result<Json> GetService(kube::Client& client, const std::string& ns, const std::string& name,
                              const std::string& field) {
  auto svc = client.Get(kube::kServices, ns, name);
  if (!svc.ok() && kube::IsNotFound(svc.error())) {
    return InvalidRoute("Service " + name + " (" + field + ") does not exist in namespace " + ns +
                        "; create it or fix the field");
  }
  return svc;
}

kube::Result<std::string> TargetPodHash(kube::Client& client, const api::Release& r) {
  const std::string& ns = r.metadata.namespace_;
  auto d = client.Get(kube::kDeployments, ns, r.spec.targetRef.name);
  if (!d.ok()) return d.error();
  kube::ListOptions opts;
  std::string sel;
  const Json match = d->value("spec", Json::object())
                         .value("selector", Json::object())
                         .value("matchLabels", Json::object());
  for (const auto& [k, v] : match.items()) {
    sel += (sel.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  }
  opts.label_selector = sel;
  auto rs = client.List(kube::kReplicaSets, ns, opts);
  if (!rs.ok()) return rs.error();
  auto hash = NewestPodTemplateHash(*d, *rs);
  if (!hash.ok()) return kube::Error::Decode(hash.error().message);
  return *hash;
}

}  // namespace

Json BaseSelector(const Json& selector) {
  Json out = selector.is_object() ? selector : Json::object();
  out.erase(kPodTemplateHashLabel);
  out.erase(kLabelRole);
  return out;
}

PodSelection SelectionOf(const Json& selector) {
  if (!selector.is_object()) return PodSelection::kAll;
  if (selector.contains(kLabelRole)) return PodSelection::kCanary;
  if (selector.contains(kPodTemplateHashLabel)) return PodSelection::kStable;
  return PodSelection::kAll;
}

Json SelectorFor(const Json& selector, PodSelection select, const std::string& pod_hash) {
  Json out = BaseSelector(selector);
  if (select == PodSelection::kStable) out[kPodTemplateHashLabel] = pod_hash;
  if (select == PodSelection::kCanary) out[kLabelRole] = kRoleCanary;
  return out;
}

Json SelectorApply(const std::string& ns, const std::string& name, const Json& selector) {
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec", {{"selector", selector}}}};
}

std::string CanaryServiceName(const api::TrafficRouting& routing) {
  return routing.canaryService.empty() ? routing.stableService + api::kCanaryServiceSuffix
                                       : routing.canaryService;
}

Json ReleaseOwnerReference(const api::Release& r) {
  return Json{
      {"apiVersion", api::kApiVersion}, {"kind", api::kReleaseKind}, {"name", r.metadata.name},
      {"uid", r.metadata.uid},          {"controller", true},        {"blockOwnerDeletion", true}};
}

Result<Json> BuildCanaryService(const Json& stable, const api::Release& r,
                                const std::string& name) {
  const Json spec = stable.value("spec", Json::object());
  const Json base = BaseSelector(spec.value("selector", Json::object()));
  const std::string stable_name = stable.value("metadata", Json::object()).value("name", "");
  if (base.empty()) {
    return Error{"Service " + stable_name +
                 " (trafficRouting.stableService) has no selector; Ferry derives the canary "
                 "Service's selector from it"};
  }
  Json ports = Json::array();
  for (const auto& p : spec.value("ports", Json::array())) {
    Json port = Json::object();
    for (const char* k : {"name", "port", "targetPort", "protocol", "appProtocol"}) {
      if (p.contains(k)) port[k] = p[k];
    }
    ports.push_back(std::move(port));
  }
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", name},
                {"namespace", r.metadata.namespace_},
                {"labels", {{kLabelRelease, r.metadata.name}, {kLabelManagedBy, kManagedByFerry}}},
                {"ownerReferences", Json::array({ReleaseOwnerReference(r)})}}},
              {"spec",
               {{"type", "ClusterIP"},
                {"selector", SelectorFor(base, PodSelection::kCanary, "")},
                {"ports", std::move(ports)}}}};
}

Result<std::string> NewestPodTemplateHash(const Json& deployment, const Json& replicasets) {
  const Json meta = deployment.value("metadata", Json::object());
  const std::string uid = meta.value("uid", "");
  const std::string revision = meta.value("annotations", Json::object()).value(kRevisionAnnotation, "");
  for (const auto& rs : replicasets.value("items", Json::array())) {
    const Json rmeta = rs.value("metadata", Json::object());
    bool owned = false;
    for (const auto& o : rmeta.value("ownerReferences", Json::array())) {
      owned = owned || (o.value("controller", false) && o.value("uid", "") == uid);
    }
    if (!owned || revision.empty() ||
        rmeta.value("annotations", Json::object()).value(kRevisionAnnotation, "") != revision) {
      continue;
    }
    const std::string hash = rmeta.value("labels", Json::object()).value(kPodTemplateHashLabel, "");
    if (!hash.empty()) return hash;
  }
  return Error{"Deployment " + meta.value("name", "") + " has no ReplicaSet of revision " +
               (revision.empty() ? "<none>" : revision) + " yet"};
}

kube::Status EnsureCanaryService(kube::Client& client, const api::Release& r) {
  const auto& routing = *r.spec.strategy.canary->trafficRouting;
  const std::string name = CanaryServiceName(routing);
  auto stable = GetService(client, r.metadata.namespace_, routing.stableService,
                           "spec.strategy.canary.trafficRouting.stableService");
  if (!stable.ok()) return stable.error();
  auto body = BuildCanaryService(*stable, r, name);
  if (!body.ok()) return InvalidRoute(body.error().message);
  auto applied =
      client.Apply(kube::kServices, *body, {.field_manager = kCanaryFieldManager, .force = true});
  if (!applied.ok()) return applied.error();
  return {};
}

kube::Result<std::optional<PodSelection>> ReadSelection(kube::Client& client, const std::string& ns,
                                                        const std::string& name) {
  auto svc = client.Get(kube::kServices, ns, name);
  if (!svc.ok() && kube::IsNotFound(svc.error())) return std::optional<PodSelection>();
  if (!svc.ok()) return svc.error();
  return std::optional<PodSelection>(
      SelectionOf(svc->value("spec", Json::object()).value("selector", Json::object())));
}

kube::Status ApplyServiceSelector(kube::Client& client, const api::Release& r,
                                  const SetServiceSelector& a) {
  const std::string& ns = r.metadata.namespace_;
  auto svc = GetService(client, ns, a.service, "the Release's strategy");
  if (!svc.ok()) return svc.error();
  std::string hash;
  if (a.select == PodSelection::kStable) {
    auto h = TargetPodHash(client, r);
    if (!h.ok()) return h.error();
    hash = *h;
  }
  const Json current = svc->value("spec", Json::object()).value("selector", Json::object());
  const Json want = SelectorFor(current, a.select, hash);
  if (want == current) return {};
  auto applied = client.Apply(kube::kServices, SelectorApply(ns, a.service, want),
                              {.field_manager = kRouterFieldManager, .force = true});
  if (!applied.ok()) return kube::Error(applied.error());

  return {};
}

}  // namespace ferry::release::routing
