#include "operator/kube/resource.h"

#include <cassert>

namespace ferry::kube {

std::string ResourceRef::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string ResourceRef::GroupResource() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string ResourceRef::BasePath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceRef::CollectionPath(std::string_view ns) const {
  std::string path = BasePath();
  if (namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += EscapeComponent(ns);
  }
  path += "/";
  path += resource;
  return path;
}

std::string ResourceRef::ObjectPath(std::string_view ns, std::string_view name,
                                    std::string_view subresource) const {
  assert(!name.empty());
  std::string path = CollectionPath(ns);
  path += "/";
  path += EscapeComponent(name);
  if (!subresource.empty()) {
    path += "/";
    path += subresource;
  }
  return path;
}

std::string EscapeComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

const ResourceRef kPods{"", "v1", "pods", "Pod", true};
const ResourceRef kServices{"", "v1", "services", "Service", true};
const ResourceRef kSecrets{"", "v1", "secrets", "Secret", true};
const ResourceRef kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const ResourceRef kNamespaces{"", "v1", "namespaces", "Namespace", false};
const ResourceRef kEvents{"", "v1", "events", "Event", true};
const ResourceRef kEventsV1{"events.k8s.io", "v1", "events", "Event", true};
const ResourceRef kDeployments{"apps", "v1", "deployments", "Deployment", true};
const ResourceRef kReplicaSets{"apps", "v1", "replicasets", "ReplicaSet", true};
const ResourceRef kJobs{"batch", "v1", "jobs", "Job", true};
const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
const ResourceRef kIngresses{"networking.k8s.io", "v1", "ingresses", "Ingress", true};
const ResourceRef kHTTPRoutes{"gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true};
const ResourceRef kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                             "customresourcedefinitions",
                                             "CustomResourceDefinition", false};

}  // namespace ferry::kube
