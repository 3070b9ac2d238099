// Table test of Pipeline validation: each malformed variant of the sample yields exactly the
// expected error, naming the field and what would be valid.
#include <gtest/gtest.h>

#include <functional>

#include "operator/api/pipeline_types.h"
#include "tests/api/yaml_json.h"

namespace ferry::api {
namespace {

struct PipelineCase {
  const char* name;
  std::function<void(Json&)> mutate;
  std::string want;
};

// Sample stages: 0 lint, 1 unit-test, 2 build (dependsOn lint, unit-test), 3 smoke-test (build).
Json& Stage(Json& j, int i) { return j["spec"]["stages"][i]; }

const std::vector<PipelineCase>& PipelineCases() {
  static const std::vector<PipelineCase> cases = {
      {"DependsOnUnknownStage", [](Json& j) { Stage(j, 2)["dependsOn"][1] = "unit"; },
       "spec.stages[2].dependsOn[1]: stage \"unit\" does not exist in spec.stages"},
      {"DependsOnItself", [](Json& j) { Stage(j, 0)["dependsOn"] = {"lint"}; },
       "spec.stages[0].dependsOn[0]: a stage cannot depend on itself"},
      {"DependsOnTwice", [](Json& j) { Stage(j, 3)["dependsOn"] = {"build", "build"}; },
       "spec.stages[3].dependsOn[1]: \"build\" is listed twice"},
      {"Cycle", [](Json& j) { Stage(j, 0)["dependsOn"] = {"smoke-test"}; },
       "spec.stages[2].dependsOn: dependency cycle lint -> smoke-test -> build -> lint; stages must "
       "form a DAG"},
      {"DuplicateStageName", [](Json& j) { Stage(j, 1)["name"] = "lint"; Stage(j, 2)["dependsOn"] = {"lint"}; },
       "spec.stages[1].name: \"lint\" is used by two stages; names must be unique"},
      {"BadStageName", [](Json& j) { Stage(j, 0)["name"] = "Lint"; Stage(j, 2)["dependsOn"] = {"Lint", "unit-test"}; },
       "spec.stages[0].name: \"Lint\" is not valid: lower-case letters, digits and '-', starting "
       "and ending with a letter or digit, at most 63 characters"},
      {"NamesTooLongForJobs",
       [](Json& j) { j["metadata"]["name"] = std::string(40, 'p'); },
       "spec.stages[3].name: \"smoke-test\" is too long: pipeline and stage names together may have "
       "at most 49 characters (they name the stage's Jobs)"},
      {"NoStages", [](Json& j) { j["spec"]["stages"] = Json::array(); j["spec"].erase("handoff"); },
       "spec.stages: give at least one stage"},
      {"MissingImage", [](Json& j) { Stage(j, 0).erase("image"); }, "spec.stages[0].image: is required"},
      {"ResultOfStageNotDependedOn", [](Json& j) { Stage(j, 0)["args"][0] = "echo $(stages.build.result)"; },
       "spec.stages[0].args[0]: $(stages.build.result) is not known yet here: add \"build\" to this "
       "stage's dependsOn (directly or through another stage)"},
      {"ResultOfUnknownStage", [](Json& j) { Stage(j, 3)["env"][0]["value"] = "$(stages.train.result)"; },
       "spec.stages[3].env[0].value: $(stages.train.result) names no stage of spec.stages"},
      {"UnknownFerryVariable", [](Json& j) { Stage(j, 2)["args"][2] = "--destination=r/x:$(run.sha)"; },
       "spec.stages[2].args[2]: unknown variable $(run.sha); use $(revision), $(run.id), "
       "$(run.number), $(source.url), $(source.ref) or $(stages.<name>.result)"},
      {"TransitiveResultIsVisible", [](Json& j) { Stage(j, 3)["env"][0]["value"] = "$(stages.lint.result)"; Stage(j, 3)["image"] = "x"; },
       ""},
      {"ValueAndValueFrom", [](Json& j) { Stage(j, 3)["env"][1]["value"] = "x"; },
       "spec.stages[3].env[1]: set value or valueFrom, not both"},
      {"ValueFromBothSources",
       [](Json& j) { Stage(j, 3)["env"][1]["valueFrom"]["configMapKeyRef"] = {{"name", "c"}, {"key", "k"}}; },
       "spec.stages[3].env[1].valueFrom: set exactly one of secretKeyRef, configMapKeyRef"},
      {"BadQuantity", [](Json& j) { Stage(j, 1)["resources"]["limits"]["memory"] = "4 GB"; },
       "spec.stages[1].resources.limits.memory: \"4 GB\" is not a quantity, e.g. \"500m\" or \"1Gi\""},
      {"BadTimeout", [](Json& j) { Stage(j, 0)["timeout"] = "5"; },
       "spec.stages[0].timeout: \"5\" is not a duration (missing or unknown unit at position 1); "
       "use a number and a unit of ms, s, m or h, e.g. \"30s\", \"5m\", \"1h30m\""},
      {"TooManyRetries", [](Json& j) { Stage(j, 1)["retries"] = 11; },
       "spec.stages[1].retries: 11 is not in 0..10"},
      {"RelativeMountPath", [](Json& j) { Stage(j, 2)["secretMounts"][0]["mountPath"] = "kaniko/.docker"; },
       "spec.stages[2].secretMounts[0].mountPath: \"kaniko/.docker\" must be an absolute path"},
      {"RelativeWorkingDir", [](Json& j) { Stage(j, 0)["workingDir"] = "src"; },
       "spec.stages[0].workingDir: \"src\" must be an absolute path"},
      {"BadGitUrl", [](Json& j) { j["spec"]["source"]["url"] = "github.com/acme/churn-model"; },
       "spec.source.url: \"github.com/acme/churn-model\" is not a git URL; use "
       "https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git"},
      {"BadRef", [](Json& j) { j["spec"]["source"]["ref"] = "feature..x"; },
       "spec.source.ref: \"feature..x\" is not a valid git ref, e.g. \"main\" or \"refs/tags/v1\""},
      {"BadRevision", [](Json& j) { j["spec"]["source"]["revision"] = "HEAD"; },
       "spec.source.revision: \"HEAD\" is not a commit id: 7 to 64 lower-case hex digits"},
      {"BadProvider", [](Json& j) { j["spec"]["triggers"]["webhook"]["provider"] = "Bitbucket"; },
       "spec.triggers.webhook.provider: \"Bitbucket\" is not one of GitHub, Gitea, GitLab, Generic"},
      {"GenericWithoutHeader", [](Json& j) { j["spec"]["triggers"]["webhook"]["provider"] = "Generic"; },
       "spec.triggers.webhook.signatureHeader: is required for the Generic provider, e.g. "
       "\"X-Signature-256\""},
      {"HeaderWithGitHub", [](Json& j) { j["spec"]["triggers"]["webhook"]["signatureHeader"] = "X-Sig"; },
       "spec.triggers.webhook.signatureHeader: applies only to the Generic provider; GitHub has its "
       "own header"},
      {"HandoffWithoutImage", [](Json& j) { j["spec"]["handoff"].erase("image"); },
       "spec.handoff.image: is required"},
      {"HandoffUnknownStage", [](Json& j) { j["spec"]["handoff"]["image"] = "r/x@$(stages.package.result)"; },
       "spec.handoff.image: $(stages.package.result) names no stage of spec.stages"},
      {"HandoffBadVersion", [](Json& j) { j["spec"]["handoff"]["version"] = "release 7"; },
       "spec.handoff.version: \"release 7\" is not a valid label value"},
      {"BadConcurrencyPolicy", [](Json& j) { j["spec"]["concurrencyPolicy"] = "Allow"; },
       "spec.concurrencyPolicy: \"Allow\" is not one of Replace, Queue, Forbid"},
      {"ZeroRunTimeout", [](Json& j) { j["spec"]["timeout"] = "0"; },
       "spec.timeout: \"0\" must be longer than 0, e.g. \"30s\""},
      {"HistoryLimitTooHigh", [](Json& j) { j["spec"]["historyLimit"] = 500; },
       "spec.historyLimit: 500 is not in 1..100"},
      {"BadServiceAccount", [](Json& j) { j["spec"]["serviceAccountName"] = "Builder"; },
       "spec.serviceAccountName: \"Builder\" is not a valid name: lower-case letters, digits, '-' "
       "and '.', starting and ending with a letter or digit, at most 253 characters"},
  };
  return cases;
}

void PrintTo(const PipelineCase& c, std::ostream* os) { *os << c.name; }

class PipelineValidationTest : public ::testing::TestWithParam<PipelineCase> {};

TEST_P(PipelineValidationTest, NamesTheFieldAndTheFix) {
  const PipelineCase& c = GetParam();
  Json doc = testing::LoadSample(testing::kPipelineSample);
  c.mutate(doc);
  auto p = DecodePipeline(doc);
  ASSERT_TRUE(p.ok()) << JoinErrors(p.error());
  FieldErrors errs = ValidatePipeline(*p);
  if (c.want.empty()) {
    EXPECT_TRUE(errs.empty()) << JoinErrors(errs);
    return;
  }
  ASSERT_EQ(errs.size(), 1u) << JoinErrors(errs);
  EXPECT_EQ(errs[0].ToString(), c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, PipelineValidationTest, ::testing::ValuesIn(PipelineCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PipelineValidationTest, SampleIsValid) {
  auto p = DecodePipeline(testing::LoadSample(testing::kPipelineSample));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(ValidatePipeline(*p).empty()) << JoinErrors(ValidatePipeline(*p));
}

TEST(PipelineValidationTest, ReportsEachCycleOnceAndEveryOtherError) {
  Json doc = testing::LoadSample(testing::kPipelineSample);
  Stage(doc, 0)["dependsOn"] = {"unit-test"};
  Stage(doc, 1)["dependsOn"] = {"lint"};
  Stage(doc, 1)["retries"] = 20;
  auto p = DecodePipeline(doc);
  FieldErrors errs = ValidatePipeline(*p);
  ASSERT_EQ(errs.size(), 2u) << JoinErrors(errs);
  EXPECT_EQ(errs[0].ToString(),
            "spec.stages[1].dependsOn: dependency cycle lint -> unit-test -> lint; stages must form a DAG");
  EXPECT_EQ(errs[1].path, "spec.stages[1].retries");
}

}  // namespace
}  // namespace ferry::api
