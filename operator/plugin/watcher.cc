#include "operator/plugin/watcher.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace ferry::plugin {
namespace {

// Cancels the current watch stream when the deadline passes (Next() blocks on the socket).
class Watchdog {
 public:
  Watchdog(Clock& clock, std::chrono::seconds timeout) : clock_(clock) {
    if (timeout.count() == 0) return;
    deadline_ = clock.Now() + timeout;
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      if (!clock_.WaitUntil(cv_, lock, deadline_, [this] { return stop_; })) {
        expired_ = true;
        if (stream_) stream_->Cancel();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void Arm(kube::WatchStream* s) {
    std::lock_guard g(mu_);
    stream_ = s;
    if (expired_ && s) s->Cancel();
  }
  bool expired() {
    std::lock_guard g(mu_);
    return expired_;
  }

 private:
  Clock& clock_;
  Clock::TimePoint deadline_{};
  std::mutex mu_;
  std::condition_variable cv_;
  kube::WatchStream* stream_ = nullptr;
  bool stop_ = false, expired_ = false;
  std::thread thread_;
};

std::string ResourceVersion(const nlohmann::json& obj) {
  auto p = nlohmann::json::json_pointer("/metadata/resourceVersion");
  return obj.contains(p) && obj.at(p).is_string() ? obj.at(p).get<std::string>() : "";
}

enum class StreamEnd { kRewatch, kRelist, kDone };

}  // namespace

WaitResult WaitFor(Cluster& cluster, const Target& target, const Decide& decide,
                   std::chrono::seconds timeout, Clock& clock) {
  if (auto code = decide(target.object)) return {*code, ""};
  Watchdog dog(clock, timeout);
  std::string rv = ResourceVersion(target.object);
  const WaitResult timed_out{kExitTimeout, "timed out after " + std::to_string(timeout.count()) +
                                               "s waiting for " + target.Display()};
  std::optional<WaitResult> result;
  while (!result) {
    if (dog.expired()) return timed_out;
    kube::WatchOptions opts;
    opts.resource_version = rv;
    opts.field_selector = "metadata.name=" + target.name;
    opts.timeout_seconds = kWatchTimeoutSeconds;
    auto stream = cluster.client().Watch(RefFor(target.kind), target.ns, opts);
    StreamEnd end = StreamEnd::kRewatch;
    if (!stream.ok()) {
      if (kube::IsNetwork(stream.error()) || kube::IsServerError(stream.error()) ||
          kube::IsTooManyRequests(stream.error())) {
        clock.Sleep(kWatchRetryDelay);
        continue;
      }
      if (!kube::IsGone(stream.error())) {
        return {kExitError, DescribeError(stream.error(), target.Display(), target.ns,
                                          cluster.client().config().server)};
      }
      end = StreamEnd::kRelist;
    } else {
      dog.Arm(stream.value().get());
    }
    while (!result && stream.ok() && end == StreamEnd::kRewatch) {
      auto next = stream.value()->Next();
      if (!next.ok()) {
        if (dog.expired()) return timed_out;
        clock.Sleep(kWatchRetryDelay);
        end = StreamEnd::kRelist;
        break;
      }
      if (!next.value()) break;  // server ended the stream: re-watch from rv
      const kube::WatchEvent& ev = *next.value();
      using T = kube::WatchEvent::Type;
      if (ev.type == T::kError) {
        end = StreamEnd::kRelist;
      } else if (ev.type == T::kDeleted) {
        result = WaitResult{kExitError, target.Display() + " was deleted while waiting"};
      } else {
        rv = ResourceVersion(ev.object);
        if (ev.type == T::kBookmark) continue;
        if (ev.object.value(nlohmann::json::json_pointer("/metadata/name"), "") != target.name) continue;
        if (auto code = decide(ev.object)) result = WaitResult{*code, ""};
      }
    }
    dog.Arm(nullptr);
    if (!result && end == StreamEnd::kRelist) {
      auto obj = cluster.Get(target);
      if (!obj.ok()) return {kExitError, obj.error().message};
      rv = ResourceVersion(obj.value());
      if (auto code = decide(obj.value())) result = WaitResult{*code, ""};
    }
  }
  return *result;
}

}  // namespace ferry::plugin
