// kube::Error: every failure of a Kubernetes API call, typed the way client-go's apierrors are.
//
// A non-2xx answer becomes Kind::kApi with `code` (the HTTP status), `reason` (the Status
// reason, e.g. "NotFound"), `message`, `details` and `retry_after`, decoded from the server's
// Status body; a non-Status body (the apiserver's plain-text "404 page not found") keeps the
// code and derives the reason from it, as client-go does. Failures that never produced an HTTP
// answer are kNetwork (connect/TLS/reset), kTimeout (the request timeout elapsed) or kCancelled.
// kDecode: the server answered 2xx with a body that is not the expected JSON. kConfig: the
// client's configuration (kubeconfig, exec plugin, certificates) is unusable.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/base/result.h"

namespace ferry::kube {

struct Error {
  enum class Kind { kApi, kNetwork, kTimeout, kCancelled, kDecode, kConfig };

  Kind kind = Kind::kApi;
  int code = 0;            // HTTP status for kApi, 0 otherwise
  std::string reason;      // Status.reason ("NotFound", "Conflict", "Expired", ...)
  std::string message;     // Status.message, or a description naming what failed and the fix
  nlohmann::json details;  // Status.details (name, group, kind, uid, causes), null if absent
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or details.retryAfterSeconds

  // One line for logs and reports: "NotFound (404): releases.ferry.dev \"x\" not found".
  std::string ToString() const;

  static Error Network(std::string message);
  static Error Timeout(std::string message);
  static Error Cancelled(std::string message = "request cancelled");
  static Error Decode(std::string message);
  static Error Config(std::string message);
};

// Reason set on a kNetwork error when the server's TLS certificate was refused (unknown
// authority, expired, wrong host name): a configuration problem, never retried.
inline constexpr std::string_view kReasonCertificateInvalid = "CertificateInvalid";

template <class T>
using Result = ferry::Result<T, Error>;
using Status = ferry::Result<void, Error>;

// Builds an Error from a `Status` object (a response body or the object of a watch ERROR
// event). `http_code` is used when the Status has no `code`.
Error ErrorFromStatus(const nlohmann::json& status, int http_code = 0);

// Builds an Error from a complete non-2xx HTTP answer. `retry_after_header` is the raw value
// of the Retry-After header ("" if absent); only delta-seconds are understood.
Error ErrorFromResponse(int http_code, std::string_view body, std::string_view retry_after_header);

// The reason the apiserver uses for a bare HTTP status (client-go's reasonForError), used
// when a body carries no Status: 404 -> "NotFound", 409 -> "Conflict", 500 -> "InternalError".
std::string ReasonForCode(int http_code);

// Predicates, matching client-go's apierrors.IsXxx (reason first, code as a fallback).
bool IsNotFound(const Error& e);
bool IsAlreadyExists(const Error& e);
bool IsConflict(const Error& e);
bool IsInvalid(const Error& e);
bool IsGone(const Error& e);  // 410 Gone or reason Expired: relist (watch or continue expired)
bool IsTooManyRequests(const Error& e);
bool IsUnauthorized(const Error& e);
bool IsForbidden(const Error& e);
bool IsServerError(const Error& e);  // any 5xx (InternalError, ServiceUnavailable, Timeout 504)
bool IsTimeout(const Error& e);      // client timeout, or the server's 504 / reason Timeout
bool IsNetwork(const Error& e);      // kNetwork: no HTTP answer at all
bool IsCancelled(const Error& e);

}  // namespace ferry::kube
