#include "sim/core/status.h"

#include <algorithm>

namespace kubesim {

json ApiError::to_status() const {
  json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", metadata}, {"status", "Failure"},
            {"message", message}, {"reason", reason}, {"code", code}};
  if (reason.empty()) s.erase("reason");
  if (!details.is_null()) s["details"] = details;
  return s;
}

json success_status(const std::string& name, const std::string& group, const std::string& kind,
                    const std::string& uid) {
  json details = {{"name", name}, {"group", group}, {"kind", kind}, {"uid", uid}};
  if (group.empty()) details.erase("group");
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Success"}, {"details", details}};
}

namespace {
json named_details(const ResourceInfo& r, const std::string& name) {
  json d = {{"name", name}, {"group", r.group}, {"kind", r.resource}};
  if (r.group.empty()) d.erase("group");
  return d;
}
}  // namespace

namespace errors {

ApiError not_found(const ResourceInfo& r, const std::string& name) {
  return {404, "NotFound", r.group_resource() + " \"" + name + "\" not found", named_details(r, name)};
}

ApiError not_found_namespace(const std::string& ns) {
  return {404, "NotFound", "namespaces \"" + ns + "\" not found", {{"name", ns}, {"kind", "namespaces"}}};
}

ApiError already_exists(const ResourceInfo& r, const std::string& name) {
  return {409, "AlreadyExists", r.group_resource() + " \"" + name + "\" already exists",
          named_details(r, name)};
}

ApiError conflict(const ResourceInfo& r, const std::string& name) {
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + r.group_resource() + " \"" + name +
              "\": the object has been modified; please apply your changes to the latest version and try again",
          named_details(r, name)};
}

ApiError conflict_kind(const ResourceInfo& r, const std::string& name, const std::string& detail) {
  json d = {{"name", name}, {"group", r.group}, {"kind", r.kind}};
  if (r.group.empty()) d.erase("group");
  return {409, "Conflict", "Operation cannot be fulfilled on " + r.group_kind() + " \"" + name + "\": " + detail, d};
}

ApiError bad_request(const std::string& message) { return {400, "BadRequest", message, nullptr}; }

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<Cause>& causes) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  std::vector<std::string> parts;  // the aggregate message drops duplicates
  for (const auto& c : causes) {
    std::string part = c.field + ": " + c.message;
    if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
  }
  std::string summary;
  if (parts.size() == 1) {
    summary = parts[0];
  } else {
    summary = "[";
    for (size_t i = 0; i < parts.size(); ++i) summary += (i ? ", " : "") + parts[i];
    summary += "]";
  }
  json cs = json::array();
  for (const auto& c : causes) cs.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  json d = {{"name", name}, {"group", group}, {"kind", kind}, {"causes", cs}};
  if (group.empty()) d.erase("group");
  if (name.empty()) d.erase("name");
  return {422, "Invalid", qualified + " \"" + name + "\" is invalid: " + summary, d};
}

ApiError invalid_resource(const ResourceInfo& r, const std::string& name,
                          const std::vector<Cause>& causes) {
  return invalid(r.group, r.kind, name, causes);
}

ApiError forbidden(const std::string& message, json details) {
  return {403, "Forbidden", message, std::move(details)};
}

ApiError method_not_supported(const ResourceInfo& r, const std::string& verb) {
  json d = {{"group", r.group}, {"kind", r.resource}};
  return {405, "MethodNotAllowed", verb + " is not supported on resources of kind \"" + r.group_resource() + "\"", d};
}

ApiError unsupported_media_type(const std::string& accepted) {
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: " + accepted, nullptr};
}

ApiError not_acceptable() {
  return {406, "NotAcceptable",
          "only the following media types are accepted: application/json, application/yaml, "
          "application/vnd.kubernetes.protobuf",
          nullptr};
}

ApiError internal(const std::string& message) { return {500, "InternalError", message, nullptr}; }

ApiError expired(const std::string& message) { return {410, "Expired", message, nullptr}; }

ApiError too_many_requests(int retry_after_seconds) {
  ApiError e{429, "TooManyRequests", "Too many requests, please try again later.",
             json{{"retryAfterSeconds", retry_after_seconds}}};
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

ApiError unauthorized() { return {401, "Unauthorized", "Unauthorized", nullptr}; }

}  // namespace errors

std::string quote(const json& value) {
  if (value.is_string()) return json(value.get<std::string>()).dump();
  return value.dump();
}

Cause invalid_value(const std::string& field, const json& value, const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + quote(value) + ": " + detail, field};
}

Cause required(const std::string& field) { return {"FieldValueRequired", "Required value", field}; }

Cause forbidden_field(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", "Forbidden: " + detail, field};
}

Cause not_supported(const std::string& field, const json& value,
                    const std::vector<std::string>& supported) {
  std::string list;
  for (size_t i = 0; i < supported.size(); ++i) {
    if (i) list += ", ";
    list += json(supported[i]).dump();
  }
  return {"FieldValueNotSupported", "Unsupported value: " + quote(value) + ": supported values: " + list, field};
}

}  // namespace kubesim
