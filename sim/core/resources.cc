#include "sim/core/resources.h"

#include <algorithm>

namespace kubesim {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kCrdVerbs = {"delete", "deletecollection", "get", "list",
                                            "patch",  "create",           "update", "watch"};
const std::vector<std::string> kSubresourceVerbs = {"get", "patch", "update"};

struct BuiltinSpec {
  const char* group;
  const char* version;
  const char* resource;
  const char* kind;
  bool namespaced;
  bool status;
  bool scale;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::string storage;
  std::string deprecation;
  std::set<std::string> field_labels;
  std::vector<std::string> verbs = kAllVerbs;
};

const std::set<std::string> kEventFields = {
    "involvedObject.kind",       "involvedObject.namespace", "involvedObject.name",
    "involvedObject.uid",        "involvedObject.apiVersion", "involvedObject.resourceVersion",
    "involvedObject.fieldPath",  "reason", "reportingComponent", "source", "type"};

std::vector<BuiltinSpec> builtin_specs() {
  std::vector<std::string> ns_verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  return {
      {"", "v1", "configmaps", "ConfigMap", true, false, false, {"cm"}, {}, "", "", {}},
      {"", "v1", "endpoints", "Endpoints", true, false, false, {"ep"}, {}, "", "", {}},
      {"", "v1", "events", "Event", true, false, false, {"ev"}, {}, "events", "", kEventFields},
      {"", "v1", "namespaces", "Namespace", false, true, false, {"ns"}, {}, "", "", {"status.phase"}, ns_verbs},
      {"", "v1", "pods", "Pod", true, true, false, {"po"}, {"all"}, "", "",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"", "v1", "secrets", "Secret", true, false, false, {}, {}, "", "", {"type"}},
      {"", "v1", "serviceaccounts", "ServiceAccount", true, false, false, {"sa"}, {}, "", "", {}},
      {"", "v1", "services", "Service", true, true, false, {"svc"}, {"all"}, "", "", {}},
      {"apps", "v1", "deployments", "Deployment", true, true, true, {"deploy"}, {"all"}, "", "", {}},
      {"apps", "v1", "replicasets", "ReplicaSet", true, true, true, {"rs"}, {"all"}, "", "", {"status.replicas"}},
      {"batch", "v1", "jobs", "Job", true, true, false, {}, {"all"}, "", "", {"status.successful"}},
      {"coordination.k8s.io", "v1", "leases", "Lease", true, false, false, {}, {}, "", "", {}},
      {"events.k8s.io", "v1", "events", "Event", true, false, false, {"ev"}, {}, "events", "", kEventFields},
      {"networking.k8s.io", "v1", "ingresses", "Ingress", true, true, false, {"ing"}, {}, "", "", {}},
      {"extensions", "v1beta1", "ingresses", "Ingress", true, true, false, {"ing"}, {}, "networking.k8s.io/ingresses",
       "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress", {}},
      {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false, false, {"netpol"}, {}, "", "", {}},
      {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, false, {"pdb"}, {}, "", "", {}},
      // RBAC objects are stored and served (so manifests apply); authorization is --grant's.
      {"rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, false, {}, {}, "", "", {}},
      {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false, false, {}, {}, "", "", {}},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false, false, {}, {}, "", "", {}},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false, false, {}, {},
       "", "", {}},
      {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, false,
       {"crd", "crds"}, {}, "", "", {}},
      {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, false, false,
       {}, {}, "", "", {}, {"create"}},
  };
}

std::string storage_key(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : group + "/" + resource;
}

json resource_entry(const ResourceInfo& r) {
  json e = {{"name", r.resource}, {"singularName", r.singular}, {"namespaced", r.namespaced},
            {"kind", r.kind}, {"verbs", r.verbs}};
  if (!r.short_names.empty()) e["shortNames"] = r.short_names;
  if (!r.categories.empty()) e["categories"] = r.categories;
  return e;
}

void collect_printer_columns(const json& version, ResourceInfo* info) {
  for (const auto& c : version.value("additionalPrinterColumns", json::array())) {
    PrinterColumn col;
    col.name = c.value("name", "");
    col.type = c.value("type", "string");
    col.format = c.value("format", "");
    col.description = c.value("description", "");
    col.json_path = c.value("jsonPath", "");
    col.priority = c.value("priority", 0);
    info->printer_columns.push_back(col);
  }
}

}  // namespace

std::string ResourceInfo::self_link(const std::string& ns, const std::string& name) const {
  std::string out = prefix();
  if (namespaced && !ns.empty()) out += "/namespaces/" + ns;
  out += "/" + resource;
  if (!name.empty()) out += "/" + name;
  return out;
}

Registry::Registry() {
  for (auto& s : builtin_specs()) {
    auto r = std::make_shared<ResourceInfo>();
    r->group = s.group;
    r->version = s.version;
    r->resource = s.resource;
    r->kind = s.kind;
    r->list_kind = r->kind + "List";
    r->namespaced = s.namespaced;
    r->has_status = s.status;
    if (s.scale) r->scale = ScaleSpec{".spec.replicas", ".status.replicas", ".status.selector"};
    r->short_names = s.short_names;
    r->categories = s.categories;
    r->verbs = s.verbs;
    r->storage = s.storage.empty() ? storage_key(r->group, r->resource) : s.storage;
    r->deprecation_warning = s.deprecation;
    r->field_labels = s.field_labels;
    builtins_.push_back(r);
    if (std::find(group_order_.begin(), group_order_.end(), r->group) == group_order_.end()) {
      group_order_.push_back(r->group);
    }
  }
}

