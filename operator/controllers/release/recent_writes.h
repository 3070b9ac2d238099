// RecentWrites: the objects this controller wrote, overlaid on an informer cache until the cache
// has caught up (client-go's MutationCache). After a write, the next reconcile may start before
// the watch delivered the write: deciding from the stale cached object would repeat a transition
// (a status from before the write) or see a just-created canary as deleted by hand. Lookups
// return the remembered answer of the write while the cache holds an older resourceVersion (or
// nothing); an informer event at or past it drops the entry, as does the TTL (a safety net for
// writes whose watch event never comes, e.g. the object was deleted meanwhile).
//
// resourceVersions are compared as integers, as client-go's MutationCache does; an entry whose
// versions do not parse is dropped (the cache wins).
//
// A delete is remembered by the uid it removed: while the cache still holds that uid, lookups
// answer null (a DELETE of an object without finalizers returns a Status, not a version). The
// informer's delete event, an object with another uid, or the TTL drop it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "operator/base/clock.h"
#include "operator/runtime/cache/indexer.h"
#include "operator/runtime/cache/shared_informer.h"

namespace ferry::release {

inline constexpr Clock::Duration kRecentWriteTtl = std::chrono::seconds(30);

class RecentWrites {
 public:
  explicit RecentWrites(Clock& clock, Clock::Duration ttl = kRecentWriteTtl)
      : clock_(clock), ttl_(ttl) {}

  // Remembers `obj` (the API server's answer to a write) as the freshest state of its key.
  void Remember(const cache::Object& obj);
  // Remembers that the object `key` with `uid` was deleted.
  void RememberDeleted(const std::string& key, const std::string& uid);
  // Forgets `key` ("namespace/name").
  void Forget(const std::string& key);
  // The fresher of `cached` (the informer's object, may be null) and the remembered write.
  cache::ObjectPtr Fresher(const std::string& key, cache::ObjectPtr cached);
  // Handlers for the informer: entries the cache caught up with are dropped.
  cache::EventHandler Handler();

  size_t size() const;

 private:
  struct Entry {
    cache::ObjectPtr object;  // null for a delete
    std::string deleted_uid;
    Clock::TimePoint expires;
  };
  // Whether `seen` (the cache's object, may be null) makes `entry` obsolete; `deleted` for the
  // informer's delete event.
  static bool Superseded(const Entry& entry, const cache::ObjectPtr& seen, bool deleted);
  void Observed(const cache::ObjectPtr& obj, bool deleted);

  Clock& clock_;
  const Clock::Duration ttl_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace ferry::release
