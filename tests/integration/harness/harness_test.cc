// The harness itself: kube-sim with CRDs, the operator's lifecycle (ready, metrics, SIGTERM exit
// 0, restart, SIGKILL), log capture and the availability monitor.
#include <signal.h>

#include "tests/integration/harness/harness.h"

namespace ferry::itest {
namespace {

const kube::ResourceRef kReleases{"ferry.dev", "v1alpha1", "releases", "Release", true};

class HarnessTest : public IntegrationTest {};

TEST_F(HarnessTest, ClusterServesTheCrdsAndNamespaces) {
  ASSERT_TRUE(cluster().CreateNamespace("itest"));
  auto list = client().List(kReleases, "itest");
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_TRUE((*list)["items"].empty());
  EXPECT_FALSE(cluster().Find(kube::kDeployments, "itest", "absent").has_value());
}

TEST_F(HarnessTest, OperatorStartsServesMetricsAndStopsCleanlyOnSigterm) {
  Operator& op = StartOperator();
  ASSERT_TRUE(op.running());
  EXPECT_GT(op.metrics_port(), 0);
  EXPECT_GT(op.health_port(), 0);
  EXPECT_NE(op.metrics_port(), op.health_port());
  EXPECT_NE(op.Metrics().find("ferry_build_info"), std::string::npos);
  auto line = op.WaitForLog([](const json& l) { return l.value("msg", "") == "serving endpoints"; },
                            1s);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ((*line)["_run"], 1);
  EXPECT_EQ(op.Terminate(), 0) << op.LogText();
  EXPECT_FALSE(op.running());
  EXPECT_TRUE(op.ErrorLogs().empty()) << op.LogText();
}

TEST_F(HarnessTest, OperatorRestartsAfterSigkill) {
  Operator& op = StartOperator();
  const int first_port = op.metrics_port();
  op.Kill();
  EXPECT_FALSE(op.running());
  ASSERT_TRUE(op.Start());
  ASSERT_TRUE(op.WaitReady());
  EXPECT_EQ(op.runs(), 2);
  EXPECT_GT(op.metrics_port(), 0);
  (void)first_port;  // the OS may or may not hand out the same port again
  auto second = op.WaitForLog(
      [](const json& l) { return l.value("_run", 0) == 2 && l.value("msg", "") == "serving endpoints"; },
      1s);
  EXPECT_TRUE(second.has_value());
}

TEST_F(HarnessTest, StartFailsWithTheLogWhenTheOperatorCannotRun) {
  Operator op(cluster().kubeconfig(), {.extra_args = {"--workers=0"}});
  auto st = op.Start();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("workers"), std::string::npos) << st.error().message;
  EXPECT_EQ(op.WaitExit(5s), 2);
}

TEST_F(HarnessTest, MinMonitorRecordsTheLowestValue) {
  ASSERT_TRUE(cluster().CreateNamespace("itest"));
  json cm = {{"metadata", {{"name", "counter"}, {"namespace", "itest"}}},
             {"data", {{"n", "x"}}}};
  ASSERT_TRUE(cluster().Apply(kube::kConfigMaps, cm));
  // A ConfigMap has no integer field: absent counts as 0.
  MinMonitor monitor(client(), kube::kConfigMaps, "itest", "counter", "/spec/replicas");
  ASSERT_TRUE(Eventually([&] { return monitor.samples() >= 2; }));
  monitor.Stop();
  EXPECT_EQ(monitor.min(), 0);
}

TEST(EventuallyTest, ReturnsAsSoonAsThePredicateHoldsAndFalseAfterTheTimeout) {
  int calls = 0;
  EXPECT_TRUE(Eventually([&] { return ++calls == 3; }, 5s, 1ms));
  EXPECT_EQ(calls, 3);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(Eventually([] { return false; }, 100ms, 10ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

}  // namespace
}  // namespace ferry::itest
