// ingress-nginx router (trafficRouting.nginx): a canary Ingress beside the stable one.
//
// The canary Ingress "<stableIngress>-canary" is Ferry's object (owned by the Release, applied
// whole with field manager kCanaryFieldManager): the stable Ingress's ingressClassName and the
// paths of its rules whose backend is trafficRouting.stableService, pointed at the canary
// Service; the stable Ingress's controller annotations (those under annotationPrefix, except the
// canary ones); and the canary annotations:
//   <prefix>/canary: "true", <prefix>/canary-weight: "<w>", <prefix>/canary-weight-total: "100"
//   <prefix>/canary-by-header: <name> with canary-by-header-value (Exact) or
//   canary-by-header-pattern (RegularExpression), for the one header route ingress-nginx allows;
//   its route name in ferry.dev/header-route.
// Never copied: the stable Ingress's labels and other annotations (a GitOps tracking label would
// make the tool claim and prune the canary) and its tls (ingress-nginx takes it from the stable
// Ingress). The stable Ingress is never written. Reset deletes the canary Ingress.
#pragma once

#include <optional>
#include <string>

#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/routing/router.h"

namespace ferry::release::routing {

inline constexpr char kHeaderRouteAnnotation[] = "ferry.dev/header-route";
inline constexpr char kCanaryIngressSuffix[] = "-canary";

// The header route of a canary Ingress.
struct NginxHeaderRoute {
  std::string route;   // the Release's route name
  std::string header;  // header name
  std::string value;   // value (Exact) or regular expression
  bool regex = false;
  bool operator==(const NginxHeaderRoute&) const = default;
};

struct NginxCanaryState {
  int32_t weight = 0;
  std::optional<NginxHeaderRoute> header;
  bool operator==(const NginxCanaryState&) const = default;
};

// ---- pure ----------------------------------------------------------------------------------

// "<stable>-canary"; names longer than an object name allows are cut and suffixed with a hash.
std::string CanaryIngressName(const std::string& stable_ingress);
// The state held by an existing canary Ingress (weight 0, no header when absent or null).
NginxCanaryState ReadCanaryIngress(const Json& canary_ingress, const std::string& prefix);
// `s` with the header route changed (non-empty match) or removed (empty match, same name).
// Error: more than one header, or another header route already in place.
Result<NginxCanaryState> WithNginxHeaderRoute(NginxCanaryState s, const api::HeaderRouteStep& h);
// The whole canary Ingress for `state`. Error: no path of the stable Ingress reaches
// stableService.
Result<Json> BuildCanaryIngress(const Json& stable_ingress, const api::Release& release,
                                const NginxCanaryState& state);

// ---- I/O -----------------------------------------------------------------------------------

class NginxRouter : public TrafficRouter {
 public:
  NginxRouter(kube::Client& client, api::Release release);
  std::string Name() const override { return "nginx"; }
  kube::Status SetWeight(int32_t weight) override;
  kube::Status SetHeaderRoute(const api::HeaderRouteStep& route) override;
  // ingress-nginx cannot mirror by percentage: an InvalidRoute error (validation rejects
  // setMirror without gatewayAPI, so this is reached only by a hand-made action).
  kube::Status SetMirror(int32_t percentage) override;
  kube::Result<std::optional<int32_t>> CurrentWeight() override;
  kube::Status Reset() override;

 private:
  template <class F>
  kube::Status Change(F change);
  kube::Result<Json> GetCanary();

  kube::Client& client_;
  api::Release release_;
  std::string stable_ingress_;
  std::string canary_ingress_;
  std::string prefix_;
};

}  // namespace ferry::release::routing
