#include "operator/controllers/release/actions.h"

namespace ferry::release {

namespace {

struct Describer {
  std::string operator()(const EnsureCanary& a) const {
    return "EnsureCanary(replicas=" + std::to_string(a.replicas) + ")";
  }
  std::string operator()(const DeleteCanary& a) const { return "DeleteCanary(" + a.name + ")"; }
  std::string operator()(const PromoteTarget&) const { return "PromoteTarget"; }
  std::string operator()(const RestoreTarget&) const { return "RestoreTarget"; }
  std::string operator()(const SetTrafficWeight& a) const {
    return "SetTrafficWeight(" + std::to_string(a.weight) + ")";
  }
  std::string operator()(const SetHeaderRoute& a) const {
    return "SetHeaderRoute(" + a.route.name + (a.route.match.empty() ? ", remove)" : ")");
  }
  std::string operator()(const SetMirror& a) const {
    return "SetMirror(" + std::to_string(a.percentage) + ")";
  }
  std::string operator()(const SetServiceSelector& a) const {
    return "SetServiceSelector(" + a.service + " -> " + PodSelectionName(a.select) + ")";
  }
  std::string operator()(const RunAnalysis& a) const { return "RunAnalysis(" + a.name + ")"; }
  std::string operator()(const RecordEvent& a) const {
    return "RecordEvent(" + a.type + " " + a.reason + ": " + a.message + ")";
  }
  std::string operator()(const RequeueAfter& a) const {
    return "RequeueAfter(" + std::to_string(a.after.count()) + "ms)";
  }
};

}  // namespace

std::string ActionName(const Action& a) {
  static constexpr const char* kNames[] = {
      "EnsureCanary",   "DeleteCanary", "PromoteTarget", "RestoreTarget", "SetTrafficWeight",
      "SetHeaderRoute", "SetMirror",    "SetServiceSelector", "RunAnalysis", "RecordEvent",
      "RequeueAfter"};
  static_assert(std::size(kNames) == std::variant_size_v<Action>);
  return kNames[a.index()];
}

std::string DescribeAction(const Action& a) { return std::visit(Describer{}, a); }

std::string PodSelectionName(PodSelection s) {
  switch (s) {
    case PodSelection::kStable:
      return "stable";
    case PodSelection::kCanary:
      return "canary";
    case PodSelection::kAll:
      break;
  }
  return "all";
}

}  // namespace ferry::release
