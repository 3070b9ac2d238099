// Namespace controller: empties a terminating namespace, then removes it.
#include "sim/controllers/manager.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

/// How often a terminating namespace is re-checked while objects (with finalizers) remain.
constexpr std::chrono::milliseconds kRecheck{200};

class NamespaceController : public Controller {
 public:
  explicit NamespaceController(ObjectService& o) : objects_(o) {}
  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage == "namespaces" && e.type != "DELETED" &&
        (*e.object)["metadata"].contains("deletionTimestamp")) {
      q.add(this, e.ref.name);
    }
  }
  void resync(Queue& q) override {
    for (const auto& ns : objects_.store().list("namespaces", "")) {
      if ((*ns)["metadata"].contains("deletionTimestamp")) q.add(this, meta_string(*ns, "name"));
    }
  }
  void sync(const std::string& ns, Queue& q) override {
    ObjectPtr nsobj = objects_.store().get("namespaces", "", ns);
    if (!nsobj || !(*nsobj)["metadata"].contains("deletionTimestamp")) return;
    auto remaining = objects_.store().objects_in_namespace(ns);
    for (const auto& ref : remaining) {
      ResourcePtr r = objects_.registry().find_storage(ref.storage);
      if (!r) continue;
      try {
        objects_.remove(*r, ref.ns, ref.name, DeleteOptions{});
      } catch (const ApiError&) {
      }
    }
    if (!objects_.store().objects_in_namespace(ns).empty()) {
      q.add(this, ns, kRecheck);
      return;
    }
    objects_.store().mutate({"namespaces", "", ns}, [](const ObjectPtr& cur) {
      return cur ? Mutation{Mutation::Action::kDelete, json()} : Mutation{};
    });
  }

 private:
  ObjectService& objects_;
};

}  // namespace

std::unique_ptr<Controller> make_namespace_controller(ObjectService& objects) {
  return std::make_unique<NamespaceController>(objects);
}

}  // namespace kubesim::controllers
