// The store's rules of who may write what, whatever calls it: the role an actor has
// bounds what it files, changes and moves through the review.
#include <gtest/gtest.h>

#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "store/registry.hpp"

namespace {

using namespace minemap;

core::Record item(const std::string& workflow) {
  core::Record r;
  r.workflow = workflow;
  r.fields["category"] = std::string("UXO");
  r.geometry = core::Geometry::point(20.1, 45.1);
  return r;
}

TEST(WorkflowRules, RolesBoundWhatAnActorWritesAndMoves) {
  testing_support::TempDir dir;
  auto reg = store::Registry::open(dir.file("s.gpkg"), true);
  const auto& items = core::spec(core::Entity::Item);
  const store::Actor viewer{"guest", "viewer"}, clerk{"ops1", "data_entry"},
      verifier{"amina", "verifier"};

  // A data entry clerk files drafts only; a viewer files nothing.
  EXPECT_THROW(reg.add(items, item("approved"), clerk), core::Forbidden);
  EXPECT_THROW(reg.add(items, item("draft"), viewer), core::Forbidden);
  const std::string id = reg.add(items, item("draft"), clerk).id;
  EXPECT_EQ(reg.get(items, id).workflow, "draft");

  // A viewer changes nothing; an update never moves the workflow, whatever its patch says.
  core::Record patch;
  patch.fields["quantity"] = std::int64_t{2};
  EXPECT_THROW(reg.update(items, id, patch, viewer), core::Forbidden);
  patch.workflow = "approved";
  reg.update(items, id, patch, clerk);
  EXPECT_EQ(reg.get(items, id).workflow, "draft");
  EXPECT_EQ(reg.get(items, id).integer("quantity"), 2);

  // Steps by role and state.
  EXPECT_THROW(reg.transition(items, id, store::Step::Submit, "", viewer), core::Forbidden);
  EXPECT_THROW(reg.transition(items, id, store::Step::Approve, "", verifier), core::Conflict);
  auto sub = reg.transition(items, id, store::Step::Submit, "", clerk);
  EXPECT_EQ(sub.workflow, "submitted");
  EXPECT_THROW(reg.transition(items, id, store::Step::Approve, "", clerk), core::Forbidden);
  EXPECT_THROW(reg.transition(items, id, store::Step::Reject, "", verifier), core::InputError);
  EXPECT_EQ(reg.transition(items, id, store::Step::Approve, "", verifier).workflow, "approved");
  EXPECT_THROW(reg.transition(items, id, store::Step::Submit, "", clerk), core::Conflict);

  // Derived layers are not reviewed; settings are for admins and known keys only.
  EXPECT_THROW(
      reg.transition(core::spec(core::Entity::AdminArea), "ADM-1", store::Step::Submit, "", clerk),
      core::InputError);
  EXPECT_THROW(reg.set_setting(store::kFourEyes, "off", "", verifier), core::Forbidden);
  EXPECT_THROW(reg.setting("colour"), core::InputError);
  EXPECT_EQ(reg.setting(store::kFourEyes), "on");
}

}  // namespace
