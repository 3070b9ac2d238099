// Decoded Release and Pipeline objects in known states, shared by the plugin's unit tests.
#pragma once

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"

namespace ferry::plugin::testing {

// 2026-11-25T10:00:00Z: "now" in every rendering test.
inline api::Time Now() { return api::ParseTime("2026-11-25T10:00:00Z").value(); }
inline api::Time Ago(int seconds) { return Now() - std::chrono::seconds(seconds); }

// Canary churn-model v7 in ml-serving at step 2 of 4 (setWeight 10, pause 5m, analysis, setWeight
// 100), weight 10, stable v6 4/4 ready, canary 1/1, pause step started 2 minutes ago.
inline api::Release CanaryRelease() {
  api::Release r;
  r.metadata.name = "churn-model";
  r.metadata.namespace_ = "ml-serving";
  r.metadata.generation = 3;
  r.metadata.creationTimestamp = Ago(3 * 24 * 3600);
  r.spec.version = "v7";
  r.spec.targetRef.name = "churn-model";
  api::CanaryStrategy canary;
  canary.steps.resize(4);
  canary.steps[0].setWeight = 10;
  canary.steps[1].pause = api::PauseStep{"5m"};
  canary.steps[2].analysis = api::AnalysisRef{};
  canary.steps[2].analysis->metrics = {"error-rate", "p99-latency"};
  canary.steps[3].setWeight = 100;
  r.spec.strategy.canary = canary;
  auto& s = r.status;
  s.observedGeneration = 3;
  s.phase = api::kReleasePaused;
  s.currentStepIndex = 1;
  s.stepCount = 4;
  s.stepStartTime = Ago(120);
  s.startTime = Ago(300);
  s.canaryWeight = 10;
  s.stable = {"v6", "5d8f7c", "churn-model", 4, 4, 4};
  s.canary = api::VersionStatus{"v7", "7b9c2d", "churn-model-canary", 1, 1, 1};
  s.pauseConditions.push_back({api::kPauseCanaryStep, Ago(120)});
  return r;
}

// A Pipeline running run 12 (lint succeeded, build running, smoke pending).
inline api::Pipeline RunningPipeline() {
  api::Pipeline p;
  p.metadata.name = "churn-model";
  p.metadata.namespace_ = "ml-serving";
  p.metadata.generation = 1;
  p.metadata.creationTimestamp = Ago(7 * 24 * 3600);
  p.spec.source.ref = "main";
  p.status.observedGeneration = 1;
  p.status.phase = api::kRunRunning;
  p.status.currentStage = "build";
  api::PipelineRun run;
  run.id = "churn-model-12";
  run.number = 12;
  run.revision = "3f2c9a1d0e";
  run.ref = "main";
  run.trigger.type = api::kTriggerWebhook;
  run.phase = api::kRunRunning;
  run.startTime = Ago(200);
  api::StageStatus lint{"lint", api::kRunSucceeded, "churn-model-12-lint", 1, "", "", Ago(200), Ago(158)};
  api::StageStatus build{"build", api::kRunRunning, "churn-model-12-build", 1, "", "", Ago(150)};
  api::StageStatus smoke{"smoke-test", "", "", 0, "", ""};
  run.stages = {lint, build, smoke};
  p.status.currentRun = run;
  return p;
}

}  // namespace ferry::plugin::testing
