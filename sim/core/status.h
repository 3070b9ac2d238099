// API errors and the metav1.Status bodies the real kube-apiserver answers with.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "sim/core/resources.h"

namespace kubesim {

/// One field violation of a 422 Invalid answer.
struct Cause {
  std::string reason;   ///< FieldValueInvalid, FieldValueRequired, ...
  std::string message;  ///< "Invalid value: 10: ..."
  std::string field;    ///< "spec.replicas"
};

/// An error the API answers with; `details` is null when the Status has none.
struct ApiError {
  int code = 500;
  std::string reason;
  std::string message;
  json details;
  json metadata = json::object();
  std::vector<std::pair<std::string, std::string>> headers;

  json to_status() const;
};

/// Generic Status for a successful delete.
json success_status(const std::string& name, const std::string& group, const std::string& kind,
                    const std::string& uid);

namespace errors {
ApiError not_found(const ResourceInfo& r, const std::string& name);
ApiError not_found_namespace(const std::string& ns);
ApiError already_exists(const ResourceInfo& r, const std::string& name);
/// Stale resourceVersion on update.
ApiError conflict(const ResourceInfo& r, const std::string& name);
/// Generic 409 "Operation cannot be fulfilled on <Kind.group> "<name>": <detail>".
ApiError conflict_kind(const ResourceInfo& r, const std::string& name, const std::string& detail);
ApiError bad_request(const std::string& message);
/// 422 with causes; `kind` names the kind in the message ("Release.ferry.dev").
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<Cause>& causes);
ApiError invalid_resource(const ResourceInfo& r, const std::string& name,
                          const std::vector<Cause>& causes);
ApiError forbidden(const std::string& message, json details);
ApiError method_not_supported(const ResourceInfo& r, const std::string& verb);
ApiError unsupported_media_type(const std::string& accepted);
ApiError not_acceptable();
ApiError internal(const std::string& message);
ApiError expired(const std::string& message);
ApiError too_many_requests(int retry_after_seconds);
ApiError unauthorized();
}  // namespace errors

/// Field-level cause builders (messages as Kubernetes validation writes them).
std::string quote(const json& value);
Cause invalid_value(const std::string& field, const json& value, const std::string& detail);
Cause required(const std::string& field);
Cause forbidden_field(const std::string& field, const std::string& detail);
Cause not_supported(const std::string& field, const json& value,
                    const std::vector<std::string>& supported);

}  // namespace kubesim
