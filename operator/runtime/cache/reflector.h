// Reflector: keeps a store equal to the API server's truth for one resource (client-go's
// tools/cache Reflector, without the DeltaFIFO: Ferry's handlers only need keys).
//
//   1. List, paged (kDefaultPageSize per page), as a consistent read; the store is Replaced with
//      the result, which makes the store report adds, updates and deletes against what it held:
//      objects deleted while the reflector was disconnected are delivered as deletes here.
//   2. Watch from the list's resourceVersion with bookmarks and a random timeout in [5, 10) min,
//      recording the resourceVersion of every event and bookmark.
//   3. The stream ends (server timeout) -> watch again from the last resourceVersion, at once.
//      The connection breaks, the watch is refused (5xx, 429, network) or an ERROR event that is
//      not 410 arrives -> back off, then watch again from the last resourceVersion (no relist).
//      410 Gone (HTTP status or ERROR event: the version was compacted) -> list again (step 1).
//      A failed list -> back off, then list again. An expired continue token -> one full list.
//   Backoff: backoff.h (800 ms -> 30 s with jitter, reset after 2 min without failure).
//
// Every object goes through `transform` (default StripForCache) before reaching the store, and is
// then immutable: the store holds shared_ptr<const json>.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/runtime/cache/backoff.h"
#include "operator/runtime/cache/indexer.h"
#include "operator/runtime/cache/list_watch.h"
#include "operator/runtime/cache/transform.h"

namespace ferry::cache {

inline constexpr int64_t kDefaultPageSize = 500;
// A watch that ends sooner than this without delivering an event counts as a failure (backoff),
// so a server that closes every watch at once is not hammered.
inline constexpr Clock::Duration kMinHealthyWatch = std::chrono::seconds(1);

// Receives what the reflector learns. Called from the reflector's thread only.
class ReflectorStore {
 public:
  virtual ~ReflectorStore() = default;
  // The complete state as of `resource_version`, packed (indexer.h) page by page as it was
  // listed, so a large list never exists as JSON trees all at once.
  virtual void Replace(std::vector<PackedObject> objects, const std::string& resource_version) = 0;
  // One change: kAdded, kModified or kDeleted.
  virtual void Apply(EventType type, ObjectPtr object) = 0;
};

struct ReflectorOptions {
  std::string label_selector;  // e.g. the --instance-id shard selector
  std::string field_selector;
  int64_t page_size = kDefaultPageSize;
  TransformFunc transform = StripForCache;
  BackoffOptions backoff;
  RandomSource random = DefaultRandomSource();
};

class Reflector {
 public:
  Reflector(std::string name, ListerWatcher& lw, ReflectorStore& store, Clock& clock,
            ReflectorOptions options = {});

  // Lists and watches until Stop(). Blocks the calling thread.
  void Run();
  // Ends Run() promptly: cancels the open watch and any backoff wait. Callable from any thread.
  void Stop();

  // The resourceVersion of the last list, event or bookmark seen.
  std::string LastSyncResourceVersion() const;

 private:
  enum class WatchOutcome { kContinue, kEnded, kFailed, kGone, kStopped };

  ApiResult<std::string> ListAndReplace();
  // Lists every page into `out` (transformed and packed); returns the list's resourceVersion.
  ApiResult<std::string> ListAllPages(int64_t page_size, std::vector<PackedObject>& out);
  // Watches until the stream ends; `events` counts what it delivered.
  WatchOutcome WatchOnce(int& events);
  WatchOutcome HandleEvent(WatchEvent& event);
  ObjectPtr Prepare(nlohmann::json object);
  // Waits the next backoff delay; false if stopped meanwhile.
  bool BackoffWait();
  void SetLastResourceVersion(const std::string& rv);

  const std::string name_;
  ListerWatcher& lw_;
  ReflectorStore& store_;
  Clock& clock_;
  ReflectorOptions options_;
  Backoff backoff_;
  log::Logger log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  Watcher* watcher_ = nullptr;  // the open watch, for Stop()
  std::string last_rv_;
};

}  // namespace ferry::cache
