// The sample of docs/PIPELINES.md (config/samples/pipeline_model_server.yaml handing off to
// release_canary_model.yaml) run through the controller's pure core: DAG waves, Jobs, results
// flowing into later stages and into the hand-off, a retried stage.
#include <gtest/gtest.h>

#include "operator/api/release_types.h"
#include "operator/controllers/pipeline/dag.h"
#include "operator/controllers/pipeline/handoff.h"
#include "operator/controllers/pipeline/job_builder.h"
#include "operator/controllers/pipeline/substitution.h"
#include "tests/api/yaml_json.h"

namespace ferry::pipeline {
namespace {

using api::testing::LoadYamlFile;
using api::testing::SourcePath;

constexpr char kRevision[] = "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f";
constexpr char kDigest[] =
    "sha256:4c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";

api::Pipeline LoadPipeline() {
  auto docs = LoadYamlFile(SourcePath("config/samples/pipeline_model_server.yaml"));
  EXPECT_EQ(docs.size(), 1u);
  auto p = api::DecodePipeline(docs.at(0));
  EXPECT_TRUE(p.ok());
  api::Pipeline out = p.value();
  out.metadata.uid = "uid-1";
  EXPECT_TRUE(api::ValidatePipeline(out).empty());
  return out;
}

// What the cluster would report for a finished Job of `stage`: the build writes the digest.
StageOutcome Finish(const Json& job, bool fail) {
  std::string stage = job["metadata"]["labels"][kLabelStage];
  Json term = {{"exitCode", fail ? 1 : 0},
               {"message", stage == "build" ? std::string(kDigest) + "\n" : ""}};
  Json pod = {{"metadata", {{"creationTimestamp", "2026-11-25T10:00:00Z"}}},
              {"status",
               {{"containerStatuses",
                 Json::array({{{"name", "stage"}, {"state", {{"terminated", term}}}}})}}}};
  Json done = job;
  done["status"]["conditions"] = Json::array({{{"type", fail ? "Failed" : "Complete"},
                                               {"status", "True"},
                                               {"reason", fail ? "BackoffLimitExceeded" : ""}}});
  return ReadStageOutcome(done, {pod});
}

TEST(SampleRun, WavesResultsRetryAndHandoff) {
  api::Pipeline p = LoadPipeline();
  RunVariables vars{kRevision, "churn-model-7", 7, p.spec.source.url, p.spec.source.ref, {}};
  std::map<std::string, StageState> states;
  std::vector<std::vector<std::string>> waves;
  std::map<std::string, Json> jobs;
  bool unit_failed_once = false;
  for (int pass = 0; pass < 10; ++pass) {
    RunPlan plan = PlanRun(p.spec.stages, states);
    if (plan.outcome != RunOutcome::kRunning) break;
    std::vector<std::string> wave;
    for (const auto& start : plan.start) {
      size_t i = 0;
      while (p.spec.stages[i].name != start.stage) ++i;
      auto stage =
          SubstituteStage(p.spec.stages[i], vars, "spec.stages[" + std::to_string(i) + "]");
      ASSERT_TRUE(stage.ok()) << stage.error().message;
      auto job = BuildJob({&p, vars.run_id, vars.run_number, vars.revision, vars.source_ref,
                           stage.value(), start.attempt, std::nullopt, kDefaultGitImage});
      ASSERT_TRUE(job.ok()) << job.error().message;
      std::string name = (*job)["metadata"]["name"];
      wave.push_back(name);
      jobs[name] = *job;
      bool fail = start.stage == "unit-test" && !unit_failed_once;
      unit_failed_once |= fail;
      StageOutcome out = Finish(*job, fail);
      states[start.stage] = {
          out.state == JobState::kSucceeded ? StagePhase::kSucceeded : StagePhase::kFailed,
          start.attempt};
      if (out.state == JobState::kSucceeded) vars.results[start.stage] = out.result;
    }
    waves.push_back(wave);
  }
  EXPECT_EQ(PlanRun(p.spec.stages, states).outcome, RunOutcome::kSucceeded);
  const std::vector<std::vector<std::string>> want = {
      {"churn-model-7-lint", "churn-model-7-unit-test"},
      {"churn-model-7-unit-test-r2"},
      {"churn-model-7-build"},
      {"churn-model-7-smoke-test"}};
  EXPECT_EQ(waves, want);
  const Json& smoke = jobs["churn-model-7-smoke-test"]["spec"]["template"]["spec"];
  EXPECT_EQ(smoke["containers"][0]["image"],
            std::string("registry.example.com/ml/churn-model@") + kDigest);
  EXPECT_FALSE(smoke.contains("initContainers"));  // checkout: false
  const Json& build = jobs["churn-model-7-build"]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(build["args"][2],
            "--destination=registry.example.com/ml/churn-model:" + std::string(kRevision));

  auto release_docs = LoadYamlFile(SourcePath("config/samples/release_canary_model.yaml"));
  auto release = api::DecodeRelease(release_docs.at(0));
  ASSERT_TRUE(release.ok());
  auto handoff = SubstituteHandoff(*p.spec.handoff, vars);
  ASSERT_TRUE(handoff.ok()) << handoff.error().message;
  auto container = HandoffContainer(*handoff, *release, {});
  ASSERT_TRUE(container.ok());
  auto apply = BuildHandoffApply(*handoff, p.metadata.namespace_, *container);
  ASSERT_TRUE(apply.ok()) << apply.error().message;
  EXPECT_EQ((*apply)["metadata"]["name"], release->metadata.name);
  EXPECT_EQ((*apply)["spec"]["version"], kRevision);
  EXPECT_EQ((*apply)["spec"]["template"]["containers"][0],
            Json({{"name", "server"},
                  {"image", std::string("registry.example.com/ml/churn-model@") + kDigest}}));
  EXPECT_FALSE(HandoffApplied(*release, *handoff, *container));
}

}  // namespace
}  // namespace ferry::pipeline
