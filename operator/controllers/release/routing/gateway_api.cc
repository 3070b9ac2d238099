#include "operator/controllers/release/routing/gateway_api.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "operator/controllers/release/routing/services.h"

namespace ferry::release::routing {

namespace {

constexpr char kRequestMirror[] = "RequestMirror";

bool IsServiceRef(const Json& ref, const std::string& name) {
  return ref.value("name", "") == name && ref.value("kind", "Service") == "Service" &&
         ref.value("group", "") == "";
}

bool IsHeaderRule(const Json& rule, const RouteBackends& b) {
  const Json refs = rule.value("backendRefs", Json::array());
  return !refs.empty() && std::all_of(refs.begin(), refs.end(),
                                      [&](const Json& r) { return IsServiceRef(r, b.canary); });
}

bool IsStableRule(const Json& rule, const RouteBackends& b) {
  const Json refs = rule.value("backendRefs", Json::array());
  return std::any_of(refs.begin(), refs.end(),
                     [&](const Json& r) { return IsServiceRef(r, b.stable); });
}

const Json* StableRef(const Json& rule, const RouteBackends& b) {
  for (const auto& r : rule["backendRefs"]) {
    if (IsServiceRef(r, b.stable)) return &r;
  }
  return nullptr;
}

// {name: canary, port} (kind/group as the stable ref has them): where canary traffic goes.
Json CanaryRef(const Json& stable_ref, const RouteBackends& b) {
  Json ref = Json{{"name", b.canary}};
  for (const char* k : {"kind", "group", "port"}) {
    if (stable_ref.contains(k)) ref[k] = stable_ref[k];
  }
  return ref;
}

bool IsFerryMirror(const Json& filter, const RouteBackends& b) {
  return filter.value("type", "") == kRequestMirror &&
         IsServiceRef(filter.value("requestMirror", Json::object()).value("backendRef", Json::object()),
                      b.canary);
}

Error NoStableRule(const RouteBackends& b) {
  return Error{"no rule of the HTTPRoute has a backendRef to Service " + b.stable +
               " (trafficRouting.stableService); add one, or name the Service the route uses"};
}

int CountStableRules(const HttpRouteState& s, const RouteBackends& b) {
  return static_cast<int>(std::count_if(s.rules.begin(), s.rules.end(), [&](const Json& r) {
    return !IsHeaderRule(r, b) && IsStableRule(r, b);
  }));
}

// Applies `f(rule)` to every stable rule.
template <class F>
Result<HttpRouteState> ForStableRules(HttpRouteState s, const RouteBackends& b, F f) {
  if (CountStableRules(s, b) == 0) return NoStableRule(b);
  for (auto& rule : s.rules) {
    if (!IsHeaderRule(rule, b) && IsStableRule(rule, b)) f(rule);
  }
  return s;
}

void SetRuleWeight(Json& rule, const RouteBackends& b, int32_t weight) {
  Json refs = Json::array();
  Json canary;
  for (const auto& r : rule["backendRefs"]) {
    if (IsServiceRef(r, b.canary)) continue;
    refs.push_back(r);
    if (IsServiceRef(r, b.stable)) {
      refs.back()["weight"] = kFullWeight - weight;
      canary = CanaryRef(r, b);
    }
  }
  if (weight > 0) {
    canary["weight"] = weight;
    refs.push_back(std::move(canary));
  }
  rule["backendRefs"] = std::move(refs);
}

void SetRuleMirror(Json& rule, const RouteBackends& b, int32_t percentage) {
  Json filters = Json::array();
  for (const auto& f : rule.value("filters", Json::array())) {
    if (!IsFerryMirror(f, b)) filters.push_back(f);
  }
  if (percentage > 0) {
    Json target = CanaryRef(*StableRef(rule, b), b);
    filters.push_back({{"type", kRequestMirror},
                       {"requestMirror", {{"backendRef", std::move(target)}, {"percent", percentage}}}});
  }
  if (filters.empty()) {
    rule.erase("filters");
  } else {
    rule["filters"] = std::move(filters);
  }
}

Json HeaderMatches(const std::vector<api::HeaderMatch>& match) {
  Json out = Json::array();
  for (const auto& m : match) out.push_back({{"type", m.type}, {"name", m.name}, {"value", m.value}});
  return out;
}

// A copy of `stable_rule` sending requests that also carry the route's headers to the canary.
Json HeaderRule(const Json& stable_rule, const RouteBackends& b, const api::HeaderRouteStep& h) {
  Json rule = stable_rule;
  Json matches = rule.value("matches", Json::array());
  if (matches.empty()) {
    matches.push_back({{"path", {{"type", "PathPrefix"}, {"value", kDefaultMatchPath}}}});
  }
  for (auto& m : matches) {
    Json headers = m.value("headers", Json::array());
    for (const auto& hm : HeaderMatches(h.match)) headers.push_back(hm);
    m["headers"] = std::move(headers);
  }
  rule["matches"] = std::move(matches);
  rule["backendRefs"] = Json::array({CanaryRef(*StableRef(stable_rule, b), b)});
  SetRuleMirror(rule, b, 0);
  return rule;
}

// Removes Ferry's header rules whose name `drop` returns true for (all when unnamed).
void DropHeaderRules(HttpRouteState& s, const RouteBackends& b,
                     const std::function<bool(const std::string&)>& drop) {
  Json rules = Json::array();
  std::vector<std::string> names;
  size_t i = 0;
  const auto header_rules = std::count_if(s.rules.begin(), s.rules.end(),
                                          [&](const Json& r) { return IsHeaderRule(r, b); });
  const bool named = static_cast<size_t>(header_rules) == s.headerRoutes.size();
  for (const auto& rule : s.rules) {
    if (!IsHeaderRule(rule, b)) {
      rules.push_back(rule);
      continue;
    }
    const std::string name = named ? s.headerRoutes[i++] : "";
    if (named && !drop(name)) {
      rules.push_back(rule);
      names.push_back(name);
    }
  }
  s.rules = std::move(rules);
  s.headerRoutes = std::move(names);
}

}  // namespace

HttpRouteState ReadHttpRoute(const Json& route) {
  HttpRouteState s;
  s.rules = route.value("spec", Json::object()).value("rules", Json::array());
  const std::string names = route.value("metadata", Json::object())
                                .value("annotations", Json::object())
                                .value(kHeaderRoutesAnnotation, "");
  const Json parsed = Json::parse(names, nullptr, false);
  if (parsed.is_array()) {
    for (const auto& n : parsed) {
      if (n.is_string()) s.headerRoutes.push_back(n.get<std::string>());
    }
  }
  return s;
}

Json HttpRouteApply(const std::string& ns, const std::string& name, const HttpRouteState& s) {
  Json meta = {{"name", name}, {"namespace", ns}};
  if (!s.headerRoutes.empty()) {
    meta["annotations"] = {{kHeaderRoutesAnnotation, Json(s.headerRoutes).dump()}};
  }
  return Json{{"apiVersion", kube::kHTTPRoutes.ApiVersion()},
              {"kind", kube::kHTTPRoutes.kind},
              {"metadata", std::move(meta)},
              {"spec", {{"rules", s.rules}}}};
}

Result<HttpRouteState> WithWeight(HttpRouteState s, const RouteBackends& b, int32_t weight) {
  weight = std::clamp(weight, 0, kFullWeight);
  return ForStableRules(std::move(s), b, [&](Json& rule) { SetRuleWeight(rule, b, weight); });
}

Result<HttpRouteState> WithMirror(HttpRouteState s, const RouteBackends& b, int32_t percentage) {
  percentage = std::clamp(percentage, 0, kFullWeight);
  return ForStableRules(std::move(s), b, [&](Json& rule) { SetRuleMirror(rule, b, percentage); });
}

Result<HttpRouteState> WithHeaderRoute(HttpRouteState s, const RouteBackends& b,
                                       const api::HeaderRouteStep& h) {
  if (CountStableRules(s, b) == 0) return NoStableRule(b);
  DropHeaderRules(s, b, [&](const std::string& n) { return n.empty() || n == h.name; });
  if (h.match.empty()) return s;
  for (const auto& rule : s.rules) {
    if (!IsHeaderRule(rule, b) && IsStableRule(rule, b)) {
      s.rules.push_back(HeaderRule(rule, b, h));
      s.headerRoutes.push_back(h.name);
      break;
    }
  }
  return s;
}

Result<HttpRouteState> Restored(HttpRouteState s, const RouteBackends& b) {
  DropHeaderRules(s, b, [](const std::string&) { return true; });
  auto weighted = WithWeight(std::move(s), b, 0);
  if (!weighted.ok()) return weighted;
  return WithMirror(std::move(*weighted), b, 0);
}

Result<std::optional<int32_t>> CanaryShare(const HttpRouteState& s, const RouteBackends& b) {
  if (CountStableRules(s, b) == 0) return NoStableRule(b);
  std::optional<int32_t> share;
  for (const auto& rule : s.rules) {
    if (IsHeaderRule(rule, b) || !IsStableRule(rule, b)) continue;
    double stable = 0, canary = 0;
    for (const auto& r : rule["backendRefs"]) {
      const double w = r.value("weight", 1);
      if (IsServiceRef(r, b.stable)) stable += w;
      if (IsServiceRef(r, b.canary)) canary += w;
    }
    const int32_t mine =
        canary + stable == 0 ? 0 : static_cast<int32_t>(std::lround(100.0 * canary / (canary + stable)));
    if (share && *share != mine) return std::optional<int32_t>();
    share = mine;
  }
  return share;
}

GatewayApiRouter::GatewayApiRouter(kube::Client& client, api::Release release)
    : client_(client), release_(std::move(release)) {
  const auto& routing = *release_.spec.strategy.canary->trafficRouting;
  route_ = routing.gatewayAPI->httpRoute;
  backends_.stable = routing.stableService;
  backends_.canary = CanaryServiceName(routing);
}

kube::Result<Json> GatewayApiRouter::GetRoute() {
  const std::string& ns = release_.metadata.namespace_;
  auto route = client_.Get(kube::kHTTPRoutes, ns, route_);
  if (!route.ok() && kube::IsNotFound(route.error())) {
    return InvalidRoute("HTTPRoute " + route_ +
                        " (spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute) does not "
                        "exist in namespace " + ns);
  }
  return route;
}

template <class F>
kube::Status GatewayApiRouter::Change(F change, bool needs_canary_service) {
  if (needs_canary_service) {
    if (auto s = EnsureCanaryService(client_, release_); !s.ok()) return s;
  }
  auto route = GetRoute();
  if (!route.ok()) return route.error();
  const HttpRouteState before = ReadHttpRoute(*route);
  Result<HttpRouteState> after = change(before);
  if (!after.ok()) return InvalidRoute("HTTPRoute " + route_ + ": " + after.error().message);
  if (*after == before) return {};
  auto applied =
      client_.Apply(kube::kHTTPRoutes, HttpRouteApply(release_.metadata.namespace_, route_, *after),
                    {.field_manager = kRouterFieldManager, .force = true});
  if (!applied.ok()) return applied.error();
  return {};
}

kube::Status GatewayApiRouter::SetWeight(int32_t weight) {
  return Change([&](HttpRouteState s) { return WithWeight(std::move(s), backends_, weight); },
                weight > 0);
}

kube::Status GatewayApiRouter::SetHeaderRoute(const api::HeaderRouteStep& route) {
  return Change(
      [&](HttpRouteState s) { return WithHeaderRoute(std::move(s), backends_, route); },
      !route.match.empty());
}

kube::Status GatewayApiRouter::SetMirror(int32_t percentage) {
  return Change([&](HttpRouteState s) { return WithMirror(std::move(s), backends_, percentage); },
                percentage > 0);
}

kube::Status GatewayApiRouter::Reset() {
  return Change([&](HttpRouteState s) { return Restored(std::move(s), backends_); }, false);
}

kube::Result<std::optional<int32_t>> GatewayApiRouter::CurrentWeight() {
  auto route = GetRoute();
  if (!route.ok()) return route.error();
  auto share = CanaryShare(ReadHttpRoute(*route), backends_);
  if (!share.ok()) return InvalidRoute("HTTPRoute " + route_ + ": " + share.error().message);
  return *share;
}

}  // namespace ferry::release::routing
