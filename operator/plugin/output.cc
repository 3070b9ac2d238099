#include "operator/plugin/output.h"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

namespace ferry::plugin {
namespace {

// Strings that a YAML 1.1/1.2 reader would take for another type keep their quotes.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
                                 "True", "False", "Yes", "No", "On", "Off", "Null", "TRUE", "FALSE",
                                 "NULL", "YES", "NO", "ON", "OFF"};
  for (const char* w : kWords) {
    if (s == w) return true;
  }
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

void Emit(YAML::Emitter& out, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key << k << YAML::Value;
        Emit(out, v);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& v : j) Emit(out, v);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << j.dump();  // numbers and booleans as JSON writes them
  }
}

}  // namespace

std::string ToJson(const nlohmann::json& j) { return j.dump(4) + "\n"; }

std::string ToYaml(const nlohmann::json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::Block;
  Emit(out, j);
  return std::string(out.c_str()) + "\n";
}

nlohmann::json ListOf(nlohmann::json items) {
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)},
          {"metadata", {{"resourceVersion", ""}}}};
}

}  // namespace ferry::plugin
