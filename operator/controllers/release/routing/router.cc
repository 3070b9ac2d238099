#include "operator/controllers/release/routing/router.h"

#include "operator/controllers/release/routing/gateway_api.h"
#include "operator/controllers/release/routing/nginx.h"

namespace ferry::release::routing {

std::unique_ptr<TrafficRouter> MakeRouter(kube::Client& client, const api::Release& release) {
  const auto& canary = release.spec.strategy.canary;
  if (!canary || !canary->trafficRouting) return nullptr;
  if (canary->trafficRouting->gatewayAPI) {
    return std::make_unique<GatewayApiRouter>(client, release);
  }
  if (canary->trafficRouting->nginx) return std::make_unique<NginxRouter>(client, release);
  return nullptr;  // validation requires exactly one router
}

bool IsInvalidRoute(const kube::Error& e) {
  return e.kind == kube::Error::Kind::kConfig && e.reason == kReasonInvalidRoute;
}

kube::Error InvalidRoute(std::string message) {
  kube::Error e = kube::Error::Config(std::move(message));
  e.reason = kReasonInvalidRoute;
  return e;
}

}  // namespace ferry::release::routing
