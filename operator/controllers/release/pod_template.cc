#include "operator/controllers/release/pod_template.h"

namespace ferry::release {

namespace {

constexpr uint32_t kFnvOffsetBasis = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;
constexpr char kSafeAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";

Json* FindByName(Json& list, std::string_view name) {
  if (!list.is_array()) return nullptr;
  for (auto& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

const Json* FindByName(const Json& list, std::string_view name) {
  return FindByName(const_cast<Json&>(list), name);
}

std::string ContainerNames(const Json& containers) {
  std::string out;
  if (!containers.is_array()) return out;
  for (const auto& c : containers) {
    if (!out.empty()) out += ", ";
    out += c.value("name", "");
  }
  return out;
}

void MergeEnv(Json& container, const std::vector<api::EnvVar>& env) {
  if (env.empty()) return;
  Json& list = container["env"];
  if (!list.is_array()) list = Json::array();
  for (const auto& var : env) {
    if (Json* existing = FindByName(list, var.name)) {
      *existing = Json{{"name", var.name}, {"value", var.value}};  // drops a valueFrom
    } else {
      list.push_back(Json{{"name", var.name}, {"value", var.value}});
    }
  }
}

bool StringAt(const Json& obj, const std::string& key, const std::string& want) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && it->get_ref<const std::string&>() == want;
}

bool MapContains(const Json& m, const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    if (!StringAt(m, k, v)) return false;
  }
  return true;
}

bool ContainerRuns(const Json& containers, const api::ContainerPatch& patch) {
  const Json* c = FindByName(containers, patch.name);
  if (c == nullptr) return false;
  if (!patch.image.empty() && !StringAt(*c, "image", patch.image)) return false;
  const Json env = c->value("env", Json::array());
  for (const auto& var : patch.env) {
    const Json* e = FindByName(env, var.name);
    if (e == nullptr || !StringAt(*e, "value", var.value) || e->contains("valueFrom")) return false;
  }
  return true;
}

}  // namespace

uint32_t Fnv1a32(std::string_view data) {
  uint32_t h = kFnvOffsetBasis;
  for (unsigned char c : data) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::string SafeEncodeHash(uint32_t hash) {
  std::string digits = std::to_string(hash);
  constexpr size_t n = sizeof(kSafeAlphabet) - 1;
  for (char& c : digits) c = kSafeAlphabet[static_cast<unsigned char>(c) % n];
  return digits;
}

std::string TemplateHash(const Json& pod_template) {
  Json t = pod_template;
  if (t.is_object() && t.contains("metadata") && t["metadata"].is_object()) {
    t["metadata"].erase("creationTimestamp");
  }
  return SafeEncodeHash(Fnv1a32(t.dump()));
}

Result<Json> VersionTemplate(const Json& target_template, const api::Release& release) {
  if (!target_template.is_object() || !target_template.contains("spec")) {
    return Error{"the target Deployment has no spec.template.spec"};
  }
  Json t = target_template;
  Json& meta = t["metadata"];
  if (!meta.is_object()) meta = Json::object();
  meta.erase("creationTimestamp");
  const auto& patch = release.spec.template_;
  for (const auto& [k, v] : patch.metadata.labels) meta["labels"][k] = v;
  for (const auto& [k, v] : patch.metadata.annotations) meta["annotations"][k] = v;
  meta["labels"][kLabelRelease] = release.metadata.name;
  meta["labels"][kLabelVersion] = release.spec.version;
  Json& containers = t["spec"]["containers"];
  for (size_t i = 0; i < patch.containers.size(); ++i) {
    const auto& cp = patch.containers[i];
    Json* c = FindByName(containers, cp.name);
    if (c == nullptr) {
      return Error{"spec.template.containers[" + std::to_string(i) + "].name: container \"" +
                   cp.name + "\" is not in Deployment " + release.spec.targetRef.name +
                   " (its containers: " + ContainerNames(containers) + "); use one of those"};
    }
    if (!cp.image.empty()) (*c)["image"] = cp.image;
    MergeEnv(*c, cp.env);
  }
  return t;
}

bool TemplateRunsVersion(const Json& pod_template, const api::ReleaseSpec& spec) {
  if (!pod_template.is_object()) return false;
  const Json meta = pod_template.value("metadata", Json::object());
  const Json labels = meta.value("labels", Json::object());
  if (labels.contains(kLabelVersion) && !StringAt(labels, kLabelVersion, spec.version)) {
    return false;
  }
  if (!MapContains(labels, spec.template_.metadata.labels)) return false;
  if (!MapContains(meta.value("annotations", Json::object()),
                   spec.template_.metadata.annotations)) {
    return false;
  }
  const Json containers =
      pod_template.value("spec", Json::object()).value("containers", Json::array());
  for (const auto& cp : spec.template_.containers) {
    if (!ContainerRuns(containers, cp)) return false;
  }
  return true;
}

std::string TemplateVersion(const Json& pod_template) {
  if (!pod_template.is_object()) return "";
  const Json labels =
      pod_template.value("metadata", Json::object()).value("labels", Json::object());
  auto it = labels.find(kLabelVersion);
  return it != labels.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace ferry::release
