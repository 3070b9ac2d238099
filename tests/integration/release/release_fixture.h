// Fixture of the Release integration tests: a namespace with a stable Deployment "web" (container
// "app", image example.com/web:1, pods Ready 0.2 s after they start in kube-sim), the real
// ferry-operator, and helpers to write the Release, send ferry.dev/<action> requests and wait on
// status. Every test watches the stable Deployment's availableReplicas from the moment it is
// available (stable_min()): Ferry must never make it drop.
//
// The target uses maxUnavailable 0 (maxSurge 1): its own rolling update at promotion then keeps
// every stable replica available too, so the floor holds through the whole test.
#pragma once

#include <memory>
#include <string>

#include "tests/integration/harness/harness.h"

namespace ferry::itest {

inline const kube::ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};
inline constexpr char kNs[] = "itest";
inline constexpr char kApp[] = "web";
inline constexpr char kCanary[] = "web-canary";
inline constexpr int kStableReplicas = 4;

std::string Image(const std::string& version);  // "example.com/web:<version>"

class ReleaseTest : public IntegrationTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Creates the target Deployment with `replicas` at version 1, waits until all are available,
  // then starts the availability monitor and the operator.
  void StartWithTarget(int replicas = kStableReplicas);

  // The Release "web" (server-side apply by the test's field manager): version, image of
  // container "app", canary steps (JSON list), progressDeadlineSeconds and pod annotations of
  // the new version (kube-sim's sim/ready, sim/exit-code).
  struct Spec {
    std::string version = "1";
    json steps = json::array();
    int progress_deadline_seconds = 30;
    json pod_annotations = json::object();
  };
  void ApplyRelease(const Spec& spec);
  // Applies version 1 (what the target runs) and waits for Healthy (adoption).
  void AdoptStable(const Spec& spec);
  // StartWithTarget and AdoptStable, then applies version 2 with `steps`, whose pods never get
  // Ready (sim/ready: "false").
  void StartNeverReadyRollout(const json& steps, int progress_deadline_seconds);

  json Release();
  std::string Phase();
  // Waits until the Release's status satisfies `pred`; fails the test with the status if not.
  bool WaitRelease(const std::function<bool(const json&)>& pred, const std::string& what,
                   Millis timeout = kDefaultTimeout);
  bool WaitPhase(const std::string& phase, Millis timeout = kDefaultTimeout);
  // Waits for phase Paused with status.currentStepIndex == index.
  bool WaitPausedAt(int index, Millis timeout = kDefaultTimeout);
  // ferry.dev/<action> with a fresh nonce.
  void Request(const std::string& action);

  std::optional<json> Target();
  std::optional<json> CanaryDeployment();
  std::string TargetImage();
  // The condition `type` of the Release ("" fields when absent).
  json Condition(const std::string& type);
  // Reason of the Events of the Release, oldest first, each repeated `count` times.
  std::vector<std::string> EventReasons();
  // Sum of `count` of the Release's Events with this reason and message.
  int EventCount(const std::string& reason, const std::string& message_contains = "");

  int64_t stable_min() const { return monitor_ ? monitor_->min() : -1; }
  int stable_start() const { return stable_start_; }

 private:
  std::unique_ptr<MinMonitor> monitor_;
  int stable_start_ = 0;
  int nonce_ = 0;
};

}  // namespace ferry::itest
