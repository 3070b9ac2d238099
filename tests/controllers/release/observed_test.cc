#include "operator/controllers/release/observed.h"

#include <gtest/gtest.h>

#include "tests/controllers/release/fixture.h"

namespace ferry::release {
namespace {

TEST(ObserveDeployment, ReadsSpecStatusAndOwnership) {
  Json d = testing::TargetJson("reg/churn:v1", 4);
  d["metadata"]["ownerReferences"] =
      Json::parse(R"([{"uid": "x", "controller": false}, {"uid": "rel", "controller": true}])");
  d["metadata"]["annotations"] = {{kAnnotationTemplateHash, "abc"}};
  d["status"]["conditions"] = Json::parse(
      R"([{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}])");
  const ObservedDeployment o = ObserveDeployment(d);
  EXPECT_TRUE(o.exists);
  EXPECT_EQ(o.name, "churn");
  EXPECT_EQ(o.controllerUid, "rel");
  EXPECT_EQ(o.ferryHash, "abc");
  EXPECT_EQ(o.specReplicas, 4);
  EXPECT_EQ(o.availableReplicas, 4);
  EXPECT_EQ(o.templateHash, TemplateHash(d["spec"]["template"]));
  ASSERT_EQ(o.conditions.size(), 1u);
  EXPECT_EQ(o.conditions[0].reason, "NewReplicaSetAvailable");
  EXPECT_FALSE(ObserveDeployment(Json()).exists);
  Json no_replicas = d;
  no_replicas["spec"].erase("replicas");
  EXPECT_EQ(ObserveDeployment(no_replicas).specReplicas, 1);  // the Kubernetes default
}

// A Deployment's generations and replica counts, as its status reports them.
struct Counts {
  int64_t gen, observed;
  int32_t spec, replicas, updated, available;
};

ObservedDeployment Observed(const Counts& c) {
  ObservedDeployment d;
  d.exists = true;
  d.generation = c.gen;
  d.observedGeneration = c.observed;
  d.specReplicas = c.spec;
  d.replicas = c.replicas;
  d.updatedReplicas = c.updated;
  d.availableReplicas = c.available;
  return d;
}

TEST(RolloutComplete, KubectlRolloutStatusSemantics) {
  struct Case {
    const char* what;
    Counts counts;
    bool want;
  } cases[] = {
      {"complete", {2, 2, 3, 3, 3, 3}, true},
      {"spec not observed yet", {3, 2, 3, 3, 3, 3}, false},
      {"old replicas left", {2, 2, 3, 4, 3, 3}, false},
      {"not all updated", {2, 2, 3, 3, 2, 3}, false},
      {"updated not available", {2, 2, 3, 3, 3, 2}, false},
      {"scaled to zero", {2, 2, 0, 0, 0, 0}, true},
  };
  for (const auto& c : cases) EXPECT_EQ(RolloutComplete(Observed(c.counts)), c.want) << c.what;
}

TEST(RolloutProgress, CountsOnlyOnceTheControllerSawTheSpec) {
  struct Case {
    Counts counts;
    std::string want;
  } cases[] = {
      {{2, 2, 4, 4, 3, 2}, "3 updated, 2 available of 4"},
      {{2, 2, 4, 4, 0, 4}, "0 updated, 4 available of 4"},
      // Just after an apply the counts still describe the previous template.
      {{3, 2, 4, 4, 4, 4}, "waiting for the Deployment controller to observe generation 3"},
  };
  for (const auto& c : cases) EXPECT_EQ(RolloutProgress(Observed(c.counts)), c.want);
}

TEST(ProgressDeadlineExceeded, FromTheDeploymentCondition) {
  // As recorded from a real kube-apiserver (kube-transcripts/deployment/22-...).
  ObservedDeployment d;
  d.exists = true;
  d.generation = d.observedGeneration = 1;
  d.conditions = {{"Available", "False", "MinimumReplicasUnavailable", ""},
                  {"Progressing", "False", "ProgressDeadlineExceeded",
                   "ReplicaSet \"stuck-849f99b5db\" has timed out progressing."}};
  EXPECT_TRUE(ProgressDeadlineExceeded(d));
  d.generation = 2;  // a newer spec resets the deadline
  EXPECT_FALSE(ProgressDeadlineExceeded(d));
  d.observedGeneration = 2;
  d.conditions[1] = {"Progressing", "True", "ReplicaSetUpdated", ""};
  EXPECT_FALSE(ProgressDeadlineExceeded(d));
}

Json Pod(const std::string& name, Json statuses, bool deleting = false) {
  Json p = {{"metadata", {{"name", name}}}, {"status", {{"containerStatuses", statuses}}}};
  if (deleting) p["metadata"]["deletionTimestamp"] = "2026-11-25T10:00:00Z";
  return p;
}

TEST(SummarizePods, CrashLoopBackOffOrTooManyRestarts) {
  const Json ok =
      Json::parse(R"([{"name": "server", "restartCount": 0, "state": {"running": {}}}])");
  const Json looping = Json::parse(
      R"([{"name": "server", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}])");
  const Json restarting =
      Json::parse(R"([{"name": "server", "restartCount": 3, "state": {"running": {}}}])");
  EXPECT_EQ(SummarizePods({Pod("a", ok), Pod("b", ok)}).crashLooping, 0);
  PodHealth h = SummarizePods({Pod("a", ok), Pod("b", looping), Pod("c", restarting)});
  EXPECT_EQ(h.crashLooping, 2);
  EXPECT_EQ(h.message, "pod b: container server CrashLoopBackOff (2 restarts)");
  EXPECT_EQ(SummarizePods({Pod("b", looping, true)}).crashLooping, 0);  // being deleted
  EXPECT_EQ(SummarizePods({Pod("c", restarting)}, 5).crashLooping, 0);
  Json init = {{"metadata", {{"name", "d"}}}, {"status", {{"initContainerStatuses", looping}}}};
  EXPECT_EQ(SummarizePods({init}).crashLooping, 1);
}

}  // namespace
}  // namespace ferry::release
