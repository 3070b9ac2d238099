#include "operator/controllers/release/recent_writes.h"

#include <charconv>
#include <optional>

#include "operator/runtime/cache/transform.h"

namespace ferry::release {
namespace {

std::optional<uint64_t> Version(const cache::Object& obj) {
  const auto& meta = obj.value("metadata", cache::Object::object());
  std::string rv = meta.value("resourceVersion", "");
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), v);
  if (ec != std::errc() || end != rv.data() + rv.size() || rv.empty()) return std::nullopt;
  return v;
}

// Whether `seen` is at or past the write `mine` (unparseable: yes, the cache wins).
bool CaughtUp(const cache::Object& seen, const cache::Object& mine) {
  auto a = Version(seen);
  auto b = Version(mine);
  return !a || !b || *a >= *b;
}

std::string Uid(const cache::Object& obj) {
  return obj.value("/metadata/uid"_json_pointer, std::string());
}

}  // namespace

void RecentWrites::Remember(const cache::Object& obj) {
  std::string key = cache::MetaNamespaceKey(obj);
  if (key.empty() || !Version(obj)) return;
  auto copy = std::make_shared<cache::Object>(obj);
  cache::StripForCache(*copy);  // what the informer's transform keeps, nothing more
  std::lock_guard g(mu_);
  entries_[key] = {std::move(copy), "", clock_.Now() + ttl_};
}

void RecentWrites::RememberDeleted(const std::string& key, const std::string& uid) {
  std::lock_guard g(mu_);
  if (uid.empty()) {
    entries_.erase(key);
    return;
  }
  entries_[key] = {nullptr, uid, clock_.Now() + ttl_};
}

bool RecentWrites::Superseded(const Entry& entry, const cache::ObjectPtr& seen, bool deleted) {
  if (!entry.object) return !seen || Uid(*seen) != entry.deleted_uid || deleted;
  return seen && CaughtUp(*seen, *entry.object);
}

void RecentWrites::Forget(const std::string& key) {
  std::lock_guard g(mu_);
  entries_.erase(key);
}

cache::ObjectPtr RecentWrites::Fresher(const std::string& key, cache::ObjectPtr cached) {
  std::lock_guard g(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return cached;
  if (clock_.Now() >= it->second.expires || Superseded(it->second, cached, false)) {
    entries_.erase(it);
    return cached;
  }
  return it->second.object;
}

void RecentWrites::Observed(const cache::ObjectPtr& obj, bool deleted) {
  if (!obj) return;
  std::string key = cache::MetaNamespaceKey(*obj);
  std::lock_guard g(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && Superseded(it->second, obj, deleted)) entries_.erase(it);
}

cache::EventHandler RecentWrites::Handler() {
  return {
      [this](const cache::ObjectPtr& obj) { Observed(obj, false); },
      [this](const cache::ObjectPtr&, const cache::ObjectPtr& obj) { Observed(obj, false); },
      [this](const cache::ObjectPtr& obj) { Observed(obj, true); },
  };
}

size_t RecentWrites::size() const {
  std::lock_guard g(mu_);
  return entries_.size();
}

}  // namespace ferry::release
