// The Prometheus provider against a scripted HTTP(S) server (requests, bearer token, custom CA,
// timeouts, error bodies) and against a REAL prometheus server scraping an exporter this test
// controls, with one series per version.
#include "operator/analysis/prometheus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "operator/analysis/judge.h"
#include "operator/analysis/query_template.h"
#include "operator/kube/http/transport.h"
#include "tests/analysis/prometheus_server.h"
#include "tests/kube/test_server.h"

namespace ferry::analysis {
namespace {

namespace kt = ferry::kube::testing;
using testing::PrometheusServer;
using namespace std::chrono_literals;

// --- helpers --------------------------------------------------------------------------------

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    const std::string pair = body.substr(pos, amp - pos);
    const std::size_t eq = pair.find('=');
    std::string value;
    const std::string raw = eq == std::string::npos ? "" : pair.substr(eq + 1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        value += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    out[pair.substr(0, eq)] = value;
    pos = amp + 1;
  }
  return out;
}

const char* kVectorBody =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.25"]}]}})";

kt::Handler Answer(int status, std::string body, std::string type = "application/json") {
  return [=](const kt::HttpRequest&, kt::ResponseWriter& w) {
    w.Send(status, body, {{"Content-Type", type}});
  };
}

// --- against a scripted server ---------------------------------------------------------------

TEST(PrometheusClientTest, PostsFormEncodedQueriesWithBearerToken) {
  kt::TestServer server({.plain_http = true}, Answer(200, kVectorBody));
  auto client = PrometheusClient::New(
      {.address = server.Url() + "/", .bearer_token = "s3cr3t-token", .timeout = 5s});
  ASSERT_TRUE(client.ok()) << client.error().message;

  const std::string q = R"(sum(rate(x{code=~"5..",v="a b&c"}[5m])))";
  const WallTime at = WallTime{} + 1700000000123ms;
  auto body = (*client)->Query(q, at);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_DOUBLE_EQ(DecodeInstantQuery(*body)->values.at(0), 0.25);

  auto range = (*client)->QueryRange(q, at - 60s, at, 15s);
  ASSERT_TRUE(range.ok()) << range.error().message;

  const std::vector<kt::HttpRequest> reqs = server.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/api/v1/query");
  EXPECT_EQ(reqs[0].Header("authorization"), "Bearer s3cr3t-token");
  EXPECT_EQ(reqs[0].Header("content-type"), "application/x-www-form-urlencoded");
  auto form = ParseForm(reqs[0].body);
  EXPECT_EQ(form["query"], q);
  EXPECT_EQ(form["time"], "1700000000.123");
  EXPECT_EQ(form["timeout"], "5.000");
  EXPECT_EQ(reqs[1].path, "/api/v1/query_range");
  form = ParseForm(reqs[1].body);
  EXPECT_EQ(form["query"], q);
  EXPECT_EQ(form["start"], "1699999940.123");
  EXPECT_EQ(form["end"], "1700000000.123");
  EXPECT_EQ(form["step"], "15.000");
}

TEST(PrometheusClientTest, PathPrefixAndNoToken) {
  kt::TestServer server({.plain_http = true}, Answer(200, kVectorBody));
  auto client = PrometheusClient::New({.address = server.Url() + "/monitoring/prometheus/"});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Query("up").ok());
  const kt::HttpRequest req = server.Requests().at(0);
  EXPECT_EQ(req.path, "/monitoring/prometheus/api/v1/query");
  EXPECT_EQ(req.Header("authorization"), "");
}

TEST(PrometheusClientTest, ErrorAnswers) {
  {
    kt::TestServer server({.plain_http = true},
                          Answer(400, R"({"status":"error","errorType":"bad_data",)"
                                      R"("error":"1:5: parse error: unexpected \"}\""})"));
    auto client = PrometheusClient::New({.address = server.Url()});
    auto body = (*client)->Query("up}");
    ASSERT_TRUE(body.ok()) << "Prometheus' own error object is passed on";
    EXPECT_EQ(DecodeInstantQuery(*body).error().message,
              "prometheus: query failed (bad_data): 1:5: parse error: unexpected \"}\"");
  }
  {
    kt::TestServer server({.plain_http = true},
                          Answer(502, "<html>Bad Gateway</html>", "text/html"));
    auto client = PrometheusClient::New({.address = server.Url()});
    auto body = (*client)->Query("up");
    ASSERT_FALSE(body.ok());
    EXPECT_NE(body.error().message.find("HTTP 502: <html>Bad Gateway</html>"), std::string::npos)
        << body.error().message;
  }
  EXPECT_FALSE(PrometheusClient::New({.address = "prometheus:9090"}).ok());
  EXPECT_FALSE(PrometheusClient::New({.address = "http://admin:pw@prometheus:9090"}).ok());
  EXPECT_TRUE(ValidatePrometheusConfig({.address = "http://prometheus:9090/x@y"}).ok());
  EXPECT_FALSE(PrometheusClient::New({.address = "http://p:9090", .timeout = 0ms}).ok());
}

