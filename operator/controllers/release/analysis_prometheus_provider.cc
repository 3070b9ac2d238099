// The `prometheus` and `judge` providers (analysis_provider.h) over analysis/prometheus.h.
#include <algorithm>
#include <cmath>

#include "operator/analysis/judge.h"
#include "operator/analysis/prometheus.h"
#include "operator/controllers/release/analysis_provider.h"
#include "operator/controllers/release/analysis_record.h"
#include "operator/kube/client.h"

namespace ferry::release {

namespace an = ferry::analysis;

namespace {

// Standard base64 (RFC 4648) as Secret data is; nullopt when malformed.
std::optional<std::string> DecodeBase64(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') { ++pad; continue; }
    else return std::nullopt;
    if (pad > 0) return std::nullopt;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (pad > 2 || bits >= 6) return std::nullopt;
  return out;
}

}  // namespace

Result<std::string> ReadSecretKey(kube::Client& client, const std::string& ns,
                                  const api::SecretKeyRef& ref, const std::string& field) {
  auto secret = client.Get(kube::kSecrets, ns, ref.name);
  if (!secret.ok()) {
    return Error{field + ": cannot read Secret " + ns + "/" + ref.name + ": " +
                 secret.error().message};
  }
  const nlohmann::json data = secret->value("data", nlohmann::json::object());
  auto it = data.find(ref.key);
  if (it == data.end() || !it->is_string()) {
    return Error{field + ": Secret " + ns + "/" + ref.name + " has no key \"" + ref.key +
                 "\"; add it or fix the key"};
  }
  std::optional<std::string> value = DecodeBase64(it->get<std::string>());
  if (!value) return Error{field + ": Secret " + ns + "/" + ref.name + " key \"" + ref.key +
                        "\" is not valid base64"};
  return std::move(*value);
}

Result<an::PrometheusConfig> PrometheusConfigOf(const api::PrometheusProvider& p,
                                                const std::string& ns, kube::Client& client) {
  an::PrometheusConfig c;
  c.address = p.address;
  c.insecure_skip_verify = p.insecureSkipVerify;
  auto timeout = api::ParseDuration(p.timeout);
  if (!timeout.ok()) return Error{"prometheus.timeout: " + timeout.error().message};
  c.timeout = *timeout;
  if (p.bearerTokenSecretRef) {
    auto token = ReadSecretKey(client, ns, *p.bearerTokenSecretRef, "prometheus.bearerTokenSecretRef");
    if (!token.ok()) return token.error();
    // Secrets written with `echo` often end in a newline, which no token contains.
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
    c.bearer_token = std::move(*token);
  }
  if (p.caSecretRef) {
    auto ca = ReadSecretKey(client, ns, *p.caSecretRef, "prometheus.caSecretRef");
    if (!ca.ok()) return ca.error();
    c.ca_pem = std::move(*ca);
  }
  if (Status st = an::ValidatePrometheusConfig(c); !st.ok())
    return Error{"prometheus: " + st.error().message};
  return c;
}

namespace {

MeasureOutcome ErrorOutcome(std::string message, api::Time started, api::Time finished) {
  MeasureOutcome out;
  out.measurement.phase = api::kAnalysisError;
  out.measurement.message = std::move(message);
  out.measurement.startedAt = started;
  out.measurement.finishedAt = finished;
  return out;
}

Result<std::unique_ptr<an::PrometheusClient>> Connect(const api::PrometheusProvider& p,
                                                      const std::string& ns,
                                                      kube::Client& client) {
  auto config = PrometheusConfigOf(p, ns, client);
  if (!config.ok()) return config.error();
  return an::PrometheusClient::New(*config);
}

class PrometheusProvider final : public MeasurementProvider {
 public:
  PrometheusProvider(kube::Client& client, Clock& clock) : client_(client), clock_(clock) {}

  MeasureOutcome Measure(const MeasureRequest& r) override {
    const api::Time started = clock_.WallNow();
    const api::PrometheusProvider& p = *r.metric.provider.prometheus;
    auto conditions = ConditionsOf(r.metric, p.emptyResult);
    if (!conditions.ok()) return ErrorOutcome(conditions.error().message, started, clock_.WallNow());
    auto query = an::RenderQuery(p.query, r.vars);
    if (!query.ok()) return ErrorOutcome(query.error().message, started, clock_.WallNow());
    auto prom = Connect(p, r.release.metadata.namespace_, client_);
    if (!prom.ok()) return ErrorOutcome(prom.error().message, started, clock_.WallNow());
    const an::Measurement m = an::MeasureInstant(**prom, *query, *conditions, clock_);
    MeasureOutcome out;
    out.measurement = ToApiMeasurement(m);
    out.gauge = out.measurement.value;
    out.threshold = ThresholdOf(r.metric);
    return out;
  }

