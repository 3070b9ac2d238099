#include "sim/controllers/workloads.h"

#include <cmath>

#include "sim/core/meta.h"

namespace kubesim::controllers {

std::vector<ObjectPtr> owned(ObjectService& objects, const std::string& owner_uid, const std::string& storage) {
  std::vector<ObjectPtr> out;
  for (const auto& ref : objects.store().dependents(owner_uid)) {
    if (ref.storage != storage) continue;
    ObjectPtr o = objects.store().get(ref.storage, ref.ns, ref.name);
    if (!o) continue;
    for (const auto& r : (*o)["metadata"].value("ownerReferences", json::array())) {
      if (r.value("uid", "") == owner_uid && r.value("controller", false)) {
        out.push_back(o);
        break;
      }
    }
  }
  return out;
}

bool controller_of(const json& obj, std::string* kind, std::string* name) {
  for (const auto& r : obj["metadata"].value("ownerReferences", json::array())) {
    if (r.value("controller", false)) {
      *kind = r.value("kind", "");
      *name = r.value("name", "");
      return true;
    }
  }
  return false;
}

json owner_ref(const std::string& api_version, const std::string& kind, const json& owner) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"name", meta_string(owner, "name")},
          {"uid", meta_string(owner, "uid")}, {"controller", true}, {"blockOwnerDeletion", true}};
}

bool pod_ready(const json& pod) {
  for (const auto& c : pod.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

bool pod_active(const json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return false;
  std::string phase = pod.value("status", json::object()).value("phase", "Pending");
  return phase != "Succeeded" && phase != "Failed";
}

void create_pod(ObjectService& objects, const std::string& ns, const std::string& prefix, const json& tmpl,
                const json& owner_reference, const json& extra_labels) {
  json md = tmpl.value("metadata", json::object());
  md.erase("creationTimestamp");
  md["generateName"] = prefix;
  json labels = md.value("labels", json::object());
  for (const auto& [k, v] : extra_labels.items()) labels[k] = v;
  if (!labels.empty()) md["labels"] = labels;
  md["ownerReferences"] = json::array({owner_reference});
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", md}, {"spec", tmpl.value("spec", json::object())}};
  ResourcePtr pods = objects.registry().find("", "v1", "pods");
  objects.create(*pods, ns, pod, WriteOptions{});
}

int resolve_int_or_percent(const json& v, int total, bool round_up) {
  if (v.is_number()) return v.get<int>();
  if (!v.is_string()) return 0;
  std::string s = v.get<std::string>();
  if (s.empty() || s.back() != '%') return std::atoi(s.c_str());
  double pct = std::atof(s.c_str()) / 100.0 * total;
  return static_cast<int>(round_up ? std::ceil(pct) : std::floor(pct));
}

int int_of(const json& obj, const char* a, const char* b, int fallback) {
  if (!obj.contains(a) || !obj[a].is_object() || !obj[a].contains(b) || !obj[a][b].is_number()) return fallback;
  return obj[a][b].get<int>();
}

}  // namespace kubesim::controllers
