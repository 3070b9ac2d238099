// Table test of Release validation: each malformed variant of a valid sample yields exactly the
// expected error, naming the field and what would be valid.
#include <gtest/gtest.h>

#include <functional>

#include "operator/api/release_types.h"
#include "tests/api/yaml_json.h"

namespace ferry::api {
namespace {

struct ReleaseCase {
  const char* name;
  const char* sample;
  std::function<void(Json&)> mutate;
  std::string want;  // one error, exactly
};

const char kCanary[] = "release_canary_model.yaml";
const char kGateway[] = "release_gateway_canary.yaml";
const char kBlueGreen[] = "release_bluegreen_web.yaml";

Json& Steps(Json& j) { return j["spec"]["strategy"]["canary"]["steps"]; }
Json& Metric0(Json& j) { return j["spec"]["analysis"]["metrics"][0]; }
Json& Judge(Json& j) { return j["spec"]["analysis"]["metrics"][1]["provider"]["judge"]; }

const std::vector<ReleaseCase>& ReleaseCases() {
  static const std::vector<ReleaseCase> cases = {
      {"WeightAbove100", kCanary, [](Json& j) { Steps(j)[3]["setWeight"] = 140; },
       "spec.strategy.canary.steps[3].setWeight: 140 is not in 0..100"},
      {"WeightDecreases", kCanary, [](Json& j) { Steps(j)[3]["setWeight"] = 5; },
       "spec.strategy.canary.steps[3].setWeight: 5 is lower than the previous setWeight 10; "
       "weights must not decrease (abort to go back to stable)"},
      {"TwoActionsInAStep", kCanary, [](Json& j) { Steps(j)[0]["pause"] = Json::object(); },
       "spec.strategy.canary.steps[0]: set exactly one of setWeight, pause, analysis, "
       "setHeaderRoute, setMirror, setCanaryScale (2 set)"},
      {"EmptyStep", kCanary, [](Json& j) { Steps(j)[0] = Json::object(); },
       "spec.strategy.canary.steps[0]: set exactly one of setWeight, pause, analysis, "
       "setHeaderRoute, setMirror, setCanaryScale (0 set)"},
      {"NoSteps", kCanary, [](Json& j) { Steps(j) = Json::array(); j["spec"]["strategy"]["canary"].erase("analysis"); },
       "spec.strategy.canary.steps: give at least one step, e.g. - setWeight: 20"},
      {"BadPauseDuration", kCanary, [](Json& j) { Steps(j)[1]["pause"]["duration"] = "5 minutes"; },
       "spec.strategy.canary.steps[1].pause.duration: \"5 minutes\" is not a duration (missing or "
       "unknown unit at position 1); use a number and a unit of ms, s, m or h, e.g. \"30s\", "
       "\"5m\", \"1h30m\""},
      {"ZeroPauseDuration", kCanary, [](Json& j) { Steps(j)[1]["pause"]["duration"] = "0s"; },
       "spec.strategy.canary.steps[1].pause.duration: \"0s\" must be longer than 0, e.g. \"30s\""},
      {"UnknownMetric", kCanary, [](Json& j) { Steps(j)[2]["analysis"]["metrics"][1] = "p50"; },
       "spec.strategy.canary.steps[2].analysis.metrics[1]: metric \"p50\" is not defined in "
       "spec.analysis.metrics (defined: error-rate, p99-latency, prediction-quality)"},
      {"MetricListedTwice", kCanary, [](Json& j) { Steps(j)[2]["analysis"]["metrics"][1] = "error-rate"; },
       "spec.strategy.canary.steps[2].analysis.metrics[1]: \"error-rate\" is listed twice"},
      {"BackgroundStartsAfterLastStep", kCanary,
       [](Json& j) { j["spec"]["strategy"]["canary"]["analysis"]["startingStep"] = 9; },
       "spec.strategy.canary.analysis.startingStep: 9 is not in 0..8"},
      {"BothStrategies", kCanary,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"] = {{"activeService", "web"}}; },
       "spec.strategy: set exactly one of canary, blueGreen"},
      {"NoStrategy", kCanary, [](Json& j) { j["spec"]["strategy"] = Json::object(); },
       "spec.strategy: set exactly one of canary, blueGreen"},
      {"BadVersion", kCanary, [](Json& j) { j["spec"]["version"] = "v7 final"; },
       "spec.version: \"v7 final\" is not a valid label value: at most 63 of letters, digits, "
       "'-', '_' and '.', starting and ending with a letter or digit, e.g. \"v1.4.2\""},
      {"MissingVersion", kCanary, [](Json& j) { j["spec"].erase("version"); }, "spec.version: is required"},
      {"BadTargetName", kCanary, [](Json& j) { j["spec"]["targetRef"]["name"] = "Churn_Model"; },
       "spec.targetRef.name: \"Churn_Model\" is not a valid name: lower-case letters, digits, '-' "
       "and '.', starting and ending with a letter or digit, at most 253 characters"},
      {"TargetNotDeployment", kCanary, [](Json& j) { j["spec"]["targetRef"]["kind"] = "StatefulSet"; },
       "spec.targetRef.kind: \"StatefulSet\" is not supported; use \"Deployment\""},
      {"LongName", kCanary, [](Json& j) { j["metadata"]["name"] = std::string(57, 'a'); },
       "metadata.name: \"" + std::string(57, 'a') + "\" is longer than 56 characters; Ferry "
                                                     "derives \"<name>-canary\" objects from it"},
      {"DuplicateEnv", kCanary,
       [](Json& j) { j["spec"]["template"]["containers"][0]["env"].push_back({{"name", "MODEL_URI"}, {"value", "x"}}); },
       "spec.template.containers[0].env[1].name: \"MODEL_URI\" is set twice"},
      {"ContainerChangesNothing", kCanary,
       [](Json& j) { j["spec"]["template"]["containers"][0] = {{"name", "server"}}; },
       "spec.template.containers[0]: change something: set image, env or both"},
      {"ReservedLabel", kCanary,
       [](Json& j) { j["spec"]["template"]["metadata"]["labels"]["ferry.dev/version"] = "x"; },
       "spec.template.metadata.labels: \"ferry.dev/version\" is reserved: Ferry sets labels under "
       "ferry.dev/ itself"},
      {"DuplicateMetricName", kCanary, [](Json& j) { j["spec"]["analysis"]["metrics"].push_back(Metric0(j)); },
       "spec.analysis.metrics[3].name: \"error-rate\" is defined twice; metric names must be unique"},
      {"TwoProviders", kCanary,
       [](Json& j) {
         Metric0(j)["provider"]["job"]["spec"]["template"]["spec"]["containers"] = {{{"name", "x"}}};
       },
       "spec.analysis.metrics[0].provider: set exactly one of prometheus, job, judge (2 set)"},
      {"PrometheusWithoutCondition", kCanary,
       [](Json& j) { Metric0(j).erase("successCondition"); Metric0(j).erase("failureCondition"); },
       "spec.analysis.metrics[0]: a prometheus metric needs successCondition, failureCondition or "
       "thresholdRange, e.g. successCondition: \"result < 0.01\""},
      {"JudgeWithCondition", kCanary,
       [](Json& j) { j["spec"]["analysis"]["metrics"][1]["successCondition"] = "result < 1"; },
       "spec.analysis.metrics[1]: successCondition, failureCondition and thresholdRange apply only "
       "to the prometheus provider; a job or judge decides by itself"},
      {"BadAddress", kCanary,
       [](Json& j) { Metric0(j)["provider"]["prometheus"]["address"] = "prometheus:9090"; },
       "spec.analysis.metrics[0].provider.prometheus.address: \"prometheus:9090\" is not an "
       "http(s) URL, e.g. \"http://prometheus.monitoring:9090\""},
      {"UnknownPlaceholder", kCanary,
       [](Json& j) { Metric0(j)["provider"]["prometheus"]["query"] = "up{v=\"{{canary}}\"}"; },
       "spec.analysis.metrics[0].provider.prometheus.query: unknown placeholder {{canary}}; use "
       "one of {{release}} {{namespace}} {{target}} {{canaryVersion}} {{stableVersion}} "
       "{{canaryHash}} {{stableHash}} {{canaryService}} {{stableService}} {{args.NAME}}"},
      {"JudgeQueryWithoutVersion", kCanary,
       [](Json& j) { Judge(j)["prometheus"]["query"] = "up"; },
       "spec.analysis.metrics[1].provider.judge.prometheus.query: a judge query must select one "
       "version with {{version}}, e.g. rate(http_requests_total{version=\"{{version}}\"}[1m])"},
      {"ConfidenceOutOfRange", kCanary, [](Json& j) { Judge(j)["confidence"] = 1.0; },
       "spec.analysis.metrics[1].provider.judge.confidence: 1.000000 is not in [0.5, 1), e.g. 0.98"},
      {"BadDirection", kCanary, [](Json& j) { Judge(j)["direction"] = "Up"; },
       "spec.analysis.metrics[1].provider.judge.direction: \"Up\" is not one of Increase, Decrease, Either"},
      {"ToleratedEffectBelowOne", kCanary, [](Json& j) { Judge(j)["toleratedEffect"] = 0.9; },
       "spec.analysis.metrics[1].provider.judge.toleratedEffect: 0.900000 must be at least 1 (a "
       "ratio of medians; 1.1 tolerates 10%)"},
      {"WindowTooShortForSamples", kCanary, [](Json& j) { Judge(j)["window"] = "2m"; },
       "spec.analysis.metrics[1].provider.judge.window: \"2m\" holds only 4 samples of step "
       "\"30s\" but minSamples is 10; lengthen the window or shorten the step"},
      {"NegativeFailureLimit", kCanary, [](Json& j) { Metric0(j)["failureLimit"] = -1; },
       "spec.analysis.metrics[0].failureLimit: -1 is not in 0..10000"},
      {"BadInterval", kCanary, [](Json& j) { Metric0(j)["interval"] = "1 min"; },
       "spec.analysis.metrics[0].interval: \"1 min\" is not a duration (missing or unknown unit "
       "at position 1); use a number and a unit of ms, s, m or h, e.g. \"30s\", \"5m\", \"1h30m\""},
      {"BadOnInconclusive", kCanary, [](Json& j) { j["spec"]["analysis"]["onInconclusive"] = "Retry"; },
       "spec.analysis.onInconclusive: \"Retry\" is not one of Pause, Fail"},
      {"ScoringInverted", kGateway, [](Json& j) { j["spec"]["analysis"]["scoring"] = {{"pass", 60}, {"marginal", 70}}; },
       "spec.analysis.scoring.marginal: 70 must not exceed pass (60)"},
      {"ThresholdRangeInverted", kGateway,
       [](Json& j) { j["spec"]["analysis"]["metrics"][3]["thresholdRange"] = {{"min", 2}, {"max", 1}}; },
       "spec.analysis.metrics[3].thresholdRange: min 2.000000 is greater than max 1.000000"},
      {"HeaderRouteWithoutRouting", kGateway,
       [](Json& j) { j["spec"]["strategy"]["canary"].erase("trafficRouting"); Steps(j)[0] = {{"setWeight", 0}}; Steps(j)[1] = {{"setWeight", 0}}; Steps(j)[3] = {{"setWeight", 0}}; Steps(j)[6] = {{"setWeight", 0}}; Steps(j)[7] = {{"setWeight", 0}}; },
       "spec.strategy.canary.steps[4].setHeaderRoute: needs spec.strategy.canary.trafficRouting "
       "(replica-ratio mode cannot route by header, mirror or scale apart from the weight)"},
      {"MirrorWithNginx", kGateway,
       [](Json& j) {
         auto& r = j["spec"]["strategy"]["canary"]["trafficRouting"];
         r.erase("gatewayAPI");
         r["nginx"] = {{"stableIngress", "recommender"}};
         Steps(j)[3] = {{"setWeight", 0}};
       },
       "spec.strategy.canary.steps[1].setMirror: mirroring needs trafficRouting.gatewayAPI"},
      {"TwoRouters", kGateway,
       [](Json& j) { j["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"] = {{"stableIngress", "r"}}; },
       "spec.strategy.canary.trafficRouting: set exactly one of gatewayAPI, nginx (2 set)"},
      {"CanaryServiceEqualsStable", kGateway,
       [](Json& j) { j["spec"]["strategy"]["canary"]["trafficRouting"]["canaryService"] = "recommender"; },
       "spec.strategy.canary.trafficRouting.canaryService: must differ from stableService"},
      {"BadHeaderName", kGateway, [](Json& j) { Steps(j)[4]["setHeaderRoute"]["match"][0]["name"] = "X Team"; },
       "spec.strategy.canary.steps[4].setHeaderRoute.match[0].name: \"X Team\" is not an HTTP header name"},
      {"MirrorAbove100", kGateway, [](Json& j) { Steps(j)[1]["setMirror"]["percentage"] = 120; },
       "spec.strategy.canary.steps[1].setMirror.percentage: 120 is not in 0..100"},
      {"ScaleTwoWays", kGateway, [](Json& j) { Steps(j)[0]["setCanaryScale"]["weight"] = 10; },
       "spec.strategy.canary.steps[0].setCanaryScale: set exactly one of weight, replicas, matchTrafficWeight"},
      {"PreviewEqualsActive", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["previewService"] = "storefront"; },
       "spec.strategy.blueGreen.previewService: must differ from activeService"},
      {"BadActiveService", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["activeService"] = "1web"; },
       "spec.strategy.blueGreen.activeService: \"1web\" is not a valid Service name: lower-case "
       "letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 "
       "characters"},
      {"PrePromotionUnknownMetric", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["prePromotionAnalysis"]["metrics"] = {"smoke"}; },
       "spec.strategy.blueGreen.prePromotionAnalysis.metrics[0]: metric \"smoke\" is not defined in "
       "spec.analysis.metrics (defined: smoke-test, error-ratio)"},
      {"JobWithoutContainers", kBlueGreen,
       [](Json& j) { j["spec"]["analysis"]["metrics"][0]["provider"]["job"]["spec"] = Json::object(); },
       "spec.analysis.metrics[0].provider.job.spec.template.spec.containers: a Job analysis needs "
       "a JobSpec with at least one container"},
      {"MissingArg", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["postPromotionAnalysis"].erase("args"); },
       "spec.strategy.blueGreen.postPromotionAnalysis.metrics[0]: metric \"error-ratio\" uses "
       "{{args.service}}: add {name: service, value: ...} to "
       "spec.strategy.blueGreen.postPromotionAnalysis.args"},
      {"BadArgName", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["prePromotionAnalysis"]["args"].push_back({{"name", "2nd"}, {"value", "x"}}); },
       "spec.strategy.blueGreen.prePromotionAnalysis.args[1].name: \"2nd\" is not a valid "
       "argument name: letters, digits, '_' and '-', starting with a letter"},
      {"NegativeScaleDownDelay", kBlueGreen,
       [](Json& j) { j["spec"]["strategy"]["blueGreen"]["scaleDownDelaySeconds"] = -5; },
       "spec.strategy.blueGreen.scaleDownDelaySeconds: -5 is not in 0..86400"},
      {"HistoryLimitZero", kBlueGreen, [](Json& j) { j["spec"]["historyLimit"] = 0; },
       "spec.historyLimit: 0 is not in 1..100"},
      {"ProgressDeadlineZero", kBlueGreen, [](Json& j) { j["spec"]["progressDeadlineSeconds"] = 0; },
       "spec.progressDeadlineSeconds: 0 is not in 1..86400"},
  };
  return cases;
}

