// Watch behaviour against the recorded streams (watch/*.txt): initial state, resumption, selectors
// (including DELETED when an object stops matching), bookmarks, 410 Expired, timeouts, framing,
// and many concurrent watchers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "sim_client.h"

namespace simtest {
namespace {

const std::string kReleases = "/apis/ferry.dev/v1alpha1/namespaces/watch-demo/releases";

json crd_body() {
  std::ifstream in(transcripts_dir() + "/crd/01-create-crd.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str())["request"]["body"];
}

json release(const std::string& name, const json& labels = json::object()) {
  json r = {{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"},
            {"metadata", {{"name", name}}}, {"spec", {{"version", "1.0.0"}, {"channel", "stable"}}}};
  if (!labels.empty()) r["metadata"]["labels"] = labels;
  return r;
}

/// Event types of a recorded stream, in order.
std::vector<std::string> recorded_types(const std::string& file) {
  std::ifstream in(transcripts_dir() + "/" + file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line)["type"]);
  }
  return out;
}

std::vector<std::string> types(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(json::parse(l)["type"]);
  return out;
}

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sim_.ok());
    client_.post_json("/api/v1/namespaces", {{"metadata", {{"name", "watch-demo"}}}});
    ASSERT_EQ(client_.post_json("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd_body()).status, 201);
  }
  std::string list_rv() { return client_.get(kReleases).json_body()["metadata"]["resourceVersion"]; }
  void bump(const std::string& name) {
    ASSERT_EQ(client_.patch(kReleases + "/" + name, {{"spec", {{"replicas", 2}}}}).status, 200);
  }

  SimProcess sim_{{"--bookmark-interval", "0.3", "--watch-history", "40"}};
  HttpClient client_{sim_.port()};
};

TEST_F(WatchTest, InitialStateThenLiveEventsLikeRecording) {
  for (const char* n : {"lbl-a", "w-one", "w-two", "w-three"}) client_.post_json(kReleases, release(n));
  for (const char* rv : {"&resourceVersion=0", ""}) {
    auto w = client_.open_watch(kReleases + "?watch=true&timeoutSeconds=3" + std::string(rv));
    ASSERT_EQ(w->status(), 200);
    std::vector<std::string> lines;
    for (int i = 0; i < 4; ++i) lines.push_back(w->next_line(std::chrono::seconds(5)));
    bump("w-two");
    bump("w-three");
    for (int i = 0; i < 2; ++i) lines.push_back(w->next_line(std::chrono::seconds(5)));
    std::vector<std::string> want = recorded_types(rv[0] ? "watch/03-rv0-initial-state.txt" : "watch/04-no-rv-initial-state.txt");
    EXPECT_EQ(types(lines), want);
    EXPECT_EQ(w->next_line(std::chrono::seconds(6)), "");
    EXPECT_TRUE(w->ended()) << "server ends the stream at timeoutSeconds";
    client_.patch(kReleases + "/w-two", {{"spec", {{"replicas", 1}}}});
    client_.patch(kReleases + "/w-three", {{"spec", {{"replicas", 1}}}});
  }
}

TEST_F(WatchTest, FromListResourceVersionOnlyLaterChanges) {
  for (const char* n : {"w-one", "w-two", "w-three"}) client_.post_json(kReleases, release(n));
  std::string rv = list_rv();
  bump("w-two");
  bump("w-three");
  auto s = client_.watch(kReleases + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv, 10, std::chrono::seconds(5));
  EXPECT_EQ(types(s.lines), recorded_types("watch/05-from-list-rv.txt"));
  auto one = client_.watch(kReleases + "?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dw-two&resourceVersion=" + rv,
                           10, std::chrono::seconds(5));
  EXPECT_EQ(types(one.lines), recorded_types("watch/06-field-selector-name.txt"));
  EXPECT_EQ(json::parse(one.lines.at(0))["object"]["metadata"]["name"], "w-two");
}

TEST_F(WatchTest, LabelSelectorLeaveAndEnterLikeRecording) {
  auto w = client_.open_watch(kReleases + "?watch=true&labelSelector=tier%3Dfrontend&timeoutSeconds=10");
  client_.post_json(kReleases, release("lbl-a", {{"tier", "frontend"}}));
  client_.patch(kReleases + "/lbl-a", {{"spec", {{"replicas", 2}}}});
  client_.patch(kReleases + "/lbl-a", {{"metadata", {{"labels", {{"tier", "backend"}}}}}});
  std::string left_rv = client_.get(kReleases + "/lbl-a").json_body()["metadata"]["resourceVersion"];
  client_.patch(kReleases + "/lbl-a", {{"spec", {{"replicas", 3}}}});
  client_.patch(kReleases + "/lbl-a", {{"metadata", {{"labels", {{"tier", "frontend"}}}}}});
  client_.post_json(kReleases, release("lbl-b", {{"tier", "backend"}}));
  client_.patch(kReleases + "/lbl-b", {{"metadata", {{"labels", {{"tier", "frontend"}}}}}});
  client_.request("DELETE", kReleases + "/lbl-b");
  std::vector<std::string> lines;
  for (int i = 0; i < 6; ++i) lines.push_back(w->next_line(std::chrono::seconds(5)));
  EXPECT_EQ(types(lines), recorded_types("watch/02-label-selector-leave-and-enter.txt"));
  json left = json::parse(lines.at(2))["object"];
  EXPECT_EQ(left["metadata"]["labels"]["tier"], "frontend") << "DELETED carries the last matching state";
  EXPECT_EQ(left["metadata"]["resourceVersion"], left_rv) << "...with the new resourceVersion";
}

TEST_F(WatchTest, TooOldResourceVersionIsErrorEvent410) {
  for (int i = 0; i < 60; ++i) client_.post_json(kReleases, release("r" + std::to_string(i)));
  auto s = client_.watch(kReleases + "?watch=true&resourceVersion=2&timeoutSeconds=5", 5, std::chrono::seconds(5));
  ASSERT_EQ(s.status, 200);
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_TRUE(s.ended_by_server);
  json got = json::parse(s.lines[0]);
  std::ifstream in(transcripts_dir() + "/watch/12-watch-rv-older-than-watch-cache-410.txt");
  std::string recorded;
  std::getline(in, recorded);
  json want = json::parse(recorded);
  EXPECT_EQ(got["type"], want["type"]);
  for (const char* k : {"kind", "apiVersion", "status", "reason", "code"}) EXPECT_EQ(got["object"][k], want["object"][k]) << k;
  EXPECT_TRUE(std::regex_match(got["object"]["message"].get<std::string>(),
                               std::regex(R"(too old resource version: 2 \(\d+\))")));
}

TEST_F(WatchTest, BookmarksOnlyWhenAsked) {
  client_.post_json(kReleases, release("b1"));
  auto s = client_.watch(kReleases + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=2&resourceVersion=" + list_rv(), 3,
                         std::chrono::seconds(4));
  ASSERT_FALSE(s.lines.empty());
  json b = json::parse(s.lines[0]);
  EXPECT_EQ(b["type"], "BOOKMARK");
  EXPECT_EQ(b["object"]["kind"], "Release");
  EXPECT_EQ(b["object"]["apiVersion"], "ferry.dev/v1alpha1");
  EXPECT_TRUE(b["object"]["metadata"].contains("resourceVersion"));
  auto none = client_.watch(kReleases + "?watch=true&timeoutSeconds=1&resourceVersion=" + list_rv(), 3, std::chrono::seconds(3));
  EXPECT_TRUE(none.lines.empty());
}

TEST_F(WatchTest, FinalizerRemovalDeletedEventCarriesPreviousState) {
  json r = release("zeta");
  r["metadata"]["finalizers"] = {"ferry.dev/cleanup"};
  client_.post_json(kReleases, r);
  std::string rv = list_rv();
  client_.request("DELETE", kReleases + "/zeta");
  auto removed = client_.patch(kReleases + "/zeta", {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_EQ(removed.status, 200);
  auto s = client_.watch(kReleases + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv, 5, std::chrono::seconds(3));
  ASSERT_EQ(types(s.lines), (std::vector<std::string>{"MODIFIED", "DELETED"}));
  json deleted = json::parse(s.lines[1])["object"];
  EXPECT_EQ(deleted["metadata"]["finalizers"], json::array({"ferry.dev/cleanup"}));
  EXPECT_EQ(client_.get(kReleases + "/zeta").status, 404);
}

TEST_F(WatchTest, ChunkedFramingAndManyConcurrentWatchers) {
  constexpr int kWatchers = 40;
  std::vector<std::unique_ptr<HttpClient::WatchHandle>> watchers;
  for (int i = 0; i < kWatchers; ++i) watchers.push_back(client_.open_watch(kReleases + "?watch=true&timeoutSeconds=20"));
  client_.post_json(kReleases, release("fanout"));
  for (auto& w : watchers) {
    std::string line = w->next_line(std::chrono::seconds(10));
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(json::parse(line)["object"]["metadata"]["name"], "fanout");
  }
  auto raw = client_.request("GET", kReleases + "?watch=true&timeoutSeconds=1");
  EXPECT_EQ(raw.header("transfer-encoding"), "chunked");
  EXPECT_EQ(raw.header("content-type"), "application/json");
}

TEST_F(WatchTest, DeploymentRolloutProgressingReasonsLikeRecording) {
  client_.post_json("/api/v1/namespaces", {{"metadata", {{"name", "apps-demo"}}}});
  std::ifstream in(transcripts_dir() + "/deployment/04-create.json");
  std::stringstream ss;
  ss << in.rdbuf();
  json create = json::parse(ss.str())["request"]["body"];
  const std::string deployments = "/apis/apps/v1/namespaces/apps-demo/deployments";
  ASSERT_EQ(client_.post_json(deployments, create).status, 201);
  auto done = [&](const std::string& reason) {
    for (int i = 0; i < 100; ++i) {
      json d = client_.get(deployments + "/web").json_body();
      for (const auto& c : d["status"].value("conditions", json::array())) {
        if (c["type"] == "Progressing" && c["reason"] == reason && d["status"].value("updatedReplicas", 0) == 3 &&
            d["status"].value("availableReplicas", 0) == 3 && d["status"].value("replicas", 0) == 3) {
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(done("NewReplicaSetAvailable"));
  std::string rv = client_.get(deployments).json_body()["metadata"]["resourceVersion"];
  auto w = client_.open_watch(deployments + "?watch=true&fieldSelector=metadata.name%3Dweb&timeoutSeconds=15&resourceVersion=" + rv);
  client_.patch(deployments + "/web", {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "web"}, {"image", "registry.example/web:2.0"}}}}}}}}}}},
                "application/strategic-merge-patch+json");
  std::vector<std::string> reasons;
  for (int i = 0; i < 60; ++i) {
    std::string line = w->next_line(std::chrono::seconds(5));
    if (line.empty()) break;
    json d = json::parse(line)["object"];
    for (const auto& c : d["status"].value("conditions", json::array())) {
      if (c["type"] == "Progressing" && (reasons.empty() || reasons.back() != c["reason"])) reasons.push_back(c["reason"]);
    }
    if (!reasons.empty() && reasons.back() == "NewReplicaSetAvailable" && reasons.size() > 1 &&
        d["status"].value("updatedReplicas", 0) == 3 && d["status"].value("availableReplicas", 0) == 3 &&
        d["status"].value("replicas", 0) == 3) {
      break;
    }
  }
  std::vector<std::string> want;
  std::ifstream rec(transcripts_dir() + "/deployment/08-watch-deployment-rollout.txt");
  for (std::string line; std::getline(rec, line);) {
    json d = json::parse(line)["object"];
    for (const auto& c : d["status"].value("conditions", json::array())) {
      if (c["type"] == "Progressing" && (want.empty() || want.back() != c["reason"])) want.push_back(c["reason"]);
    }
  }
  EXPECT_EQ(reasons, want);
}

}  // namespace
}  // namespace simtest
