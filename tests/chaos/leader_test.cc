// Chaos scenario 2: two ferry-operator replicas with --leader-elect. While four rollouts are in
// a timed pause, the leader is SIGKILLed: the standby must take the Lease once it expires (not
// before: that would be two leaders) and within the lease duration plus two retry periods, then
// finish every rollout without doing any step twice. "Twice" is judged against a fault-free
// rollout of the same steps done first by the leader alone: no Release may record more Events of
// any reason than it did, the step index never goes back, and the canary is made once.
#include <iostream>
#include <sstream>

#include "tests/chaos/chaos_world.h"

namespace ferry::chaos {
namespace {

using itest::Eventually;
using itest::IntAt;
using itest::Operator;
using itest::StringAt;
using namespace std::chrono_literals;

// Shorter than the defaults (15s/10s/2s) to keep the suite quick; passed as flags below.
constexpr auto kLeaseDuration = 8s;
constexpr auto kRenewDeadline = 6s;
constexpr auto kRetryPeriod = 1s;
// Scheduling and request slack on a loaded 2-core machine.
constexpr auto kSlack = 3s;
constexpr char kLeaseName[] = "ferry-chaos-leader";
constexpr int kReplicas = 2;
// The in-flight rollouts pause long enough to span the takeover.
constexpr int kLongPauseSeconds = 20;

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()) + "s"; }

itest::OperatorOptions ElectionOptions(itest::OperatorOptions o) {
  o.extra_args = {"--leader-elect", std::string("--leader-election-namespace=") + kChaosNs,
                  std::string("--leader-election-id=") + kLeaseName,
                  "--leader-elect-lease-duration=" + Seconds(kLeaseDuration),
                  "--leader-elect-renew-deadline=" + Seconds(kRenewDeadline),
                  "--leader-elect-retry-period=" + Seconds(kRetryPeriod)};
  return o;
}

// The identity in `op`'s "became leader" line, waiting up to `timeout`; "" if none.
std::string BecameLeader(Operator& op, Millis timeout) {
  auto line = op.WaitForLog(
      [](const json& l) { return l.value("msg", "") == "became leader"; }, timeout);
  return line ? line->value("identity", "") : "";
}

