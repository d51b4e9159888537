// The store's rules of who may write what, whatever calls it: the role an actor has
// bounds what it files, changes and moves through the review. On both backends.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "on_each_backend.hpp"
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

class WorkflowRules : public testing_store::OnEachBackend {};
MINEMAP_ON_EACH_BACKEND(WorkflowRules);

TEST_P(WorkflowRules, RolesBoundWhatAnActorWritesAndMoves) {
  auto reg = create();
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

// Editing a report under review: drafts and rejected reports only, a data entry clerk
// only their own, and an edit made from a version that is no longer the record's is
// refused (optimistic concurrency), naming the record.
TEST_P(WorkflowRules, ReportsAreEditedWhileDraftOrRejectedFromTheirLatestVersion) {
  auto reg = create();
  const auto& items = core::spec(core::Entity::Item);
  const store::Actor clerk{"ops1", "data_entry"}, other{"ops2", "data_entry"},
      verifier{"amina", "verifier"};
  const std::string id = reg.add(items, item("draft"), clerk).id;
  const std::string v1 = reg.version(items, id);
  EXPECT_EQ(v1.size(), 64u);  // the hash of the audit entry that last wrote it

  core::Record patch;
  patch.fields["quantity"] = std::int64_t{3};
  // Another clerk may not edit it; its filer may, from the version read.
  EXPECT_THROW(reg.edit_report(items, id, patch, other, v1), core::Forbidden);
  reg.edit_report(items, id, patch, clerk, v1);
  EXPECT_EQ(reg.get(items, id).integer("quantity"), 3);
  const std::string v2 = reg.version(items, id);
  EXPECT_NE(v2, v1);
  // The same version again is stale now: refused, nothing written, the record named.
  patch.fields["quantity"] = std::int64_t{4};
  try {
    reg.edit_report(items, id, patch, clerk, v1);
    ADD_FAILURE() << "a stale edit was applied";
  } catch (const core::StaleVersion& e) {
    EXPECT_NE(std::string(e.what()).find(id), std::string::npos) << e.what();
  }
  EXPECT_EQ(reg.get(items, id).integer("quantity"), 3);
  EXPECT_EQ(reg.version(items, id), v2);
  // No version given: applied to the latest.
  reg.edit_report(items, id, patch, clerk);
  EXPECT_EQ(reg.get(items, id).integer("quantity"), 4);

  // Submitted: not editable until rejected; then editable and submitted again.
  reg.transition(items, id, store::Step::Submit, "", clerk);
  EXPECT_THROW(reg.edit_report(items, id, patch, clerk), core::Conflict);
  reg.transition(items, id, store::Step::Reject, "the quantity is not in the report", verifier);
  patch.fields["quantity"] = std::int64_t{5};
  reg.edit_report(items, id, patch, clerk, reg.version(items, id));
  EXPECT_EQ(reg.get(items, id).workflow, "rejected");  // an edit does not move it
  EXPECT_EQ(reg.transition(items, id, store::Step::Submit, "", clerk).workflow, "submitted");
  // A verifier may correct a rejected report of anyone's; approved ones are not edited here.
  reg.transition(items, id, store::Step::Reject, "still wrong", verifier);
  patch.fields["quantity"] = std::int64_t{6};
  reg.edit_report(items, id, patch, verifier);
  reg.transition(items, id, store::Step::Submit, "", clerk);
  // Who edited it does not approve it (four eyes); another verifier does.
  try {
    reg.transition(items, id, store::Step::Approve, "", verifier);
    ADD_FAILURE() << "approved by the verifier who edited it";
  } catch (const core::Forbidden& e) {
    EXPECT_NE(std::string(e.what()).find("edited by amina"), std::string::npos) << e.what();
  }
  const store::Actor second{"bea", "verifier"};
  reg.transition(items, id, store::Step::Approve, "", second);
  EXPECT_EQ(reg.get(items, id).integer("quantity"), 6);
  EXPECT_THROW(reg.edit_report(items, id, patch, verifier), core::Conflict);
  EXPECT_THROW(reg.edit_report(items, "IT-999999", patch, clerk), core::NotFound);
  EXPECT_FALSE(reg.verify_audit().has_value());
}

}  // namespace
