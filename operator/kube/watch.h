// Watch: a stream of changes to one resource (GET ...?watch=true), decoded event by event.
//
// Client::Watch (client.h) opens the stream; WatchStream::Next() blocks until the next line
// arrives and returns it decoded, so each event is handed over as soon as the server sends it.
// Memory is bounded by the largest event (LineDecoder). The server ends the stream at
// timeoutSeconds; callers (the Reflector) re-watch from the last resourceVersion they saw.
//
// An ERROR event is returned as an event (type kError, object = the Status); EventError()
// turns it into a kube::Error, e.g. 410 Expired "too old resource version" -> IsGone: relist.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/kube/errors.h"
#include "operator/kube/line_decoder.h"

namespace ferry::kube {

namespace http {
class BodyStream;
}

struct WatchOptions {
  std::string resource_version;  // "" = current state first (ADDED for each object), then changes
  bool allow_bookmarks = true;   // allowWatchBookmarks=true
  std::optional<int64_t> timeout_seconds;  // server-side end of the stream
  std::string label_selector;
  std::string field_selector;
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  nlohmann::json object;
};

std::string_view ToString(WatchEvent::Type t);

// Decodes one line of a watch stream: {"type": "...", "object": {...}}.
Result<WatchEvent> ParseWatchEvent(std::string_view line);

// For a kError event: the Status it carries as an Error (IsGone for 410 Expired).
Error EventError(const WatchEvent& event);

class WatchStream {
 public:
  // Takes ownership of an open 200 response body.
  explicit WatchStream(std::unique_ptr<http::BodyStream> body);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The next event (blocking); nullopt when the server closed the stream normally; an Error
  // on a broken connection, an undecodable line, or kCancelled after Cancel(). Call from one
  // thread at a time.
  Result<std::optional<WatchEvent>> Next();

  // Ends the stream from any thread: a blocked Next() returns kCancelled within a second
  // (at once in practice), and so do later calls.
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

  // Events decoded so far (for tests and metrics).
  uint64_t events() const { return events_; }

 private:
  std::unique_ptr<http::BodyStream> body_;
  LineDecoder decoder_;
  std::string read_buf_;
  std::atomic<bool> cancelled_{false};
  bool ended_ = false;
  uint64_t events_ = 0;
};

}  // namespace ferry::kube
