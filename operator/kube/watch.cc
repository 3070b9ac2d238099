#include "operator/kube/watch.h"

#include "operator/base/json.h"
#include "operator/kube/http/transport.h"

namespace ferry::kube {
namespace {

// Bytes read from the connection per Read call.
constexpr std::size_t kReadChunk = 64 * 1024;

std::optional<WatchEvent::Type> ParseType(std::string_view t) {
  if (t == "ADDED") return WatchEvent::Type::kAdded;
  if (t == "MODIFIED") return WatchEvent::Type::kModified;
  if (t == "DELETED") return WatchEvent::Type::kDeleted;
  if (t == "BOOKMARK") return WatchEvent::Type::kBookmark;
  if (t == "ERROR") return WatchEvent::Type::kError;
  return std::nullopt;
}

}  // namespace

std::string_view ToString(WatchEvent::Type t) {
  switch (t) {
    case WatchEvent::Type::kAdded: return "ADDED";
    case WatchEvent::Type::kModified: return "MODIFIED";
    case WatchEvent::Type::kDeleted: return "DELETED";
    case WatchEvent::Type::kBookmark: return "BOOKMARK";
    case WatchEvent::Type::kError: return "ERROR";
  }
  return "UNKNOWN";
}

Result<WatchEvent> ParseWatchEvent(std::string_view line) {
  auto parsed = ParseJson(line);
  if (!parsed || !parsed->is_object()) {
    return Error::Decode("watch event is not a JSON object" +
                         (parsed ? std::string() : " (" + parsed.error().message + ")") + ": " +
                         Utf8Excerpt(line, 200));
  }
  nlohmann::json& doc = *parsed;
  auto type_it = doc.find("type");
  if (type_it == doc.end() || !type_it->is_string()) {
    return Error::Decode("watch event has no \"type\"");
  }
  auto type = ParseType(type_it->get<std::string>());
  if (!type) return Error::Decode("unknown watch event type \"" + type_it->get<std::string>() + "\"");
  auto obj_it = doc.find("object");
  if (obj_it == doc.end() || !obj_it->is_object()) {
    return Error::Decode("watch event " + type_it->get<std::string>() + " has no \"object\"");
  }
  WatchEvent ev;
  ev.type = *type;
  ev.object = std::move(*obj_it);
  return ev;
}

Error EventError(const WatchEvent& event) {
  if (StringField(event.object, "kind") == "Status") {
    return ErrorFromStatus(event.object, 500);
  }
  Error e = ErrorFromStatus(nlohmann::json::object(), 500);
  e.message = "watch ERROR event without a Status: " + Utf8Excerpt(event.object.dump(), 200);
  return e;
}

WatchStream::WatchStream(std::unique_ptr<http::BodyStream> body) : body_(std::move(body)) {}

WatchStream::~WatchStream() {
  if (body_) body_->Cancel();
}

void WatchStream::Cancel() {
  cancelled_.store(true);
  if (body_) body_->Cancel();
}

Result<std::optional<WatchEvent>> WatchStream::Next() {
  if (read_buf_.size() != kReadChunk) read_buf_.resize(kReadChunk);
  while (true) {
    if (cancelled_.load()) return Error::Cancelled("watch cancelled");
    if (auto line = decoder_.Next()) {
      auto ev = ParseWatchEvent(*line);
      if (!ev.ok()) return ev.error();
      ++events_;
      return std::optional<WatchEvent>(std::move(ev).value());
    }
    if (ended_) {
      auto rest = decoder_.Finish();
      if (!rest) return std::optional<WatchEvent>();
      auto ev = ParseWatchEvent(*rest);
      if (!ev.ok()) return ev.error();
      ++events_;
      return std::optional<WatchEvent>(std::move(ev).value());
    }
    auto n = body_->Read(read_buf_.data(), read_buf_.size());
    if (!n.ok()) {
      if (cancelled_.load()) return Error::Cancelled("watch cancelled");
      return n.error();
    }
    if (*n == 0) {
      ended_ = true;
      continue;
    }
    if (!decoder_.Feed(std::string_view(read_buf_.data(), *n))) {
      return Error::Decode("watch event larger than " + std::to_string(kMaxWatchLineBytes) +
                           " bytes");
    }
  }
}

}  // namespace ferry::kube