void PrintTo(const ReleaseCase& c, std::ostream* os) { *os << c.name; }

class ReleaseValidationTest : public ::testing::TestWithParam<ReleaseCase> {};

TEST_P(ReleaseValidationTest, NamesTheFieldAndTheFix) {
  const ReleaseCase& c = GetParam();
  Json doc = testing::LoadSample(c.sample);
  c.mutate(doc);
  auto r = DecodeRelease(doc);
  ASSERT_TRUE(r.ok()) << JoinErrors(r.error());
  FieldErrors errs = ValidateRelease(*r);
  ASSERT_EQ(errs.size(), 1u) << JoinErrors(errs);
  EXPECT_EQ(errs[0].ToString(), c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, ReleaseValidationTest, ::testing::ValuesIn(ReleaseCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ReleaseValidationTest, MirrorAndHeaderRoutesNeedCanaryPods) {
  Json doc = testing::LoadSample(kGateway);
  Steps(doc)[0]["setCanaryScale"] = {{"replicas", 0}};
  auto r = DecodeRelease(doc);
  ASSERT_TRUE(r.ok());
  FieldErrors errs = ValidateRelease(*r);
  ASSERT_EQ(errs.size(), 2u) << JoinErrors(errs);
  EXPECT_EQ(errs[0].ToString(),
            "spec.strategy.canary.steps[1].setMirror: mirrors requests to a canary with no pods at "
            "this step; add a step before it such as setCanaryScale: {replicas: 1}");
  EXPECT_EQ(errs[1].path, "spec.strategy.canary.steps[4].setHeaderRoute");
  // Removing a header route (no match) or a mirror (0%) needs no pods.
  Steps(doc)[1]["setMirror"]["percentage"] = 0;
  Steps(doc)[4]["setHeaderRoute"].erase("match");
  EXPECT_TRUE(ValidateRelease(*DecodeRelease(doc)).empty());
}

TEST(ReleaseValidationTest, ReturnsEveryErrorAtOnce) {
  Json doc = testing::LoadSample(kCanary);
  Steps(doc)[0]["setWeight"] = 140;
  Steps(doc)[1]["pause"]["duration"] = "soon";
  doc["spec"]["historyLimit"] = 0;
  auto r = DecodeRelease(doc);
  ASSERT_TRUE(r.ok());
  FieldErrors errs = ValidateRelease(*r);
  std::vector<std::string> paths;
  for (const auto& e : errs) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"spec.strategy.canary.steps[0].setWeight",
                                             "spec.strategy.canary.steps[1].pause.duration",
                                             "spec.historyLimit"}));
}

}  // namespace
}  // namespace ferry::api
