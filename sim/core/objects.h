// ObjectService: the write semantics of the API server for every resource — create, update,
// patch (merge, JSON, strategic, server-side apply), delete with finalizers and propagation
// policies — shared by the HTTP handlers and the simulated controllers.
//
// Every method throws ApiError for anything a client can cause. Writes compute the new object
// outside the store lock and commit it with a compare-and-swap on the resourceVersion read
// (retried on a concurrent change), as the real registry's GuaranteedUpdate does.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "sim/core/resources.h"
#include "sim/core/status.h"
#include "sim/core/store.h"

namespace kubesim {

/// Field manager used by the simulated controllers.
inline constexpr const char* kControllerManager = "kube-controller-manager";

struct WriteOptions {
  std::string manager = kControllerManager;  ///< managedFields manager
  bool dry_run = false;
  bool status = false;  ///< write through the /status subresource
  bool force = false;   ///< server-side apply: take ownership on conflicts
};

struct DeleteOptions {
  std::string propagation;  ///< "", Background, Foreground, Orphan
  std::optional<std::string> uid;
  std::optional<std::string> resource_version;
  bool dry_run = false;
};

struct DeleteResult {
  bool gone = false;  ///< true: object removed; false: it stays (finalizers) and `object` is it
  json object;
};

class ObjectService {
 public:
  ObjectService(Store& store, Registry& registry) : store_(store), registry_(registry) {}

  /// The object as the API version of `r` shows it; throws NotFound.
  json get(const ResourceInfo& r, const std::string& ns, const std::string& name) const;
  /// Stored object converted for `r` (selfLink, apiVersion/kind, events conversion).
  json present(const ResourceInfo& r, const json& stored) const;

  json create(const ResourceInfo& r, const std::string& ns, json obj, const WriteOptions& opts);
  json update(const ResourceInfo& r, const std::string& ns, const std::string& name, json obj,
              const WriteOptions& opts);
  json patch(const ResourceInfo& r, const std::string& ns, const std::string& name,
             const std::string& content_type, const std::string& body, const WriteOptions& opts);
  /// Server-side apply of an already decoded object; creates when missing (`created` set).
  json apply(const ResourceInfo& r, const std::string& ns, const std::string& name, json applied,
             const WriteOptions& opts, bool* created);
  DeleteResult remove(const ResourceInfo& r, const std::string& ns, const std::string& name,
                      const DeleteOptions& opts);

  /// Read-modify-write for controllers: `mutate` edits the presented object and returns false to
  /// skip the write. Returns the stored result, or nullopt when the object is missing.
  std::optional<json> modify(const ResourceInfo& r, const std::string& ns, const std::string& name,
                             const std::function<bool(json&)>& mutate, const WriteOptions& opts);

  Store& store() { return store_; }
  Registry& registry() { return registry_; }

 private:
  json to_storage(const ResourceInfo& r, json obj) const;
  void check_namespace_for_create(const ResourceInfo& r, const std::string& ns,
                                  const std::string& name) const;
  json prepare_create(const ResourceInfo& r, const std::string& ns, json obj,
                      const WriteOptions& opts, bool apply) const;
  /// Builds the next stored state from the current one and a candidate (API form).
  json prepare_update(const ResourceInfo& r, const json& current, json candidate,
                      const WriteOptions& opts, bool managed_fields_done) const;
  json commit_update(const ResourceInfo& r, const ObjectRef& ref, const ObjectPtr& current,
                     json next, const WriteOptions& opts);
  void validate(const ResourceInfo& r, const json& obj, const json* old) const;
  void after_write(const ResourceInfo& r, const ObjectPtr& stored, bool deleted);

  Store& store_;
  Registry& registry_;
};

/// Thrown inside Store::mutate when the object changed since it was read; callers retry.
struct RetryWrite {};

}  // namespace kubesim
