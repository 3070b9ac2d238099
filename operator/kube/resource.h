// ResourceRef: which API resource a request addresses (group, version, plural resource), and the
// REST paths built from it. Paths follow the apiserver's layout:
//   core group:    /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
//   named groups:  /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
// A namespaced resource with namespace "" addresses all namespaces (list/watch only); a
// cluster-scoped resource ignores the namespace. Names and namespaces are percent-encoded.
#pragma once

#include <string>
#include <string_view>

namespace ferry::kube {

struct ResourceRef {
  std::string group;     // "" for the core group ("v1" objects such as Pods)
  std::string version;   // e.g. "v1", "v1alpha1"
  std::string resource;  // the plural, lower-case resource name: "deployments"
  std::string kind;      // the Kind of one object: "Deployment"
  bool namespaced = true;

  // "apps/v1", or "v1" for the core group: the value of an object's apiVersion field.
  std::string ApiVersion() const;
  // "deployments.apps", or "pods" for the core group: how the apiserver names it in messages.
  std::string GroupResource() const;
  // "/api/v1" or "/apis/{group}/{version}".
  std::string BasePath() const;
  // The collection path: .../namespaces/{ns}/{resource}, or .../{resource} when the resource is
  // cluster-scoped or `ns` is empty (all namespaces).
  std::string CollectionPath(std::string_view ns) const;
  // The object path, with an optional subresource ("status", "scale"). `name` must be non-empty.
  std::string ObjectPath(std::string_view ns, std::string_view name,
                         std::string_view subresource = {}) const;

  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

// Percent-encodes one path segment or query value (RFC 3986 unreserved characters kept).
std::string EscapeComponent(std::string_view s);

// The built-in resources Ferry uses. Custom resources define their own refs in their layer.
extern const ResourceRef kPods;          // v1 pods
extern const ResourceRef kServices;      // v1 services
extern const ResourceRef kSecrets;       // v1 secrets
extern const ResourceRef kConfigMaps;    // v1 configmaps
extern const ResourceRef kNamespaces;    // v1 namespaces (cluster-scoped)
extern const ResourceRef kEvents;        // v1 events (core/v1 Event)
extern const ResourceRef kEventsV1;      // events.k8s.io/v1 events
extern const ResourceRef kDeployments;   // apps/v1 deployments
extern const ResourceRef kReplicaSets;   // apps/v1 replicasets
extern const ResourceRef kJobs;          // batch/v1 jobs
extern const ResourceRef kLeases;        // coordination.k8s.io/v1 leases
extern const ResourceRef kIngresses;     // networking.k8s.io/v1 ingresses
extern const ResourceRef kHTTPRoutes;    // gateway.networking.k8s.io/v1 httproutes
extern const ResourceRef kCustomResourceDefinitions;  // apiextensions.k8s.io/v1 (cluster-scoped)

}  // namespace ferry::kube
