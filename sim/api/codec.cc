#include "sim/api/codec.h"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <sstream>
#include <stdexcept>

namespace kubesim::api {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json scalar_to_json(const YAML::Node& node) {
  const std::string& v = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return v;
  static const std::regex int_re(R"(^[-+]?[0-9]+$)");
  static const std::regex float_re(R"(^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$)");
  if (v == "null" || v == "~" || v == "Null" || v == "NULL" || v.empty()) return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  if (std::regex_match(v, int_re)) {
    try {
      return std::stoll(v);
    } catch (const std::exception&) {
      return v;
    }
  }
  if (std::regex_match(v, float_re)) return std::stod(v);
  return v;
}

json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = node_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& e : node) out.push_back(node_to_json(e));
      return out;
    }
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    default:
      return nullptr;
  }
}

void emit(YAML::Emitter& out, const json& v) {
  if (v.is_object()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    out << YAML::BeginMap;
    for (const auto& [k, e] : v.items()) {
      out << YAML::Key << k << YAML::Value;
      emit(out, e);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    if (v.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out << YAML::BeginSeq;
    for (const auto& e : v) emit(out, e);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    json reparsed = scalar_to_json(YAML::Node(s));
    bool ambiguous = !reparsed.is_string() || s.empty() || s.find(": ") != std::string::npos;
    if (ambiguous) out << YAML::DoubleQuoted << s;
    else out << s;
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else {
    out << v.dump();
  }
}

}  // namespace

std::optional<Negotiated> negotiate(const std::string& accept) {
  Negotiated n;
  if (accept.empty()) return n;
  bool saw_protobuf = false;
  std::stringstream ss(accept);
  std::string part;
  while (std::getline(ss, part, ',')) {
    std::string p = lower(part);
    p.erase(0, p.find_first_not_of(' '));
    std::string type = p.substr(0, p.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    bool table = p.find("as=table") != std::string::npos;
    bool partial = p.find("as=partialobjectmetadata") != std::string::npos;
    if (type == "application/json" || type == "*/*" || type == "application/*") {
      if (table && p.find("v=v1;") == std::string::npos && p.find("v=v1") == std::string::npos) continue;
      if (table) n.as = Negotiated::As::kTable;
      if (partial) n.as = Negotiated::As::kPartialMetadata;
      return n;
    }
    if (type == "application/yaml") {
      n.format = Negotiated::Format::kYaml;
      return n;
    }
    if (type == "application/vnd.kubernetes.protobuf") saw_protobuf = true;
  }
  if (saw_protobuf) {
    n.protobuf_only = true;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string encode(const json& body, const Negotiated& n, std::string* content_type) {
  if (n.format == Negotiated::Format::kYaml) {
    *content_type = "application/yaml";
    return json_to_yaml(body);
  }
  *content_type = "application/json";
  return n.pretty ? body.dump(2) + "\n" : body.dump() + "\n";
}

json yaml_to_json(const std::string& text) {
  try {
    return node_to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(e.what());
  }
}

std::string json_to_yaml(const json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace kubesim::api
