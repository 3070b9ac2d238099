#include "operator/controllers/pipeline/webhook/delivery_cache.h"

#include <cassert>

namespace ferry::pipeline::webhook {

DeliveryCache::DeliveryCache(size_t capacity) : capacity_(capacity) { assert(capacity > 0); }

bool DeliveryCache::Reserve(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);  // a replay keeps it fresh
    return false;
  }
  order_.push_front(id);
  index_[id] = order_.begin();
  if (order_.size() > capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
  }
  return true;
}

void DeliveryCache::Release(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

size_t DeliveryCache::size() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

}  // namespace ferry::pipeline::webhook
