#include "operator/kube/errors.h"

#include <charconv>

#include "operator/base/json.h"

namespace ferry::kube {
namespace {

Error Make(Error::Kind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

std::string_view KindName(Error::Kind k) {
  switch (k) {
    case Error::Kind::kApi: return "api";
    case Error::Kind::kNetwork: return "network";
    case Error::Kind::kTimeout: return "timeout";
    case Error::Kind::kCancelled: return "cancelled";
    case Error::Kind::kDecode: return "decode";
    case Error::Kind::kConfig: return "config";
  }
  return "unknown";
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  long long secs = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || secs < 0) return std::nullopt;
  return std::chrono::seconds(secs);
}

bool Is(const Error& e, std::string_view reason, int code) {
  if (e.kind != Error::Kind::kApi) return false;
  if (e.reason == reason) return true;
  // No reason the client knows: classify by the HTTP status, as client-go does.
  return e.reason.empty() && e.code == code;
}

}  // namespace

std::string Error::ToString() const {
  std::string out;
  if (kind == Kind::kApi) {
    out = (reason.empty() ? std::string("Error") : reason) + " (" + std::to_string(code) + ")";
  } else {
    out = std::string(KindName(kind)) + " error";
  }
  if (!message.empty()) out += ": " + message;
  return out;
}

Error Error::Network(std::string message) { return Make(Kind::kNetwork, std::move(message)); }
Error Error::Timeout(std::string message) { return Make(Kind::kTimeout, std::move(message)); }
Error Error::Cancelled(std::string message) { return Make(Kind::kCancelled, std::move(message)); }
Error Error::Decode(std::string message) { return Make(Kind::kDecode, std::move(message)); }
Error Error::Config(std::string message) { return Make(Kind::kConfig, std::move(message)); }

std::string ReasonForCode(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "";
  }
}

Error ErrorFromStatus(const nlohmann::json& status, int http_code) {
  Error e;
  e.kind = Error::Kind::kApi;
  e.code = http_code;
  if (!status.is_object()) {
    e.reason = ReasonForCode(http_code);
    return e;
  }
  if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    e.code = it->get<int>();
  }
  if (auto it = status.find("reason"); it != status.end() && it->is_string()) {
    e.reason = it->get<std::string>();
  }
  if (auto it = status.find("message"); it != status.end() && it->is_string()) {
    e.message = it->get<std::string>();
  }
  if (auto it = status.find("details"); it != status.end() && it->is_object()) {
    e.details = *it;
    if (auto ra = it->find("retryAfterSeconds"); ra != it->end() && ra->is_number_integer()) {
      e.retry_after = std::chrono::seconds(ra->get<long long>());
    }
  }
  if (e.reason.empty()) e.reason = ReasonForCode(e.code);
  return e;
}

Error ErrorFromResponse(int http_code, std::string_view body, std::string_view retry_after) {
  auto doc = ParseJson(body);
  const nlohmann::json parsed = doc ? std::move(doc).value() : nlohmann::json();
  Error e;
  if (StringField(parsed, "kind") == "Status") {
    e = ErrorFromStatus(parsed, http_code);
    // The HTTP status is authoritative for classification (client-go does the same when the
    // Status's code is 0).
    if (e.code == 0) e.code = http_code;
  } else {
    e.kind = Error::Kind::kApi;
    e.code = http_code;
    e.reason = ReasonForCode(http_code);
    std::string text = Utf8Excerpt(body, 512);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    e.message = text.empty() ? "the server responded with HTTP " + std::to_string(http_code)
                             : "the server responded with HTTP " + std::to_string(http_code) +
                                   ": " + text;
  }
  if (auto ra = ParseRetryAfter(retry_after)) e.retry_after = ra;
  return e;
}

bool IsNotFound(const Error& e) { return Is(e, "NotFound", 404); }
bool IsAlreadyExists(const Error& e) { return e.kind == Error::Kind::kApi && e.reason == "AlreadyExists"; }
bool IsConflict(const Error& e) { return Is(e, "Conflict", 409); }
bool IsInvalid(const Error& e) { return Is(e, "Invalid", 422); }
bool IsGone(const Error& e) {
  return e.kind == Error::Kind::kApi && (e.code == 410 || e.reason == "Expired" || e.reason == "Gone");
}
bool IsTooManyRequests(const Error& e) { return Is(e, "TooManyRequests", 429); }
bool IsUnauthorized(const Error& e) { return Is(e, "Unauthorized", 401); }
bool IsForbidden(const Error& e) { return Is(e, "Forbidden", 403); }
bool IsServerError(const Error& e) { return e.kind == Error::Kind::kApi && e.code >= 500 && e.code <= 599; }
bool IsTimeout(const Error& e) {
  return e.kind == Error::Kind::kTimeout ||
         (e.kind == Error::Kind::kApi && (e.code == 504 || e.reason == "Timeout"));
}
bool IsNetwork(const Error& e) { return e.kind == Error::Kind::kNetwork; }
bool IsCancelled(const Error& e) { return e.kind == Error::Kind::kCancelled; }

}  // namespace ferry::kube
