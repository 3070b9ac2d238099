#include "operator/analysis/prometheus.h"

#include <cctype>
#include <cstdio>

#include "operator/base/json.h"
#include "operator/kube/http/transport.h"

namespace ferry::analysis {
namespace {

std::string UnixSeconds(WallTime t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// Float seconds: Prometheus' duration syntax ("15s") has no fractions, its float form does.
std::string Seconds(Millis d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ValidatePrometheusConfig(const PrometheusConfig& c) {
  if (!c.address.starts_with("http://") && !c.address.starts_with("https://"))
    return Error{"prometheus address \"" + c.address +
                 "\" must be an http:// or https:// URL, e.g. http://prometheus.monitoring:9090"};
  const std::size_t host = c.address.find("://") + 3;
  if (c.address.find('@', host) < c.address.find('/', host))
    return Error{"prometheus address must not carry credentials (user:password@); use a bearer "
                 "token from a Secret"};
  if (c.timeout.count() <= 0) return Error{"prometheus timeout must be positive"};
  return {};
}

Result<std::unique_ptr<PrometheusClient>> PrometheusClient::New(const PrometheusConfig& config) {
  if (Status s = ValidatePrometheusConfig(config); !s) return s.error();
  kube::http::TransportOptions opts;
  opts.server = config.address;
  while (opts.server.ends_with('/')) opts.server.pop_back();
  opts.tls.ca_pem = config.ca_pem;
  opts.tls.insecure = config.insecure_skip_verify;
  opts.user_agent = "ferry-operator/analysis";
  opts.timeout = config.timeout;
  auto transport = kube::http::NewTransport(opts);
  if (!transport) return Error{"prometheus: " + transport.error().message};
  return std::make_unique<PrometheusClient>(std::move(*transport), config);
}

PrometheusClient::PrometheusClient(std::unique_ptr<kube::http::Transport> transport,
                                   PrometheusConfig config)
    : transport_(std::move(transport)), config_(std::move(config)) {}

PrometheusClient::~PrometheusClient() = default;

Result<nlohmann::json> PrometheusClient::Query(std::string_view query,
                                               std::optional<WallTime> at) {
  std::string form = "query=" + FormEncode(query) + "&timeout=" + Seconds(config_.timeout);
  if (at) form += "&time=" + UnixSeconds(*at);
  return Post("/api/v1/query", form);
}

Result<nlohmann::json> PrometheusClient::QueryRange(std::string_view query, WallTime start,
                                                    WallTime end, Millis step) {
  if (step.count() <= 0) return Error{"prometheus: range query step must be positive"};
  if (end < start) return Error{"prometheus: range query ends before it starts"};
  const std::string form = "query=" + FormEncode(query) + "&start=" + UnixSeconds(start) +
                           "&end=" + UnixSeconds(end) + "&step=" + Seconds(step) +
                           "&timeout=" + Seconds(config_.timeout);
  return Post("/api/v1/query_range", form);
}

Result<nlohmann::json> PrometheusClient::Post(const std::string& path, const std::string& form) {
  kube::http::Request req;
  req.method = "POST";
  req.path_and_query = path;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  if (!config_.bearer_token.empty())
    req.headers.emplace_back("Authorization", "Bearer " + config_.bearer_token);
  req.body = form;
  auto resp = transport_->Send(req);
  const std::string where = "prometheus " + config_.address + path;
  if (!resp) return Error{where + ": " + resp.error().message};
  auto parsed = ParseJson(resp->body);
  nlohmann::json body = parsed ? std::move(parsed).value() : nlohmann::json();
  // Prometheus answers errors (400 bad_data, 422 execution, 503 timeout) with its JSON error
  // object; pass those on for the decoders to report with errorType and message.
  if (body.is_object() && body.contains("status")) return body;
  std::string quoted = Utf8Excerpt(resp->body, kMaxQuotedBody);
  return Error{where + ": HTTP " + std::to_string(resp->status) +
               (resp->status / 100 == 2 ? " with a body that is not Prometheus JSON"
                                        : ": " + quoted)};
}

Measurement MeasureInstant(PrometheusClient& client, std::string_view query,
                           const MeasurementConditions& conditions, Clock& clock) {
  const WallTime started = clock.WallNow();
  Result<nlohmann::json> body = client.Query(query);
  return EvaluateInstantQuery(body, conditions, started, clock.WallNow());
}

Result<std::vector<double>> RangeSamples(PrometheusClient& client, std::string_view query,
                                         WallTime start, WallTime end, Millis step) {
  auto body = client.QueryRange(query, start, end, step);
  if (!body) return body.error();
  auto series = DecodeRangeQuery(*body);
  if (!series) return series.error();
  return SampleValues(*series);
}

}  // namespace ferry::analysis

namespace ferry::analysis {

Measurement MeasureJudged(PrometheusClient& client, const MetricJudgeSpec& spec,
                          std::string_view canary_query, std::string_view stable_query,
                          WallTime start, WallTime end, Millis step, Clock& clock) {
  const WallTime started = clock.WallNow();
  auto canary = RangeSamples(client, canary_query, start, end, step);
  auto stable = canary ? RangeSamples(client, stable_query, start, end, step) : canary;
  if (!canary || !stable) {
    Measurement m;
    m.phase = MeasurementPhase::kError;
    m.started_at = started;
    m.finished_at = clock.WallNow();
    m.message = (!canary ? "canary: " + canary.error().message
                         : "stable: " + stable.error().message);
    return m;
  }
  return JudgementMeasurement(JudgeMetric(spec, *canary, *stable), started, clock.WallNow());
}

}  // namespace ferry::analysis
