// A benchmark's own watch on one resource in one namespace: a thread that hands every event to a
// callback together with the steady-clock time it was decoded, from the resourceVersion of a list
// taken at Start (so only changes after Start arrive), re-watching from the last version seen
// when the server ends the stream. Header-only. Benchmarks only.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "operator/kube/client.h"
#include "operator/kube/watch.h"

namespace ferry::bench {

class EventWatch {
 public:
  using Callback = std::function<void(kube::WatchEvent::Type, const nlohmann::json& object,
                                      std::chrono::steady_clock::time_point at)>;

  EventWatch(std::unique_ptr<kube::Client> client, kube::ResourceRef ref, std::string ns)
      : client_(std::move(client)), ref_(std::move(ref)), ns_(std::move(ns)) {}
  ~EventWatch() { Stop(); }
  EventWatch(const EventWatch&) = delete;
  EventWatch& operator=(const EventWatch&) = delete;

  // Lists (one object) for the current resourceVersion and starts watching from it.
  bool Start(Callback callback) {
    auto list = client_->List(ref_, ns_, {.limit = 1});
    if (!list) return false;
    rv_ = list->value("/metadata/resourceVersion"_json_pointer, std::string());
    callback_ = std::move(callback);
    thread_ = std::thread([this] { Run(); });
    return true;
  }

  void Stop() {
    stopping_ = true;
    {
      std::lock_guard lock(mu_);
      if (stream_ != nullptr) stream_->Cancel();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    while (!stopping_) {
      kube::WatchOptions opts;
      opts.resource_version = rv_;
      opts.timeout_seconds = 3600;
      auto stream = client_->Watch(ref_, ns_, opts);
      if (!stream) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      {
        std::lock_guard lock(mu_);
        stream_ = stream->get();
        if (stopping_) stream_->Cancel();
      }
      for (;;) {
        auto ev = (*stream)->Next();
        if (!ev || !ev->has_value()) break;
        const auto at = std::chrono::steady_clock::now();
        const kube::WatchEvent& e = **ev;
        if (e.type == kube::WatchEvent::Type::kError) break;
        rv_ = e.object.value("/metadata/resourceVersion"_json_pointer, rv_);
        if (e.type != kube::WatchEvent::Type::kBookmark) callback_(e.type, e.object, at);
      }
      std::lock_guard lock(mu_);
      stream_ = nullptr;
    }
  }

  std::unique_ptr<kube::Client> client_;
  kube::ResourceRef ref_;
  std::string ns_;
  std::string rv_;
  Callback callback_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  kube::WatchStream* stream_ = nullptr;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::bench
