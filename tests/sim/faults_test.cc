// The fault knobs of /sim (and the flags): failing requests (500, 429 + Retry-After), latency,
// dropping watches, compaction (410 for old watches and continue tokens), history length,
// restarts with state kept or lost, and the --state-file round trip.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "sim_client.h"

namespace simtest {
namespace {

const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";

json configmap(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
}

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sim_.ok()); }
  HttpResponse admin(const std::string& path, const json& body) { return client_.request("POST", path, body.dump()); }
  std::string list_rv() { return client_.get(kConfigMaps).json_body()["metadata"]["resourceVersion"]; }

  SimProcess sim_;
  HttpClient client_{sim_.port()};
};

TEST_F(FaultsTest, FailNextRequestsWith500ThenRecover) {
  ASSERT_EQ(admin("/sim/faults", {{"failNext", {{"count", 2}, {"code", 500}}}}).status, 200);
  EXPECT_EQ(client_.get(kConfigMaps).status, 500);
  HttpResponse second = client_.get(kConfigMaps);
  EXPECT_EQ(second.status, 500);
  EXPECT_EQ(second.json_body()["kind"], "Status");
  EXPECT_EQ(client_.get(kConfigMaps).status, 200);
}

TEST_F(FaultsTest, TooManyRequestsCarriesRetryAfter) {
  admin("/sim/faults", {{"failNext", {{"count", 1}, {"code", 429}, {"retryAfterSeconds", 3}}}});
  HttpResponse r = client_.get(kConfigMaps);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "3");
  EXPECT_EQ(r.json_body()["reason"], "TooManyRequests");
  EXPECT_EQ(r.json_body()["details"]["retryAfterSeconds"], 3);
}

TEST_F(FaultsTest, FailuresCanTargetAPathPrefix) {
  admin("/sim/faults", {{"failNext", {{"count", 1}, {"code", 500}, {"pathPrefix", "/apis/apps"}}}});
  EXPECT_EQ(client_.get(kConfigMaps).status, 200);
  EXPECT_EQ(client_.get("/apis/apps/v1/namespaces/default/deployments").status, 500);
  EXPECT_EQ(client_.get("/apis/apps/v1/namespaces/default/deployments").status, 200);
}

TEST_F(FaultsTest, LatencyIsAddedAndCleared) {
  admin("/sim/faults", {{"latencyMs", 300}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client_.get(kConfigMaps).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(client_.request("DELETE", "/sim/faults").json_body()["latencyMs"], 0);
}

TEST_F(FaultsTest, DropWatchesEndsOpenStreams) {
  auto w = client_.open_watch(kConfigMaps + "?watch=true&timeoutSeconds=60");
  ASSERT_EQ(w->status(), 200);
  admin("/sim/faults", {{"dropWatches", true}});
  EXPECT_EQ(w->next_line(std::chrono::seconds(5)), "");
  EXPECT_TRUE(w->ended());
}

TEST_F(FaultsTest, CompactionForcesExpiredWatchAndContinue) {
  for (int i = 0; i < 3; ++i) client_.post_json(kConfigMaps, configmap("c" + std::to_string(i)));
  std::string rv = list_rv();
  std::string token = client_.get(kConfigMaps + "?limit=1").json_body()["metadata"]["continue"];
  client_.post_json(kConfigMaps, configmap("after"));
  ASSERT_EQ(admin("/sim/compact", json::object()).status, 200);
  auto s = client_.watch(kConfigMaps + "?watch=true&timeoutSeconds=2&resourceVersion=" + rv, 3, std::chrono::seconds(4));
  ASSERT_EQ(s.lines.size(), 1u);
  json ev = json::parse(s.lines[0]);
  EXPECT_EQ(ev["type"], "ERROR");
  EXPECT_EQ(ev["object"]["code"], 410);
  EXPECT_EQ(ev["object"]["reason"], "Expired");
  HttpResponse cont = client_.get(kConfigMaps + "?limit=1&continue=" + token);
  EXPECT_EQ(cont.status, 410);
  EXPECT_FALSE(cont.json_body()["metadata"]["continue"].get<std::string>().empty());
  HttpResponse exact = client_.get(kConfigMaps + "?resourceVersionMatch=Exact&resourceVersion=" + rv);
  EXPECT_EQ(exact.status, 410);
}

TEST_F(FaultsTest, HistoryLengthBoundsResumption) {
  admin("/sim/faults", {{"historyLength", 5}});
  std::string rv = list_rv();
  for (int i = 0; i < 10; ++i) client_.post_json(kConfigMaps, configmap("h" + std::to_string(i)));
  auto s = client_.watch(kConfigMaps + "?watch=true&timeoutSeconds=2&resourceVersion=" + rv, 3, std::chrono::seconds(4));
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(json::parse(s.lines[0])["object"]["code"], 410);
  std::string recent = list_rv();
  client_.post_json(kConfigMaps, configmap("late"));
  auto ok = client_.watch(kConfigMaps + "?watch=true&timeoutSeconds=1&resourceVersion=" + recent, 3, std::chrono::seconds(3));
  ASSERT_EQ(ok.lines.size(), 1u);
  EXPECT_EQ(json::parse(ok.lines[0])["type"], "ADDED");
}

TEST_F(FaultsTest, RestartKeepsOrLosesState) {
  client_.post_json(kConfigMaps, configmap("kept"));
  auto w = client_.open_watch(kConfigMaps + "?watch=true&timeoutSeconds=60&resourceVersion=" + list_rv());
  ASSERT_EQ(admin("/sim/restart", {{"keepState", true}}).status, 200);
  EXPECT_EQ(w->next_line(std::chrono::seconds(5)), "");
  EXPECT_TRUE(w->ended()) << "a restart drops watches";
  EXPECT_EQ(client_.get(kConfigMaps + "/kept").status, 200);
  ASSERT_EQ(admin("/sim/restart", {{"keepState", false}}).status, 200);
  EXPECT_EQ(client_.get(kConfigMaps + "/kept").status, 404);
  EXPECT_EQ(client_.get("/api/v1/namespaces/default").status, 200) << "a fresh cluster has its default namespaces";
}

TEST(FaultsStateFile, StateSurvivesAProcessRestart) {
  std::string file = (std::filesystem::temp_directory_path() /
                      ("kube-sim-state-" + std::to_string(::getpid()) + ".json")).string();
  std::filesystem::remove(file);
  {
    SimProcess sim({"--state-file", file});
    ASSERT_TRUE(sim.ok());
    HttpClient c(sim.port());
    ASSERT_EQ(c.post_json(kConfigMaps, configmap("durable")).status, 201);
    EXPECT_EQ(sim.terminate(), 0);
  }
  SimProcess again({"--state-file", file});
  ASSERT_TRUE(again.ok());
  HttpClient c(again.port());
  HttpResponse r = c.get(kConfigMaps + "/durable");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json_body()["data"]["k"], "v");
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace simtest