TEST(PrometheusClientTest, TimesOutOnASilentServer) {
  kt::TestServer server({.plain_http = true}, [](const kt::HttpRequest&, kt::ResponseWriter& w) {
    // Never answers; returns once the client gives up (bounded, in case it never does).
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!w.PeerClosed() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
  });
  auto client = PrometheusClient::New({.address = server.Url(), .timeout = 300ms});
  ASSERT_TRUE(client.ok());
  FakeClock clock;
  Measurement m = MeasureInstant(**client, "up", {}, clock);
  EXPECT_EQ(m.phase, MeasurementPhase::kError);
  EXPECT_NE(m.message.find("timed out"), std::string::npos) << m.message;
}

TEST(PrometheusClientTest, CustomCa) {
  kt::TempDir dir;
  kt::Pki pki(dir);
  kt::TestServer server({.cert_pem_path = dir.File("server.crt"),
                         .key_pem_path = dir.File("server.key")},
                        Answer(200, kVectorBody));
  auto trusted = PrometheusClient::New({.address = server.Url(), .ca_pem = pki.ca_crt});
  ASSERT_TRUE(trusted.ok()) << trusted.error().message;
  EXPECT_TRUE((*trusted)->Query("up").ok());

  auto other = PrometheusClient::New({.address = server.Url(), .ca_pem = pki.other_ca_crt});
  ASSERT_TRUE(other.ok());
  auto refused = (*other)->Query("up");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
      << refused.error().message;

  EXPECT_FALSE(PrometheusClient::New({.address = server.Url(), .ca_pem = "not a PEM"}).ok());
}

// --- against a real Prometheus ---------------------------------------------------------------

// Latency per version: v1 (stable) ~100 ms, v2 (bad canary) ~200 ms, v3 (good canary) ~100 ms;
// values move with every scrape so the samples are not all tied.
std::string ExporterBody(int scrape) {
  const double jitter = 0.001 * (scrape % 10);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "# TYPE ferry_test_latency_seconds gauge\n"
                "ferry_test_latency_seconds{version=\"v1\"} %.4f\n"
                "ferry_test_latency_seconds{version=\"v2\"} %.4f\n"
                "ferry_test_latency_seconds{version=\"v3\"} %.4f\n",
                0.100 + jitter, 0.200 + jitter, 0.1003 + jitter);
  return buf;
}

