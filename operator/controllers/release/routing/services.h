// Services of a routed or blue-green rollout: the canary Service Ferry creates, and the selectors
// of the Services Ferry steers (a blue-green's active and preview Services).
//
// Selectors: Ferry adds at most one of two keys to a Service's own selector and removes them to
// give it back, so the selector the repository declares is always recoverable from the object:
//   kStable  own selector + pod-template-hash=<hash of the target's newest ReplicaSet>: only the
//            target's current pods (the canary's pods carry the target's labels too);
//   kCanary  own selector + ferry.dev/role=canary: only the canary Deployment's pods;
//   kAll     own selector: whatever the repository declares.
// A Service's spec.selector is an atomic map for server-side apply, so a selector write names the
// whole selector; it is applied with kRouterFieldManager and force, and giving it back applies
// the original value (the repository's manager and Ferry then own the same value: no conflict).
#pragma once

#include <optional>
#include <string>

#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/actions.h"
#include "operator/kube/client.h"

namespace ferry::release::routing {

// Label the Deployment controller puts on a ReplicaSet's pods (and the ReplicaSet).
inline constexpr char kPodTemplateHashLabel[] = "pod-template-hash";
// Annotation with the rollout revision on a Deployment and each of its ReplicaSets.
inline constexpr char kRevisionAnnotation[] = "deployment.kubernetes.io/revision";

// ---- pure ----------------------------------------------------------------------------------

// `selector` without the keys Ferry adds (pod-template-hash, ferry.dev/role).
Json BaseSelector(const Json& selector);
// Which pods `selector` narrows to: kCanary with ferry.dev/role, kStable with pod-template-hash,
// else kAll.
PodSelection SelectionOf(const Json& selector);
// BaseSelector(selector) plus the key that narrows it to `select` (pod_hash for kStable).
Json SelectorFor(const Json& selector, PodSelection select, const std::string& pod_hash);
// {apiVersion: v1, kind: Service, metadata: {name, namespace}, spec: {selector}}: the apply body
// of a selector change.
Json SelectorApply(const std::string& ns, const std::string& name, const Json& selector);

// The canary Service `name` for `release`, from the stable Service: selector = the stable
// Service's own selector + ferry.dev/role=canary; ports (name, port, targetPort, protocol,
// appProtocol) and type ClusterIP copied; labels ferry.dev/release and managed-by; owned by the
// Release (controller, blockOwnerDeletion). Error: a stable Service without a selector.
Result<Json> BuildCanaryService(const Json& stable_service, const api::Release& release,
                                const std::string& name);

// The pod-template-hash of `deployment`'s newest ReplicaSet among `replicasets` (items of a
// list): the one it controls whose revision annotation equals the Deployment's. Error when the
// Deployment controller has not created it yet (retry).
Result<std::string> NewestPodTemplateHash(const Json& deployment, const Json& replicasets);

// trafficRouting.canaryService, or its default "<stableService>-canary" when empty.
std::string CanaryServiceName(const api::TrafficRouting& routing);

// The Release's object that owns what Ferry creates for it.
Json ReleaseOwnerReference(const api::Release& release);

// ---- I/O -----------------------------------------------------------------------------------

// Server-side applies BuildCanaryService (field manager kCanaryFieldManager, force) for the
// routed canary of `release` (trafficRouting.canaryService from trafficRouting.stableService).
kube::Status EnsureCanaryService(kube::Client& client, const api::Release& release);

// SelectionOf the selector of Service `name` in `ns`; nullopt when it does not exist.
kube::Result<std::optional<PodSelection>> ReadSelection(kube::Client& client, const std::string& ns,
                                                        const std::string& name);

// Executes a SetServiceSelector action: reads the Service (and for kStable the target's newest
// ReplicaSet) and applies SelectorFor. NotFound Service: an InvalidRoute error.
kube::Status ApplyServiceSelector(kube::Client& client, const api::Release& release,
                                  const SetServiceSelector& action);

}  // namespace ferry::release::routing
