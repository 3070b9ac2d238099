// ReadStageOutcome (job_builder.h): a stage's Job and Pods -> its outcome.
#include <algorithm>

#include "operator/base/json.h"
#include "operator/controllers/pipeline/job_builder.h"

namespace ferry::pipeline {

namespace {

constexpr char kReasonDeadlineExceeded[] = "DeadlineExceeded";
// Waiting reasons that will not resolve by themselves: report them while the Job runs on.
constexpr const char* kStuckReasons[] = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                                         "CreateContainerConfigError", "CreateContainerError"};

const Json& Path(const Json& j, std::initializer_list<const char*> keys) {
  static const Json kNull;
  const Json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return kNull;
    auto it = cur->find(k);
    if (it == cur->end()) return kNull;
    cur = &*it;
  }
  return *cur;
}

std::optional<api::Time> TimeAt(const Json& j, std::initializer_list<const char*> keys) {
  const Json& v = Path(j, keys);
  if (!v.is_string()) return std::nullopt;
  auto t = api::ParseTime(v.get<std::string>());
  return t.ok() ? std::optional<api::Time>(t.value()) : std::nullopt;
}

std::string TrimTrailingSpace(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// The status of container `name` in `pod` (init containers too), or null.
const Json* ContainerStatus(const Json& pod, std::string_view name) {
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const Json& statuses = Path(pod, {"status", list});
    if (!statuses.is_array()) continue;
    for (const auto& s : statuses) {
      if (StringField(s, "name") == name) return &s;
    }
  }
  return nullptr;
}

const Json* Terminated(const Json* status) {
  if (status == nullptr) return nullptr;
  const Json& t = Path(*status, {"state", "terminated"});
  return t.is_object() ? &t : nullptr;
}

// The exit code of a terminated container state; 0 only when it says so (absent, null or not a
// number counts as a failure, -1), and no terminated state is "not finished" (also -1 != 0).
int ExitCode(const Json* terminated) {
  if (terminated == nullptr) return -1;
  auto it = terminated->find("exitCode");
  return it != terminated->end() && it->is_number_integer() ? it->get<int>() : -1;
}

// The newest Pod first (creationTimestamp is RFC 3339 UTC, so text order is time order).
std::vector<const Json*> NewestFirst(const std::vector<Json>& pods) {
  std::vector<const Json*> out;
  for (const auto& p : pods) out.push_back(&p);
  std::stable_sort(out.begin(), out.end(), [](const Json* a, const Json* b) {
    return StringField(Path(*a, {"metadata"}), "creationTimestamp") >
           StringField(Path(*b, {"metadata"}), "creationTimestamp");
  });
  return out;
}

std::string LogsHint(const Json& job, std::string_view container) {
  const Json& meta = Path(job, {"metadata"});
  return "kubectl logs -n " + StringField(meta, "namespace") + " job/" + StringField(meta, "name") + " -c " +
         std::string(container);
}

std::string FailureMessage(const Json& job, const Json& condition,
                           const std::vector<const Json*>& pods) {
  std::string reason = StringField(condition, "reason");
  if (reason == kReasonDeadlineExceeded) {
    const Json& secs = Path(job, {"spec", "activeDeadlineSeconds"});
    return "timed out after " + (secs.is_number() ? std::to_string(secs.get<int64_t>()) : "?") +
           "s (the stage's timeout); logs: " + LogsHint(job, kStageContainerName);
  }
  for (const Json* pod : pods) {
    for (const char* name : {kCheckoutContainerName, kStageContainerName}) {
      const Json* t = Terminated(ContainerStatus(*pod, name));
      int code = ExitCode(t);
      if (t == nullptr || code == 0) continue;
      std::string what =
          std::string(name) == kCheckoutContainerName ? "checkout" : "container stage";
      std::string msg = what + " exited with code " + std::to_string(code);
      if (!StringField(*t, "reason").empty()) msg += " (" + StringField(*t, "reason") + ")";
      std::string tail = TrimTrailingSpace(StringField(*t, "message"));
      if (!tail.empty()) msg += ": " + tail;
      return msg + "; logs: " + LogsHint(job, name);
    }
  }
  std::string msg = StringField(condition, "message");
  return (msg.empty() ? "Job failed (" + reason + ")" : msg) +
         "; logs: " + LogsHint(job, kStageContainerName);
}

// Why a running Job's Pod cannot start, or "".
std::pair<std::string, std::string> StuckReason(const std::vector<const Json*>& pods) {
  if (pods.empty()) return {};
  for (const char* name : {kCheckoutContainerName, kStageContainerName}) {
    const Json* st = ContainerStatus(*pods.front(), name);
    if (st == nullptr) continue;
    const Json& waiting = Path(*st, {"state", "waiting"});
    std::string reason = StringField(waiting, "reason");
    for (const char* stuck : kStuckReasons) {
      if (reason == stuck) {
        return {reason, "container " + std::string(name) + " waiting: " + reason + ": " +
                            StringField(waiting, "message")};
      }
    }
  }
  return {};
}

}  // namespace

StageOutcome ReadStageOutcome(const Json& job, const std::vector<Json>& pods) {
  StageOutcome out;
  auto sorted = NewestFirst(pods);
  out.startTime = TimeAt(job, {"status", "startTime"});
  for (const Json* pod : sorted) {
    const Json* t = Terminated(ContainerStatus(*pod, kCheckoutContainerName));
    if (ExitCode(t) == 0) {
      out.checkedOutRevision = TrimTrailingSpace(StringField(*t, "message"));
      break;
    }
  }
  const Json& conditions = Path(job, {"status", "conditions"});
  for (const auto& c : conditions.is_array() ? conditions : Json::array()) {
    if (StringField(c, "status") != api::kConditionTrue) continue;
    std::string type = StringField(c, "type");
    if (type == "Complete") {
      const Json* succeeded = nullptr;
      bool pod_behind = false;  // a pod whose stage container the cache shows unfinished
      for (const Json* pod : sorted) {
        const Json* term = Terminated(ContainerStatus(*pod, kStageContainerName));
        if (ExitCode(term) == 0) {
          succeeded = term;
          break;
        }
        if (term == nullptr) pod_behind = true;
      }
      // The Job's Complete can reach the cache before its pod's final status: the result is
      // not known yet, and that pod's update triggers the next pass. (No pods at all: they
      // were removed, so there is no result to wait for.)
      if (succeeded == nullptr && pod_behind) return out;
      out.state = JobState::kSucceeded;
      out.reason = "Completed";
      out.completionTime = TimeAt(job, {"status", "completionTime"});
      if (!out.completionTime) out.completionTime = TimeAt(c, {"lastTransitionTime"});
      if (succeeded != nullptr) {
        out.result = TrimTrailingSpace(StringField(*succeeded, "message"));
        if (out.result.size() > kMaxResultBytes) out.result.resize(kMaxResultBytes);
      }
      return out;
    }
    if (type == "Failed" || type == "FailureTarget") {
      out.state = JobState::kFailed;
      out.reason = StringField(c, "reason").empty() ? "Failed" : StringField(c, "reason");
      out.message = FailureMessage(job, c, sorted);
      out.completionTime = TimeAt(c, {"lastTransitionTime"});
      return out;
    }
  }
  auto [reason, message] = StuckReason(sorted);
  out.reason = reason;
  out.message = message;
  return out;
}

}  // namespace ferry::pipeline