 private:
  kube::Client& client_;
  Clock& clock_;
};

double Median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

class JudgeProvider final : public MeasurementProvider {
 public:
  JudgeProvider(kube::Client& client, Clock& clock) : client_(client), clock_(clock) {}

  MeasureOutcome Measure(const MeasureRequest& r) override {
    const api::Time started = clock_.WallNow();
    auto fail = [&](std::string msg) { return ErrorOutcome(std::move(msg), started, clock_.WallNow()); };
    const api::JudgeProvider& j = *r.metric.provider.judge;
    auto spec = JudgeSpecOf(r.metric);
    if (!spec.ok()) return fail(spec.error().message);
    auto window = api::ParseDuration(j.window);
    if (!window.ok()) return fail("judge.window: " + window.error().message);
    auto step = api::ParseDuration(j.step);
    if (!step.ok() || step->count() <= 0)
      return fail("judge.step: " + (step.ok() ? std::string("must be positive") : step.error().message));
    const std::string canary_version = r.vars.vars.count(an::kVarCanaryVersion)
                                           ? r.vars.vars.at(an::kVarCanaryVersion) : "";
    const std::string stable_version = r.vars.vars.count(an::kVarStableVersion)
                                           ? r.vars.vars.at(an::kVarStableVersion) : "";
    auto canary_q = an::RenderQuery(j.prometheus.query, an::WithVersion(r.vars, canary_version));
    if (!canary_q.ok()) return fail("canary " + canary_q.error().message);
    auto stable_q = an::RenderQuery(j.prometheus.query, an::WithVersion(r.vars, stable_version));
    if (!stable_q.ok()) return fail("stable " + stable_q.error().message);
    auto prom = Connect(j.prometheus, r.release.metadata.namespace_, client_);
    if (!prom.ok()) return fail(prom.error().message);

    const an::WallTime end = r.now, start = r.now - *window;
    auto canary = an::RangeSamples(**prom, *canary_q, start, end, *step);
    if (!canary.ok()) return fail("canary: " + canary.error().message);
    auto stable = an::RangeSamples(**prom, *stable_q, start, end, *step);
    if (!stable.ok()) return fail("stable: " + stable.error().message);

    const an::MetricJudgement judgement = an::JudgeMetric(*spec, *canary, *stable);
    MeasureOutcome out;
    out.measurement =
        ToApiMeasurement(an::JudgementMeasurement(judgement, started, clock_.WallNow()));
    if (judgement.test) {
      const an::MannWhitneyResult& t = *judgement.test;
      api::JudgeResult jr;
      jr.u = t.u;
      jr.pValue = t.p_value;
      jr.effect = std::isfinite(t.median_ratio) ? t.median_ratio : 0;
      jr.canarySamples = static_cast<int32_t>(t.n_x);
      jr.stableSamples = static_cast<int32_t>(t.n_y);
      out.judge = jr;
      out.p_value = t.p_value;
    } else {
      api::JudgeResult jr;
      jr.canarySamples = static_cast<int32_t>(judgement.canary_samples);
      jr.stableSamples = static_cast<int32_t>(judgement.stable_samples);
      out.judge = jr;
    }
    const double canary_median = Median(*canary), stable_median = Median(*stable);
    if (std::isfinite(canary_median)) out.gauge = canary_median;
    if (std::isfinite(stable_median)) {
      out.threshold = j.direction == api::kDirectionDecrease ? stable_median / j.toleratedEffect
                                                             : stable_median * j.toleratedEffect;
    }
    return out;
  }

 private:
  kube::Client& client_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<MeasurementProvider> NewPrometheusProvider(kube::Client& client, Clock& clock) {
  return std::make_unique<PrometheusProvider>(client, clock);
}

std::unique_ptr<MeasurementProvider> NewJudgeProvider(kube::Client& client, Clock& clock) {
  return std::make_unique<JudgeProvider>(client, clock);
}

}  // namespace ferry::release
