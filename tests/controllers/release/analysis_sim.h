// Fixture of the analysis runner's tests: the real kube-sim (its Job controller and kubelet run
// analysis Jobs' pods as their sim/* annotations say) with the Release CRD installed, a Release
// object to own Jobs and receive Events, the operator's kube::Client, and an EventRecorder
// writing through it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/release_types.h"
#include "operator/base/result.h"
#include "operator/controllers/release/actions.h"
#include "operator/kube/client.h"
#include "operator/runtime/events/event_recorder.h"
#include "operator/runtime/events/kube_event_sink.h"

namespace simtest {
class SimProcess;
}

namespace ferry::release::testing {

inline constexpr char kNamespace[] = "ml";

const kube::ResourceRef& ReleasesRef();

// status of a Release mid-rollout: stable v1 (hash "h1"), canary v2 ("h2"), and a Running run
// `run` started at `start` over `metrics` (Pending), as the Decide core starts one.
void StartRun(api::Release& release, const std::string& run,
              const std::vector<std::string>& metrics, api::Time start);
// The run named `run` in release.status.
const api::AnalysisRunStatus& RunOf(const api::Release& release, const std::string& run);
// The RunAnalysis action the Decide core emits for that run.
RunAnalysis ActionFor(const api::Release& release, const std::string& run,
                      std::vector<api::AnalysisArg> args = {});

class AnalysisSim {
 public:
  AnalysisSim();
  ~AnalysisSim();

  // Empty when the sim runs, the CRD is established and the namespace exists.
  const std::string& error() const { return error_; }
  kube::Client& client() { return *client_; }
  events::EventRecorder& events() { return *events_; }

  // Creates Release `name` in kNamespace (minimal spec) and returns it as the API type with its
  // uid; the caller fills in spec.analysis and status.
  Result<api::Release> CreateRelease(const std::string& name);
  // The Events on `name`, oldest first (after flushing the recorder).
  std::vector<nlohmann::json> EventsFor(const std::string& name);

 private:
  std::string error_;
  std::unique_ptr<simtest::SimProcess> sim_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<events::KubeEventSink> sink_;
  std::unique_ptr<events::EventRecorder> events_;
};

}  // namespace ferry::release::testing
