// Each verb's method, path, query, content type and body, paging, retries, errors and the
// request hook, against the local HTTPS server.
#include <atomic>
#include <mutex>

#include "operator/base/log.h"

#include "tests/kube/client_fixture.h"

namespace ferry::kube::testing {
namespace {

const nlohmann::json kRelease = {
    {"apiVersion", "ferry.dev/v1alpha1"},
    {"kind", "Release"},
    {"metadata", {{"name", "alpha"}, {"namespace", "ferry-demo"}, {"resourceVersion", "42"}}},
    {"spec", {{"version", "1.2.3"}, {"channel", "stable"}}}};

// Echoes the object it was sent (or a stub) with 200.
Handler Echo() {
  return [](const HttpRequest& req, ResponseWriter& w) {
    w.Send(200, req.body.empty() || req.method == "DELETE" ? kRelease.dump() : req.body);
  };
}

struct VerbCase {
  std::string name;
  std::function<Result<nlohmann::json>(Client&)> call;
  std::string method, path, content_type;
  std::map<std::string, std::string> query;
  std::function<void(const nlohmann::json& body)> check_body;
};

TEST_F(ClientTest, EachVerbSendsItsMethodPathQueryAndContentType) {
  auto server = Serve(Echo());
  auto client = NewClient(ConfigFor(*server));
  const std::string base = "/apis/ferry.dev/v1alpha1/namespaces/ferry-demo/releases";
  const VerbCase cases[] = {
      {"get", [](Client& c) { return c.Get(kReleases, "ferry-demo", "alpha", {"0"}); }, "GET",
       base + "/alpha", "", {{"resourceVersion", "0"}}, nullptr},
      {"list",
       [](Client& c) {
         return c.List(kReleases, "ferry-demo",
                       {"app=ferry,tier in (edge)", "metadata.name=alpha", 2, "tok", "", ""});
       },
       "GET", base, "",
       {{"labelSelector", "app=ferry,tier in (edge)"}, {"fieldSelector", "metadata.name=alpha"},
        {"limit", "2"}, {"continue", "tok"}},
       nullptr},
      {"list all namespaces", [](Client& c) { return c.List(kReleases, ""); }, "GET",
       "/apis/ferry.dev/v1alpha1/releases", "", {}, nullptr},
      {"create", [](Client& c) { return c.Create(kReleases, kRelease, {true, "ferry"}); }, "POST", base,
       "application/json", {{"dryRun", "All"}, {"fieldManager", "ferry"}},
       [](const nlohmann::json& b) { EXPECT_EQ(b["spec"]["version"], "1.2.3"); }},
      {"update", [](Client& c) { return c.Update(kReleases, kRelease); }, "PUT", base + "/alpha",
       "application/json", {},
       [](const nlohmann::json& b) { EXPECT_EQ(b["metadata"]["resourceVersion"], "42"); }},
      {"update status", [](Client& c) { return c.UpdateStatus(kReleases, kRelease); }, "PUT",
       base + "/alpha/status", "application/json", {}, nullptr},
      {"merge patch",
       [](Client& c) {
         return c.Patch(kReleases, "ferry-demo", "alpha", PatchType::kMerge,
                        {{"spec", {{"channel", nullptr}}}});
       },
       "PATCH", base + "/alpha", "application/merge-patch+json", {},
       [](const nlohmann::json& b) { EXPECT_TRUE(b["spec"]["channel"].is_null()); }},
      {"json patch on status",
       [](Client& c) {
         return c.Patch(kReleases, "ferry-demo", "alpha", PatchType::kJson,
                        nlohmann::json::array({{{"op", "replace"}, {"path", "/status/phase"}, {"value", "Done"}}}),
                        {false, "", "status"});
       },
       "PATCH", base + "/alpha/status", "application/json-patch+json", {},
       [](const nlohmann::json& b) { EXPECT_TRUE(b.is_array()); }},
      {"strategic merge patch",
       [](Client& c) {
         return c.Patch(kDeployments, "apps-demo", "web", PatchType::kStrategicMerge,
                        {{"spec", {{"paused", true}}}});
       },
       "PATCH", "/apis/apps/v1/namespaces/apps-demo/deployments/web",
       "application/strategic-merge-patch+json", {}, nullptr},
      {"apply",
       [](Client& c) { return c.Apply(kReleases, kRelease, {"ferry-operator", true}); },
       "PATCH", base + "/alpha", "application/apply-patch+yaml",
       {{"fieldManager", "ferry-operator"}, {"force", "true"}},
       [](const nlohmann::json& b) { EXPECT_EQ(b["kind"], "Release"); }},
      {"delete",
       [](Client& c) {
         return c.Delete(kReleases, "ferry-demo", "alpha", {"Foreground", 0, "uid-1", "42", true});
       },
       "DELETE", base + "/alpha", "application/json", {},
       [](const nlohmann::json& b) {
         EXPECT_EQ(b["kind"], "DeleteOptions");
         EXPECT_EQ(b["propagationPolicy"], "Foreground");
         EXPECT_EQ(b["gracePeriodSeconds"], 0);
         EXPECT_EQ(b["preconditions"]["uid"], "uid-1");
         EXPECT_EQ(b["preconditions"]["resourceVersion"], "42");
         EXPECT_EQ(b["dryRun"], nlohmann::json::array({"All"}));
       }},
      {"get scale", [](Client& c) { return c.GetScale(kDeployments, "apps-demo", "web"); }, "GET",
       "/apis/apps/v1/namespaces/apps-demo/deployments/web/scale", "", {}, nullptr},
      {"update scale",
       [](Client& c) {
         return c.UpdateScale(kReleases, "ferry-demo", "alpha",
                              {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"},
                               {"metadata", {{"name", "alpha"}}}, {"spec", {{"replicas", 5}}}});
       },
       "PUT", base + "/alpha/scale", "application/json", {},
       [](const nlohmann::json& b) { EXPECT_EQ(b["spec"]["replicas"], 5); }},
      {"cluster-scoped get", [](Client& c) { return c.Get(kNamespaces, "", "doomed"); }, "GET",
       "/api/v1/namespaces/doomed", "", {}, nullptr},
  };
  for (const auto& c : cases) {
    size_t before = server->Requests().size();
    auto r = c.call(*client);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().ToString();
    auto reqs = server->Requests();
    ASSERT_EQ(reqs.size(), before + 1) << c.name;
    const auto& req = reqs.back();
    EXPECT_EQ(req.method, c.method) << c.name;
    EXPECT_EQ(req.path, c.path) << c.name;
    EXPECT_EQ(req.query, c.query) << c.name;
    EXPECT_EQ(req.Header("content-type"), c.content_type) << c.name;
    if (c.check_body) c.check_body(nlohmann::json::parse(req.body));
  }
}

TEST_F(ClientTest, GetPathForDiscovery) {
  auto server = Serve(Reply(200, R"({"major":"1","minor":"19","gitVersion":"v1.19.0"})"));
  auto client = NewClient(ConfigFor(*server));
  auto version = client->GetPath("/version");
  ASSERT_TRUE(version.ok()) << version.error().ToString();
  EXPECT_EQ((*version)["gitVersion"], "v1.19.0");
  EXPECT_EQ(server->Requests().at(0).target, "/version");
}

TEST_F(ClientTest, NonJsonSuccessBodyIsADecodeError) {
  auto server = Serve(Reply(200, "<html>proxy login</html>"));
  auto r = NewClient(ConfigFor(*server))->Get(kPods, "default", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Error::Kind::kDecode);
  EXPECT_NE(r.error().message.find("proxy login"), std::string::npos);
}

TEST_F(ClientTest, SilentServerTimesOut) {
  auto server = Serve([](const HttpRequest&, ResponseWriter& w) {
    // Never answers until the client hangs up.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!w.PeerClosed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  Config cfg = ConfigFor(*server);
  cfg.timeout = std::chrono::milliseconds(300);
  ClientOptions opts;
  opts.retry.max_attempts = 1;
  auto r = NewClient(cfg, opts)->Get(kPods, "default", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Error::Kind::kTimeout) << r.error().ToString();
  EXPECT_TRUE(IsTimeout(r.error()));
}

std::vector<std::string>* g_log_lines = nullptr;

TEST_F(ClientTest, ServerWarningsAreLoggedOnce) {
  std::vector<std::string> lines;
  g_log_lines = &lines;
  log::SetSink([](std::string_view line) { g_log_lines->emplace_back(line); });
  auto server = Serve([](const HttpRequest&, ResponseWriter& w) {
    w.Send(200, R"({"kind":"IngressList","items":[]})",
           {{"Warning", "299 - \"extensions/v1beta1 Ingress is deprecated in v1.14+\""}});
  });
  auto client = NewClient(ConfigFor(*server));
  const ResourceRef old_ingresses{"extensions", "v1beta1", "ingresses", "Ingress", true};
  ASSERT_TRUE(client->List(old_ingresses, "ferry-demo").ok());
  ASSERT_TRUE(client->List(old_ingresses, "ferry-demo").ok());
  log::SetSink(nullptr);
  int warnings = 0;
  for (const auto& l : lines) warnings += l.find("is deprecated in v1.14+") != std::string::npos;
  EXPECT_EQ(warnings, 1);
}

TEST_F(ClientTest, InvalidArgumentsFailBeforeSending) {
  auto server = Serve(Echo());
  auto client = NewClient(ConfigFor(*server));
  EXPECT_EQ(client->Get(kPods, "", "p").error().kind, Error::Kind::kConfig);  // namespaced
  EXPECT_EQ(client->Get(kPods, "ns", "").error().kind, Error::Kind::kConfig);
  EXPECT_EQ(client->Apply(kReleases, kRelease, {}).error().kind, Error::Kind::kConfig);
  EXPECT_EQ(client->Patch(kReleases, "ns", "a", PatchType::kJson, {{"op", "x"}}).error().kind,
            Error::Kind::kConfig);
  EXPECT_EQ(client->Update(kReleases, {{"spec", {}}}).error().kind, Error::Kind::kConfig);
  EXPECT_TRUE(server->Requests().empty());
}

TEST_F(ClientTest, ObjectsWithoutNamespaceGoToTheDefaultNamespace) {
  auto server = Serve(Echo());
  Config cfg = ConfigFor(*server);
  cfg.default_namespace = "team-a";
  auto client = NewClient(cfg);
  nlohmann::json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}};
  ASSERT_TRUE(client->Create(kConfigMaps, cm).ok());
  EXPECT_EQ(server->Requests().back().path, "/api/v1/namespaces/team-a/configmaps");
}

TEST_F(ClientTest, ListAllFollowsContinueTokens) {
  auto server = Serve([](const HttpRequest& req, ResponseWriter& w) {
    auto it = req.query.find("continue");
    std::string page = it == req.query.end() ? "" : it->second;
    nlohmann::json list = {{"kind", "ReleaseList"}, {"metadata", {{"resourceVersion", "226"}}}};
    if (page.empty()) {
      list["items"] = {{{"metadata", {{"name", "a"}}}}, {{"metadata", {{"name", "b"}}}}};
      list["metadata"]["continue"] = "page2";
      list["metadata"]["remainingItemCount"] = 3;
    } else if (page == "page2") {
      list["items"] = {{{"metadata", {{"name", "c"}}}}, {{"metadata", {{"name", "d"}}}}};
      list["metadata"]["continue"] = "page3";
    } else {
      list["items"] = {{{"metadata", {{"name", "e"}}}}};
      list["metadata"]["continue"] = "";
    }
    w.Send(200, list.dump());
  });
  auto client = NewClient(ConfigFor(*server));
  auto all = client->ListAll(kReleases, "ferry-demo", {"", "", 2});
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  ASSERT_EQ((*all)["items"].size(), 5u);
  EXPECT_EQ((*all)["items"][4]["metadata"]["name"], "e");
  EXPECT_EQ((*all)["metadata"]["resourceVersion"], "226");
  EXPECT_FALSE((*all)["metadata"].contains("continue"));
  auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].query.at("limit"), "2");
  EXPECT_EQ(reqs[0].query.count("continue"), 0u);
  EXPECT_EQ(reqs[1].query.at("continue"), "page2");
  EXPECT_EQ(reqs[2].query.at("continue"), "page3");
  EXPECT_EQ(reqs[2].query.at("limit"), "2");
}

