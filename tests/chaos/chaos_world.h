// The workload of the chaos scenarios: many Releases, each with its own target Deployment
// "<name>" (container "app", image example.com/<name>:<version>, maxUnavailable 0 so its own
// rolling update at promotion keeps every replica available), and what each must end as:
//   kPromoted    a good version: Healthy, stable.version "2", the target runs the new image
//   kNeverReady  canary pods never Ready (kube-sim's sim/ready=false): RolledBack with
//                ProgressDeadlineExceeded, the target never touched
//   kCrashLoop   canary containers exit 1 after a while (sim/exit-code): RolledBack with
//                CanaryCrashLooping (a long pause holds the step while restarts count)
// ChaosTest is the fixture: a fresh kube-sim with namespace "chaos", and helpers that retry
// their writes (a test-side write may meet an injected fault too).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/chaos/observer.h"
#include "tests/integration/harness/harness.h"

namespace ferry::chaos {

inline constexpr char kChaosNs[] = "chaos";

enum class Fate { kPromoted, kNeverReady, kCrashLoop };
const char* FateName(Fate f);

struct RolloutCase {
  std::string name;  // the Release's and its target's name
  Fate fate = Fate::kPromoted;
  json steps = json::array();
  int progress_deadline_seconds = 120;
};

std::string AppImage(const std::string& name, const std::string& version);

// Canary steps 25% -> 50% -> 100% with two timed pauses of `pause_seconds`.
json TimedSteps(int pause_seconds);
// The case `name` with the steps and deadline its fate needs (pause_seconds for kPromoted and
// kNeverReady; kCrashLoop pauses an hour, so only the crash loop ends it).
RolloutCase MakeCase(const std::string& name, Fate fate, int pause_seconds);

json TargetDeployment(const std::string& name, int replicas);
// The Release of `c` at `version`; version "1" (what the target runs) has no pod annotations.
json ReleaseObject(const RolloutCase& c, const std::string& version);

// Reason -> summed count of the Events whose involvedObject is a Release, per Release name.
using ReasonCounts = std::map<std::string, int>;
std::map<std::string, ReasonCounts> ReleaseEventReasons(kube::Client& client,
                                                        const std::string& ns);
// Same, counting reason + ": " + message, for the StepStarted events of one Release.
int EventCount(kube::Client& client, const std::string& ns, const std::string& release,
               const std::string& reason, const std::string& message_contains = "");

// Whether a Release's status is the end its case must reach (and, when not, why).
bool ReachedFate(const RolloutCase& c, const json& release, std::string* why);

class ChaosTest : public itest::IntegrationTest {
 protected:
  itest::OperatorOptions OperatorOpts() const override;
  void SetUp() override;

  // Server-side apply, retried for up to 30 s (faults may be on); fails the test if it never
  // succeeds.
  void MustApply(const kube::ResourceRef& ref, const json& obj);
  // Creates every case's target with `replicas` and waits until all are available.
  void CreateTargets(const std::vector<RolloutCase>& cases, int replicas);
  // Applies version 1 of every case and waits until each Release is Healthy on it (adoption).
  void AdoptAll(const std::vector<RolloutCase>& cases);
  // Applies version 2 of every case.
  void StartRollouts(const std::vector<RolloutCase>& cases);
  // The namespace's Releases by name (empty on error).
  std::map<std::string, json> Releases();
  // Waits until every case reached its fate; fails the test listing the ones that did not.
  bool WaitFates(const std::vector<RolloutCase>& cases, itest::Millis timeout);
  // The final checks of every case: image of the target, canary removed, history, availability
  // floor and images seen (from `observer`), step indexes never going back.
  void CheckOutcomes(const std::vector<RolloutCase>& cases, const Observer& observer,
                     int replicas);
};

}  // namespace ferry::chaos
