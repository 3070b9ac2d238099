#include "sim/core/schema.h"

#include <regex>

namespace kubesim {
namespace {

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool type_matches(const std::string& type, const json& v) {
  if (type.empty()) return true;
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer() ||
                                (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return true;
}

std::string number_text(const json& n) {
  if (n.is_number_float()) {
    double d = n.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
  }
  return n.dump();
}

/// Cached compiled patterns (ECMAScript is close to Go's RE2 for CRD patterns).
bool pattern_matches(const std::string& pattern, const std::string& value) {
  static thread_local std::map<std::string, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    try {
      it = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
    } catch (const std::regex_error&) {
      return true;
    }
  }
  return std::regex_search(value, it->second);
}

void validate_scalar(const json& s, const json& v, const std::string& path, std::vector<Cause>& out) {
  if (v.is_number()) {
    if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + number_text(s["maximum"]) + ": " + path +
                         " in body should be less than or equal to " + number_text(s["maximum"]),
                     path});
    }
    if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + number_text(s["minimum"]) + ": " + path +
                         " in body should be greater than or equal to " + number_text(s["minimum"]),
                     path});
    }
  }
  if (v.is_string()) {
    const std::string str = v.get<std::string>();
    if (s.contains("pattern") && !pattern_matches(s["pattern"].get<std::string>(), str)) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: \"\": " + path + " in body should match '" +
                         s["pattern"].get<std::string>() + "'",
                     path});
    }
    if (s.contains("minLength") && str.size() < s["minLength"].get<size_t>()) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: \"null\": " + path + " in body must be of type string: \"null\"", path});
      out.push_back({"FieldValueInvalid",
                     "Invalid value: \"\": " + path + " in body should be at least " +
                         std::to_string(s["minLength"].get<size_t>()) + " chars long",
                     path});
    }
    if (s.contains("maxLength") && str.size() > s["maxLength"].get<size_t>()) {
      out.push_back({"FieldValueTooLong",
                     "Too long: may not be longer than " + std::to_string(s["maxLength"].get<size_t>()), path});
    }
  }
  if (s.contains("enum") && s["enum"].is_array()) {
    bool found = false;
    std::vector<std::string> supported;
    for (const auto& e : s["enum"]) {
      if (e == v) found = true;
      supported.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    }
    if (!found) out.push_back(not_supported(path, v, supported));
  }
}

}  // namespace

std::string json_type_name(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  return "null";
}

void apply_defaults(const json& schema, json& object) {
  if (!schema.is_object()) return;
  if (object.is_object() && schema.contains("properties")) {
    for (const auto& [key, sub] : schema["properties"].items()) {
      if (!object.contains(key) && sub.contains("default")) object[key] = sub["default"];
      if (object.contains(key)) apply_defaults(sub, object[key]);
    }
  }
  if (object.is_object() && schema.contains("additionalProperties") &&
      schema["additionalProperties"].is_object()) {
    for (auto& [key, value] : object.items()) apply_defaults(schema["additionalProperties"], value);
  }
  if (object.is_array() && schema.contains("items")) {
    for (auto& item : object) apply_defaults(schema["items"], item);
  }
}

void prune_node(const json& schema, json& object, bool root) {
  if (!schema.is_object()) return;
  if (object.is_object()) {
    bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const json props = schema.value("properties", json::object());
    const json additional = schema.value("additionalProperties", json(false));
    for (auto it = object.begin(); it != object.end();) {
      const std::string key = it.key();
      if (root && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        ++it;
        continue;
      }
      if (props.contains(key)) {
        prune_node(props[key], it.value(), false);
        ++it;
      } else if (additional.is_object()) {
        prune_node(additional, it.value(), false);
        ++it;
      } else if (preserve || additional == json(true)) {
        ++it;
      } else {
        it = object.erase(it);
      }
    }
  } else if (object.is_array() && schema.contains("items")) {
    for (auto& item : object) prune_node(schema["items"], item, false);
  }
}

void prune(const json& schema, json& object) { prune_node(schema, object, true); }

std::vector<Cause> validate_schema(const json& s, const json& v, const std::string& path) {
  std::vector<Cause> out;
  if (!s.is_object()) return out;
  if (v.is_null()) {
    if (!s.value("nullable", false) && s.contains("type") && !path.empty()) {
      out.push_back({"FieldValueInvalid",
                     "Invalid value: \"null\": " + path + " in body must be of type " +
                         s["type"].get<std::string>() + ": \"null\"",
                     path});
    }
    return out;
  }
  std::string type = s.value("type", "");
  if (s.value("x-kubernetes-int-or-string", false)) type.clear();
  if (!type_matches(type, v)) {
    std::string actual = json_type_name(v);
    out.push_back({"FieldValueInvalid",
                   "Invalid value: \"" + actual + "\": " + path + " in body must be of type " + type +
                       ": \"" + actual + "\"",
                   path});
    return out;
  }
  validate_scalar(s, v, path, out);
  if (v.is_object()) {
    const json props = s.value("properties", json::object());
    for (const auto& [key, sub] : props.items()) {
      if (v.contains(key) && !(path.empty() && key == "metadata")) {
        auto more = validate_schema(sub, v[key], join(path, key));
        out.insert(out.end(), more.begin(), more.end());
      }
    }
    if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
      for (const auto& [key, value] : v.items()) {
        if (props.contains(key)) continue;
        auto more = validate_schema(s["additionalProperties"], value, join(path, key));
        out.insert(out.end(), more.begin(), more.end());
      }
    }
    for (const auto& req : s.value("required", json::array())) {
      if (!v.contains(req.get<std::string>())) out.push_back(required(join(path, req)));
    }
  }
  if (v.is_array() && s.contains("items")) {
    for (size_t i = 0; i < v.size(); ++i) {
      auto more = validate_schema(s["items"], v[i], path + "[" + std::to_string(i) + "]");
      out.insert(out.end(), more.begin(), more.end());
    }
  }
  return out;
}

}  // namespace kubesim
