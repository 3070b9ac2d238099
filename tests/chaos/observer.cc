// Observer (observer.h).
#include "tests/chaos/observer.h"

#include <algorithm>
#include <cstdint>

namespace ferry::chaos {
namespace {

constexpr char kCanarySuffix[] = "-canary";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Observer::Observer(kube::Client& client, std::string ns, std::vector<std::string> stable,
                   Millis poll)
    : client_(client), ns_(std::move(ns)), stable_(stable.begin(), stable.end()), poll_(poll) {
  thread_ = std::thread([this] { Loop(); });
}

Observer::~Observer() { Stop(); }

void Observer::Stop() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Observer::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    SampleDeployments();
    SampleReleases();
    lock.lock();
    cv_.wait_for(lock, poll_, [&] { return stop_; });
  }
}

void Observer::SampleDeployments() {
  auto list = client_.List(kube::kDeployments, ns_);
  if (!list) return;  // an unreachable API server is not a drop in availability
  std::lock_guard g(mu_);
  ++deployment_samples_;
  for (const auto& d : (*list)["items"]) {
    const std::string name = itest::StringAt(d, "/metadata/name");
    if (stable_.count(name)) {
      int64_t available = itest::IntAt(d, "/status/availableReplicas").value_or(0);
      auto [it, inserted] = min_available_.emplace(name, available);
      if (!inserted) it->second = std::min(it->second, available);
      images_[name].insert(itest::StringAt(d, "/spec/template/spec/containers/0/image"));
    } else if (EndsWith(name, kCanarySuffix)) {
      std::string target = name.substr(0, name.size() - sizeof(kCanarySuffix) + 1);
      canary_uids_[target].insert(itest::StringAt(d, "/metadata/uid"));
    }
  }
}

void Observer::SampleReleases() {
  auto list = client_.List(kReleaseRef, ns_);
  if (!list) return;
  std::lock_guard g(mu_);
  ++release_samples_;
  for (const auto& r : (*list)["items"]) {
    // Only while a rollout runs: adoption and the ended phases keep indexes of their own.
    const std::string phase = itest::StringAt(r, "/status/phase");
    if (phase != "Progressing" && phase != "Paused" && phase != "Promoting") continue;
    auto index = itest::IntAt(r, "/status/currentStepIndex");
    if (!index) continue;
    auto& seen = step_indexes_[itest::StringAt(r, "/metadata/name")];
    if (seen.empty() || seen.back() != *index) seen.push_back(*index);
  }
}

int64_t Observer::MinAvailable(const std::string& deployment) const {
  std::lock_guard g(mu_);
  auto it = min_available_.find(deployment);
  return it == min_available_.end() ? INT64_MAX : it->second;
}

std::set<std::string> Observer::Images(const std::string& deployment) const {
  std::lock_guard g(mu_);
  auto it = images_.find(deployment);
  return it == images_.end() ? std::set<std::string>{} : it->second;
}

std::vector<int64_t> Observer::StepIndexes(const std::string& release) const {
  std::lock_guard g(mu_);
  auto it = step_indexes_.find(release);
  return it == step_indexes_.end() ? std::vector<int64_t>{} : it->second;
}

std::set<std::string> Observer::CanaryUids(const std::string& release_target) const {
  std::lock_guard g(mu_);
  auto it = canary_uids_.find(release_target);
  return it == canary_uids_.end() ? std::set<std::string>{} : it->second;
}

int64_t Observer::deployment_samples() const {
  std::lock_guard g(mu_);
  return deployment_samples_;
}

int64_t Observer::release_samples() const {
  std::lock_guard g(mu_);
  return release_samples_;
}

}  // namespace ferry::chaos
