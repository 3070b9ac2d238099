#include "operator/runtime/events/event_recorder.h"

#include <cstdio>
#include <ctime>

#include "operator/base/json.h"

namespace ferry::events {

nlohmann::json ObjectReference(const nlohmann::json& object) {
  nlohmann::json ref = nlohmann::json::object();
  if (!object.is_object()) return ref;
  ref["apiVersion"] = object.value("apiVersion", "");
  ref["kind"] = object.value("kind", "");
  const auto& meta = object.value("metadata", nlohmann::json::object());
  for (const char* f : {"namespace", "name", "uid", "resourceVersion"}) {
    if (meta.contains(f) && meta[f].is_string()) ref[f] = meta[f];
  }
  return ref;
}

std::string FormatTimestamp(Clock::WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::string EventName(std::string_view object_name, Clock::WallTime t) {
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  return std::string(object_name) + "." + hex;
}

nlohmann::json BuildEvent(const nlohmann::json& ref, std::string_view type,
                          std::string_view reason, std::string_view message,
                          const RecorderOptions& options, Clock::WallTime now) {
  std::string msg(message);
  if (msg.size() > kMaxMessageLength) msg = Utf8Excerpt(msg, kMaxMessageLength - 3);
  std::string ns = ref.value("namespace", "default");
  std::string ts = FormatTimestamp(now);
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", EventName(ref.value("name", "unknown"), now)}, {"namespace", ns}}},
      {"involvedObject", ref},
      {"reason", reason},
      {"message", msg},
      {"type", type},
      {"source", {{"component", options.component}}},
      {"firstTimestamp", ts},
      {"lastTimestamp", ts},
      {"count", 1},
      {"reportingComponent", options.component},
      {"reportingInstance", options.instance}};
  return event;
}

EventRecorder::EventRecorder(EventSink& sink, Clock& clock, RecorderOptions options)
    : sink_(sink),
      clock_(clock),
      options_(std::move(options)),
      log_("events"),
      thread_([this] { Loop(); }) {}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Event(const nlohmann::json& object, std::string_view type,
                          std::string_view reason, std::string_view message) {
  Pending p{ObjectReference(object), std::string(type), std::string(reason), std::string(message),
            clock_.WallNow()};
  std::lock_guard g(mu_);
  if (stopped_) return;
  if (queue_.size() >= options_.queue_length) {
    ++dropped_;
    log_.Warn("event queue full; dropping event", {{"reason", p.reason}});
    return;
  }
  queue_.push_back(std::move(p));
  cv_.notify_all();
}

void EventRecorder::Flush() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void EventRecorder::Stop() {
  {
    std::lock_guard g(mu_);
    if (stopped_ && !thread_.joinable()) return;
    stopped_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t EventRecorder::dropped() const {
  std::lock_guard g(mu_);
  return dropped_;
}

void EventRecorder::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopped and drained
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Write(p);
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
  idle_.notify_all();
}

bool EventRecorder::AllowSpam(const std::string& object_key) {
  auto now = clock_.Now();
  double burst = options_.spam_burst;
  double per_second = 1.0 / std::chrono::duration<double>(options_.spam_refill_interval).count();
  if (buckets_.size() >= options_.cache_size && buckets_.count(object_key) == 0) buckets_.clear();
  auto [it, inserted] = buckets_.try_emplace(object_key, Bucket{burst, now});
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst, b.tokens + elapsed * per_second);
  b.last = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

EventRecorder::Aggregate* EventRecorder::FindAggregate(const std::string& key) {
  auto it = aggregates_.find(key);
  if (it == aggregates_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
  return &*it->second;
}

void EventRecorder::RememberAggregate(Aggregate a) {
  if (auto it = aggregates_.find(a.key); it != aggregates_.end()) {
    lru_.erase(it->second);
    aggregates_.erase(it);
  }
  if (lru_.size() >= options_.cache_size) {
    aggregates_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(std::move(a));
  aggregates_[lru_.front().key] = lru_.begin();
}

void EventRecorder::Write(const Pending& p) {
  const auto& ref = p.reference;
  std::string object_key = ref.value("kind", "") + "/" + ref.value("namespace", "") + "/" +
                           ref.value("name", "") + "/" + ref.value("uid", "");
  if (!AllowSpam(object_key)) {
    log_.Debug("event rate-limited", {{"object", object_key}, {"reason", p.reason}});
    return;
  }
  std::string key = object_key + "\x1f" + p.type + "\x1f" + p.reason + "\x1f" + p.message;
  if (Aggregate* a = FindAggregate(key)) {
    nlohmann::json patch = {{"count", a->count + 1}, {"lastTimestamp", FormatTimestamp(p.when)}};
    auto patched = sink_.Patch(a->ns, a->name, patch);
    if (patched) {
      a->count++;
      return;
    }
    if (patched.error().code != 404) {
      log_.Warn("could not update event", {{"event", a->name}, {"error", patched.error().message}});
      return;
    }
  }
  nlohmann::json event = BuildEvent(ref, p.type, p.reason, p.message, options_, p.when);
  std::string ns = event["metadata"]["namespace"];
  auto created = sink_.Create(ns, event);
  if (!created) {
    log_.Warn("could not write event", {{"reason", p.reason}, {"error", created.error().message}});
    return;
  }
  RememberAggregate(Aggregate{key, event["metadata"]["name"], ns, 1});
}

}  // namespace ferry::events
