// ListerWatcher: the seam between the Reflector and the API server (client-go's
// cache.ListerWatcher). The runtime depends on this small interface, not on kube::Client, so the
// Reflector is tested against an in-test server that drops watches, answers 410 and 5xx, and
// deletes objects while disconnected; kube_adapters.h binds it to kube::Client for production.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/base/result.h"

namespace ferry::cache {

// What the API server (or the network) answered instead of data.
struct ApiError {
  int code = 0;         // HTTP status; 0 when no answer arrived (network failure)
  std::string reason;   // Status.reason: "Expired", "Gone", "TooManyRequests", ...
  std::string message;  // for logs
  // 410 Gone / reason Expired: the requested resourceVersion is too old; the caller must list.
  bool IsGone() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
};

template <class T>
using ApiResult = ferry::Result<T, ApiError>;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" = a consistent (quorum) read of the current state
  int64_t limit = 0;             // page size; 0 = no paging
  std::string continue_token;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // changes after this version
  int64_t timeout_seconds = 0;   // the server ends the stream after this long (0 = its default)
  bool allow_bookmarks = true;
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  EventType type = EventType::kAdded;
  nlohmann::json object;  // the object; the Status for kError
};

class Watcher {
 public:
  virtual ~Watcher() = default;
  // Blocks for the next event. nullopt: the server ended the stream normally (timeout); an error:
  // the connection broke or the watch was cancelled.
  virtual ApiResult<std::optional<WatchEvent>> Next() = 0;
  // Makes a blocked Next() return promptly; callable from any thread.
  virtual void Cancel() = 0;
};

class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  // One page of a list: a List object with items, metadata.resourceVersion and
  // metadata.continue (set when more pages remain).
  virtual ApiResult<nlohmann::json> List(const ListOptions& options) = 0;
  virtual ApiResult<std::unique_ptr<Watcher>> Watch(const WatchOptions& options) = 0;
};

}  // namespace ferry::cache
