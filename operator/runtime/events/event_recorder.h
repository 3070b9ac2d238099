// EventRecorder: core/v1 Events on the objects a controller works on, as `kubectl describe`
// shows them (client-go's record package: broadcaster + correlator, simplified).
//
//  * Asynchronous: Event() only queues (bounded, kDefaultQueueLength; overflow is dropped and
//    logged), one background thread writes, so a slow API server never blocks a reconcile.
//  * Aggregation: an event identical to an earlier one (same object, type, reason, message,
//    component) is not created again; the existing Event's count and lastTimestamp are patched
//    (LRU of kDefaultAggregationCacheSize entries). A patch answered 404 (the Event expired,
//    the API server keeps them ~1 h) creates a fresh one.
//  * Rate limit per involved object: a token bucket of kDefaultSpamBurst events refilled one per
//    kDefaultSpamRefillInterval (client-go's spam filter); excess events are dropped.
// Writes go through the small EventSink interface; kube_adapters.h binds it to kube::Client.
#pragma once

#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/base/result.h"

namespace ferry::events {

inline constexpr const char* kEventTypeNormal = "Normal";
inline constexpr const char* kEventTypeWarning = "Warning";
inline constexpr const char* kDefaultComponent = "ferry-operator";
inline constexpr size_t kDefaultQueueLength = 1000;
inline constexpr size_t kDefaultAggregationCacheSize = 4096;
inline constexpr int kDefaultSpamBurst = 25;
inline constexpr Clock::Duration kDefaultSpamRefillInterval = std::chrono::minutes(5);
// The API server rejects longer messages; longer ones are truncated with "...".
inline constexpr size_t kMaxMessageLength = 1024;

struct SinkError {
  int code = 0;  // HTTP status, 0 without an answer
  std::string message;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual ferry::Result<nlohmann::json, SinkError> Create(const std::string& ns,
                                                          const nlohmann::json& event) = 0;
  // A JSON merge patch of one Event.
  virtual ferry::Result<nlohmann::json, SinkError> Patch(const std::string& ns,
                                                         const std::string& name,
                                                         const nlohmann::json& patch) = 0;
};

struct RecorderOptions {
  std::string component = kDefaultComponent;  // source.component / reportingComponent
  std::string instance;                       // reportingInstance (the pod name)
  size_t queue_length = kDefaultQueueLength;
  size_t cache_size = kDefaultAggregationCacheSize;
  int spam_burst = kDefaultSpamBurst;
  Clock::Duration spam_refill_interval = kDefaultSpamRefillInterval;
};

// Pure builders, exposed for tests.
// The involvedObject reference of `object` (apiVersion, kind, namespace, name, uid,
// resourceVersion).
nlohmann::json ObjectReference(const nlohmann::json& object);
// RFC 3339 UTC with whole seconds: "2026-11-25T07:41:53Z".
std::string FormatTimestamp(Clock::WallTime t);
// "<object name>.<unix nanoseconds in hex>", unique per object and instant, as client-go names.
std::string EventName(std::string_view object_name, Clock::WallTime t);
nlohmann::json BuildEvent(const nlohmann::json& reference, std::string_view type,
                          std::string_view reason, std::string_view message,
                          const RecorderOptions& options, Clock::WallTime now);

class EventRecorder {
 public:
  EventRecorder(EventSink& sink, Clock& clock, RecorderOptions options = {});
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records an event about `object` (a Kubernetes object with metadata). Never blocks on I/O.
  void Event(const nlohmann::json& object, std::string_view type, std::string_view reason,
             std::string_view message);
  // Waits until every queued event has been written (tests, shutdown).
  void Flush();
  // Writes what is queued, then stops the writer.
  void Stop();

  uint64_t dropped() const;

 private:
  struct Pending {
    nlohmann::json reference;
    std::string type, reason, message;
    Clock::WallTime when;
  };
  struct Aggregate {
    std::string key;
    std::string name;
    std::string ns;
    int count = 0;
  };
  struct Bucket {
    double tokens;
    Clock::TimePoint last;
  };

  void Loop();
  void Write(const Pending& p);
  bool AllowSpam(const std::string& object_key);
  Aggregate* FindAggregate(const std::string& key);
  void RememberAggregate(Aggregate a);

  EventSink& sink_;
  Clock& clock_;
  const RecorderOptions options_;
  log::Logger log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stopped_ = false;
  uint64_t dropped_ = 0;
  std::thread thread_;

  // Writer-thread state.
  std::list<Aggregate> lru_;
  std::unordered_map<std::string, std::list<Aggregate>::iterator> aggregates_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ferry::events
