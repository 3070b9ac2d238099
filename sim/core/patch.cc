#include "sim/core/patch.h"

#include <map>

namespace kubesim {
namespace {

std::string list_merge_key(const std::string& field, const json& sample) {
  static const std::map<std::string, std::string> keys = {
      {"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
      {"volumes", "name"}, {"env", "name"}, {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"}, {"conditions", "type"}, {"ownerReferences", "uid"},
      {"ports", "containerPort"}, {"hostAliases", "ip"}, {"topologySpreadConstraints", "topologyKey"}};
  auto it = keys.find(field);
  if (it == keys.end()) return "";
  if (field == "ports" && sample.is_object() && !sample.contains("containerPort") && sample.contains("port")) {
    return "port";
  }
  return it->second;
}

json merge_value(const std::string& field, const json& target, const json& patch);

json merge_list(const std::string& field, const json& target, const json& patch) {
  if (field == "finalizers") {  // set semantics
    json out = target.is_array() ? target : json::array();
    for (const auto& v : patch) {
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
  }
  std::string key = patch.empty() ? "" : list_merge_key(field, patch[0]);
  if (key.empty() || !target.is_array()) {
    json out = json::array();
    for (const auto& e : patch) {
      if (!(e.is_object() && e.contains("$patch"))) out.push_back(e);
    }
    return out;
  }
  json out = target;
  for (const auto& e : patch) {
    if (!e.is_object() || !e.contains(key)) continue;
    bool del = e.value("$patch", "") == "delete";
    bool found = false;
    for (auto it = out.begin(); it != out.end(); ++it) {
      if (it->is_object() && it->contains(key) && (*it)[key] == e[key]) {
        found = true;
        if (del) out.erase(it);
        else *it = merge_value("", *it, e);
        break;
      }
    }
    if (!found && !del) {
      json added = e;
      added.erase("$patch");
      out.push_back(added);
    }
  }
  return out;
}

json merge_value(const std::string& field, const json& target, const json& patch) {
  if (patch.is_object()) {
    if (patch.value("$patch", "") == "replace") {
      json r = patch;
      r.erase("$patch");
      return r;
    }
    if (patch.value("$patch", "") == "delete") return nullptr;
    json out = target.is_object() ? target : json::object();
    for (const auto& [k, v] : patch.items()) {
      if (k.rfind("$setElementOrder/", 0) == 0 || k == "$patch" || k.rfind("$retainKeys", 0) == 0) continue;
      if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
        std::string list = k.substr(25);
        if (out.contains(list) && out[list].is_array()) {
          json kept = json::array();
          for (const auto& e : out[list]) {
            if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
          }
          out[list] = kept;
        }
        continue;
      }
      if (v.is_null()) {
        out.erase(k);
        continue;
      }
      json merged = merge_value(k, out.contains(k) ? out[k] : json(), v);
      if (merged.is_null()) out.erase(k);
      else out[k] = merged;
    }
    return out;
  }
  if (patch.is_array()) return merge_list(field, target, patch);
  return patch;
}

ApiError generic_invalid() {
  return {422, "Invalid", "the server rejected our request due to an error in our request", json::object()};
}

}  // namespace

json strategic_merge(const json& target, const json& patch) { return merge_value("", target, patch); }

json apply_patch(const std::string& content_type, const json& target, const std::string& body) {
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) {
    throw errors::bad_request("error decoding patch: invalid character in JSON input");
  }
  if (content_type == kJsonPatch) {
    if (!patch.is_array()) {
      throw errors::bad_request("json: cannot unmarshal " + std::string(patch.is_object() ? "object" : "value") +
                                " into Go value of type jsonpatch.Patch");
    }
    try {
      return target.patch(patch);
    } catch (const json::exception&) {
      throw generic_invalid();
    }
  }
  if (!patch.is_object()) throw errors::bad_request("patch body must be a JSON object");
  if (content_type == kStrategicPatch) return strategic_merge(target, patch);
  json out = target;
  out.merge_patch(patch);
  return out;
}

}  // namespace kubesim
