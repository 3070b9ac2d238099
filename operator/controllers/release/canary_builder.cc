#include "operator/controllers/release/canary_builder.h"

namespace ferry::release {

namespace {

constexpr char kAppsV1[] = "apps/v1";
constexpr char kDeploymentKind[] = "Deployment";

Json ApplySkeleton(const api::Release& r) {
  return Json{
      {"apiVersion", kAppsV1},
      {"kind", kDeploymentKind},
      {"metadata", {{"name", r.spec.targetRef.name}, {"namespace", r.metadata.namespace_}}}};
}

Json OwnerReference(const api::Release& r) {
  return Json{
      {"apiVersion", api::kApiVersion}, {"kind", api::kReleaseKind}, {"name", r.metadata.name},
      {"uid", r.metadata.uid},          {"controller", true},        {"blockOwnerDeletion", true}};
}

Result<Json> CanarySelector(const Json& tspec, const Json& version_template) {
  const Json selector = tspec.value("selector", Json::object());
  const Json match = selector.value("matchLabels", Json::object());
  if (match.empty() && selector.value("matchExpressions", Json::array()).empty()) {
    return Error{"the target Deployment has no spec.selector"};
  }
  const Json labels =
      version_template.value("metadata", Json::object()).value("labels", Json::object());
  for (const auto& [k, v] : match.items()) {
    if (labels.value(k, Json()) != v) {
      return Error{"spec.template.metadata.labels: the target's selector requires " + k + "=" +
                   (v.is_string() ? v.get<std::string>() : v.dump()) +
                   "; do not change selector labels in a Release"};
    }
  }
  Json out = selector;
  out["matchLabels"][kLabelRole] = kRoleCanary;
  return out;
}

const Json* NamedIn(const Json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const auto& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

}  // namespace

std::string CanaryName(const std::string& release_name) { return release_name + kCanaryNameSuffix; }

Result<Json> BuildCanaryDeployment(const Json& tspec, const api::Release& release,
                                   const Json& version_template, int32_t replicas) {
  auto selector = CanarySelector(tspec, version_template);
  if (!selector.ok()) return selector.error();
  Json pod_template = version_template;
  pod_template["metadata"]["labels"][kLabelRole] = kRoleCanary;
  Json spec = {{"replicas", replicas},
               {"selector", *selector},
               {"template", pod_template},
               {"progressDeadlineSeconds", release.spec.progressDeadlineSeconds},
               {"revisionHistoryLimit", kCanaryRevisionHistoryLimit}};
  for (const char* key : {"minReadySeconds", "strategy"}) {
    if (tspec.contains(key)) spec[key] = tspec[key];
  }
  Json labels = {{kLabelRelease, release.metadata.name},
                 {kLabelVersion, release.spec.version},
                 {kLabelRole, kRoleCanary},
                 {kLabelManagedBy, kManagedByFerry}};
  Json metadata = {{"name", CanaryName(release.metadata.name)},
                   {"namespace", release.metadata.namespace_},
                   {"labels", labels},
                   {"annotations", {{kAnnotationTemplateHash, TemplateHash(version_template)}}},
                   {"ownerReferences", Json::array({OwnerReference(release)})}};
  return Json{
      {"apiVersion", kAppsV1}, {"kind", kDeploymentKind}, {"metadata", metadata}, {"spec", spec}};
}

Json BuildPromotionApply(const api::Release& r) {
  Json body = ApplySkeleton(r);
  const auto& patch = r.spec.template_;
  Json meta = {{"labels", {{kLabelRelease, r.metadata.name}, {kLabelVersion, r.spec.version}}}};
  for (const auto& [k, v] : patch.metadata.labels) meta["labels"][k] = v;
  for (const auto& [k, v] : patch.metadata.annotations) meta["annotations"][k] = v;
  Json containers = Json::array();
  for (const auto& cp : patch.containers) {
    Json c = {{"name", cp.name}};
    if (!cp.image.empty()) c["image"] = cp.image;
    for (const auto& e : cp.env) c["env"].push_back(Json{{"name", e.name}, {"value", e.value}});
    containers.push_back(std::move(c));
  }
  body["spec"]["template"] = {{"metadata", meta}, {"spec", {{"containers", containers}}}};
  return body;
}

Json BuildRestoreApply(const api::Release& r, const Json& previous) {
  Json body = ApplySkeleton(r);
  const Json pmeta = previous.value("metadata", Json::object());
  const Json plabels = pmeta.value("labels", Json::object());
  const Json pannotations = pmeta.value("annotations", Json::object());
  Json meta = Json::object();
  auto keep = [&](const char* field, const Json& prev, const std::string& key) {
    if (prev.contains(key)) meta[field][key] = prev[key];
  };
  keep("labels", plabels, kLabelRelease);
  keep("labels", plabels, kLabelVersion);
  for (const auto& [k, v] : r.spec.template_.metadata.labels) keep("labels", plabels, k);
  for (const auto& [k, v] : r.spec.template_.metadata.annotations)
    keep("annotations", pannotations, k);
  const Json pcontainers =
      previous.value("spec", Json::object()).value("containers", Json::array());
  Json containers = Json::array();
  for (const auto& cp : r.spec.template_.containers) {
    const Json* prev = NamedIn(pcontainers, cp.name);
    if (prev == nullptr) continue;
    Json c = {{"name", cp.name}};
    if (!cp.image.empty() && prev->contains("image")) c["image"] = (*prev)["image"];
    const Json penv = prev->value("env", Json::array());
    for (const auto& e : cp.env) {
      if (const Json* pe = NamedIn(penv, e.name)) c["env"].push_back(*pe);
    }
    containers.push_back(std::move(c));
  }
  body["spec"]["template"] = {{"metadata", meta}, {"spec", {{"containers", containers}}}};
  return body;
}

}  // namespace ferry::release
