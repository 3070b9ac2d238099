// Gateway API router (gateway.networking.k8s.io/v1 HTTPRoute, trafficRouting.gatewayAPI).
//
// The HTTPRoute belongs to the user (often to a GitOps repository). Its "stable rules" are the
// rules with a backendRef to trafficRouting.stableService (a Service: no kind or kind Service,
// no group or the core group). Ferry changes only:
//   weight  on each stable rule: the stable backendRef gets weight 100-w and a backendRef to the
//           canary Service (same port) weight w; at w = 0 the canary backendRef is removed and
//           the stable one keeps weight 100 (declare `weight: 100` in git for a clean diff).
//   header  a rule per header route: a copy of the first stable rule whose matches each gain the
//           route's header matches and whose only backendRef is the canary Service (filters
//           copied, Ferry's mirror left out). Gateway API prefers the match with more headers,
//           so order does not matter; Ferry appends them. Their names, in order, are kept in the
//           route's annotation ferry.dev/header-routes (a JSON array).
//   mirror  on each stable rule, a RequestMirror filter to the canary Service with `percent`.
// spec.rules is an atomic list for server-side apply, so every write sends the whole list as
// read, changed only as above, with field manager kRouterFieldManager and force; nothing is sent
// when nothing changed. Argo CD / Flux settings: docs/ROUTING.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/routing/router.h"

namespace ferry::release::routing {

inline constexpr char kHeaderRoutesAnnotation[] = "ferry.dev/header-routes";
inline constexpr int32_t kFullWeight = 100;
inline constexpr char kDefaultMatchPath[] = "/";

struct RouteBackends {
  std::string stable;
  std::string canary;
};

// What Ferry reads of an HTTPRoute and writes back: spec.rules and the header route names.
struct HttpRouteState {
  Json rules = Json::array();
  std::vector<std::string> headerRoutes;  // names of Ferry's header rules, in rule order
  bool operator==(const HttpRouteState&) const = default;
};

// ---- pure ----------------------------------------------------------------------------------

// Reads spec.rules and kHeaderRoutesAnnotation. If the annotation does not list one name per
// Ferry header rule (someone edited the route), the header rules are kept but unnamed, and the
// next header change or Reset removes them.
HttpRouteState ReadHttpRoute(const Json& route);
// The apply body: apiVersion, kind, metadata {name, namespace, annotations (only when there
// are header routes)}, spec {rules}.
Json HttpRouteApply(const std::string& ns, const std::string& name, const HttpRouteState& s);

// Stable/canary weights as described above. Error: no stable rule.
Result<HttpRouteState> WithWeight(HttpRouteState s, const RouteBackends& b, int32_t weight);
// Adds or replaces (non-empty match) or removes (empty match) the header route `route.name`.
Result<HttpRouteState> WithHeaderRoute(HttpRouteState s, const RouteBackends& b,
                                       const api::HeaderRouteStep& route);
// Sets (percentage > 0) or removes (0) the mirror filter on every stable rule.
Result<HttpRouteState> WithMirror(HttpRouteState s, const RouteBackends& b, int32_t percentage);
// 100% stable, no header rules, no mirror.
Result<HttpRouteState> Restored(HttpRouteState s, const RouteBackends& b);
// The canary's share in percent (rounded) of the stable rules' weights; 0 without a canary
// backendRef; nullopt when the stable rules disagree. Error: no stable rule.
Result<std::optional<int32_t>> CanaryShare(const HttpRouteState& s, const RouteBackends& b);

// ---- I/O -----------------------------------------------------------------------------------

class GatewayApiRouter : public TrafficRouter {
 public:
  GatewayApiRouter(kube::Client& client, api::Release release);
  std::string Name() const override { return "gatewayAPI"; }
  kube::Status SetWeight(int32_t weight) override;
  kube::Status SetHeaderRoute(const api::HeaderRouteStep& route) override;
  kube::Status SetMirror(int32_t percentage) override;
  kube::Result<std::optional<int32_t>> CurrentWeight() override;
  kube::Status Reset() override;

 private:
  template <class F>
  kube::Status Change(F change, bool needs_canary_service);
  kube::Result<Json> GetRoute();

  kube::Client& client_;
  api::Release release_;
  std::string route_;
  RouteBackends backends_;
};

}  // namespace ferry::release::routing
