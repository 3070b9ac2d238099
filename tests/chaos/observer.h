// Observer: one background poller for a whole namespace (cheaper than a MinMonitor per object on
// a 2-core machine). Every `poll` it lists the namespace's Deployments and Releases and keeps,
// per name:
//   - the minimum status.availableReplicas of each watched ("stable") Deployment, and every
//     pod-template image it ran (a rolled-back target must never have run the new image);
//   - the sequence of distinct status.currentStepIndex values of each Release while a rollout
//     runs (Progressing, Paused, Promoting; a step done twice shows as an index going back) and the uids of each canary Deployment
//     ("<target>-canary") seen (a canary deleted and re-made mid-rollout shows as two).
// A list that fails (injected 500s, a slow server) is skipped, never read as "0 available".
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/client.h"
#include "tests/integration/harness/harness.h"

namespace ferry::chaos {

using itest::Millis;
using json = nlohmann::json;

inline const kube::ResourceRef kReleaseRef{"ferry.dev", "v1alpha1", "releases", "Release", true};

class Observer {
 public:
  // `stable` are the Deployments whose availability floor is watched.
  Observer(kube::Client& client, std::string ns, std::vector<std::string> stable,
           Millis poll = Millis(100));
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  void Stop();

  // Minimum availableReplicas seen for `deployment` (INT64_MAX before any sample).
  int64_t MinAvailable(const std::string& deployment) const;
  std::set<std::string> Images(const std::string& deployment) const;
  std::vector<int64_t> StepIndexes(const std::string& release) const;
  std::set<std::string> CanaryUids(const std::string& release_target) const;
  // Successful samples of each kind.
  int64_t deployment_samples() const;
  int64_t release_samples() const;

 private:
  void Loop();
  void SampleDeployments();
  void SampleReleases();

  kube::Client& client_;
  const std::string ns_;
  const std::set<std::string> stable_;
  const Millis poll_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, int64_t> min_available_;
  std::map<std::string, std::set<std::string>> images_;
  std::map<std::string, std::vector<int64_t>> step_indexes_;
  std::map<std::string, std::set<std::string>> canary_uids_;
  int64_t deployment_samples_ = 0;
  int64_t release_samples_ = 0;
  std::thread thread_;
};

}  // namespace ferry::chaos
