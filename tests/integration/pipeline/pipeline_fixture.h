// Fixture of the Pipeline integration tests: namespace "itest", the real ferry-operator against
// kube-sim, and helpers to write Pipelines whose stage Pods behave as asked (kube-sim's fake
// kubelet reads the pod annotations sim/exit-code, sim/duration-seconds and
// sim/termination-message, set through the stage's podMetadata), and to wait on their status.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/integration/harness/harness.h"

namespace ferry::itest {

inline const kube::ResourceRef kPipelines{"ferry.dev", "v1alpha1", "pipelines", "Pipeline", true};
inline const kube::ResourceRef kReleasesRef{"ferry.dev", "v1alpha1", "releases", "Release", true};
inline constexpr char kPipelineNs[] = "itest";
inline constexpr char kRev1[] = "1111111111111111111111111111111111111111";
inline constexpr char kRev2[] = "2222222222222222222222222222222222222222";

// What a stage's container does in kube-sim.
struct Behaviour {
  int exit_code = 0;
  double seconds = 0.3;
  std::string message;  // the termination message (the stage's result)
};

// A stage (checkout off: kube-sim runs no git) with the given behaviour.
json Stage(const std::string& name, Behaviour b = {}, std::vector<std::string> deps = {},
           int retries = 0);

class PipelineTest : public IntegrationTest {
 protected:
  void SetUp() override;

  // Server-side applies Pipeline `name` with `stages` and extra spec fields. A vector, not a
  // json: a braced list of one json would copy that object instead of making an array.
  void ApplyPipeline(const std::string& name, const std::vector<json>& stages, const json& extra = json::object());
  json Pipeline(const std::string& name);
  // Waits until the Pipeline's status satisfies `pred`; fails the test with the status if not.
  bool WaitPipeline(const std::string& name, const std::function<bool(const json&)>& pred,
                    const std::string& what, Millis timeout = kDefaultTimeout);
  // Waits for status.currentRun.id == run and status.phase == phase.
  bool WaitRun(const std::string& name, const std::string& run, const std::string& phase,
               Millis timeout = kDefaultTimeout);
  // ferry.dev/<action> with a fresh nonce (and more annotations).
  void Request(const std::string& name, const std::string& action, json more = json::object());
  // Names of the Jobs (not being deleted) with label selector `selector`, sorted.
  std::vector<std::string> Jobs(const std::string& selector);
  std::optional<json> Job(const std::string& name);
  // Reasons/messages of the Pipeline's Events.
  bool HasEvent(const std::string& name, const std::string& reason, const std::string& text = "");

 private:
  int nonce_ = 0;
};

}  // namespace ferry::itest
