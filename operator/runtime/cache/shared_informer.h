// SharedInformer: a Reflector feeding an Indexer, plus event handlers (client-go's
// SharedIndexInformer, minus the DeltaFIFO). One informer per resource is shared by every
// controller that reads it: one list/watch, one cache.
//
// Handlers run on the informer's thread, after the cache has been updated, so a handler that
// reads the cache sees at least the state it is told about. They must be quick and must not
// block (a controller's handlers only compute keys and add them to a work queue).
//   on_add     a new object (from a list or a watch)
//   on_update  a changed object (resourceVersion differs), and every object at each resync
//              (old == new then)
//   on_delete  a deleted object: the final state from the watch, or the last cached state when
//              the deletion was only discovered by a relist (it happened while disconnected)
// A handler added after the informer has synced first receives on_add for every cached object.
#pragma once

#include <functional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "operator/runtime/cache/reflector.h"

namespace ferry::cache {

struct EventHandler {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
};

struct InformerOptions {
  ReflectorOptions reflector;
  // 0 = no resync. A resync re-delivers every cached object as an update (no API call).
  Clock::Duration resync_period = Clock::Duration::zero();
  Indexers indexers;  // beyond the namespace index
};

class SharedInformer final : private ReflectorStore {
 public:
  SharedInformer(std::string name, ListerWatcher& lw, Clock& clock, InformerOptions options = {});
  ~SharedInformer() override;
  SharedInformer(const SharedInformer&) = delete;
  SharedInformer& operator=(const SharedInformer&) = delete;

  void AddEventHandler(EventHandler handler);
  // Starts the reflector (and the resync timer) on background threads. Idempotent.
  void Start();
  void Stop();

  // True once the first list has been stored.
  bool HasSynced() const;
  // Blocks until synced or `deadline` (on the informer's clock) passes; returns HasSynced().
  bool WaitForCacheSync(Clock::TimePoint deadline);

  const Indexer& indexer() const { return indexer_; }
  Status AddIndexers(const Indexers& indexers) { return indexer_.AddIndexers(indexers); }
  const std::string& name() const { return name_; }
  std::string LastSyncResourceVersion() const { return reflector_.LastSyncResourceVersion(); }

 private:
  void Replace(std::vector<PackedObject> objects, const std::string& resource_version) override;
  void Apply(EventType type, ObjectPtr object) override;
  void ResyncLoop();
  void Resync();

  const std::string name_;
  Clock& clock_;
  const InformerOptions options_;
  Indexer indexer_;
  Reflector reflector_;

  std::mutex dispatch_mu_;  // serializes cache writes + handler calls (reflector, resync, Add)
  std::vector<EventHandler> handlers_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool synced_ = false;
  bool started_ = false;
  bool stopped_ = false;
  std::thread reflector_thread_;
  std::thread resync_thread_;
};

}  // namespace ferry::cache
