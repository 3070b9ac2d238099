// TrafficRouter: how a routed canary (spec.strategy.canary.trafficRouting) moves traffic. One
// implementation per router, one file each (gateway_api.h, nginx.h); adding Istio or another
// gateway is a new file and one line in MakeRouter (router.cc).
//
// Every method is idempotent and reads the objects it changes before writing them, so a router
// holds no state between calls: a fresh router per reconcile pass (or after a restart) sees what
// the cluster holds. Objects a GitOps repository owns (an HTTPRoute) are written only through
// server-side apply with field manager kRouterFieldManager and force, naming only the fields
// Ferry manages; objects Ferry creates (the canary Service, the canary Ingress) are owned by the
// Release (controller ownerReference), so deleting the Release garbage-collects them.
//
// Using it from the reconciler (operator/controllers/release/reconciler.cc):
//
//   auto router = routing::MakeRouter(client, release);   // nullptr: no trafficRouting
//   // gathering the Snapshot:
//   if (router) {
//     auto w = router->CurrentWeight();                    // verify what the route holds
//     if (!w.ok()) return error (requeue with backoff; InvalidRoute -> Stalled, see below)
//     snapshot.trafficWeight = *w;                          // nullopt: unknown, Decide re-sets it
//   }
//   // executing Decision::actions, in order:
//   SetTrafficWeight{w}   -> router->SetWeight(w)
//   SetHeaderRoute{route} -> router->SetHeaderRoute(route)
//   SetMirror{p}          -> router->SetMirror(p)
//   SetServiceSelector{s} -> routing::ApplyServiceSelector(client, release, s)  (services.h)
// A failed call stops the pass before status is written (the next pass repeats the actions).
// IsInvalidRoute(error) means the user must fix the route or the spec (missing HTTPRoute or
// Ingress, no rule sending traffic to stableService, two header routes on ingress-nginx): report
// it on the Release (Stalled) instead of retrying fast. Reset() puts everything back to 100%
// stable without header routes or mirrors; Decide emits the equivalent actions itself
// (SetTrafficWeight{0} and the removals), so the reconciler needs Reset only for cleanup paths
// of its own (e.g. a Release being deleted).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "operator/api/release_types.h"
#include "operator/kube/client.h"

namespace ferry::release::routing {

using Json = api::Json;

// Field manager of every write a router makes to objects it does not own (routes, Services a
// repository declares). Argo CD / Flux settings that leave these fields alone: docs/ROUTING.md.
inline constexpr char kRouterFieldManager[] = "ferry-router";
// kube::Error::reason of a route or spec the user must fix; never fixed by retrying.
inline constexpr char kReasonInvalidRoute[] = "InvalidRoute";

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;

  // "gatewayAPI" or "nginx", for logs.
  virtual std::string Name() const = 0;
  // `weight`% of requests to the canary Service, the rest to the stable one (0..100). Creates
  // the canary Service (and Ingress) when missing. 0 leaves no canary backend in the route.
  virtual kube::Status SetWeight(int32_t weight) = 0;
  // Requests matching every header of route.match go to the canary; an empty match removes the
  // route named route.name (absent: success).
  virtual kube::Status SetHeaderRoute(const api::HeaderRouteStep& route) = 0;
  // Mirrors `percentage`% of the stable traffic to the canary (responses discarded); 0 removes
  // the mirror. Routers that cannot mirror return an InvalidRoute error.
  virtual kube::Status SetMirror(int32_t percentage) = 0;
  // The canary's share of the weighted traffic as the route holds it now: 0 when the route has
  // no canary backend, nullopt when it is inconsistent (several rules with different weights).
  virtual kube::Result<std::optional<int32_t>> CurrentWeight() = 0;
  // 100% stable, no header route, no mirror (the canary Service stays until the Release goes).
  virtual kube::Status Reset() = 0;
};

// The router for release.spec.strategy.canary.trafficRouting; nullptr without one. `client`
// must outlive the router. The Release must have passed api::ApplyDefaults (canaryService).
std::unique_ptr<TrafficRouter> MakeRouter(kube::Client& client, const api::Release& release);

// Whether `e` is a route or spec problem only the user can fix (kReasonInvalidRoute).
bool IsInvalidRoute(const kube::Error& e);
// An InvalidRoute error with `message` (naming the object and field, and the fix).
kube::Error InvalidRoute(std::string message);

}  // namespace ferry::release::routing
