// The resource catalogue: built-in resources kube-sim serves and the custom resources defined by
// CustomResourceDefinitions, plus the discovery documents generated from it.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kubesim {

using json = nlohmann::json;

struct ScaleSpec {
  std::string spec_replicas_path = ".spec.replicas";
  std::string status_replicas_path = ".status.replicas";
  std::string label_selector_path;  ///< empty: no selector
};

struct PrinterColumn {
  std::string name, type, format, description, json_path;
  int priority = 0;
};

/// One served resource at one group/version.
struct ResourceInfo {
  std::string group;     ///< "" for the core group
  std::string version;
  std::string resource;  ///< plural, e.g. "deployments"
  std::string singular;  ///< "" for built-ins (as the real discovery shows)
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  bool builtin = true;
  bool has_status = false;             ///< /status subresource
  std::optional<ScaleSpec> scale;      ///< /scale subresource
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;
  std::string storage;                 ///< storage key shared by aliases, e.g. "events"
  std::string deprecation_warning;     ///< Warning header text, "" if not deprecated
  std::set<std::string> field_labels;  ///< supported field selectors beyond metadata.*
  json schema;                         ///< openAPIV3Schema for custom resources, null otherwise
  std::vector<PrinterColumn> printer_columns;

  std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  std::string api_version() const { return group_version(); }
  /// "releases.ferry.dev" or "configmaps": how errors name the resource.
  std::string group_resource() const { return group.empty() ? resource : resource + "." + group; }
  /// "Release.ferry.dev" or "ConfigMap": how 422 errors name the kind.
  std::string group_kind() const { return group.empty() ? kind : kind + "." + group; }
  /// URL prefix up to the version: "/api/v1" or "/apis/apps/v1".
  std::string prefix() const { return group.empty() ? "/api/" + version : "/apis/" + group_version(); }
  std::string self_link(const std::string& ns, const std::string& name) const;
};

using ResourcePtr = std::shared_ptr<const ResourceInfo>;

/// Thread-safe catalogue of served resources. Built-ins are fixed; CRDs come and go.
class Registry {
 public:
  Registry();

  /// The resource at group/version/plural, or null if not served.
  ResourcePtr find(const std::string& group, const std::string& version,
                   const std::string& resource) const;
  /// The served resource for group+kind at any version (first served), or null.
  ResourcePtr find_kind(const std::string& group, const std::string& kind) const;
  /// The preferred resource stored under `storage` ("apps/deployments", "configmaps").
  ResourcePtr find_storage(const std::string& storage) const;
  /// True when the group/version is served at all (for discovery).
  bool has_group_version(const std::string& group, const std::string& version) const;
  bool has_group(const std::string& group) const;

  /// Installs or replaces the resources of a CRD (apiextensions.k8s.io/v1 object).
  void install_crd(const json& crd);
  /// Removes the resources of the CRD named `name` ("releases.ferry.dev").
  void remove_crd(const std::string& name);

  json api_versions() const;                                        ///< GET /api
  json api_group_list() const;                                      ///< GET /apis
  std::optional<json> api_group(const std::string& group) const;    ///< GET /apis/G
  std::optional<json> resource_list(const std::string& group, const std::string& version) const;

 private:
  std::vector<ResourcePtr> all() const;
  std::vector<std::string> group_versions(const std::string& group) const;

  mutable std::mutex mu_;
  std::vector<ResourcePtr> builtins_;
  std::map<std::string, std::vector<ResourcePtr>> crds_;  ///< by CRD name
  std::vector<std::string> group_order_;                   ///< discovery order of groups
};

/// Parses the resources of an apiextensions.k8s.io/v1 CRD object (served versions only).
std::vector<ResourcePtr> resources_from_crd(const json& crd);

}  // namespace kubesim
