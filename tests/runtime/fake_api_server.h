// FakeApiServer: an in-test API server for one namespaced resource implementing
// cache::ListerWatcher with the behaviours a Reflector must survive: paged lists, watches that are
// dropped or closed, 410 Gone for compacted resourceVersions (as an HTTP status or as an ERROR
// event), injected 5xx/429 answers, expired continue tokens, and changes made while no watch is
// open. Its objects carry managedFields and a last-applied annotation like real ones.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "operator/runtime/cache/list_watch.h"

namespace ferry::testing {

class FakeApiServer : public cache::ListerWatcher {
 public:
  enum class GoneMode { kHttpStatus, kErrorEvent };

  // Mutations (each bumps the resourceVersion and reaches open watches).
  nlohmann::json Create(const std::string& ns, const std::string& name,
                        nlohmann::json labels = nlohmann::json::object(),
                        nlohmann::json owner_refs = nlohmann::json());
  nlohmann::json Modify(const std::string& ns, const std::string& name, const std::string& value);
  void Delete(const std::string& ns, const std::string& name);

  // Watch control.
  void DropWatches();   // connection reset: Next() returns an error
  void CloseWatches();  // normal end (server timeout): Next() returns nullopt
  void SendBookmark();
  // Forget history up to now: watches from an older resourceVersion get 410.
  void Compact(GoneMode mode);
  void ExpireContinueTokens() { std::lock_guard g(mu_); expire_continue_ = true; }
  // The next List/Watch calls answer these errors instead (FIFO).
  void FailNextLists(std::vector<cache::ApiError> errors);
  void FailNextWatches(std::vector<cache::ApiError> errors);

  // Observations.
  int lists() const { std::lock_guard g(mu_); return lists_; }
  int watches() const { std::lock_guard g(mu_); return watches_; }
  int open_watches() const;
  std::string last_watch_rv() const { std::lock_guard g(mu_); return last_watch_rv_; }
  int64_t last_watch_timeout() const { std::lock_guard g(mu_); return last_watch_timeout_; }
  std::string last_label_selector() const { std::lock_guard g(mu_); return last_selector_; }
  std::string rv() const { std::lock_guard g(mu_); return std::to_string(rv_); }
  // key -> resourceVersion of the server's truth.
  std::map<std::string, std::string> Truth() const;

  cache::ApiResult<nlohmann::json> List(const cache::ListOptions& options) override;
  cache::ApiResult<std::unique_ptr<cache::Watcher>> Watch(
      const cache::WatchOptions& options) override;

  struct Stream;

 private:
  void Publish(cache::EventType type, const nlohmann::json& obj);

  mutable std::mutex mu_;
  int64_t rv_ = 100;
  int64_t compacted_ = 0;
  GoneMode gone_mode_ = GoneMode::kHttpStatus;
  bool expire_continue_ = false;
  std::map<std::string, nlohmann::json> objects_;
  std::vector<std::pair<int64_t, cache::WatchEvent>> history_;
  std::set<std::shared_ptr<Stream>> streams_;
  std::deque<cache::ApiError> list_errors_;
  std::deque<cache::ApiError> watch_errors_;
  int lists_ = 0;
  int watches_ = 0;
  std::string last_watch_rv_;
  int64_t last_watch_timeout_ = 0;
  std::string last_selector_;
};

}  // namespace ferry::testing
