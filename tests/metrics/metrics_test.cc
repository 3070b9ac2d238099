#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "operator/metrics/http_server.h"
#include "operator/metrics/kube_hook.h"
#include "operator/metrics/registry.h"
#include "tests/metrics/http_get.h"

namespace ferry::metrics {
namespace {

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Exercises every family so each has samples.
void Populate(Registry& r) {
  auto q = r.ForQueue("release");
  q->SetDepth(3);
  q->IncAdds();
  q->ObserveQueueDuration(0.002);
  q->ObserveWorkDuration(0.5);
  q->IncRetries();
  q->SetUnfinishedWork(1.5);
  q->SetLongestRunningProcessor(1.0);
  r.SetMaxConcurrentReconciles("release", 4);
  r.ObserveReconcile("release", ReconcileResultKind::kSuccess, 0.2);
  r.ObserveReconcile("release", ReconcileResultKind::kError, 0.1);
  r.IncTerminalError("release");
  r.IncPanic("release");
  r.AddActiveWorkers("release", 2);
  r.SetLeader("ferry-operator", true);
  r.ObserveRequest("get", "deployments.apps", "200", 0.01);
}

TEST(RegistryTest, ExposesControllerRuntimeNamesWithTheFerryPrefix) {
  Registry r("1.2.3");
  Populate(r);
  std::string text = r.Serialize();
  for (const char* want : {
           "ferry_build_info{version=\"1.2.3\"} 1",
           "ferry_workqueue_depth{name=\"release\"} 3",
           "ferry_workqueue_adds_total{name=\"release\"} 1",
           "ferry_workqueue_retries_total{name=\"release\"} 1",
           "ferry_workqueue_queue_duration_seconds_count{name=\"release\"} 1",
           "ferry_workqueue_work_duration_seconds_count{name=\"release\"} 1",
           "ferry_workqueue_unfinished_work_seconds{name=\"release\"} 1.5",
           "ferry_workqueue_longest_running_processor_seconds{name=\"release\"} 1",
           "ferry_reconcile_total{controller=\"release\",result=\"success\"} 1",
           "ferry_reconcile_total{controller=\"release\",result=\"requeue_after\"} 0",
           "ferry_reconcile_errors_total{controller=\"release\"} 1",
           "ferry_terminal_reconcile_errors_total{controller=\"release\"} 1",
           "ferry_reconcile_panics_total{controller=\"release\"} 1",
           "ferry_reconcile_time_seconds_count{controller=\"release\"} 2",
           "ferry_active_workers{controller=\"release\"} 2",
           "ferry_max_concurrent_reconciles{controller=\"release\"} 4",
           "ferry_leader_election_master_status{name=\"ferry-operator\"} 1",
           "ferry_rest_client_requests_total{code=\"200\",resource=\"deployments.apps\",verb=\"get\"} 1",
           "ferry_rest_client_request_duration_seconds_count{resource=\"deployments.apps\",verb=\"get\"} 1",
       }) {
    EXPECT_TRUE(Contains(text, want)) << want << "\n" << text;
  }
}

TEST(RegistryTest, KubeRequestHookCountsByVerbResourceAndCode) {
  Registry r("dev");
  auto hook = KubeRequestHook(r);
  kube::RequestInfo ok;
  ok.verb = "list";
  ok.resource = "releases.ferry.dev";
  ok.status_code = 200;
  ok.latency = std::chrono::milliseconds(30);
  hook(ok);
  kube::RequestInfo failed = ok;
  failed.status_code = 0;
  hook(failed);
  std::string text = r.Serialize();
  EXPECT_TRUE(Contains(text, "code=\"200\",resource=\"releases.ferry.dev\",verb=\"list\"} 1"));
  EXPECT_TRUE(Contains(text, "code=\"<error>\",resource=\"releases.ferry.dev\",verb=\"list\"} 1"));
}

TEST(RegistryTest, OutputPassesPromtoolCheckMetrics) {
  Registry r("0.1.0");
  Populate(r);
  std::string path = ::testing::TempDir() + "/ferry_metrics_" + std::to_string(::getpid()) + ".txt";
  {
    std::ofstream out(path);
    out << r.Serialize();
  }
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  int status = ::pclose(p);
  std::remove(path.c_str());
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << "promtool lint findings";
}

TEST(BindAddressTest, ParsesControllerRuntimeStyleAddresses) {
  struct Case {
    const char* in;
    bool ok;
    BindAddress want;
  };
  const Case cases[] = {
      {":8080", true, {"", 8080}},
      {"127.0.0.1:0", true, {"127.0.0.1", 0}},
      {"[::1]:9090", true, {"::1", 9090}},
      {"0.0.0.0:65535", true, {"0.0.0.0", 65535}},
      {"8080", false, {}},
      {":http", false, {}},
      {":65536", false, {}},
      {":-1", false, {}},
      {"::1:80", false, {}},
      {"", false, {}},
  };
  for (const auto& c : cases) {
    auto got = ParseBindAddress(c.in);
    ASSERT_EQ(got.ok(), c.ok) << c.in;
    if (c.ok) {
      EXPECT_EQ(*got, c.want) << c.in;
    } else {
      EXPECT_TRUE(Contains(got.error().message, c.in)) << got.error().message;
    }
  }
}

TEST(HttpServerTest, ServesHandlersOnAnOsChosenPort) {
  Registry r("dev");
  auto server = HttpServer::Start(
      "127.0.0.1:0",
      {{"/metrics", [&] { return HttpResponse{200, kPrometheusContentType, r.Serialize()}; }},
       {"/readyz", [] { return HttpResponse{503, "text/plain", "not ready\n"}; }}});
  ASSERT_TRUE(server.ok()) << server.error().message;
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  auto metrics = ferry::testing::HttpGet(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(Contains(metrics.body, "ferry_build_info"));
  EXPECT_EQ(ferry::testing::HttpGet(port, "/readyz").status, 503);
  EXPECT_EQ(ferry::testing::HttpGet(port, "/nope").status, 404);
  EXPECT_EQ(ferry::testing::HttpGet(port, "/metrics/extra").status, 404);
}

TEST(HttpServerTest, PortInUseIsAClearError) {
  auto first = HttpServer::Start("127.0.0.1:0", {});
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::Start("127.0.0.1:" + std::to_string((*first)->port()), {});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(Contains(second.error().message, "cannot serve HTTP")) << second.error().message;
}

}  // namespace
}  // namespace ferry::metrics