// Writes (create/update/patch/delete) the process made, the Lease aside.
double WritesBesidesLease(Operator& op) {
  double n = 0;
  std::istringstream in(op.Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ferry_rest_client_requests_total{", 0) != 0) continue;
    if (line.find(R"(resource="leases")") != std::string::npos) continue;
    for (const char* verb : {"create", "update", "patch", "delete"}) {
      if (line.find(std::string("verb=\"") + verb + "\"") != std::string::npos) {
        n += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  return n;
}

class ChaosLeaderTest : public ChaosTest {
 protected:
  // Starts `a`, waits until it leads, then `b`, and waits until `b` sees `a` lead; `a`'s
  // identity.
  std::string StartLeaderThenStandby(Operator& a, Operator& b);
  // Rolls `baseline` out (nothing else happening) and returns its Events per reason.
  ReasonCounts ReferenceRollout(const RolloutCase& baseline);
  // Kills `a` and waits for `b` to lead; checks the timing and the Lease.
  void KillLeaderAndCheckTakeover(Operator& a, const std::string& leader_a, Operator& b);
  // Every in-flight rollout recorded its promotion once and no more Events of any reason than
  // the fault-free reference (the killed leader's last queued Events may be lost: fewer is
  // fine).
  void CheckNoStepTwice(const std::vector<RolloutCase>& inflight, ReasonCounts reference);
};

std::string ChaosLeaderTest::StartLeaderThenStandby(Operator& a, Operator& b) {
  Status started = a.Start();
  EXPECT_TRUE(started.ok()) << (started ? "" : started.error().message);
  const std::string leader_a = BecameLeader(a, 30s);
  EXPECT_FALSE(leader_a.empty()) << a.LogText();
  started = b.Start();
  EXPECT_TRUE(started.ok()) << (started ? "" : started.error().message);
  EXPECT_TRUE(b.WaitForLog([&](const json& l) {
    return l.value("msg", "") == "new leader observed" && l.value("leader", "") == leader_a;
  })) << b.LogText();
  return leader_a;
}

ReasonCounts ChaosLeaderTest::ReferenceRollout(const RolloutCase& baseline) {
  StartRollouts({baseline});
  WaitFates({baseline}, 60s);
  ReasonCounts reference;
  EXPECT_TRUE(Eventually([&] {
    reference = ReleaseEventReasons(client(), kChaosNs)[baseline.name];
    return reference["Promoted"] == 1;
  })) << "the reference rollout's Events: " << json(reference).dump();
  return reference;
}

void ChaosLeaderTest::KillLeaderAndCheckTakeover(Operator& a, const std::string& leader_a,
                                                 Operator& b) {
  const auto killed = std::chrono::steady_clock::now();
  a.Kill();
  const std::string leader_b = BecameLeader(b, kLeaseDuration + 2 * kRetryPeriod + 20s);
  const auto took = std::chrono::steady_clock::now() - killed;
  ASSERT_FALSE(leader_b.empty()) << "the standby never took over\n" << b.LogText();
  EXPECT_NE(leader_b, leader_a);
  // The last renewal was at most one retry period before the kill, and the standby counts
  // expiry from when it saw that renewal (at most one retry period after it): it may take over
  // from kLeaseDuration - kRetryPeriod after the kill, and does at its first try after expiry.
  EXPECT_GE(took, kLeaseDuration - kRetryPeriod - 1s) << "taken over before the Lease expired";
  EXPECT_LE(took, kLeaseDuration + 2 * kRetryPeriod + kSlack) << "takeover too slow";
  std::cout << "takeover after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
            << std::endl;
  auto lease = cluster().Find(kube::kLeases, kChaosNs, kLeaseName);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(StringAt(*lease, "/spec/holderIdentity"), leader_b);
  EXPECT_GE(IntAt(*lease, "/spec/leaseTransitions").value_or(0), 1);
}

void ChaosLeaderTest::CheckNoStepTwice(const std::vector<RolloutCase>& inflight,
                                       ReasonCounts reference) {
  EXPECT_TRUE(Eventually([&] {
    auto reasons = ReleaseEventReasons(client(), kChaosNs);
    return std::all_of(inflight.begin(), inflight.end(),
                       [&](const RolloutCase& c) { return reasons[c.name]["Promoted"] == 1; });
  })) << "each rollout's promotion is recorded once";
  auto reasons = ReleaseEventReasons(client(), kChaosNs);
  for (const auto& c : inflight) {
    for (const auto& [reason, count] : reasons[c.name]) {
      EXPECT_LE(count, reference[reason]) << c.name << ": reason " << reason << "; reference "
                                          << json(reference).dump();
    }
  }
}

TEST_F(ChaosLeaderTest, StandbyTakesOverWithinTheLeaseAndRepeatsNoStep) {
  RolloutCase baseline = MakeCase("base", Fate::kPromoted, 1);
  std::vector<RolloutCase> inflight;
  for (int i = 0; i < 4; ++i) {
    inflight.push_back(MakeCase("lead-" + std::to_string(i), Fate::kPromoted, kLongPauseSeconds));
  }
  std::vector<RolloutCase> all = inflight;
  all.push_back(baseline);
  ASSERT_NO_FATAL_FAILURE(CreateTargets(all, kReplicas));
  Operator a(cluster().kubeconfig(), ElectionOptions(OperatorOpts()));
  Operator b(cluster().kubeconfig(), ElectionOptions(OperatorOpts()));
  const std::string leader_a = StartLeaderThenStandby(a, b);
  ASSERT_FALSE(HasFailure());
  ASSERT_NO_FATAL_FAILURE(AdoptAll(all));
  const ReasonCounts reference = ReferenceRollout(baseline);
  ASSERT_FALSE(HasFailure());

  std::vector<std::string> targets;
  for (const auto& c : all) targets.push_back(c.name);
  Observer observer(client(), kChaosNs, targets);
  ASSERT_NO_FATAL_FAILURE(StartRollouts(inflight));
  ASSERT_TRUE(Eventually([&] {
    auto releases = Releases();
    return std::all_of(inflight.begin(), inflight.end(), [&](const RolloutCase& c) {
      return IntAt(releases[c.name], "/status/currentStepIndex").value_or(0) >= 1;
    });
  })) << "the rollouts never reached their first pause";
  EXPECT_EQ(WritesBesidesLease(b), 0) << "the standby wrote while a leader held the Lease\n"
                                      << b.Metrics();
  EXPECT_TRUE(BecameLeader(b, 0ms).empty());

  ASSERT_NO_FATAL_FAILURE(KillLeaderAndCheckTakeover(a, leader_a, b));
  ASSERT_TRUE(WaitFates(inflight, 90s));
  CheckNoStepTwice(inflight, reference);
  observer.Stop();
  CheckOutcomes(all, observer, kReplicas);
  EXPECT_TRUE(b.ErrorLogs().empty()) << b.LogText();
  if (HasFailure()) std::cerr << "leader A:\n" << a.LogText() << "\nstandby B:\n" << b.LogText();
}

}  // namespace
}  // namespace ferry::chaos
