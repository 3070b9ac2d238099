// The object store: every object of every resource in memory, one global resourceVersion, a
// bounded event history for watch resumption, and the watcher fan-out.
//
// All writes go through `mutate`, which runs a caller's decision function under the store lock,
// so a read-modify-write (optimistic concurrency checks, finalizer rules) is atomic.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace kubesim {

using json = nlohmann::json;
using ObjectPtr = std::shared_ptr<const json>;

/// Default number of events retained for watch resumption.
inline constexpr size_t kDefaultHistory = 10000;
/// A watcher that falls this many events behind is closed (as a slow client would be).
inline constexpr size_t kMaxWatcherBacklog = 100000;

struct ObjectRef {
  std::string storage, ns, name;
  bool operator<(const ObjectRef& o) const {
    return std::tie(storage, ns, name) < std::tie(o.storage, o.ns, o.name);
  }
};

struct StoreEvent {
  int64_t rv = 0;
  std::string type;  ///< ADDED, MODIFIED, DELETED
  ObjectRef ref;
  ObjectPtr object;    ///< the new state; for DELETED the last state carrying the new rv
  ObjectPtr previous;  ///< the state before, null for ADDED
};
using EventPtr = std::shared_ptr<const StoreEvent>;

/// One watch subscription; the store pushes, one consumer thread pops.
class Watcher {
 public:
  explicit Watcher(std::string storage) : storage_(std::move(storage)) {}
  const std::string& storage() const { return storage_; }
  void push(EventPtr e);
  /// Waits until events arrive, the watcher closes, or `until`; moves pending events to `out`.
  /// Returns false once closed and drained.
  bool wait(std::vector<EventPtr>& out, std::chrono::steady_clock::time_point until);
  void close();
  bool closed();

 private:
  std::string storage_;  ///< "" watches every resource
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<EventPtr> queue_;
  bool closed_ = false;
};
using WatcherPtr = std::shared_ptr<Watcher>;

/// What a mutation decided.
struct Mutation {
  enum class Action { kNone, kPut, kDelete } action = Action::kNone;
  json object;  ///< kPut: the new object (its resourceVersion is assigned by the store)
};

class Store {
 public:
  explicit Store(size_t history_capacity = kDefaultHistory);

  int64_t current_rv() const;
  ObjectPtr get(const std::string& storage, const std::string& ns, const std::string& name) const;
  /// Objects of one resource; `ns` empty = all namespaces; ordered by namespace/name.
  /// Only keys strictly after `start_after` ("ns/name" or "name") are returned.
  std::vector<ObjectPtr> list(const std::string& storage, const std::string& ns,
                              const std::string& start_after = "") const;
  /// Where the object with `uid` lives.
  std::optional<ObjectRef> find_uid(const std::string& uid) const;
  /// Objects whose ownerReferences name `owner_uid`.
  std::vector<ObjectRef> dependents(const std::string& owner_uid) const;
  /// Every storage key holding objects in namespace `ns`.
  std::vector<ObjectRef> objects_in_namespace(const std::string& ns) const;
  size_t size() const;

  /// Runs `decide(current)` under the lock and applies its result. A put that equals the
  /// current object (ignoring resourceVersion) is a no-op. Returns the stored state (the new
  /// object, or for a delete the final state), or the decision's own error via the callback.
  using Decide = std::function<Mutation(const ObjectPtr& current)>;
  ObjectPtr mutate(const ObjectRef& ref, const Decide& decide);

  /// Registers a watcher and, atomically with it, collects the history events after `from_rv`
  /// (when `from_rv` > 0) or the current objects as ADDED events (when `from_rv` == 0).
  /// Returns null and sets `too_old_floor` when `from_rv` is older than the retained history.
  WatcherPtr watch(const std::string& storage, int64_t from_rv, std::vector<EventPtr>* initial,
                   int64_t* too_old_floor);
  void unwatch(const WatcherPtr& w);
  /// Closes every watcher (fault injection: "drop all watches").
  void close_all_watchers();
  size_t watcher_count() const;

  /// Oldest resourceVersion a watch can resume from (exclusive floor).
  int64_t history_floor() const;
  /// Forgets all history (watches from any past rv get 410) and marks revisions up to now as
  /// compacted (continue tokens from before get 410).
  void compact();
  int64_t compacted_rv() const;
  void set_history_capacity(size_t n);

  /// Whole state as JSON (objects + resourceVersion), for --state-file.
  json snapshot() const;
  /// Replaces the state with a snapshot (history is cleared).
  void restore(const json& snapshot);

 private:
  void index_put(const ObjectRef& ref, const ObjectPtr& obj, const ObjectPtr& old);
  void index_remove(const ObjectRef& ref, const ObjectPtr& old);
  void publish(EventPtr e);

  mutable std::mutex mu_;
  int64_t rv_ = 1;
  size_t capacity_;
  int64_t floor_ = 1;
  int64_t compacted_ = 0;
  using NameMap = std::map<std::string, ObjectPtr>;
  std::unordered_map<std::string, std::map<std::string, NameMap>> objects_;
  std::unordered_map<std::string, ObjectRef> by_uid_;
  std::unordered_map<std::string, std::set<ObjectRef>> by_owner_;
  std::deque<EventPtr> history_;
  std::unordered_map<std::string, std::vector<WatcherPtr>> watchers_;
  size_t count_ = 0;
};

}  // namespace kubesim
