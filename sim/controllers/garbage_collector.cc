// Garbage collector: deletes dependents whose owners are gone, and implements the Foreground
// ("foregroundDeletion") and Orphan ("orphan") finalizers.
#include "sim/controllers/manager.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr std::chrono::milliseconds kForegroundRecheck{100};

bool has_finalizer(const json& obj, const std::string& f) {
  for (const auto& x : obj["metadata"].value("finalizers", json::array())) {
    if (x == f) return true;
  }
  return false;
}

class GarbageCollector : public Controller {
 public:
  GarbageCollector(ObjectService& o, ControllerOptions opts) : objects_(o), opts_(opts) {}

  void on_event(const StoreEvent& e, Queue& q) override {
    const json& obj = *e.object;
    std::string uid = meta_string(obj, "uid");
    if (e.type == "DELETED") {
      for (const auto& d : objects_.store().dependents(uid)) q.add(this, "dep|" + make_key(d.storage, d.ns, d.name), opts_.gc_delay);
      return;
    }
    if (obj["metadata"].contains("ownerReferences")) {
      q.add(this, "dep|" + make_key(e.ref.storage, e.ref.ns, e.ref.name), opts_.gc_delay);
    }
    if (obj["metadata"].contains("deletionTimestamp") &&
        (has_finalizer(obj, "foregroundDeletion") || has_finalizer(obj, "orphan"))) {
      q.add(this, "own|" + make_key(e.ref.storage, e.ref.ns, e.ref.name));
    }
  }

  void sync(const std::string& key, Queue& q) override {
    std::string storage, ns, name;
    split_key(key.substr(4), &storage, &ns, &name);
    if (key.rfind("dep|", 0) == 0) check_dependent(storage, ns, name);
    else process_owner(storage, ns, name, q);
  }

 private:
  void check_dependent(const std::string& storage, const std::string& ns, const std::string& name) {
    ObjectPtr obj = objects_.store().get(storage, ns, name);
    if (!obj) return;
    const json refs = (*obj)["metadata"].value("ownerReferences", json::array());
    if (refs.empty()) return;
    for (const auto& ref : refs) {
      auto owner = objects_.store().find_uid(ref.value("uid", ""));
      if (!owner) continue;
      ObjectPtr o = objects_.store().get(owner->storage, owner->ns, owner->name);
      if (o && !((*o)["metadata"].contains("deletionTimestamp") && has_finalizer(*o, "foregroundDeletion"))) return;
    }
    ResourcePtr r = objects_.registry().find_storage(storage);
    if (!r) return;
    try {
      objects_.remove(*r, ns, name, DeleteOptions{"Background", {}, {}, false});
    } catch (const ApiError&) {
    }
  }

  void process_owner(const std::string& storage, const std::string& ns, const std::string& name, Queue& q) {
    ObjectPtr obj = objects_.store().get(storage, ns, name);
    if (!obj) return;
    ResourcePtr r = objects_.registry().find_storage(storage);
    if (!r) return;
    std::string uid = meta_string(*obj, "uid");
    auto deps = objects_.store().dependents(uid);
    std::string finalizer;
    if (has_finalizer(*obj, "orphan")) {
      finalizer = "orphan";
      for (const auto& d : deps) {
        ResourcePtr dr = objects_.registry().find_storage(d.storage);
        if (!dr) continue;
        objects_.modify(*dr, d.ns, d.name, [&](json& dep) {
          json kept = json::array();
          for (const auto& ref : dep["metadata"].value("ownerReferences", json::array())) {
            if (ref.value("uid", "") != uid) kept.push_back(ref);
          }
          if (kept.empty()) dep["metadata"].erase("ownerReferences");
          else dep["metadata"]["ownerReferences"] = kept;
          return true;
        }, WriteOptions{});
      }
    } else if (has_finalizer(*obj, "foregroundDeletion")) {
      finalizer = "foregroundDeletion";
      if (!deps.empty()) {
        for (const auto& d : deps) {
          ResourcePtr dr = objects_.registry().find_storage(d.storage);
          if (!dr) continue;
          try {
            objects_.remove(*dr, d.ns, d.name, DeleteOptions{"Foreground", {}, {}, false});
          } catch (const ApiError&) {
          }
        }
        q.add(this, "own|" + make_key(storage, ns, name), kForegroundRecheck);
        return;
      }
    } else {
      return;
    }
    objects_.modify(*r, ns, name, [&](json& o) {
      json kept = json::array();
      for (const auto& f : o["metadata"].value("finalizers", json::array())) {
        if (f != finalizer) kept.push_back(f);
      }
      if (kept.empty()) o["metadata"].erase("finalizers");
      else o["metadata"]["finalizers"] = kept;
      return true;
    }, WriteOptions{});
  }

  ObjectService& objects_;
  ControllerOptions opts_;
};

}  // namespace

std::unique_ptr<Controller> make_garbage_collector(ObjectService& objects, const ControllerOptions& o) {
  return std::make_unique<GarbageCollector>(objects, o);
}

}  // namespace kubesim::controllers