std::vector<ResourcePtr> Registry::all() const {
  std::vector<ResourcePtr> out = builtins_;
  for (const auto& [name, rs] : crds_) out.insert(out.end(), rs.begin(), rs.end());
  return out;
}

ResourcePtr Registry::find(const std::string& group, const std::string& version,
                           const std::string& resource) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : builtins_) {
    if (r->group == group && r->version == version && r->resource == resource) return r;
  }
  for (const auto& [name, rs] : crds_) {
    for (const auto& r : rs) {
      if (r->group == group && r->version == version && r->resource == resource) return r;
    }
  }
  return nullptr;
}

ResourcePtr Registry::find_kind(const std::string& group, const std::string& kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : all()) {
    if (r->group == group && r->kind == kind) return r;
  }
  return nullptr;
}

ResourcePtr Registry::find_storage(const std::string& storage) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : all()) {
    if (r->storage == storage && r->deprecation_warning.empty() && r->group != "events.k8s.io") return r;
  }
  return nullptr;
}

bool Registry::has_group_version(const std::string& group, const std::string& version) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : all()) {
    if (r->group == group && r->version == version) return true;
  }
  return false;
}

bool Registry::has_group(const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : all()) {
    if (r->group == group) return true;
  }
  return false;
}

std::vector<ResourcePtr> resources_from_crd(const json& crd) {
  std::vector<ResourcePtr> out;
  const json& spec = crd.value("spec", json::object());
  const json& names = spec.value("names", json::object());
  for (const auto& v : spec.value("versions", json::array())) {
    if (!v.value("served", true)) continue;
    auto r = std::make_shared<ResourceInfo>();
    r->group = spec.value("group", "");
    r->version = v.value("name", "");
    r->resource = names.value("plural", "");
    r->singular = names.value("singular", "");
    r->kind = names.value("kind", "");
    r->list_kind = names.value("listKind", r->kind + "List");
    r->namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    r->builtin = false;
    const json subs = v.value("subresources", json::object());
    r->has_status = subs.contains("status");
    if (subs.contains("scale")) {
      const json& s = subs["scale"];
      r->scale = ScaleSpec{s.value("specReplicasPath", ".spec.replicas"),
                           s.value("statusReplicasPath", ".status.replicas"),
                           s.value("labelSelectorPath", "")};
    }
    r->short_names = names.value("shortNames", std::vector<std::string>{});
    r->categories = names.value("categories", std::vector<std::string>{});
    r->verbs = kCrdVerbs;
    r->storage = storage_key(r->group, r->resource);
    if (v.contains("schema") && v["schema"].contains("openAPIV3Schema")) {
      r->schema = v["schema"]["openAPIV3Schema"];
    }
    collect_printer_columns(v, r.get());
    out.push_back(r);
  }
  return out;
}

void Registry::install_crd(const json& crd) {
  auto rs = resources_from_crd(crd);
  std::lock_guard<std::mutex> lock(mu_);
  crds_[crd["metadata"].value("name", "")] = rs;
  for (const auto& r : rs) {
    if (std::find(group_order_.begin(), group_order_.end(), r->group) == group_order_.end()) {
      group_order_.push_back(r->group);
    }
  }
}

void Registry::remove_crd(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  crds_.erase(name);
}

std::vector<std::string> Registry::group_versions(const std::string& group) const {
  std::vector<std::string> out;
  for (const auto& r : all()) {
    if (r->group == group && std::find(out.begin(), out.end(), r->version) == out.end()) {
      out.push_back(r->version);
    }
  }
  return out;
}

json Registry::api_versions() const {
  return {{"kind", "APIVersions"}, {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1"}}}}};
}

json Registry::api_group_list() const {
  std::lock_guard<std::mutex> lock(mu_);
  json groups = json::array();
  for (const auto& g : group_order_) {
    if (g.empty()) continue;
    auto versions = group_versions(g);
    if (versions.empty()) continue;
    json vs = json::array();
    for (const auto& v : versions) vs.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
    groups.push_back({{"name", g}, {"versions", vs}, {"preferredVersion", vs[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> Registry::api_group(const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto versions = group_versions(group);
  if (versions.empty() || group.empty()) return std::nullopt;
  json vs = json::array();
  for (const auto& v : versions) vs.push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  return json{{"kind", "APIGroup"}, {"apiVersion", "v1"}, {"name", group}, {"versions", vs},
              {"preferredVersion", vs[0]}};
}

std::optional<json> Registry::resource_list(const std::string& group,
                                            const std::string& version) const {
  std::lock_guard<std::mutex> lock(mu_);
  json resources = json::array();
  for (const auto& r : all()) {
    if (r->group != group || r->version != version) continue;
    resources.push_back(resource_entry(*r));
    if (r->has_status) {
      resources.push_back({{"name", r->resource + "/status"}, {"singularName", ""},
                           {"namespaced", r->namespaced}, {"kind", r->kind}, {"verbs", kSubresourceVerbs}});
    }
    if (r->scale) {
      resources.push_back({{"name", r->resource + "/scale"}, {"singularName", ""},
                           {"namespaced", r->namespaced}, {"group", "autoscaling"}, {"version", "v1"},
                           {"kind", "Scale"}, {"verbs", kSubresourceVerbs}});
    }
  }
  if (resources.empty()) return std::nullopt;
  std::string gv = group.empty() ? version : group + "/" + version;
  json out = {{"kind", "APIResourceList"}, {"groupVersion", gv}, {"resources", resources}};
  if (!group.empty()) out["apiVersion"] = "v1";
  return out;
}

}  // namespace kubesim
