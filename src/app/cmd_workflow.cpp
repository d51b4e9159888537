#include "app/cmd_workflow.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli_util.hpp"
#include "core/schema.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct StepArgs {
  std::string store, entity, id, reason, if_version;
  bool json = false;
};

int run_step(const StepArgs& a, store::Step step) {
  const auto& spec = core::spec_by_name(a.entity);
  auto reg = store::Registry::open(a.store, false);
  auto res = reg.transition(spec, a.id, step, a.reason, current_actor(), a.if_version);
  if (a.json) {
    std::cout << nlohmann::json{{"id", res.id},
                                {"workflow", res.workflow},
                                {"children", res.children}}
                     .dump()
              << '\n';
    return 0;
  }
  std::cout << res.id << ' ' << res.workflow << '\n';
  for (const auto& c : res.children) std::cout << c << ' ' << res.workflow << '\n';
  return 0;
}

}  // namespace

void add_workflow_commands(CLI::App& app, std::function<int()>& run) {
  static StepArgs a;
  struct Help {
    store::Step step;
    const char* name;
    const char* what;
    const char* example;
  };
  static const Help kSteps[] = {
      {store::Step::Submit, "submit", "Submit a draft (or rejected) report for review",
       "  minemap submit field.gpkg accidents ACC-000012"},
      {store::Step::Approve, "approve", "Approve a submitted report: it becomes public",
       "  MINEMAP_USER=verifier2 minemap approve field.gpkg accidents ACC-000012"},
      {store::Step::Reject, "reject", "Reject a submitted report, saying why",
       "  minemap reject field.gpkg accidents ACC-000012 --reason 'no date of the accident'"},
  };
  for (const auto& h : kSteps) {
    auto* c = app.add_subcommand(h.name, h.what);
    c->add_option("STORE", a.store)->required();
    c->add_option("ENTITY", a.entity, entity_help(/*reviewed_only=*/true))->required();
    c->add_option("ID", a.id)->required();
    auto* reason = c->add_option("--reason", a.reason, "why, kept in the audit trail");
    if (h.step == store::Step::Reject) reason->required();
    c->add_flag("--json", a.json, "as JSON: {id, workflow, children}");
    c->add_option("--if-version", a.if_version,
                  "only if the report is still at this version (`minemap get` shows it): "
                  "else exit 2, nothing changed (someone changed it since)");
    c->footer(
        std::string("The report's children in its state move with it (an accident's victims, an\n"
                    "activity's land released); a draft or rejected child stays for its own\n"
                    "review, and a child is approved only with or after its parent. Whoever\n"
                    "filed or submitted a report may not approve it (four eyes; see `minemap\n"
                    "settings`). The actor is $MINEMAP_USER (else $USER), as the store's owner.\n"
                    "Example:\n") +
        h.example);
    const store::Step step = h.step;
    c->callback([&run, step] { run = [step] { return run_step(a, step); }; });
  }

  static std::string key, value, reason, store_path;
  auto* s = app.add_subcommand("settings", "Show or change the store's settings");
  s->add_option("STORE", store_path)->required();
  s->add_option("KEY", key, "four_eyes");
  s->add_option("VALUE", value, "on or off");
  s->add_option("--reason", reason, "why, kept in the audit trail");
  s->footer(
      "four_eyes (on by default): whoever filed or submitted a report may not approve it.\n"
      "A one-person office turns it off; the change is audited.\n"
      "Examples:\n"
      "  minemap settings field.gpkg\n"
      "  minemap settings field.gpkg four_eyes off --reason 'one officer until May'");
  s->callback([&run] {
    run = [] {
      if (!value.empty()) {
        auto reg = store::Registry::open(store_path, false);
        reg.set_setting(key, value, reason, current_actor());
        std::cout << key << ' ' << value << '\n';
        return 0;
      }
      auto reg = store::Registry::open(store_path, false);
      if (!key.empty()) {
        std::cout << key << ' ' << reg.setting(key) << '\n';
        return 0;
      }
      std::cout << store::kFourEyes << ' ' << reg.setting(store::kFourEyes) << '\n';
      return 0;
    };
  });
}

}  // namespace minemap::app
