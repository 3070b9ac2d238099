#include "operator/controllers/pipeline/substitution.h"

#include <gtest/gtest.h>

namespace ferry::pipeline {
namespace {

RunVariables Vars() {
  RunVariables v;
  v.revision = "3f2c9a1";
  v.run_id = "churn-model-7";
  v.run_number = 7;
  v.source_url = "https://github.com/acme/churn-model.git";
  v.source_ref = "main";
  v.results = {{"build", "sha256:4c1d"}, {"lint", ""}};
  return v;
}

TEST(Substitute, Table) {
  struct Case {
    std::string text;
    std::string want;   // "" with error set
    std::string error;  // substring of the error
  };
  const std::vector<Case> cases = {
      {"plain", "plain", ""},
      {"", "", ""},
      {"reg/app:$(revision)", "reg/app:3f2c9a1", ""},
      {"$(run.id)/$(run.number)", "churn-model-7/7", ""},
      {"$(source.url)@$(source.ref)", "https://github.com/acme/churn-model.git@main", ""},
      {"reg/app@$(stages.build.result)", "reg/app@sha256:4c1d", ""},
      {"[$(stages.lint.result)]", "[]", ""},
      {"$(HOME)/x $(MY_VAR)", "$(HOME)/x $(MY_VAR)", ""},
      {"$$(revision) stays escaped", "$$(revision) stays escaped", ""},
      {"$$(revision)-$(revision)", "$$(revision)-3f2c9a1", ""},
      {"unterminated $(revision", "unterminated $(revision", ""},
      {"$(revision)$(revision)", "3f2c9a13f2c9a1", ""},
      {"$(stages.test.result)", "",
       "F: $(stages.test.result) is not available: stage \"test\" has not succeeded"},
      {"$(run.name)", "", "F: unknown variable $(run.name)"},
      {"$(stages.build.output)", "", "F: unknown variable $(stages.build.output)"},
      {"$(source.revision)", "", "unknown variable"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = Substitute(c.text, Vars(), "F");
    if (c.error.empty()) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got.value(), c.want);
    } else {
      ASSERT_FALSE(got.ok());
      EXPECT_NE(got.error().message.find(c.error), std::string::npos) << got.error().message;
    }
  }
}

TEST(Substitute, EmptyRevisionIsAnErrorWithTheFix) {
  RunVariables v = Vars();
  v.revision.clear();
  auto got = Substitute("app:$(revision)", v, "spec.stages[0].args[1]");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("spec.stages[0].args[1]: $(revision) is not known"),
            std::string::npos);
  EXPECT_NE(got.error().message.find("ferry.dev/run-revision"), std::string::npos);
}

TEST(SubstituteStage, EveryFieldAndEveryError) {
  api::Stage s;
  s.name = "smoke";
  s.image = "reg/app@$(stages.build.result)";
  s.command = {"run", "$(run.id)"};
  s.args = {"--rev=$(revision)", "$(HOME)"};
  s.env = {{"A", "$(source.ref)", std::nullopt}, {"B", "", api::EnvVarSource{}}};
  auto got = SubstituteStage(s, Vars(), "spec.stages[3]");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->image, "reg/app@sha256:4c1d");
  EXPECT_EQ(got->command, (std::vector<std::string>{"run", "churn-model-7"}));
  EXPECT_EQ(got->args, (std::vector<std::string>{"--rev=3f2c9a1", "$(HOME)"}));
  EXPECT_EQ(got->env[0].value, "main");
  EXPECT_EQ(got->name, "smoke");

  s.args = {"$(stages.nope.result)"};
  s.env[0].value = "$(run.bad)";
  auto bad = SubstituteStage(s, Vars(), "spec.stages[3]");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("spec.stages[3].args[0]: $(stages.nope.result)"),
            std::string::npos);
  EXPECT_NE(bad.error().message.find("; spec.stages[3].env[0].value: unknown variable $(run.bad)"),
            std::string::npos);
}

TEST(SubstituteHandoff, ImageVersionAndEnv) {
  api::Handoff h;
  h.releaseRef.name = "churn-model";
  h.image = "reg/app@$(stages.build.result)";
  h.env = {{"MODEL_URI", "s3://models/$(revision)/"}};
  auto got = SubstituteHandoff(h, Vars());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->image, "reg/app@sha256:4c1d");
  EXPECT_EQ(got->version, "3f2c9a1");  // the default "$(revision)"
  EXPECT_EQ(got->env[0].value, "s3://models/3f2c9a1/");

  h.image = "reg/app@$(stages.push.result)";
  auto bad = SubstituteHandoff(h, Vars());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("spec.handoff.image: $(stages.push.result)"),
            std::string::npos);
}

}  // namespace
}  // namespace ferry::pipeline
