// Media types: decoding request bodies (JSON or YAML) and encoding responses in the negotiated
// type (JSON, YAML, Table, PartialObjectMetadata), as the API server's negotiation does.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kubesim::api {

using json = nlohmann::json;

/// What the client's Accept header asked for.
struct Negotiated {
  enum class Format { kJson, kYaml } format = Format::kJson;
  enum class As { kObject, kTable, kPartialMetadata } as = As::kObject;
  bool pretty = false;
  bool protobuf_only = false;  ///< only protobuf was acceptable (answered 406 in that type)
};

/// Parses an Accept header; nullopt when nothing acceptable was offered (406).
std::optional<Negotiated> negotiate(const std::string& accept);

/// Serializes `body` for the response; sets `content_type`.
std::string encode(const json& body, const Negotiated& n, std::string* content_type);

/// Decodes a YAML document into JSON (quoted scalars stay strings; plain scalars get types).
/// Throws std::runtime_error on a syntax error.
json yaml_to_json(const std::string& text);
/// Emits JSON as block-style YAML with sorted keys.
std::string json_to_yaml(const json& value);

}  // namespace kubesim::api
