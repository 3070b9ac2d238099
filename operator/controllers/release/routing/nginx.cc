#include "operator/controllers/release/routing/nginx.h"

#include <algorithm>
#include <cstdio>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/routing/services.h"

namespace ferry::release::routing {

namespace {

constexpr size_t kMaxObjectName = 253;
constexpr size_t kNameHashLength = 8;

std::string Key(const std::string& prefix, const char* name) { return prefix + "/" + name; }

bool IsCanaryAnnotation(const std::string& key, const std::string& prefix) {
  return key.rfind(prefix + "/canary", 0) == 0;
}

// The stable Ingress's controller annotations, without the canary ones.
Json ControllerAnnotations(const Json& stable, const std::string& prefix) {
  Json out = Json::object();
  const Json annotations =
      stable.value("metadata", Json::object()).value("annotations", Json::object());
  for (const auto& [k, v] : annotations.items()) {
    if (k.rfind(prefix + "/", 0) == 0 && !IsCanaryAnnotation(k, prefix)) out[k] = v;
  }
  return out;
}

bool IsServiceBackend(const Json& backend, const std::string& service) {
  return backend.value("service", Json::object()).value("name", "") == service;
}

// The stable Ingress's rules reduced to the paths reaching `stable`, pointed at `canary`.
Json CanaryRules(const Json& spec, const std::string& stable, const std::string& canary) {
  Json rules = Json::array();
  for (const auto& rule : spec.value("rules", Json::array())) {
    Json paths = Json::array();
    for (auto path : rule.value("http", Json::object()).value("paths", Json::array())) {
      if (!IsServiceBackend(path.value("backend", Json::object()), stable)) continue;
      path["backend"]["service"]["name"] = canary;
      paths.push_back(std::move(path));
    }
    if (paths.empty()) continue;
    Json r = Json::object();
    if (rule.contains("host")) r["host"] = rule["host"];
    r["http"] = {{"paths", std::move(paths)}};
    rules.push_back(std::move(r));
  }
  return rules;
}

Json CanaryAnnotations(const Json& stable, const std::string& prefix, const NginxCanaryState& s) {
  Json a = ControllerAnnotations(stable, prefix);
  a[Key(prefix, "canary")] = "true";
  a[Key(prefix, "canary-weight")] = std::to_string(s.weight);
  a[Key(prefix, "canary-weight-total")] = "100";
  if (s.header) {
    a[Key(prefix, "canary-by-header")] = s.header->header;
    a[Key(prefix, s.header->regex ? "canary-by-header-pattern" : "canary-by-header-value")] =
        s.header->value;
    a[kHeaderRouteAnnotation] = s.header->route;
  }
  return a;
}

}  // namespace

std::string CanaryIngressName(const std::string& stable) {
  std::string name = stable + kCanaryIngressSuffix;
  if (name.size() <= kMaxObjectName) return name;
  uint32_t h = 2166136261u;  // FNV-1a of the full name keeps cut names distinct
  for (unsigned char ch : name) h = (h ^ ch) * 16777619u;
  char hex[kNameHashLength + 1];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return name.substr(0, kMaxObjectName - kNameHashLength - 1) + "-" + hex;
}

NginxCanaryState ReadCanaryIngress(const Json& canary, const std::string& prefix) {
  NginxCanaryState s;
  if (!canary.is_object()) return s;
  const Json a = canary.value("metadata", Json::object()).value("annotations", Json::object());
  const std::string weight = a.value(Key(prefix, "canary-weight"), "0");
  s.weight = std::clamp(std::atoi(weight.c_str()), 0, 100);
  const std::string header = a.value(Key(prefix, "canary-by-header"), "");
  if (!header.empty()) {
    const std::string pattern = a.value(Key(prefix, "canary-by-header-pattern"), "");
    s.header = NginxHeaderRoute{a.value(kHeaderRouteAnnotation, ""), header,
                                pattern.empty() ? a.value(Key(prefix, "canary-by-header-value"), "")
                                                : pattern,
                                !pattern.empty()};
  }
  return s;
}

Result<NginxCanaryState> WithNginxHeaderRoute(NginxCanaryState s, const api::HeaderRouteStep& h) {
  if (h.match.empty()) {
    if (s.header && s.header->route == h.name) s.header.reset();
    return s;
  }
  if (h.match.size() > 1) {
    return Error{"setHeaderRoute " + h.name + ": ingress-nginx matches one header per canary; " +
                 "keep one entry in match, or use gatewayAPI"};
  }
  if (s.header && s.header->route != h.name) {
    return Error{"setHeaderRoute " + h.name + ": header route " + s.header->route +
                 " is in place and ingress-nginx allows one; remove it first (a step "
                 "setHeaderRoute {name: " + s.header->route + "} without match)"};
  }
  const auto& m = h.match.front();
  s.header = NginxHeaderRoute{h.name, m.name, m.value, m.type == api::kHeaderMatchRegularExpression};
  return s;
}

Result<Json> BuildCanaryIngress(const Json& stable, const api::Release& r,
                                const NginxCanaryState& state) {
  const auto& routing = *r.spec.strategy.canary->trafficRouting;
  const std::string prefix = routing.nginx->annotationPrefix;
  const Json spec = stable.value("spec", Json::object());
  Json rules = CanaryRules(spec, routing.stableService, CanaryServiceName(routing));
  if (rules.empty()) {
    return Error{"Ingress " + routing.nginx->stableIngress +
                 " (trafficRouting.nginx.stableIngress) has no path whose backend is Service " +
                 routing.stableService + " (trafficRouting.stableService)"};
  }
  Json out_spec = {{"rules", std::move(rules)}};
  if (spec.contains("ingressClassName")) out_spec["ingressClassName"] = spec["ingressClassName"];
  return Json{{"apiVersion", kube::kIngresses.ApiVersion()},
              {"kind", kube::kIngresses.kind},
              {"metadata",
               {{"name", CanaryIngressName(routing.nginx->stableIngress)},
                {"namespace", r.metadata.namespace_},
                {"labels", {{kLabelRelease, r.metadata.name}, {kLabelManagedBy, kManagedByFerry}}},
                {"annotations", CanaryAnnotations(stable, prefix, state)},
                {"ownerReferences", Json::array({ReleaseOwnerReference(r)})}}},
              {"spec", std::move(out_spec)}};
}

NginxRouter::NginxRouter(kube::Client& client, api::Release release)
    : client_(client), release_(std::move(release)) {
  const auto& nginx = *release_.spec.strategy.canary->trafficRouting->nginx;
  stable_ingress_ = nginx.stableIngress;
  canary_ingress_ = CanaryIngressName(stable_ingress_);
  prefix_ = nginx.annotationPrefix.empty() ? api::kDefaultNginxAnnotationPrefix
                                           : nginx.annotationPrefix;
}

kube::Result<Json> NginxRouter::GetCanary() {
  auto canary = client_.Get(kube::kIngresses, release_.metadata.namespace_, canary_ingress_);
  if (!canary.ok() && kube::IsNotFound(canary.error())) return Json();
  return canary;
}

template <class F>
kube::Status NginxRouter::Change(F change) {
  const std::string& ns = release_.metadata.namespace_;
  auto canary = GetCanary();
  if (!canary.ok()) return canary.error();
  const NginxCanaryState before = ReadCanaryIngress(*canary, prefix_);
  Result<NginxCanaryState> after = change(before);
  if (!after.ok()) return InvalidRoute(after.error().message);
  if (!canary->is_null() && *after == before) return {};
  if (canary->is_null() && after->weight == 0 && !after->header) return {};
  if (auto s = EnsureCanaryService(client_, release_); !s.ok()) return s;
  auto stable = client_.Get(kube::kIngresses, ns, stable_ingress_);
  if (!stable.ok() && kube::IsNotFound(stable.error())) {
    return InvalidRoute("Ingress " + stable_ingress_ +
                        " (spec.strategy.canary.trafficRouting.nginx.stableIngress) does not "
                        "exist in namespace " + ns);
  }
  if (!stable.ok()) return stable.error();
  auto body = BuildCanaryIngress(*stable, release_, *after);
  if (!body.ok()) return InvalidRoute(body.error().message);
  auto applied = client_.Apply(kube::kIngresses, *body,
                               {.field_manager = kCanaryFieldManager, .force = true});
  if (!applied.ok()) return applied.error();
  return {};
}

kube::Status NginxRouter::SetWeight(int32_t weight) {
  return Change([&](NginxCanaryState s) -> Result<NginxCanaryState> {
    s.weight = std::clamp(weight, 0, 100);
    return s;
  });
}

kube::Status NginxRouter::SetHeaderRoute(const api::HeaderRouteStep& route) {
  return Change([&](NginxCanaryState s) { return WithNginxHeaderRoute(std::move(s), route); });
}

kube::Status NginxRouter::SetMirror(int32_t percentage) {
  if (percentage == 0) return {};
  return InvalidRoute("setMirror needs trafficRouting.gatewayAPI: ingress-nginx cannot mirror a "
                      "percentage of requests");
}

kube::Result<std::optional<int32_t>> NginxRouter::CurrentWeight() {
  auto canary = GetCanary();
  if (!canary.ok()) return canary.error();
  return std::optional<int32_t>(ReadCanaryIngress(*canary, prefix_).weight);
}

kube::Status NginxRouter::Reset() {
  auto deleted = client_.Delete(kube::kIngresses, release_.metadata.namespace_, canary_ingress_,
                                {.propagation_policy = "Background"});
  if (!deleted.ok() && !kube::IsNotFound(deleted.error())) return deleted.error();
  return {};
}

}  // namespace ferry::release::routing
