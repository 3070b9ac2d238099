// Replay protection: the delivery ids of recent accepted webhook deliveries, in a bounded LRU.
// A delivery id is reserved when a delivery is about to trigger a run and released again if the
// trigger could not be recorded, so a sender's retry of a failed delivery is not refused.
// Thread-safe: the HTTP server handles requests on several threads.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ferry::pipeline::webhook {

// Deliveries remembered; GitHub and GitLab redeliver within hours, far below this at any
// plausible push rate.
inline constexpr size_t kDefaultDeliveryCacheSize = 10000;

class DeliveryCache {
 public:
  explicit DeliveryCache(size_t capacity = kDefaultDeliveryCacheSize);

  // True and remembers `id` when it was not seen; false for a replay. The least recently
  // reserved id is forgotten when the cache is full.
  bool Reserve(const std::string& id);
  // Forgets `id` (the delivery failed after Reserve).
  void Release(const std::string& id);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> order_;  // most recent first
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
};

}  // namespace ferry::pipeline::webhook
