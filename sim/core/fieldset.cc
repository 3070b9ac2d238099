#include "sim/core/fieldset.h"

#include <map>

namespace kubesim {
namespace {

/// The merge key of list elements of `field` (containers by name, conditions by type, ...).
std::string merge_key(const std::string& field, const json& element) {
  static const std::map<std::string, std::string> keys = {
      {"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
      {"volumes", "name"}, {"env", "name"}, {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"}, {"conditions", "type"}, {"ownerReferences", "uid"},
      {"ports", "containerPort"}};
  auto it = keys.find(field);
  if (it == keys.end() || !element.is_object()) return "";
  if (field == "ports" && !element.contains("containerPort")) return element.contains("port") ? "port" : "";
  return element.contains(it->second) ? it->second : "";
}

std::string element_token(const std::string& key, const json& element) {
  json k = {{key, element[key]}};
  if (element.contains("protocol") && key == "containerPort") k["protocol"] = element["protocol"];
  return "k:" + k.dump();
}

void walk(const json& node, const std::string& field, FieldPath& prefix, FieldSet& out, bool root) {
  if (node.is_object() && !node.empty()) {
    if (!root && !(prefix.size() == 1 && prefix[0] == "f:metadata")) {
      FieldPath dot = prefix;
      dot.push_back(".");
      out.insert(dot);
    }
    for (const auto& [k, v] : node.items()) {
      if (root && (k == "apiVersion" || k == "kind")) continue;
      if (prefix.size() == 1 && prefix[0] == "f:metadata" &&
          !(k == "labels" || k == "annotations" || k == "finalizers" || k == "ownerReferences")) {
        continue;
      }
      prefix.push_back("f:" + k);
      walk(v, k, prefix, out, false);
      prefix.pop_back();
    }
    return;
  }
  if (node.is_array() && !node.empty()) {
    bool keyed = !merge_key(field, node[0]).empty();
    bool set = field == "finalizers";
    if (keyed || set) {
      if (set) {
        FieldPath dot = prefix;
        dot.push_back(".");
        out.insert(dot);
      }
      for (const auto& e : node) {
        std::string key = merge_key(field, e);
        prefix.push_back(set ? "v:" + e.dump() : key.empty() ? "i:" + e.dump() : element_token(key, e));
        if (set) {
          out.insert(prefix);
        } else {
          FieldPath dot = prefix;
          dot.push_back(".");
          out.insert(dot);
          for (const auto& [k, v] : e.items()) {
            prefix.push_back("f:" + k);
            walk(v, k, prefix, out, false);
            prefix.pop_back();
          }
        }
        prefix.pop_back();
      }
      return;
    }
  }
  if (!root) out.insert(prefix);
}

const json* find_element(const json& list, const std::string& token) {
  if (!list.is_array()) return nullptr;
  if (token.rfind("v:", 0) == 0) {
    json v = json::parse(token.substr(2), nullptr, false);
    for (const auto& e : list) {
      if (e == v) return &e;
    }
    return nullptr;
  }
  json k = json::parse(token.substr(2), nullptr, false);
  for (const auto& e : list) {
    bool match = e.is_object();
    for (const auto& [kk, kv] : k.items()) {
      if (!match) break;
      if (kk == "protocol" && !e.contains("protocol")) continue;
      match = e.contains(kk) && e[kk] == kv;
    }
    if (match) return &e;
  }
  return nullptr;
}

}  // namespace

FieldSet fields_of(const json& object) {
  FieldSet out;
  FieldPath prefix;
  walk(object, "", prefix, out, true);
  return out;
}

json to_fields_v1(const FieldSet& set) {
  json out = json::object();
  for (const auto& path : set) {
    json* node = &out;
    for (const auto& token : path) {
      if (!node->contains(token)) (*node)[token] = json::object();
      node = &(*node)[token];
    }
  }
  return out;
}

FieldSet from_fields_v1(const json& fields_v1) {
  FieldSet out;
  FieldPath prefix;
  std::function<void(const json&)> rec = [&](const json& node) {
    if (!node.is_object()) return;
    for (const auto& [k, v] : node.items()) {
      prefix.push_back(k);
      if (v.empty()) out.insert(prefix);
      rec(v);
      prefix.pop_back();
    }
  };
  rec(fields_v1);
  return out;
}

const json* value_at(const json& object, const FieldPath& path) {
  const json* cur = &object;
  for (const auto& token : path) {
    if (token == ".") return cur;
    if (token.rfind("f:", 0) == 0) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(token.substr(2));
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else {
      cur = find_element(*cur, token);
      if (!cur) return nullptr;
    }
  }
  return cur;
}

void remove_path(json& object, const FieldPath& path) {
  if (path.empty()) return;
  FieldPath parent_path(path.begin(), path.end() - 1);
  const std::string& last = path.back();
  if (last == ".") return;
  json* parent = const_cast<json*>(value_at(object, parent_path));
  if (!parent) return;
  if (last.rfind("f:", 0) == 0 && parent->is_object()) {
    parent->erase(last.substr(2));
  } else if (parent->is_array()) {
    const json* e = find_element(*parent, last);
    if (!e) return;
    for (auto it = parent->begin(); it != parent->end(); ++it) {
      if (&*it == e) {
        parent->erase(it);
        break;
      }
    }
  }
}

FieldSet changed_fields(const json& before, const json& after) {
  FieldSet out;
  for (const auto& p : fields_of(after)) {
    const json* b = value_at(before, p);
    const json* a = value_at(after, p);
    if (p.back() == ".") {
      if (!b) out.insert(p);
    } else if (!b || !a || *a != *b) {
      out.insert(p);
    }
  }
  for (const auto& p : fields_of(before)) {
    if (!value_at(after, p)) out.insert(p);
  }
  return out;
}

std::string path_string(const FieldPath& path) {
  std::string out;
  for (const auto& t : path) {
    if (t == ".") continue;
    if (t.rfind("f:", 0) == 0) out += "." + t.substr(2);
    else out += "[" + t.substr(2) + "]";
  }
  return out;
}

namespace {

struct Entry {
  json raw;
  FieldSet fields;
};

std::vector<Entry> load_entries(const json* obj) {
  std::vector<Entry> out;
  if (!obj) return out;
  const json& mf = (*obj)["metadata"].value("managedFields", json::array());
  for (const auto& e : mf) out.push_back({e, from_fields_v1(e.value("fieldsV1", json::object()))});
  return out;
}

void store_entries(json& obj, std::vector<Entry>& entries) {
  json mf = json::array();
  for (auto& e : entries) {
    if (e.fields.empty()) continue;
    e.raw["fieldsType"] = "FieldsV1";
    e.raw["fieldsV1"] = to_fields_v1(e.fields);
    mf.push_back(e.raw);
  }
  if (mf.empty()) obj["metadata"].erase("managedFields");
  else obj["metadata"]["managedFields"] = mf;
}

Entry* find_entry(std::vector<Entry>& entries, const std::string& manager, const std::string& op) {
  for (auto& e : entries) {
    if (e.raw.value("manager", "") == manager && e.raw.value("operation", "") == op) return &e;
  }
  return nullptr;
}

Entry& ensure_entry(std::vector<Entry>& entries, const std::string& manager, const std::string& op,
                    const std::string& api_version, const std::string& time) {
  Entry* e = find_entry(entries, manager, op);
  if (!e) {
    entries.push_back({json{{"manager", manager}, {"operation", op}}, {}});
    e = &entries.back();
  }
  e->raw["apiVersion"] = api_version;
  e->raw["time"] = time;
  return *e;
}

}  // namespace

void record_update(const json* before, json& object, const std::string& manager,
                   const std::string& api_version, const std::string& time) {
  std::vector<Entry> entries = load_entries(before);
  FieldSet changed = before ? changed_fields(*before, object) : fields_of(object);
  if (changed.empty()) {
    store_entries(object, entries);
    return;
  }
  for (auto& e : entries) {
    for (const auto& p : changed) e.fields.erase(p);
  }
  Entry& mine = ensure_entry(entries, manager, "Update", api_version, time);
  for (const auto& p : changed) {
    if (value_at(object, p)) mine.fields.insert(p);
  }
  store_entries(object, entries);
}

std::vector<ApplyConflict> server_side_apply(const json* current, const json& applied,
                                             const std::string& manager, bool force,
                                             const std::string& api_version,
                                             const std::string& time, json* result) {
  std::vector<Entry> entries = load_entries(current);
  FieldSet applied_fields = fields_of(applied);
  std::vector<ApplyConflict> conflicts;
  json merged = current ? *current : json::object();
  for (const auto& p : applied_fields) {
    if (p.back() == ".") continue;
    const json* now = current ? value_at(*current, p) : nullptr;
    const json* want = value_at(applied, p);
    if (!now || !want || *now == *want) continue;
    for (auto& e : entries) {
      if (e.raw.value("manager", "") == manager) continue;
      if (e.fields.count(p)) conflicts.push_back({e.raw.value("manager", ""), p});
    }
  }
  if (!conflicts.empty() && !force) return conflicts;
  // Fields this manager applied before but no longer applies are removed unless others own them.
  Entry* previous = find_entry(entries, manager, "Apply");
  if (previous) {
    for (const auto& p : previous->fields) {
      if (applied_fields.count(p)) continue;
      bool owned_by_other = false;
      for (auto& e : entries) {
        if (&e != previous && e.fields.count(p)) owned_by_other = true;
      }
      if (!owned_by_other) remove_path(merged, p);
    }
  }
  json patch = applied;
  if (patch.contains("metadata")) {
    for (const char* k : {"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"}) {
      patch["metadata"].erase(k);
    }
  }
  merged.merge_patch(patch);
  for (auto& e : entries) {
    if (e.raw.value("manager", "") == manager && e.raw.value("operation", "") == "Apply") continue;
    for (const auto& p : applied_fields) {
      if (p.back() != "." && (force || !current)) e.fields.erase(p);
    }
  }
  Entry& mine = ensure_entry(entries, manager, "Apply", api_version, time);
  mine.fields = applied_fields;
  store_entries(merged, entries);
  *result = merged;
  return {};
}

}  // namespace kubesim