TEST_F(ClientTest, ApiErrorsAreTyped) {
  auto server = Serve([](const HttpRequest& req, ResponseWriter& w) {
    if (req.path.ends_with("/nosuch")) {
      w.Send(404, StatusBody(404, "NotFound", "releases.ferry.dev \\\"nosuch\\\" not found"));
    } else {
      w.Send(404, "404 page not found\n", {{"Content-Type", "text/plain; charset=utf-8"}});
    }
  });
  auto client = NewClient(ConfigFor(*server));
  auto r = client->Get(kReleases, "ferry-demo", "nosuch");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNotFound(r.error()));
  EXPECT_EQ(r.error().message, "releases.ferry.dev \"nosuch\" not found");
  auto plain = client->List(kReleases, "ferry-demo");
  ASSERT_FALSE(plain.ok());
  EXPECT_TRUE(IsNotFound(plain.error()));
}

TEST_F(ClientTest, NetworkFailureIsItsOwnKind) {
  int port;
  {
    auto server = Serve(Echo());
    port = server->port();
  }
  Config cfg;
  cfg.server = "https://127.0.0.1:" + std::to_string(port);
  cfg.ca_pem = pki_.ca_crt;
  ClientOptions opts;
  opts.retry.max_attempts = 1;
  auto r = NewClient(cfg, opts)->Get(kPods, "default", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNetwork(r.error()));
  EXPECT_FALSE(IsServerError(r.error()));
}