TEST(PrometheusIntegrationTest, MeasuresAndJudgesAgainstRealPrometheus) {
  kt::TempDir dir;
  std::atomic<int> scrapes{0};
  kt::TestServer exporter({.plain_http = true},
                          [&](const kt::HttpRequest& r, kt::ResponseWriter& w) {
                            if (r.path != "/metrics") return w.Send(404, "not found");
                            w.Send(200, ExporterBody(scrapes++),
                                   {{"Content-Type", "text/plain; version=0.0.4"}});
                          });
  PrometheusServer prom(dir, "127.0.0.1:" + std::to_string(exporter.port()));
  ASSERT_TRUE(prom.Start(60s)) << prom.Log();
  auto client = PrometheusClient::New({.address = prom.Url(), .timeout = 5s});
  ASSERT_TRUE(client.ok()) << client.error().message;
  PrometheusClient& c = **client;
  RealClock& clock = RealClock::Get();

  ReleaseInfo release{.release = "model", .namespace_name = "prod", .target = "model",
                      .canary = {"v2", "hash2", ""}, .stable = {"v1", "hash1", ""}};
  TemplateContext ctx = ReleaseContext(release);
  const std::string canary_q = R"(ferry_test_latency_seconds{version="{{canaryVersion}}"})";
  const std::string stable_q = R"(ferry_test_latency_seconds{version="{{stableVersion}}"})";
  constexpr std::size_t kSamples = 8;
  auto window = [&](const std::string& q) {
    const WallTime now = clock.WallNow();
    return RangeSamples(c, *RenderQuery(q, ctx), now - 120s, now, 1000ms);
  };

  // Poll (bounded) until Prometheus holds enough samples of each version for the judge.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    auto canary = window(canary_q), stable = window(stable_q);
    if (canary.ok() && stable.ok() && canary->size() >= kSamples && stable->size() >= kSamples)
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "too few samples after " << scrapes << " scrapes: "
        << (canary.ok() ? std::to_string(canary->size()) : canary.error().message) << "\n"
        << prom.Log();
    std::this_thread::sleep_for(250ms);
  }

  MeasurementConditions latency_ok;
  latency_ok.success = *Condition::Parse("result < 0.15");
  {
    SCOPED_TRACE("bad canary: instant query fails its condition");
    Measurement m = MeasureInstant(c, *RenderQuery(canary_q, ctx), latency_ok, clock);
    EXPECT_EQ(MeasurementPhaseName(m.phase), "Failed") << m.message;
    ASSERT_TRUE(m.value.has_value());
    EXPECT_NEAR(m.value->values.at(0), 0.2045, 0.0055);
  }
  {
    SCOPED_TRACE("good canary passes");
    TemplateContext good = ctx;
    good.vars[kVarCanaryVersion] = "v3";
    Measurement m = MeasureInstant(c, *RenderQuery(canary_q, good), latency_ok, clock);
    EXPECT_EQ(MeasurementPhaseName(m.phase), "Successful") << m.message;
  }
  {
    SCOPED_TRACE("empty result is inconclusive by default");
    TemplateContext none = ctx;
    none.vars[kVarCanaryVersion] = "v9";
    Measurement m = MeasureInstant(c, *RenderQuery(canary_q, none), latency_ok, clock);
    EXPECT_EQ(MeasurementPhaseName(m.phase), "Inconclusive") << m.message;
    EXPECT_EQ(m.message, "empty result");
  }
  {
    SCOPED_TRACE("a PromQL error is an Error measurement");
    Measurement m = MeasureInstant(c, "sum(ferry_test_latency_seconds", latency_ok, clock);
    EXPECT_EQ(MeasurementPhaseName(m.phase), "Error");
    EXPECT_NE(m.message.find("bad_data"), std::string::npos) << m.message;
  }
  {
    SCOPED_TRACE("the judge fails the bad canary and passes the good one");
    // One judge query; {{version}} takes each side's version in turn.
    const std::string judge_q = R"(ferry_test_latency_seconds{version="{{version}}"})";
    const MetricJudgeSpec spec{.name = "latency", .tolerance = 0.10, .min_samples = kSamples};
    const WallTime now = clock.WallNow();
    auto judge = [&](const std::string& canary_version) {
      return MeasureJudged(c, spec, *RenderQuery(judge_q, WithVersion(ctx, canary_version)),
                           *RenderQuery(judge_q, WithVersion(ctx, "v1")), now - 120s, now,
                           1000ms, clock);
    };
    Measurement bad = judge("v2");
    EXPECT_EQ(MeasurementPhaseName(bad.phase), "Failed") << bad.message;
    ASSERT_TRUE(bad.value.has_value());
    EXPECT_LT(bad.value->values.at(0), 0.02);  // the p-value
    Measurement ok = judge("v3");
    EXPECT_EQ(MeasurementPhaseName(ok.phase), "Successful") << ok.message;
    Measurement broken = MeasureJudged(c, spec, "sum(", *RenderQuery(stable_q, ctx), now - 120s,
                                       now, 1000ms, clock);
    EXPECT_EQ(MeasurementPhaseName(broken.phase), "Error");
    EXPECT_NE(broken.message.find("canary: "), std::string::npos) << broken.message;
  }
  {
    SCOPED_TRACE("an outage is counted as errors up to consecutiveErrorLimit");
    prom.Stop();
    MetricRunSpec run{.name = "latency", .interval = 1000ms, .count = 3};
    std::vector<Measurement> ms;
    for (int i = 0; i <= kDefaultConsecutiveErrorLimit; ++i) {
      EXPECT_EQ(DecideMetric(run, clock.WallNow(), ms, false).phase, RunPhase::kRunning);
      ms.push_back(MeasureInstant(c, *RenderQuery(canary_q, ctx), latency_ok, clock));
      EXPECT_EQ(MeasurementPhaseName(ms.back().phase), "Error") << ms.back().message;
    }
    MetricStatus st = DecideMetric(run, clock.WallNow(), ms, false);
    EXPECT_EQ(RunPhaseName(st.phase), "Failed") << st.message;
  }
}

}  // namespace
}  // namespace ferry::analysis
