// apiextensions controllers: mark CRDs NamesAccepted and Established once served.
#include "sim/controllers/manager.h"
#include "sim/core/meta.h"

namespace kubesim::controllers {
namespace {

constexpr const char* kCrdStorage = "apiextensions.k8s.io/customresourcedefinitions";

bool has_condition(const json& obj, const std::string& type) {
  for (const auto& c : obj.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

class CrdController : public Controller {
 public:
  explicit CrdController(ObjectService& o) : objects_(o) {}
  void on_event(const StoreEvent& e, Queue& q) override {
    if (e.ref.storage == kCrdStorage && e.type != "DELETED" && !has_condition(*e.object, "Established")) {
      q.add(this, e.ref.name);
    }
  }
  void resync(Queue& q) override {
    for (const auto& crd : objects_.store().list(kCrdStorage, "")) q.add(this, meta_string(*crd, "name"));
  }
  void sync(const std::string& name, Queue&) override {
    ResourcePtr r = objects_.registry().find_storage(kCrdStorage);
    WriteOptions opts;
    opts.manager = "kube-apiserver";
    opts.status = true;
    objects_.modify(*r, "", name, [&](json& crd) {
      if (has_condition(crd, "Established")) return false;
      std::string now = now_rfc3339();
      json stored = json::array();
      for (const auto& v : crd["spec"].value("versions", json::array())) {
        if (v.value("storage", false)) stored.push_back(v["name"]);
      }
      crd["status"] = {
          {"conditions",
           {{{"type", "NamesAccepted"}, {"status", "True"}, {"lastTransitionTime", now}, {"reason", "NoConflicts"},
             {"message", "no conflicts found"}},
            {{"type", "Established"}, {"status", "True"}, {"lastTransitionTime", now}, {"reason", "InitialNamesAccepted"},
             {"message", "the initial names have been accepted"}}}},
          {"acceptedNames", crd["spec"]["names"]},
          {"storedVersions", stored}};
      return true;
    }, opts);
  }

 private:
  ObjectService& objects_;
};

}  // namespace

std::unique_ptr<Controller> make_crd_controller(ObjectService& objects) {
  return std::make_unique<CrdController>(objects);
}

}  // namespace kubesim::controllers