TEST_F(ClientTest, HookSeesEveryRequest) {
  auto server = Serve([](const HttpRequest& req, ResponseWriter& w) {
    w.Send(req.method == "GET" ? 200 : 409, req.method == "GET" ? kRelease.dump()
                                                               : StatusBody(409, "Conflict", "stale"));
  });
  std::mutex mu;
  std::vector<RequestInfo> seen;
  ClientOptions opts;
  opts.hook = [&](const RequestInfo& info) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(info);
  };
  auto client = NewClient(ConfigFor(*server), opts);
  ASSERT_TRUE(client->Get(kReleases, "ferry-demo", "alpha").ok());
  ASSERT_FALSE(client->UpdateStatus(kReleases, kRelease).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].verb, "get");
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].resource, "releases.ferry.dev");
  EXPECT_EQ(seen[0].status_code, 200);
  EXPECT_EQ(seen[0].host, "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(seen[1].verb, "update");
  EXPECT_EQ(seen[1].resource, "releases.ferry.dev/status");
  EXPECT_EQ(seen[1].status_code, 409);
}

// Runs `call` on a thread; the client waits between attempts on the FakeClock.
TEST_F(ClientTest, RetriesTooManyRequestsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  auto server = Serve([&](const HttpRequest&, ResponseWriter& w) {
    if (++calls == 1) {
      w.Send(429, StatusBody(429, "TooManyRequests", "slow down"), {{"Retry-After", "2"}});
    } else {
      w.Send(201, kRelease.dump());
    }
  });
  FakeClock clock;
  ClientOptions opts;
  opts.clock = &clock;
  auto client = NewClient(ConfigFor(*server), opts);
  std::atomic<bool> done{false};
  Result<nlohmann::json> result = Error::Cancelled();
  std::thread t([&] {
    result = client->Create(kReleases, kRelease);  // POST: retried on 429 only
    done = true;
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(calls.load(), 1);
  clock.Advance(std::chrono::milliseconds(1999));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_FALSE(done.load());
  EXPECT_EQ(calls.load(), 1);
  clock.Advance(std::chrono::milliseconds(1));
  t.join();
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(ClientTest, Retries503WithExponentialBackoffOnIdempotentVerbsOnly) {
  std::atomic<int> calls{0};
  auto server = Serve([&](const HttpRequest&, ResponseWriter& w) {
    ++calls;
    w.Send(503, StatusBody(503, "ServiceUnavailable", "etcd leader changed"));
  });
  FakeClock clock;
  ClientOptions opts;
  opts.clock = &clock;
  opts.retry = {3, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  auto client = NewClient(ConfigFor(*server), opts);
  Result<nlohmann::json> result = Error::Cancelled();
  std::thread t([&] { result = client->Get(kReleases, "ferry-demo", "alpha"); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(std::chrono::milliseconds(100));  // first backoff
  ASSERT_TRUE(Eventually([&] { return calls.load() == 2; }));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(std::chrono::milliseconds(199));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(calls.load(), 2);
  clock.Advance(std::chrono::milliseconds(1));  // second backoff: 200 ms
  t.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, 503);
  EXPECT_EQ(calls.load(), 3);  // bounded attempts

  calls = 0;
  auto created = client->Create(kReleases, kRelease);  // POST is not repeated on 503
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(IsServerError(created.error()));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ClientTest, RateLimiterPacesRequests) {
  auto server = Serve(Echo());
  FakeClock clock;
  ClientOptions opts;
  opts.clock = &clock;
  Config cfg = ConfigFor(*server);
  cfg.qps = 10;
  cfg.burst = 2;
  auto client = NewClient(cfg, opts);
  ASSERT_TRUE(client->Get(kReleases, "ferry-demo", "alpha").ok());
  ASSERT_TRUE(client->Get(kReleases, "ferry-demo", "alpha").ok());
  std::atomic<bool> done{false};
  std::thread t([&] {
    EXPECT_TRUE(client->Get(kReleases, "ferry-demo", "alpha").ok());
    done = true;
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(server->Requests().size(), 2u);
  clock.Advance(std::chrono::milliseconds(100));
  t.join();
  EXPECT_EQ(server->Requests().size(), 3u);
}

}  // namespace
}  // namespace ferry::kube::testing
